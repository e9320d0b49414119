/*
 * internet_gateway.c - the internet gateway attached to the stack's VPC.
 *
 * Created tagged, then attached: a kill between the two leaves a detached
 * gateway that the next read finds (by tag) and reports as drift, and update
 * attaches it. Remove detaches from every VPC, then deletes.
 *
 * Variant "default" (network.vpc = default): the gateway already attached to
 * the default VPC (a VPC takes only one). Found by attachment, never created
 * or deleted.
 *
 * r->state is "attached" or "detached". Output: internet_gateway_id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/ec2_common.h"
#include "stack/description.h"

static bool is_default(const resource *r)
{
    return r->variant && strcmp(r->variant, "default") == 0;
}

/* The VPC the gateway is attached to ("" when none). */
static void attached_vpc(xmlNodePtr item, char *out, size_t size)
{
    ec2_text(ec2_first_item(ec2_child(item, "attachmentSet")), "vpcId", out, size);
}

static void publish(op_ctx *ctx, resource *r, xmlNodePtr item)
{
    char id[64], vpc[64];
    ec2_text(item, "internetGatewayId", id, sizeof id);
    attached_vpc(item, vpc, sizeof vpc);
    ec2_publish(r, id, "internet_gateway_id", vpc[0] ? "attached" : "detached");
    const char *wanted = stack_output(ctx->stack, ROLE_VPC, "vpc_id");
    if (wanted && strcmp(vpc, wanted) != 0)
        resource_add_drift(r, "attached_vpc", vpc, wanted);
}

static int internet_gateway_read(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    int rc;
    if (is_default(r)) {
        const char *vpc_id = stack_output(ctx->stack, ROLE_VPC, "vpc_id");
        if (!vpc_id)
            return 0;
        aws_params p = {0};
        ec2_add_filter(&p, 1, "attachment.vpc-id", vpc_id);
        rc = ec2_call(ctx, "DescribeInternetGateways", &p, &doc, err);
        item = rc == 0 ? ec2_set_first(doc, "internetGatewaySet") : NULL;
    } else {
        rc = ec2_find_tagged(ctx, r, "DescribeInternetGateways", "internetGatewaySet", "", NULL,
                             &doc, &item, err);
    }
    if (item)
        publish(ctx, r, item);
    xmlFreeDoc(doc);
    return rc;
}

static int attach(op_ctx *ctx, const char *action, const char *gateway_id, const char *vpc_id,
                  base_error *err)
{
    aws_params p = {0};
    aws_params_add(&p, "InternetGatewayId", gateway_id);
    aws_params_add(&p, "VpcId", vpc_id);
    return ec2_call(ctx, action, &p, NULL, err);
}

static int internet_gateway_create(op_ctx *ctx, resource *r, base_error *err)
{
    if (is_default(r)) {
        TRY(internet_gateway_read(ctx, r, err));
        ENSURE(r->exists, err, BASE_ERROR_CONFIG, "NoDefaultInternetGateway",
               "the default VPC has no internet gateway attached; attach one or set "
               "network.vpc = new");
        return 0;
    }
    const char *vpc_id;
    TRY(ec2_required_output(ctx, ROLE_VPC, "vpc_id", &vpc_id, err));
    aws_params p = {0};
    stack_add_ec2_tag_specifications(ctx->stack, r, "internet-gateway", &p);
    xmlDocPtr doc = NULL;
    TRY(ec2_call(ctx, "CreateInternetGateway", &p, &doc, err));
    char id[64];
    ec2_text(ec2_child(xmlDocGetRootElement(doc), "internetGateway"), "internetGatewayId", id,
             sizeof id);
    xmlFreeDoc(doc);
    ENSURE(id[0], err, BASE_ERROR_PARSE, "MalformedResponse",
           "CreateInternetGateway gave no internetGatewayId");
    ec2_publish(r, id, "internet_gateway_id", "detached");
    TRY(attach(ctx, "AttachInternetGateway", id, vpc_id, err));
    snprintf(r->state, sizeof r->state, "attached");
    return 0;
}

/* Detaches the gateway from whatever VPC it is attached to but keep_vpc. */
static int detach_others(op_ctx *ctx, const resource *r, const char *keep_vpc, bool *kept,
                         base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    *kept = false;
    TRY(ec2_describe_id(ctx, "DescribeInternetGateways", "InternetGatewayId.1", r->id,
                        "internetGatewaySet", &doc, &item, err));
    int rc = 0;
    for (xmlNodePtr a = ec2_first_item(ec2_child(item, "attachmentSet")); a && rc == 0;
         a = ec2_next_item(a)) {
        char vpc[64];
        ec2_text(a, "vpcId", vpc, sizeof vpc);
        if (keep_vpc && strcmp(vpc, keep_vpc) == 0)
            *kept = true;
        else if (vpc[0])
            rc = attach(ctx, "DetachInternetGateway", r->id, vpc, err);
    }
    xmlFreeDoc(doc);
    return rc;
}

static int internet_gateway_update(op_ctx *ctx, resource *r, base_error *err)
{
    if (is_default(r))
        return 0;
    const char *vpc_id;
    bool attached = false;
    TRY(ec2_required_output(ctx, ROLE_VPC, "vpc_id", &vpc_id, err));
    TRY(detach_others(ctx, r, vpc_id, &attached, err));
    if (!attached)
        TRY(attach(ctx, "AttachInternetGateway", r->id, vpc_id, err));
    snprintf(r->state, sizeof r->state, "attached");
    return 0;
}

static int internet_gateway_remove(op_ctx *ctx, resource *r, base_error *err)
{
    if (is_default(r))
        return 0; /* the default VPC's own */
    bool unused;
    /* AWS refuses to detach while mapped public addresses remain in the VPC
     * (a NAT gateway still being deleted): the walker tries again later. */
    if (detach_others(ctx, r, NULL, &unused, err) != 0)
        return ec2_dependency_retryable(err);
    return ec2_delete(ctx, "DeleteInternetGateway", "InternetGatewayId", r->id, err);
}

const resource_ops internet_gateway_ops = {
    .kind = "internet gateway",
    .read = internet_gateway_read,
    .create = internet_gateway_create,
    .update = internet_gateway_update,
    .remove = internet_gateway_remove,
};

/*
 * vpc.c - the stack's VPC.
 *
 * Variant "new": a VPC of the stack's own, found by its tags, created with
 * network.cidr and the tags in the same call (a kill right after CreateVpc
 * cannot leave an untagged VPC behind), with DNS support and DNS hostnames on
 * (gateway endpoints and ElastiCache's endpoint names need them). A VPC's
 * CIDR cannot change in place: that drift is reported, and update refuses it.
 *
 * Deleting is refused (DependencyViolation) while anything is left in the
 * VPC, Lambda's lingering network interfaces above all: the walk waits up to
 * 45 minutes, saying what remains.
 *
 * Variant "default": the account's default VPC (isDefault). It is not ours:
 * create only says that there is none, and remove never deletes it.
 *
 * Outputs: vpc_id, and cidr_block (subnet.c carves the subnets from it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/ec2_common.h"

static bool is_default(const resource *r)
{
    return r->variant && strcmp(r->variant, "default") == 0;
}

/* Whether the VPC attribute (enableDnsSupport / enableDnsHostnames) is on. */
static int attribute_on(op_ctx *ctx, const char *vpc_id, const char *attribute, bool *on,
                        base_error *err)
{
    aws_params p = {0};
    aws_params_add(&p, "VpcId", vpc_id);
    aws_params_add(&p, "Attribute", attribute);
    xmlDocPtr doc = NULL;
    TRY(ec2_call(ctx, "DescribeVpcAttribute", &p, &doc, err));
    *on = ec2_text_is(ec2_child(xmlDocGetRootElement(doc), attribute), "value", "true");
    xmlFreeDoc(doc);
    return 0;
}

static int enable_attribute(op_ctx *ctx, const char *vpc_id, const char *param, base_error *err)
{
    aws_params p = {0};
    aws_params_add(&p, "VpcId", vpc_id);
    aws_params_add(&p, param, "true");
    return ec2_call(ctx, "ModifyVpcAttribute", &p, NULL, err);
}

static const struct {
    const char *attribute; /* DescribeVpcAttribute's name */
    const char *param;     /* ModifyVpcAttribute's parameter */
} dns_settings[] = {
    {"enableDnsSupport", "EnableDnsSupport.Value"},
    {"enableDnsHostnames", "EnableDnsHostnames.Value"},
};

static void publish(resource *r, xmlNodePtr item)
{
    char id[64], state[32], cidr[32];
    ec2_text(item, "vpcId", id, sizeof id);
    ec2_text(item, "state", state, sizeof state);
    ec2_text(item, "cidrBlock", cidr, sizeof cidr);
    ec2_publish(r, id, "vpc_id", state);
    resource_set_output(r, "cidr_block", cidr);
}

static int vpc_read(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    if (is_default(r)) {
        aws_params p = {0};
        ec2_add_filter(&p, 1, "isDefault", "true");
        TRY(ec2_call(ctx, "DescribeVpcs", &p, &doc, err));
        item = ec2_set_first(doc, "vpcSet");
    } else if (ec2_find_tagged(ctx, r, "DescribeVpcs", "vpcSet", "", NULL, &doc, &item, err) != 0) {
        xmlFreeDoc(doc);
        return -1;
    }
    if (item)
        publish(r, item);
    xmlFreeDoc(doc);
    if (!item || is_default(r))
        return 0;

    const char *wanted = ctx->cfg->network.cidr;
    if (strcmp(resource_output(r, "cidr_block"), wanted) != 0)
        resource_add_drift(r, "cidr_block", resource_output(r, "cidr_block"), wanted);
    for (size_t i = 0; i < sizeof dns_settings / sizeof dns_settings[0]; i++) {
        bool on = false;
        TRY(attribute_on(ctx, r->id, dns_settings[i].attribute, &on, err));
        if (!on)
            resource_add_drift(r, dns_settings[i].attribute, "false", "true");
    }
    return 0;
}

static int vpc_create(op_ctx *ctx, resource *r, base_error *err)
{
    if (is_default(r)) {
        TRY(vpc_read(ctx, r, err));
        ENSURE(r->exists, err, BASE_ERROR_CONFIG, "NoDefaultVpc",
               "network.vpc = default, but region %s has no default VPC (create one with "
               "`aws ec2 create-default-vpc`, or set network.vpc = new)",
               stack_region(ctx->stack));
        return 0;
    }
    aws_params p = {0};
    aws_params_add(&p, "CidrBlock", ctx->cfg->network.cidr);
    stack_add_ec2_tag_specifications(ctx->stack, r, "vpc", &p);
    xmlDocPtr doc = NULL;
    TRY(ec2_call(ctx, "CreateVpc", &p, &doc, err));
    xmlNodePtr vpc = ec2_child(xmlDocGetRootElement(doc), "vpc");
    if (vpc)
        publish(r, vpc);
    xmlFreeDoc(doc);
    ENSURE(vpc && r->id[0], err, BASE_ERROR_PARSE, "MalformedResponse", "CreateVpc gave no vpcId");
    /* DNS support is on by default; hostnames are not. Set both, so a VPC
     * whose defaults differ still ends as the config says. */
    for (size_t i = 0; i < sizeof dns_settings / sizeof dns_settings[0]; i++)
        TRY(enable_attribute(ctx, r->id, dns_settings[i].param, err));
    return 0;
}

static int vpc_update(op_ctx *ctx, resource *r, base_error *err)
{
    if (is_default(r))
        return 0;
    for (size_t i = 0; i < sizeof dns_settings / sizeof dns_settings[0]; i++) {
        bool on = false;
        TRY(attribute_on(ctx, r->id, dns_settings[i].attribute, &on, err));
        if (!on)
            TRY(enable_attribute(ctx, r->id, dns_settings[i].param, err));
    }
    const char *live = resource_output(r, "cidr_block");
    ENSURE(!live || strcmp(live, ctx->cfg->network.cidr) == 0, err, BASE_ERROR_CONFIG,
           "CannotChangeCidr",
           "VPC %s has CIDR %s, config says %s: a VPC's CIDR cannot change in place "
           "(run `scribblectl down`, then `up`, or set network.cidr back)",
           r->id, live, ctx->cfg->network.cidr);
    return 0;
}

static int vpc_remove(op_ctx *ctx, resource *r, base_error *err)
{
    if (is_default(r))
        return 0; /* never ours to delete */
    return ec2_delete_waiting_for_interfaces(ctx, r, "DeleteVpc", "VpcId", "vpc-id", err);
}

static int vpc_poll(op_ctx *ctx, resource *r, bool removing, bool *done, base_error *err)
{
    if (is_default(r)) {
        *done = true;
        return 0;
    }
    return ec2_poll_state(ctx, r, "DescribeVpcs", "VpcId.1", "vpcSet", removing, done, err);
}

const resource_ops vpc_ops = {
    .kind = "VPC",
    .read = vpc_read,
    .create = vpc_create,
    .update = vpc_update,
    .remove = vpc_remove,
    .poll = vpc_poll,
    /* Lambda's network interfaces outlive their functions by up to 40 min. */
    .poll_timeout_s = EC2_NETWORK_INTERFACE_WAIT_S,
};

/*
 * vpc_endpoint.c - the gateway VPC endpoints (r->variant "dynamodb" or
 * "s3"): com.amazonaws.<region>.<service> on the private route tables, so the
 * functions reach DynamoDB and S3 without paying for NAT traffic.
 *
 * The private route tables are the ones the plan makes it depend on
 * (stack.c: one, or one per zone with nat = per-zone). A different
 * set of route tables is drift; update adds and removes them in one
 * ModifyVpcEndpoint. Created tagged, with a ClientToken made of the stack,
 * the role and the VPC id (see ec2_create_with_token), so a rerun after a
 * kill does not make a second endpoint.
 *
 * r->state is AWS's (pending, available, deleting, ...). Output: vpc_endpoint_id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/ec2_common.h"
#include "stack/description.h"

#define MAX_ROUTE_TABLES 8

static const char *const gone_states[] = {"deleted", "deleting", "failed", "rejected", "expired",
                                          NULL};

typedef struct route_tables {
    char id[MAX_ROUTE_TABLES][64];
    int count;
} route_tables;

static bool contains(const route_tables *set, const char *id)
{
    for (int i = 0; i < set->count; i++)
        if (strcmp(set->id[i], id) == 0)
            return true;
    return false;
}

static void add(route_tables *set, const char *id)
{
    if (set->count < MAX_ROUTE_TABLES && !contains(set, id))
        snprintf(set->id[set->count++], sizeof set->id[0], "%s", id);
}

/* The route tables the plan gives the endpoint (its dependencies) that exist. */
static void wanted_route_tables(op_ctx *ctx, const resource *r, route_tables *out)
{
    out->count = 0;
    for (int i = 0; i < RESOURCE_MAX_DEPS && r->depends_on[i][0]; i++) {
        const char *id = stack_output(ctx->stack, r->depends_on[i], "route_table_id");
        if (id && id[0])
            add(out, id);
    }
}

static void live_route_tables(xmlNodePtr item, route_tables *out)
{
    out->count = 0;
    for (xmlNodePtr rt = ec2_first_item(ec2_child(item, "routeTableIdSet")); rt;
         rt = ec2_next_item(rt)) {
        xmlChar *text = xmlNodeGetContent(rt);
        if (text && text[0])
            add(out, (const char *)text);
        xmlFree(text);
    }
}

static void describe_set(const route_tables *set, base_buf *out)
{
    for (int i = 0; i < set->count; i++)
        base_buf_printf(out, "%s%s", i ? " " : "", set->id[i]);
}

static void service_name(op_ctx *ctx, const resource *r, char *out, size_t size)
{
    snprintf(out, size, "com.amazonaws.%s.%s", stack_region(ctx->stack), r->variant);
}

static int vpc_endpoint_read(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    int rc = ec2_find_tagged(ctx, r, "DescribeVpcEndpoints", "vpcEndpointSet", "state",
                             gone_states, &doc, &item, err);
    if (item) {
        char id[64], state[32], live_service[128], wanted_service[128];
        ec2_text(item, "vpcEndpointId", id, sizeof id);
        ec2_text(item, "state", state, sizeof state);
        ec2_publish(r, id, "vpc_endpoint_id", state);
        ec2_text(item, "serviceName", live_service, sizeof live_service);
        service_name(ctx, r, wanted_service, sizeof wanted_service);
        if (strcmp(live_service, wanted_service) != 0)
            resource_add_drift(r, "service_name", live_service, wanted_service);
        route_tables live, wanted;
        live_route_tables(item, &live);
        wanted_route_tables(ctx, r, &wanted);
        bool differs = live.count != wanted.count;
        for (int i = 0; i < wanted.count; i++)
            differs |= !contains(&live, wanted.id[i]);
        if (differs) {
            base_buf is = {0}, says = {0};
            describe_set(&live, &is);
            describe_set(&wanted, &says);
            resource_add_drift(r, "route_tables", base_buf_str(&is), base_buf_str(&says));
            base_buf_free(&is);
            base_buf_free(&says);
        }
    }
    xmlFreeDoc(doc);
    return rc;
}

static int vpc_endpoint_create(op_ctx *ctx, resource *r, base_error *err)
{
    const char *vpc_id;
    TRY(ec2_required_output(ctx, ROLE_VPC, "vpc_id", &vpc_id, err));
    route_tables wanted;
    wanted_route_tables(ctx, r, &wanted);
    ENSURE(wanted.count, err, BASE_ERROR_INVALID, "MissingDependency",
           "%s: no private route table exists yet", r->role);
    char service[128];
    service_name(ctx, r, service, sizeof service);

    aws_params p = {0};
    aws_params_add(&p, "VpcEndpointType", "Gateway");
    aws_params_add(&p, "VpcId", vpc_id);
    aws_params_add(&p, "ServiceName", service);
    for (int i = 0; i < wanted.count; i++)
        ec2_add_numbered(&p, "RouteTableId", i + 1, wanted.id[i]);
    stack_add_ec2_tag_specifications(ctx->stack, r, "vpc-endpoint", &p);
    const char *const token_parts[] = {stack_name(ctx->stack), r->role, vpc_id, NULL};
    char id[64], state[32];
    TRY(ec2_create_with_token(ctx, "CreateVpcEndpoint", &p, token_parts, "vpcEndpoint",
                              "vpcEndpointId", gone_states, id, state, err));
    ec2_publish(r, id, "vpc_endpoint_id", state);
    return 0;
}

static int vpc_endpoint_update(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    route_tables live, wanted;
    TRY(ec2_describe_id(ctx, "DescribeVpcEndpoints", "VpcEndpointId.1", r->id, "vpcEndpointSet",
                        &doc, &item, err));
    live_route_tables(item, &live);
    xmlFreeDoc(doc);
    if (!item)
        return ec2_not_visible_yet(r, err);
    wanted_route_tables(ctx, r, &wanted);

    aws_params p = {0};
    int added = 0, removed = 0;
    aws_params_add(&p, "VpcEndpointId", r->id);
    for (int i = 0; i < wanted.count; i++)
        if (!contains(&live, wanted.id[i]))
            ec2_add_numbered(&p, "AddRouteTableId", ++added, wanted.id[i]);
    for (int i = 0; i < live.count; i++)
        if (!contains(&wanted, live.id[i]))
            ec2_add_numbered(&p, "RemoveRouteTableId", ++removed, live.id[i]);
    if (!added && !removed) {
        aws_params_free(&p);
        return 0; /* the drift was the service name: that cannot change in place */
    }
    return ec2_call(ctx, "ModifyVpcEndpoint", &p, NULL, err);
}

static int vpc_endpoint_remove(op_ctx *ctx, resource *r, base_error *err)
{
    aws_params p = {0};
    aws_params_add(&p, "VpcEndpointId.1", r->id);
    xmlDocPtr doc = NULL;
    TRY(ec2_call(ctx, "DeleteVpcEndpoints", &p, &doc, err));
    /* Failures come back per endpoint, inside a successful answer. */
    xmlNodePtr failure = ec2_set_first(doc, "unsuccessful");
    char code[128] = "", message[512] = "";
    ec2_text(ec2_child(failure, "error"), "code", code, sizeof code);
    ec2_text(ec2_child(failure, "error"), "message", message, sizeof message);
    xmlFreeDoc(doc);
    if (!failure || strstr(code, "NotFound"))
        return 0;
    base_error_set(err, BASE_ERROR_SERVICE, code[0] ? code : "DeleteFailed",
                  "DeleteVpcEndpoints %s: %s", r->id, message);
    return ec2_dependency_retryable(err);
}

static int vpc_endpoint_poll(op_ctx *ctx, resource *r, bool removing, bool *done, base_error *err)
{
    return ec2_poll_state(ctx, r, "DescribeVpcEndpoints", "VpcEndpointId.1", "vpcEndpointSet",
                          removing, done, err);
}

const resource_ops vpc_endpoint_ops = {
    .kind = "VPC endpoint",
    .read = vpc_endpoint_read,
    .create = vpc_endpoint_create,
    .update = vpc_endpoint_update,
    .remove = vpc_endpoint_remove,
    .poll = vpc_endpoint_poll,
};

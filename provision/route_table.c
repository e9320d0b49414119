/*
 * route_table.c - the public and private route tables.
 *
 * Variant "public": 0.0.0.0/0 to the internet gateway, associated with every
 * public subnet. Variant "private": 0.0.0.0/0 to NAT gateway r->index,
 * associated with the private subnet of zone r->index (nat = per-zone), or
 * with every private subnet when r->index is 0 (nat = single: the one NAT
 * gateway is nat-gateway-1).
 *
 * A missing or misdirected default route, or a missing association, is
 * drift; update puts it right (CreateRoute / ReplaceRoute, AssociateRouteTable,
 * or ReplaceRouteTableAssociation when the subnet is associated elsewhere).
 * create is CreateRouteTable followed by the same correction, so a kill in
 * between converges on the next run. CreateRouteTable carries a ClientToken
 * made of the stack, the role and the VPC (see ec2_create_with_token), so a
 * create repeated after a lost answer returns the first table. Routes the
 * gateway endpoints add (to prefix lists) are not ours and are left alone.
 *
 * r->state is "available". Output: route_table_id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/ec2_common.h"
#include "provision/kind_support.h"
#include "stack/description.h"

#define DEFAULT_ROUTE "0.0.0.0/0"
#define MAX_ASSOCIATIONS 16

typedef struct rt_live {
    char route_target[64]; /* gateway or NAT gateway of the default route; "" none */
    bool route_blackhole;
    char subnets[MAX_ASSOCIATIONS][64];
    int subnet_count;
} rt_live;

static bool is_public(const resource *r)
{
    return r->variant && strcmp(r->variant, "public") == 0;
}

/* The default route's target id and the route parameter naming it. */
static const char *wanted_target(op_ctx *ctx, const resource *r, const char **param)
{
    if (is_public(r)) {
        *param = "GatewayId";
        return stack_output(ctx->stack, ROLE_INTERNET_GATEWAY, "internet_gateway_id");
    }
    char role[32];
    snprintf(role, sizeof role, ROLE_NAT_GATEWAY_FORMAT, r->index ? r->index : 1);
    *param = "NatGatewayId";
    return stack_output(ctx->stack, role, "nat_gateway_id");
}

/* The subnet role of zone z if this table serves it, else false. */
static bool serves_zone(const resource *r, int zone, char *role, size_t size)
{
    if (!is_public(r) && r->index && r->index != zone)
        return false;
    if (is_public(r))
        snprintf(role, size, ROLE_PUBLIC_SUBNET_FORMAT, zone);
    else
        snprintf(role, size, ROLE_PRIVATE_SUBNET_FORMAT, zone);
    return true;
}

static bool live_has_subnet(const rt_live *live, const char *subnet_id)
{
    for (int i = 0; i < live->subnet_count; i++)
        if (strcmp(live->subnets[i], subnet_id) == 0)
            return true;
    return false;
}

static void parse_live(xmlNodePtr item, rt_live *live)
{
    memset(live, 0, sizeof *live);
    for (xmlNodePtr route = ec2_first_item(ec2_child(item, "routeSet")); route;
         route = ec2_next_item(route)) {
        if (!ec2_text_is(route, "destinationCidrBlock", DEFAULT_ROUTE))
            continue;
        ec2_text(route, "natGatewayId", live->route_target, sizeof live->route_target);
        if (!live->route_target[0])
            ec2_text(route, "gatewayId", live->route_target, sizeof live->route_target);
        live->route_blackhole = ec2_text_is(route, "state", "blackhole");
    }
    for (xmlNodePtr a = ec2_first_item(ec2_child(item, "associationSet"));
         a && live->subnet_count < MAX_ASSOCIATIONS; a = ec2_next_item(a)) {
        char subnet[64];
        ec2_text(a, "subnetId", subnet, sizeof subnet);
        if (subnet[0] && !ec2_text_is(ec2_child(a, "associationState"), "state", "disassociated"))
            memcpy(live->subnets[live->subnet_count++], subnet, sizeof subnet);
    }
}

static void publish(resource *r, xmlNodePtr item, rt_live *live)
{
    char id[64];
    ec2_text(item, "routeTableId", id, sizeof id);
    ec2_publish(r, id, "route_table_id", "available");
    parse_live(item, live);
}

static int route_table_read(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    rt_live live;
    int rc = ec2_find_tagged(ctx, r, "DescribeRouteTables", "routeTableSet", "", NULL, &doc, &item,
                             err);
    if (item)
        publish(r, item, &live);
    xmlFreeDoc(doc);
    if (rc != 0 || !item)
        return rc;

    const char *param;
    const char *target = wanted_target(ctx, r, &param);
    if (target && (strcmp(live.route_target, target) != 0 || live.route_blackhole))
        resource_add_drift(r, "route " DEFAULT_ROUTE,
                           live.route_blackhole ? "blackhole" : live.route_target, target);
    for (int z = 1; z <= ctx->cfg->network.availability_zones; z++) {
        char role[32];
        const char *subnet = serves_zone(r, z, role, sizeof role)
                                 ? stack_output(ctx->stack, role, "subnet_id")
                                 : NULL;
        if (subnet && !live_has_subnet(&live, subnet))
            resource_add_drift(r, "association", "(none)", subnet);
    }
    return 0;
}

/* Points the default route at target. */
static int set_route(op_ctx *ctx, const resource *r, const rt_live *live, base_error *err)
{
    const char *param;
    const char *target = wanted_target(ctx, r, &param);
    ENSURE(target, err, BASE_ERROR_INVALID, "MissingDependency",
           "route table %s: the %s for its default route is not known yet", r->role,
           is_public(r) ? "internet gateway" : "NAT gateway");
    if (strcmp(live->route_target, target) == 0 && !live->route_blackhole)
        return 0;
    aws_params p = {0};
    aws_params_add(&p, "RouteTableId", r->id);
    aws_params_add(&p, "DestinationCidrBlock", DEFAULT_ROUTE);
    aws_params_add(&p, param, target);
    return ec2_call(ctx, live->route_target[0] ? "ReplaceRoute" : "CreateRoute", &p, NULL, err);
}

/* Moves subnet_id's association (with some other table) over to this one. */
static int take_over_association(op_ctx *ctx, const resource *r, const char *subnet_id,
                                 base_error *err)
{
    aws_params p = {0};
    ec2_add_filter(&p, 1, "association.subnet-id", subnet_id);
    xmlDocPtr doc = NULL;
    TRY(ec2_call(ctx, "DescribeRouteTables", &p, &doc, err));
    char association[64] = "";
    for (xmlNodePtr a = ec2_first_item(ec2_child(ec2_set_first(doc, "routeTableSet"),
                                                 "associationSet"));
         a && !association[0]; a = ec2_next_item(a))
        if (ec2_text_is(a, "subnetId", subnet_id))
            ec2_text(a, "routeTableAssociationId", association, sizeof association);
    xmlFreeDoc(doc);
    ENSURE(association[0], err, BASE_ERROR_SERVICE, "AssociationNotFound",
           "subnet %s is said to be associated, but no route table holds it", subnet_id);
    aws_params q = {0};
    aws_params_add(&q, "AssociationId", association);
    aws_params_add(&q, "RouteTableId", r->id);
    return ec2_call(ctx, "ReplaceRouteTableAssociation", &q, NULL, err);
}

static int associate(op_ctx *ctx, const resource *r, const rt_live *live, base_error *err)
{
    for (int z = 1; z <= ctx->cfg->network.availability_zones; z++) {
        char role[32];
        const char *subnet;
        if (!serves_zone(r, z, role, sizeof role))
            continue;
        TRY(ec2_required_output(ctx, role, "subnet_id", &subnet, err));
        if (live_has_subnet(live, subnet))
            continue;
        aws_params p = {0};
        aws_params_add(&p, "RouteTableId", r->id);
        aws_params_add(&p, "SubnetId", subnet);
        if (ec2_call(ctx, "AssociateRouteTable", &p, NULL, err) != 0) {
            if (!error_is(err, "Resource.AlreadyAssociated"))
                return -1;
            base_error_clear(err);
            TRY(take_over_association(ctx, r, subnet, err));
        }
    }
    return 0;
}

static int route_table_create(op_ctx *ctx, resource *r, base_error *err)
{
    const char *vpc_id;
    TRY(ec2_required_output(ctx, ROLE_VPC, "vpc_id", &vpc_id, err));
    aws_params p = {0};
    aws_params_add(&p, "VpcId", vpc_id);
    stack_add_ec2_tag_specifications(ctx->stack, r, "route-table", &p);
    const char *const token_parts[] = {stack_name(ctx->stack), r->role, vpc_id, NULL};
    char id[64], state[32];
    TRY(ec2_create_with_token(ctx, "CreateRouteTable", &p, token_parts, "routeTable",
                              "routeTableId", NULL, id, state, err));
    ec2_publish(r, id, "route_table_id", "available");
    rt_live live = {0};
    TRY(set_route(ctx, r, &live, err));
    return associate(ctx, r, &live, err);
}

/* The table's live routes and associations, looked up by id; *item NULL when
 * EC2 does not know the id. */
static int describe(op_ctx *ctx, resource *r, rt_live *live, xmlDocPtr *doc, xmlNodePtr *item,
                    base_error *err)
{
    TRY(ec2_describe_id(ctx, "DescribeRouteTables", "RouteTableId.1", r->id, "routeTableSet", doc,
                        item, err));
    if (*item)
        parse_live(*item, live);
    return 0;
}

static int route_table_update(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    rt_live live;
    int rc = describe(ctx, r, &live, &doc, &item, err);
    xmlFreeDoc(doc);
    TRY(rc);
    if (!item)
        return ec2_not_visible_yet(r, err);
    TRY(set_route(ctx, r, &live, err));
    return associate(ctx, r, &live, err);
}

static int route_table_remove(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    rt_live live;
    if (describe(ctx, r, &live, &doc, &item, err) != 0 || !item) {
        xmlFreeDoc(doc);
        return item ? -1 : 0; /* gone already */
    }
    int rc = 0;
    for (xmlNodePtr a = ec2_first_item(ec2_child(item, "associationSet")); a && rc == 0;
         a = ec2_next_item(a)) {
        char association[64];
        ec2_text(a, "routeTableAssociationId", association, sizeof association);
        if (!ec2_text_is(a, "main", "true") && association[0])
            rc = ec2_delete(ctx, "DisassociateRouteTable", "AssociationId", association, err);
    }
    xmlFreeDoc(doc);
    TRY(rc);
    return ec2_delete(ctx, "DeleteRouteTable", "RouteTableId", r->id, err);
}

const resource_ops route_table_ops = {
    .kind = "route table",
    .read = route_table_read,
    .create = route_table_create,
    .update = route_table_update,
    .remove = route_table_remove,
};

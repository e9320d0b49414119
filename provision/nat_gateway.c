/*
 * nat_gateway.c - NAT gateway r->index (1 with nat = single, else the zone
 * number), in public subnet r->index with Elastic IP nat-ip-<index>.
 *
 * Found by its tags, ignoring gateways that are deleted, being deleted, or
 * failed (AWS keeps those listed for about an hour). Created tagged, with a
 * ClientToken derived from the stack, the role and the Elastic IP's
 * allocation id (see ec2_create_with_token): a create repeated after a kill
 * (before the tagged gateway is visible to DescribeNatGateways) is
 * deduplicated by AWS instead of making a second gateway, and a new Elastic
 * IP (after a down) gets a new token.
 * A subnet or address that differs cannot change in place: reported only.
 *
 * r->state is AWS's (pending, available, deleting, ...). Output: nat_gateway_id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/ec2_common.h"
#include "stack/description.h"

static const char *const gone_states[] = {"deleted", "deleting", "failed", NULL};

static int nat_gateway_read(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    int rc = ec2_find_tagged(ctx, r, "DescribeNatGateways", "natGatewaySet", "state", gone_states,
                             &doc, &item, err);
    if (item) {
        char id[64], state[32], live[64], role[32];
        ec2_text(item, "natGatewayId", id, sizeof id);
        ec2_text(item, "state", state, sizeof state);
        ec2_publish(r, id, "nat_gateway_id", state);
        ec2_text(item, "subnetId", live, sizeof live);
        snprintf(role, sizeof role, ROLE_PUBLIC_SUBNET_FORMAT, r->index);
        const char *wanted = stack_output(ctx->stack, role, "subnet_id");
        if (wanted && strcmp(live, wanted) != 0)
            resource_add_drift(r, "subnet_id", live, wanted);
        ec2_text(ec2_first_item(ec2_child(item, "natGatewayAddressSet")), "allocationId", live,
                 sizeof live);
        snprintf(role, sizeof role, ROLE_NAT_IP_FORMAT, r->index);
        wanted = stack_output(ctx->stack, role, "allocation_id");
        if (wanted && strcmp(live, wanted) != 0)
            resource_add_drift(r, "allocation_id", live, wanted);
    }
    xmlFreeDoc(doc);
    return rc;
}

static int nat_gateway_create(op_ctx *ctx, resource *r, base_error *err)
{
    char subnet_role[32], ip_role[32];
    const char *subnet_id, *allocation_id;
    snprintf(subnet_role, sizeof subnet_role, ROLE_PUBLIC_SUBNET_FORMAT, r->index);
    snprintf(ip_role, sizeof ip_role, ROLE_NAT_IP_FORMAT, r->index);
    TRY(ec2_required_output(ctx, subnet_role, "subnet_id", &subnet_id, err));
    TRY(ec2_required_output(ctx, ip_role, "allocation_id", &allocation_id, err));

    aws_params p = {0};
    aws_params_add(&p, "SubnetId", subnet_id);
    aws_params_add(&p, "AllocationId", allocation_id);
    stack_add_ec2_tag_specifications(ctx->stack, r, "natgateway", &p);
    const char *const token_parts[] = {stack_name(ctx->stack), r->role, allocation_id, NULL};
    char id[64], state[32];
    TRY(ec2_create_with_token(ctx, "CreateNatGateway", &p, token_parts, "natGateway",
                              "natGatewayId", gone_states, id, state, err));
    ec2_publish(r, id, "nat_gateway_id", state);
    return 0;
}

static int nat_gateway_remove(op_ctx *ctx, resource *r, base_error *err)
{
    return ec2_delete(ctx, "DeleteNatGateway", "NatGatewayId", r->id, err);
}

static int nat_gateway_poll(op_ctx *ctx, resource *r, bool removing, bool *done, base_error *err)
{
    return ec2_poll_state(ctx, r, "DescribeNatGateways", "NatGatewayId.1", "natGatewaySet",
                          removing, done, err);
}

const resource_ops nat_gateway_ops = {
    .kind = "NAT gateway",
    .read = nat_gateway_read,
    .create = nat_gateway_create,
    .remove = nat_gateway_remove,
    .poll = nat_gateway_poll,
    .poll_interval_ms = 5000, /* AWS takes one to two minutes either way */
};

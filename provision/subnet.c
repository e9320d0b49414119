/*
 * subnet.c - one subnet per zone and visibility: r->variant "public" or
 * "private", r->index the zone number (1-based, stack_zone names it).
 *
 * Addresses are carved from the VPC's CIDR the same way on every run: the
 * VPC's block is cut into 16 equal blocks (prefix + 4: a /16 gives /20s of
 * 4096 addresses, a /24 gives /28s, AWS's smallest). The public subnet of
 * zone i is block i-1, the private one block 8+i-1, so up to 8 zones fit
 * each half and neither half moves when the zone count changes.
 *
 * In default-VPC mode (network.vpc = default) the public subnets are the
 * default VPC's own default subnet of each zone: variant "default-public"
 * finds it (defaultForAz) and never creates or deletes it. The default VPC
 * has no private subnets, so the private ones are still ours ("private"),
 * carved as above from the default VPC's CIDR (172.31.0.0/16): blocks 8.. are
 * 172.31.128.0/20 onwards, above the default subnets, which AWS puts in the
 * first /20s (one per zone, at most 6 in any region today).
 *
 * Public subnets map a public IP on launch; a CIDR or zone that differs
 * cannot change in place and is reported only.
 *
 * Deleting is refused (DependencyViolation) while Lambda's network
 * interfaces, which AWS keeps 20 to 40 minutes after their functions are
 * deleted, are still in the subnet: the walk waits up to 45 minutes, saying
 * how many remain.
 *
 * Outputs: subnet_id, availability_zone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/ec2_common.h"
#include "stack/description.h"

#define SUBNET_BLOCKS_BITS 4 /* 16 blocks */
#define FIRST_PRIVATE_BLOCK 8

static bool variant_is(const resource *r, const char *variant)
{
    return r->variant && strcmp(r->variant, variant) == 0;
}

static bool is_public(const resource *r)
{
    return !variant_is(r, "private");
}

/* The subnet's CIDR from the VPC's ("10.0.0.0/16", zone 2, private -> "10.0.144.0/20"). */
static int carve(const char *vpc_cidr, const resource *r, char *out, size_t size, base_error *err)
{
    unsigned a, b, c, d, prefix;
    char tail;
    ENSURE(sscanf(vpc_cidr, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &prefix, &tail) == 5 && a < 256 &&
               b < 256 && c < 256 && d < 256 && prefix >= 8 && prefix + SUBNET_BLOCKS_BITS <= 28,
           err, BASE_ERROR_INVALID, "UnsupportedCidr",
           "cannot carve subnets from VPC CIDR %s (need /8 to /24)", vpc_cidr);
    ENSURE(r->index >= 1 && r->index <= FIRST_PRIVATE_BLOCK, err, BASE_ERROR_INVALID,
           "InvalidZoneIndex", "subnet %s: zone number %d out of range", r->role, r->index);
    unsigned long base = (unsigned long)a << 24 | (unsigned long)b << 16 | (unsigned long)c << 8 | d;
    unsigned subnet_prefix = prefix + SUBNET_BLOCKS_BITS;
    unsigned long block = (unsigned long)(r->index - 1) + (is_public(r) ? 0 : FIRST_PRIVATE_BLOCK);
    unsigned long address = base + (block << (32 - subnet_prefix));
    snprintf(out, size, "%lu.%lu.%lu.%lu/%u", address >> 24 & 255, address >> 16 & 255,
             address >> 8 & 255, address & 255, subnet_prefix);
    return 0;
}

static void publish(resource *r, xmlNodePtr item)
{
    char id[64], state[32], zone[64];
    ec2_text(item, "subnetId", id, sizeof id);
    ec2_text(item, "state", state, sizeof state);
    ec2_text(item, "availabilityZone", zone, sizeof zone);
    ec2_publish(r, id, "subnet_id", state);
    resource_set_output(r, "availability_zone", zone);
}

static void add_drift(op_ctx *ctx, resource *r, xmlNodePtr item)
{
    char live[64], wanted[64];
    const char *vpc_cidr = stack_output(ctx->stack, ROLE_VPC, "cidr_block");
    base_error ignored = {0};
    ec2_text(item, "cidrBlock", live, sizeof live);
    if (vpc_cidr && carve(vpc_cidr, r, wanted, sizeof wanted, &ignored) == 0 &&
        strcmp(live, wanted) != 0)
        resource_add_drift(r, "cidr_block", live, wanted);
    const char *zone = stack_zone(ctx->stack, r->index);
    ec2_text(item, "availabilityZone", live, sizeof live);
    if (zone && strcmp(live, zone) != 0)
        resource_add_drift(r, "availability_zone", live, zone);
    const char *vpc_id = stack_output(ctx->stack, ROLE_VPC, "vpc_id");
    ec2_text(item, "vpcId", live, sizeof live);
    if (vpc_id && strcmp(live, vpc_id) != 0)
        resource_add_drift(r, "vpc_id", live, vpc_id);
    ec2_text(item, "mapPublicIpOnLaunch", live, sizeof live);
    const char *map_wanted = is_public(r) ? "true" : "false";
    if (strcmp(live, map_wanted) != 0)
        resource_add_drift(r, "map_public_ip_on_launch", live, map_wanted);
}

static int subnet_read(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    int rc = 0;
    if (variant_is(r, "default-public")) {
        const char *vpc_id = stack_output(ctx->stack, ROLE_VPC, "vpc_id");
        const char *zone = stack_zone(ctx->stack, r->index);
        if (!vpc_id || !zone)
            return 0; /* no default VPC: no default subnet either */
        aws_params p = {0};
        int n = ec2_add_filter(&p, 1, "vpc-id", vpc_id);
        n = ec2_add_filter(&p, n, "availability-zone", zone);
        ec2_add_filter(&p, n, "default-for-az", "true");
        rc = ec2_call(ctx, "DescribeSubnets", &p, &doc, err);
        item = rc == 0 ? ec2_set_first(doc, "subnetSet") : NULL;
        if (item)
            publish(r, item);
    } else {
        rc = ec2_find_tagged(ctx, r, "DescribeSubnets", "subnetSet", "", NULL, &doc, &item, err);
        if (item) {
            publish(r, item);
            add_drift(ctx, r, item);
        }
    }
    xmlFreeDoc(doc);
    return rc;
}

static int set_map_public_ip(op_ctx *ctx, const resource *r, base_error *err)
{
    aws_params p = {0};
    aws_params_add(&p, "SubnetId", r->id);
    aws_params_add(&p, "MapPublicIpOnLaunch.Value", is_public(r) ? "true" : "false");
    return ec2_call(ctx, "ModifySubnetAttribute", &p, NULL, err);
}

static int subnet_create(op_ctx *ctx, resource *r, base_error *err)
{
    if (variant_is(r, "default-public")) {
        TRY(subnet_read(ctx, r, err));
        ENSURE(r->exists, err, BASE_ERROR_CONFIG, "NoDefaultSubnet",
               "the default VPC has no default subnet in %s (create one with "
               "`aws ec2 create-default-subnet --availability-zone %s`, or set network.vpc = new)",
               stack_zone(ctx->stack, r->index), stack_zone(ctx->stack, r->index));
        return 0;
    }
    const char *vpc_id, *vpc_cidr, *zone = stack_zone(ctx->stack, r->index);
    TRY(ec2_required_output(ctx, ROLE_VPC, "vpc_id", &vpc_id, err));
    TRY(ec2_required_output(ctx, ROLE_VPC, "cidr_block", &vpc_cidr, err));
    ENSURE(zone, err, BASE_ERROR_INVALID, "InvalidZoneIndex", "no availability zone %d resolved",
           r->index);
    char cidr[32];
    TRY(carve(vpc_cidr, r, cidr, sizeof cidr, err));

    aws_params p = {0};
    aws_params_add(&p, "VpcId", vpc_id);
    aws_params_add(&p, "CidrBlock", cidr);
    aws_params_add(&p, "AvailabilityZone", zone);
    stack_add_ec2_tag_specifications(ctx->stack, r, "subnet", &p);
    xmlDocPtr doc = NULL;
    TRY(ec2_call(ctx, "CreateSubnet", &p, &doc, err));
    xmlNodePtr subnet = ec2_child(xmlDocGetRootElement(doc), "subnet");
    if (subnet)
        publish(r, subnet);
    xmlFreeDoc(doc);
    ENSURE(subnet && r->id[0], err, BASE_ERROR_PARSE, "MalformedResponse",
           "CreateSubnet gave no subnetId");
    /* New subnets do not map public IPs; only public ones need the call. */
    return is_public(r) ? set_map_public_ip(ctx, r, err) : 0;
}

static int subnet_update(op_ctx *ctx, resource *r, base_error *err)
{
    if (variant_is(r, "default-public"))
        return 0;
    const char *drift = base_buf_str(&r->drift);
    if (strstr(drift, "map_public_ip_on_launch:"))
        TRY(set_map_public_ip(ctx, r, err));
    ENSURE(!strstr(drift, "cidr_block:") && !strstr(drift, "availability_zone:") &&
               !strstr(drift, "vpc_id:"),
           err, BASE_ERROR_CONFIG, "CannotChangeSubnet",
           "subnet %s cannot be changed in place (%s); run `scribblectl down`, then `up`", r->id,
           drift);
    return 0;
}

static int subnet_remove(op_ctx *ctx, resource *r, base_error *err)
{
    if (variant_is(r, "default-public"))
        return 0; /* the default VPC's own subnet */
    return ec2_delete_waiting_for_interfaces(ctx, r, "DeleteSubnet", "SubnetId", "subnet-id", err);
}

static int subnet_poll(op_ctx *ctx, resource *r, bool removing, bool *done, base_error *err)
{
    if (variant_is(r, "default-public")) {
        *done = true;
        return 0;
    }
    return ec2_poll_state(ctx, r, "DescribeSubnets", "SubnetId.1", "subnetSet", removing, done,
                          err);
}

const resource_ops subnet_ops = {
    .kind = "subnet",
    .read = subnet_read,
    .create = subnet_create,
    .update = subnet_update,
    .remove = subnet_remove,
    .poll = subnet_poll,
    /* Lambda's network interfaces outlive their functions by up to 40 min. */
    .poll_timeout_s = EC2_NETWORK_INTERFACE_WAIT_S,
};

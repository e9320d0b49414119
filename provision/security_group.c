/*
 * security_group.c - the functions' and the cache's security groups.
 *
 * Variant "functions": no ingress; egress to everything (the group's
 * default rule; put back if removed). Variant "cache": ingress on the cache
 * port only, only from the functions' group: 6379 for serverless (its fixed
 * port), cache.port for a replication group. Any other ingress rule is drift,
 * and update revokes it.
 *
 * Rules are compared flattened, one per (protocol, ports, single source), as
 * DescribeSecurityGroups nests them. Deleting is refused with
 * DependencyViolation while Lambda's network interfaces (which linger for 20
 * to 40 minutes after the functions go) still use the group: that is
 * returned retryable for the walk to wait out, for up to 45 minutes, saying
 * how many interfaces remain. A create repeated after one that may have been
 * applied is refused as a duplicate: retryable too, since the walk's next
 * read finds the group.
 *
 * r->state is "available" (security groups have no state of their own).
 * Output: group_id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/ec2_common.h"
#include "provision/kind_support.h"
#include "stack/description.h"

#define MAX_RULES 32

typedef struct sg_rule {
    char protocol[16];
    char from_port[8];
    char to_port[8];
    int source;     /* index into rule_sources */
    char value[64]; /* the group id, CIDR or prefix list */
} sg_rule;

typedef struct sg_rules {
    sg_rule rule[MAX_RULES];
    int count;
} sg_rules;

/* Where a rule's traffic comes from: XML set and element, request list and member. */
static const struct {
    const char *set, *element, *param, *member;
} rule_sources[] = {
    {"groups", "groupId", "Groups", "GroupId"},
    {"ipRanges", "cidrIp", "IpRanges", "CidrIp"},
    {"ipv6Ranges", "cidrIpv6", "Ipv6Ranges", "CidrIpv6"},
    {"prefixListIds", "prefixListId", "PrefixListIds", "PrefixListId"},
};
#define SOURCE_GROUP 0
#define SOURCE_CIDR 1
#define RULE_SOURCE_COUNT ((int)(sizeof rule_sources / sizeof rule_sources[0]))

static bool is_cache(const resource *r)
{
    return r->variant && strcmp(r->variant, "cache") == 0;
}

static void parse_rules(xmlNodePtr permissions, sg_rules *out)
{
    out->count = 0;
    for (xmlNodePtr p = ec2_first_item(permissions); p; p = ec2_next_item(p)) {
        sg_rule base = {0};
        ec2_text(p, "ipProtocol", base.protocol, sizeof base.protocol);
        ec2_text(p, "fromPort", base.from_port, sizeof base.from_port);
        ec2_text(p, "toPort", base.to_port, sizeof base.to_port);
        for (int s = 0; s < RULE_SOURCE_COUNT; s++) {
            for (xmlNodePtr i = ec2_first_item(ec2_child(p, rule_sources[s].set));
                 i && out->count < MAX_RULES; i = ec2_next_item(i)) {
                sg_rule *rule = &out->rule[out->count++];
                *rule = base;
                rule->source = s;
                ec2_text(i, rule_sources[s].element, rule->value, sizeof rule->value);
            }
        }
    }
}

static bool rule_equal(const sg_rule *a, const sg_rule *b)
{
    return a->source == b->source && strcmp(a->protocol, b->protocol) == 0 &&
           strcmp(a->from_port, b->from_port) == 0 && strcmp(a->to_port, b->to_port) == 0 &&
           strcmp(a->value, b->value) == 0;
}

static bool rules_contain(const sg_rules *rules, const sg_rule *rule)
{
    for (int i = 0; i < rules->count; i++)
        if (rule_equal(&rules->rule[i], rule))
            return true;
    return false;
}

static void describe_rules(const sg_rules *rules, base_buf *out)
{
    for (int i = 0; i < rules->count; i++) {
        const sg_rule *rule = &rules->rule[i];
        base_buf_printf(out, "%s%s %s-%s from %s", i ? ", " : "", rule->protocol, rule->from_port,
                       rule->to_port, rule->value);
    }
}

/* The ingress the config asks for. false when it cannot be known yet (the
 * functions' group does not exist). */
static bool wanted_ingress(op_ctx *ctx, const resource *r, sg_rules *out)
{
    out->count = 0;
    if (!is_cache(r))
        return true;
    const char *functions_group = stack_output(ctx->stack, ROLE_FUNCTIONS_SECURITY_GROUP, "group_id");
    if (!functions_group)
        return false;
    const scribble_config *cfg = ctx->cfg;
    int port = cfg->cache.mode == SCRIBBLE_CACHE_SERVERLESS ? 6379 : cfg->cache.port;
    sg_rule *rule = &out->rule[out->count++];
    memset(rule, 0, sizeof *rule);
    snprintf(rule->protocol, sizeof rule->protocol, "tcp");
    snprintf(rule->from_port, sizeof rule->from_port, "%d", port);
    snprintf(rule->to_port, sizeof rule->to_port, "%d", port);
    rule->source = SOURCE_GROUP;
    snprintf(rule->value, sizeof rule->value, "%s", functions_group);
    return true;
}

/* The egress the config asks for: everything, for the functions only. */
static void wanted_egress(const resource *r, sg_rules *out)
{
    out->count = 0;
    if (is_cache(r))
        return;
    sg_rule *rule = &out->rule[out->count++];
    memset(rule, 0, sizeof *rule);
    snprintf(rule->protocol, sizeof rule->protocol, "-1");
    rule->source = SOURCE_CIDR;
    snprintf(rule->value, sizeof rule->value, "0.0.0.0/0");
}

/* Authorize/RevokeSecurityGroupIngress/Egress for one rule. */
static int change_rule(op_ctx *ctx, const resource *r, const char *action, const sg_rule *rule,
                       base_error *err)
{
    aws_params p = {0};
    char key[96];
    aws_params_add(&p, "GroupId", r->id);
    aws_params_add(&p, "IpPermissions.1.IpProtocol", rule->protocol);
    if (rule->from_port[0])
        aws_params_add(&p, "IpPermissions.1.FromPort", rule->from_port);
    if (rule->to_port[0])
        aws_params_add(&p, "IpPermissions.1.ToPort", rule->to_port);
    snprintf(key, sizeof key, "IpPermissions.1.%s.1.%s", rule_sources[rule->source].param,
             rule_sources[rule->source].member);
    aws_params_add(&p, key, rule->value);
    return ec2_call(ctx, action, &p, NULL, err);
}

typedef struct sg_live {
    sg_rules ingress, egress;
} sg_live;

static void publish(resource *r, xmlNodePtr item, sg_live *live)
{
    char id[64];
    ec2_text(item, "groupId", id, sizeof id);
    ec2_publish(r, id, "group_id", "available");
    parse_rules(ec2_child(item, "ipPermissions"), &live->ingress);
    parse_rules(ec2_child(item, "ipPermissionsEgress"), &live->egress);
}

static int security_group_read(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    sg_live live;
    int rc = ec2_find_tagged(ctx, r, "DescribeSecurityGroups", "securityGroupInfo", "", NULL, &doc,
                             &item, err);
    if (item)
        publish(r, item, &live);
    xmlFreeDoc(doc);
    if (rc != 0 || !item)
        return rc;

    sg_rules wanted;
    bool ingress_differs = false, egress_missing = false;
    if (wanted_ingress(ctx, r, &wanted)) {
        for (int i = 0; i < wanted.count; i++)
            ingress_differs |= !rules_contain(&live.ingress, &wanted.rule[i]);
        for (int i = 0; i < live.ingress.count; i++)
            ingress_differs |= !rules_contain(&wanted, &live.ingress.rule[i]);
    }
    if (ingress_differs) {
        base_buf is = {0}, says = {0};
        describe_rules(&live.ingress, &is);
        describe_rules(&wanted, &says);
        resource_add_drift(r, "ingress", base_buf_str(&is), base_buf_str(&says));
        base_buf_free(&is);
        base_buf_free(&says);
    }
    wanted_egress(r, &wanted);
    for (int i = 0; i < wanted.count; i++)
        egress_missing |= !rules_contain(&live.egress, &wanted.rule[i]);
    if (egress_missing) {
        base_buf is = {0};
        describe_rules(&live.egress, &is);
        resource_add_drift(r, "egress", base_buf_str(&is), "all traffic to 0.0.0.0/0");
        base_buf_free(&is);
    }
    return 0;
}

/* Makes the live rules what the config says: revoke extra ingress, add missing. */
static int converge(op_ctx *ctx, resource *r, const sg_live *live, base_error *err)
{
    sg_rules wanted;
    ENSURE(wanted_ingress(ctx, r, &wanted), err, BASE_ERROR_INVALID, "MissingDependency",
           "the functions' security group is not known yet");
    for (int i = 0; i < live->ingress.count; i++)
        if (!rules_contain(&wanted, &live->ingress.rule[i]))
            TRY(change_rule(ctx, r, "RevokeSecurityGroupIngress", &live->ingress.rule[i], err));
    for (int i = 0; i < wanted.count; i++)
        if (!rules_contain(&live->ingress, &wanted.rule[i]))
            TRY(change_rule(ctx, r, "AuthorizeSecurityGroupIngress", &wanted.rule[i], err));
    wanted_egress(r, &wanted);
    for (int i = 0; i < wanted.count; i++)
        if (!rules_contain(&live->egress, &wanted.rule[i]))
            TRY(change_rule(ctx, r, "AuthorizeSecurityGroupEgress", &wanted.rule[i], err));
    return 0;
}

static int security_group_create(op_ctx *ctx, resource *r, base_error *err)
{
    const char *vpc_id;
    TRY(ec2_required_output(ctx, ROLE_VPC, "vpc_id", &vpc_id, err));
    char description[256];
    snprintf(description, sizeof description,
             is_cache(r) ? "Scribble %s: the cache, reachable from the functions only"
                         : "Scribble %s: the Lambda functions",
             stack_name(ctx->stack));
    aws_params p = {0};
    aws_params_add(&p, "GroupName", r->name);
    aws_params_add(&p, "GroupDescription", description);
    aws_params_add(&p, "VpcId", vpc_id);
    stack_add_ec2_tag_specifications(ctx->stack, r, "security-group", &p);
    xmlDocPtr doc = NULL;
    if (ec2_call(ctx, "CreateSecurityGroup", &p, &doc, err) != 0) {
        if (error_is(err, "InvalidGroup.Duplicate"))
            err->retryable = true; /* ours, from a create whose answer was lost */
        xmlFreeDoc(doc);
        return -1;
    }
    char id[64];
    ec2_text(xmlDocGetRootElement(doc), "groupId", id, sizeof id);
    xmlFreeDoc(doc);
    ENSURE(id[0], err, BASE_ERROR_PARSE, "MalformedResponse", "CreateSecurityGroup gave no groupId");
    ec2_publish(r, id, "group_id", "available");
    /* A new group has AWS's default egress (all traffic) and no ingress. */
    sg_live live = {0};
    wanted_egress(r, &live.egress);
    return converge(ctx, r, &live, err);
}

static int security_group_update(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    sg_live live;
    TRY(ec2_describe_id(ctx, "DescribeSecurityGroups", "GroupId.1", r->id, "securityGroupInfo",
                        &doc, &item, err));
    if (item)
        publish(r, item, &live);
    xmlFreeDoc(doc);
    if (!item)
        return ec2_not_visible_yet(r, err);
    return converge(ctx, r, &live, err);
}

static int security_group_remove(op_ctx *ctx, resource *r, base_error *err)
{
    return ec2_delete_waiting_for_interfaces(ctx, r, "DeleteSecurityGroup", "GroupId", "group-id", err);
}

const resource_ops security_group_ops = {
    .kind = "security group",
    .read = security_group_read,
    .create = security_group_create,
    .update = security_group_update,
    .remove = security_group_remove,
    /* Lambda's network interfaces outlive their functions by up to 40 min. */
    .poll_timeout_s = EC2_NETWORK_INTERFACE_WAIT_S,
};

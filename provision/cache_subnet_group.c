/*
 * cache_subnet_group.c - the ElastiCache subnet group a replication group
 * lives in: the stack's private subnets, one per zone, found by name.
 *
 * Only a replication group needs it (a serverless cache takes subnet ids
 * directly). The subnet set is the one setting: a different set is drift,
 * corrected in place by ModifyCacheSubnetGroup. Deleting is refused with
 * CacheSubnetGroupInUse while a cache still uses the group (a replication
 * group being deleted still does): that is returned retryable for the walker
 * to wait out. Creation is tagged; the group has no state of its own, so
 * r->state is "available" and there is nothing to poll.
 *
 * Output: name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/kind_support.h"

#define MAX_SUBNETS 3

typedef struct subnet_set {
    char id[MAX_SUBNETS * 2][64];
    int count;
} subnet_set;

/* The private subnets' ids; false when one is not known yet. */
static bool wanted_subnets(op_ctx *ctx, subnet_set *out)
{
    out->count = 0;
    for (int z = 1; z <= ctx->cfg->network.availability_zones && z <= MAX_SUBNETS; z++) {
        char role[32];
        snprintf(role, sizeof role, "subnet-private-%d", z);
        const char *id = stack_output(ctx->stack, role, "subnet_id");
        if (!id || !id[0])
            return false;
        snprintf(out->id[out->count++], sizeof out->id[0], "%s", id);
    }
    return true;
}

static bool set_contains(const subnet_set *s, const char *id)
{
    for (int i = 0; i < s->count; i++)
        if (strcmp(s->id[i], id) == 0)
            return true;
    return false;
}

static bool sets_equal(const subnet_set *a, const subnet_set *b)
{
    for (int i = 0; i < a->count; i++)
        if (!set_contains(b, a->id[i]))
            return false;
    for (int i = 0; i < b->count; i++)
        if (!set_contains(a, b->id[i]))
            return false;
    return true;
}

static void describe_set(const subnet_set *s, aws_buf *out)
{
    for (int i = 0; i < s->count; i++)
        aws_buf_printf(out, "%s%s", i ? ", " : "", s->id[i]);
}

static void add_subnet(void *ctx, xmlNodePtr element)
{
    subnet_set *s = ctx;
    xmlChar *text = xmlNodeGetContent(element);
    if (text && s->count < MAX_SUBNETS * 2)
        snprintf(s->id[s->count++], sizeof s->id[0], "%s", (const char *)text);
    xmlFree(text);
}

static void add_subnet_params(const subnet_set *s, aws_params *p)
{
    for (int i = 0; i < s->count; i++) {
        char name[64];
        snprintf(name, sizeof name, "SubnetIds.SubnetIdentifier.%d", i + 1);
        aws_params_add(p, name, s->id[i]);
    }
}

static int elasticache_call(op_ctx *ctx, const char *action, const resource *r, aws_params *p,
                            xmlDocPtr *out, aws_error *err)
{
    aws_params local = {0};
    aws_params *params = p ? p : &local;
    aws_params_add(params, "CacheSubnetGroupName", r->name);
    xmlDocPtr doc = NULL;
    int rc = aws_query_call(ctx->client, &aws_service_elasticache, action, params, &doc, err);
    aws_params_free(params);
    if (out)
        *out = doc;
    else
        xmlFreeDoc(doc);
    return rc;
}

/* Fills r from a CacheSubnetGroup answer; the live subnets in *live. */
static void publish(resource *r, xmlDocPtr doc, subnet_set *live)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    char *arn = aws_xml_find_text(root, "ARN");
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", r->name);
    snprintf(r->arn, sizeof r->arn, "%s", arn ? arn : "");
    snprintf(r->state, sizeof r->state, "available");
    resource_set_output(r, "name", r->name);
    free(arn);
    live->count = 0;
    xml_each_element(root, "SubnetIdentifier", add_subnet, live);
}

static int cache_subnet_group_read(op_ctx *ctx, resource *r, aws_error *err)
{
    xmlDocPtr doc = NULL;
    int rc = elasticache_call(ctx, "DescribeCacheSubnetGroups", r, NULL, &doc, err);
    if (rc != 0) {
        xmlFreeDoc(doc);
        return allow_error(rc, err, "CacheSubnetGroupNotFoundFault");
    }
    subnet_set live, wanted;
    publish(r, doc, &live);
    xmlFreeDoc(doc);
    if (wanted_subnets(ctx, &wanted) && !sets_equal(&live, &wanted)) {
        aws_buf is = {0}, says = {0};
        describe_set(&live, &is);
        describe_set(&wanted, &says);
        resource_add_drift(r, "cache subnet group subnets", aws_buf_str(&is), aws_buf_str(&says));
        aws_buf_free(&is);
        aws_buf_free(&says);
    }
    return 0;
}

static int cache_subnet_group_create(op_ctx *ctx, resource *r, aws_error *err)
{
    subnet_set wanted, live;
    ENSURE(wanted_subnets(ctx, &wanted), err, AWS_ERROR_INVALID, "MissingDependency",
           "cache subnet group %s: the private subnets are not known yet", r->name);
    char description[160];
    snprintf(description, sizeof description, "Scribble %s: the cache's private subnets",
             stack_name(ctx->stack));
    aws_params p = {0};
    aws_params_add(&p, "CacheSubnetGroupDescription", description);
    add_subnet_params(&wanted, &p);
    tags_query_params(ctx->stack, r, "Tags.Tag", &p);
    xmlDocPtr doc = NULL;
    int rc = elasticache_call(ctx, "CreateCacheSubnetGroup", r, &p, &doc, err);
    if (rc != 0 && error_is(err, "CacheSubnetGroupAlreadyExists")) {
        /* an interrupted earlier create, or a concurrent one: take it as it is */
        xmlFreeDoc(doc);
        doc = NULL;
        aws_error_clear(err);
        rc = elasticache_call(ctx, "DescribeCacheSubnetGroups", r, NULL, &doc, err);
    }
    if (rc == 0)
        publish(r, doc, &live);
    xmlFreeDoc(doc);
    return rc;
}

static int cache_subnet_group_update(op_ctx *ctx, resource *r, aws_error *err)
{
    subnet_set wanted;
    ENSURE(wanted_subnets(ctx, &wanted), err, AWS_ERROR_INVALID, "MissingDependency",
           "cache subnet group %s: the private subnets are not known yet", r->name);
    aws_params p = {0};
    add_subnet_params(&wanted, &p);
    int rc = elasticache_call(ctx, "ModifyCacheSubnetGroup", r, &p, NULL, err);
    /* SubnetInUse: a node still sits in a subnet being removed; AWS moves it */
    if (rc != 0 && error_is(err, "SubnetInUse"))
        err->retryable = true;
    return rc;
}

static int cache_subnet_group_remove(op_ctx *ctx, resource *r, aws_error *err)
{
    int rc = elasticache_call(ctx, "DeleteCacheSubnetGroup", r, NULL, NULL, err);
    if (rc != 0 && error_is(err, "CacheSubnetGroupInUse"))
        err->retryable = true; /* the cache is still being deleted */
    return allow_error(rc, err, "CacheSubnetGroupNotFoundFault");
}

const resource_ops cache_subnet_group_ops = {
    .kind = "ElastiCache subnet group",
    .read = cache_subnet_group_read,
    .create = cache_subnet_group_create,
    .update = cache_subnet_group_update,
    .remove = cache_subnet_group_remove,
    .poll_interval_ms = 5000,
    .poll_timeout_s = 1800, /* how long down waits for the replication group to go */
};

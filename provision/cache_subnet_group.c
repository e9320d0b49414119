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



static int elasticache_call(op_ctx *ctx, const char *action, const resource *r, aws_params *p,
                            xmlDocPtr *out, base_error *err)
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
static void publish(resource *r, xmlDocPtr doc, id_set *live)
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
    xml_each_element(root, "SubnetIdentifier", id_set_add_element, live);
}

static int cache_subnet_group_read(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    int rc = elasticache_call(ctx, "DescribeCacheSubnetGroups", r, NULL, &doc, err);
    if (rc != 0) {
        xmlFreeDoc(doc);
        return allow_error(rc, err, "CacheSubnetGroupNotFoundFault");
    }
    id_set live, wanted;
    publish(r, doc, &live);
    xmlFreeDoc(doc);
    if (private_subnet_ids(ctx, &wanted) && !id_set_equal(&live, &wanted)) {
        id_set_drift(r, "cache subnet group subnets", &live, &wanted);
    }
    return 0;
}

static int cache_subnet_group_create(op_ctx *ctx, resource *r, base_error *err)
{
    id_set wanted, live;
    ENSURE(private_subnet_ids(ctx, &wanted), err, BASE_ERROR_INVALID, "MissingDependency",
           "cache subnet group %s: the private subnets are not known yet", r->name);
    char description[160];
    snprintf(description, sizeof description, "Scribble %s: the cache's private subnets",
             stack_name(ctx->stack));
    aws_params p = {0};
    aws_params_add(&p, "CacheSubnetGroupDescription", description);
    id_set_params(&wanted, "SubnetIds.SubnetIdentifier", &p);
    tags_query_params(ctx->stack, r, "Tags.Tag", &p);
    xmlDocPtr doc = NULL;
    int rc = elasticache_call(ctx, "CreateCacheSubnetGroup", r, &p, &doc, err);
    if (rc != 0 && error_is(err, "CacheSubnetGroupAlreadyExists")) {
        /* an interrupted earlier create, or a concurrent one: take it as it is */
        xmlFreeDoc(doc);
        doc = NULL;
        base_error_clear(err);
        rc = elasticache_call(ctx, "DescribeCacheSubnetGroups", r, NULL, &doc, err);
    }
    if (rc == 0)
        publish(r, doc, &live);
    xmlFreeDoc(doc);
    return rc;
}

static int cache_subnet_group_update(op_ctx *ctx, resource *r, base_error *err)
{
    id_set wanted;
    ENSURE(private_subnet_ids(ctx, &wanted), err, BASE_ERROR_INVALID, "MissingDependency",
           "cache subnet group %s: the private subnets are not known yet", r->name);
    aws_params p = {0};
    id_set_params(&wanted, "SubnetIds.SubnetIdentifier", &p);
    int rc = elasticache_call(ctx, "ModifyCacheSubnetGroup", r, &p, NULL, err);
    /* SubnetInUse: a node still sits in a subnet being removed; AWS moves it */
    if (rc != 0 && error_is(err, "SubnetInUse"))
        err->retryable = true;
    return rc;
}

static int cache_subnet_group_remove(op_ctx *ctx, resource *r, base_error *err)
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

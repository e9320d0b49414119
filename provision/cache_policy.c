/*
 * cache_policy.c - the site's CloudFront cache policy, named <stack>-cache-policy:
 * DefaultTTL and MaxTTL from [site], MinTTL 0, nothing (no cookie, header or
 * query string) in the cache key, gzip and brotli on.
 *
 * Cache policies carry no tags, so the policy is found by its name among the
 * account's custom ones (names are unique per account). CloudFront guards
 * every change with the policy's ETag: update and delete first GET it and
 * send it in If-Match. A policy still used by the distribution cannot be
 * deleted; that refusal is retryable, since down removes the distribution
 * first and CloudFront lets go of the policy a little later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/cloudfront_common.h"
#include "provision/kind_support.h"

#define CACHE_POLICY_PATH "/2020-05-31/cache-policy"

static void add_number(xmlNodePtr parent, const char *name, long value)
{
    char text[32];
    snprintf(text, sizeof text, "%ld", value);
    cloudfront_add_text(parent, name, text);
}

/* The CachePolicyConfig document, elements in the model's order. */
static xmlDocPtr policy_config(op_ctx *ctx, const resource *r)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(doc, NULL, BAD_CAST "CachePolicyConfig", NULL);
    xmlDocSetRootElement(doc, root);
    xmlSetNs(root, xmlNewNs(root, BAD_CAST CLOUDFRONT_NAMESPACE, NULL));
    char comment[160];
    cloudfront_site_comment(ctx->stack, comment);
    cloudfront_add_text(root, "Comment", comment);
    cloudfront_add_text(root, "Name", r->name);
    add_number(root, "DefaultTTL", ctx->cfg->site.default_ttl);
    add_number(root, "MaxTTL", ctx->cfg->site.max_ttl);
    add_number(root, "MinTTL", 0);
    xmlNodePtr params = xmlNewChild(root, NULL, BAD_CAST "ParametersInCacheKeyAndForwardedToOrigin", NULL);
    cloudfront_add_text(params, "EnableAcceptEncodingGzip", "true");
    cloudfront_add_text(params, "EnableAcceptEncodingBrotli", "true");
    cloudfront_add_text(xmlNewChild(params, NULL, BAD_CAST "HeadersConfig", NULL), "HeaderBehavior", "none");
    cloudfront_add_text(xmlNewChild(params, NULL, BAD_CAST "CookiesConfig", NULL), "CookieBehavior", "none");
    cloudfront_add_text(xmlNewChild(params, NULL, BAD_CAST "QueryStringsConfig", NULL), "QueryStringBehavior", "none");
    return doc;
}

static void drift_text(resource *r, xmlNodePtr config, const char *element, const char *wanted)
{
    char *live = aws_xml_find_text(config, element);
    if (!live || strcmp(live, wanted) != 0)
        resource_add_drift(r, element, live, wanted);
    free(live);
}

static void drift_number(resource *r, xmlNodePtr config, const char *element, long wanted)
{
    char *live = aws_xml_find_text(config, element);
    drift_int(r, element, live ? strtol(live, NULL, 10) : -1, wanted);
    free(live);
}

/* Fills r from a CachePolicy element (of a list or a create answer). */
static void fill(op_ctx *ctx, resource *r, xmlNodePtr policy)
{
    char *id = aws_xml_find_text(policy, "Id");
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", id ? id : "");
    snprintf(r->state, sizeof r->state, "available");
    resource_set_output(r, "cache_policy_id", r->id);
    free(id);
    drift_number(r, policy, "DefaultTTL", ctx->cfg->site.default_ttl);
    drift_number(r, policy, "MaxTTL", ctx->cfg->site.max_ttl);
    drift_number(r, policy, "MinTTL", 0);
    drift_text(r, policy, "EnableAcceptEncodingGzip", "true");
    drift_text(r, policy, "EnableAcceptEncodingBrotli", "true");
    drift_text(r, policy, "HeaderBehavior", "none");
    drift_text(r, policy, "CookieBehavior", "none");
    drift_text(r, policy, "QueryStringBehavior", "none");
}

typedef struct found_policy {
    op_ctx *ctx;
    resource *r;
} found_policy;

static void take_policy(void *arg, xmlNodePtr summary)
{
    found_policy *f = arg;
    fill(f->ctx, f->r, summary);
}

static int cache_policy_read(op_ctx *ctx, resource *r, base_error *err)
{
    aws_params query = {0};
    aws_params_add(&query, "Type", "custom");
    found_policy f = {ctx, r};
    static const char *const name[] = {"CachePolicy", "CachePolicyConfig", "Name", NULL};
    int rc = cloudfront_find(ctx, CACHE_POLICY_PATH, &query, "CachePolicySummary", name, r->name,
                             take_policy, &f, err);
    aws_params_free(&query);
    return rc;
}

static int cache_policy_create(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    int rc = cloudfront_call(ctx, "POST", CACHE_POLICY_PATH, NULL, NULL, policy_config(ctx, r), &doc,
                             NULL, err);
    if (rc != 0 && error_is(err, "CachePolicyAlreadyExists")) {
        /* Made by an earlier, interrupted up: adopt it once the list shows it. */
        base_error refused = *err;
        base_error_clear(err);
        TRY(cache_policy_read(ctx, r, err));
        if (r->exists)
            return 0;
        *err = refused;
        err->retryable = true;
        return -1;
    }
    TRY(rc);
    fill(ctx, r, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    return 0;
}

static int cache_policy_update(op_ctx *ctx, resource *r, base_error *err)
{
    char etag[ETAG_SIZE], path[PATH_SIZE];
    TRY(cloudfront_etag(ctx, CACHE_POLICY_PATH, r->id, etag, err));
    snprintf(path, sizeof path, "%s/%s", CACHE_POLICY_PATH, r->id);
    xmlDocPtr doc = NULL;
    TRY(cloudfront_retry_on_conflict(
        cloudfront_call(ctx, "PUT", path, NULL, etag, policy_config(ctx, r), &doc, NULL, err), err));
    base_buf_free(&r->drift);
    fill(ctx, r, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    return 0;
}

static int cache_policy_remove(op_ctx *ctx, resource *r, base_error *err)
{
    return cloudfront_delete(ctx, CACHE_POLICY_PATH, r->id, "NoSuchCachePolicy", "CachePolicyInUse",
                             err);
}

const resource_ops cache_policy_ops = {
    .kind = "cache policy",
    .read = cache_policy_read,
    .create = cache_policy_create,
    .update = cache_policy_update,
    .remove = cache_policy_remove,
};

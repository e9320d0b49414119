/*
 * distribution.c - the CloudFront distribution in front of the site's
 * private bucket: one S3 origin reached through the stack's origin access
 * control, the stack's cache policy and response headers policy (the
 * page's security headers), HTTPS only (HTTP is redirected), GET
 * and HEAD, compressed, the default root object and price class of [site].
 *
 * Distributions have no name: this one is found by its Comment
 * ("<stack> Scribble site"), and created with a CallerReference derived from
 * the stack, the role and the origin access control, so a create repeated
 * after a killed up is refused (DistributionAlreadyExists) rather than making
 * a second distribution, while a stack removed and made again (a new origin
 * access control) gets a new one. Every change sends the ETag read just
 * before in If-Match, and CloudFront takes minutes to deploy one: up waits
 * for "Deployed". Removing is disable, wait until deployed, delete: remove
 * takes one step per call and answers a retryable error while CloudFront is
 * busy, so the walker's retries do the waiting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/cloudfront_common.h"
#include "provision/kind_support.h"
#include "stack/description.h"

#define DISTRIBUTION_PATH CLOUDFRONT_DISTRIBUTION_PATH
#define DISTRIBUTION_SSL_SUPPORT "sni-only"
#define DISTRIBUTION_MINIMUM_PROTOCOL "TLSv1.2_2021"
#define ORIGIN_ID "site-bucket"

static const char *price_class_name(scribble_price_class price_class)
{
    switch (price_class) {
    case SCRIBBLE_PRICE_CLASS_100: return "PriceClass_100";
    case SCRIBBLE_PRICE_CLASS_200: return "PriceClass_200";
    case SCRIBBLE_PRICE_CLASS_ALL: return "PriceClass_All";
    }
    return "PriceClass_All";
}

/* What the distribution is made from: its dependencies' outputs. */
typedef struct wanted {
    const char *origin_domain;
    const char *cache_policy_id;
    const char *oac_id;
    const char *response_headers_policy_id;
    const char *alias;           /* [domain] name; NULL: CloudFront's own name */
    const char *certificate_arn; /* the site certificate's, with an alias */
} wanted;

static wanted wanted_of(const op_ctx *ctx)
{
    const char *alias = ctx->cfg->domain.name[0] ? ctx->cfg->domain.name : NULL;
    return (wanted){
        .origin_domain = stack_output(ctx->stack, ROLE_SITE_BUCKET, "bucket_regional_domain"),
        .cache_policy_id = stack_output(ctx->stack, ROLE_CACHE_POLICY, "cache_policy_id"),
        .oac_id = stack_output(ctx->stack, ROLE_ORIGIN_ACCESS_CONTROL, "oac_id"),
        .response_headers_policy_id = stack_output(ctx->stack, ROLE_RESPONSE_HEADERS_POLICY,
                                                   "response_headers_policy_id"),
        .alias = alias,
        .certificate_arn = alias ? stack_output(ctx->stack, ROLE_SITE_CERTIFICATE, "certificate_arn")
                                 : NULL,
    };
}

static int require_wanted(const resource *r, const wanted *w, base_error *err)
{
    ENSURE(w->origin_domain && w->cache_policy_id && w->oac_id && w->response_headers_policy_id, err,
           BASE_ERROR_INVALID, "DependencyMissing", "%s needs the site bucket, the cache policy, the "
           "origin access control and the response headers policy, and one of them does not exist",
           r->name);
    ENSURE(!w->alias || w->certificate_arn, err, BASE_ERROR_INVALID, "DependencyMissing",
           "%s needs the site certificate for %s, and it does not exist", r->name, w->alias);
    return 0;
}

static void caller_reference(const op_ctx *ctx, const resource *r, const wanted *w, char out[256])
{
    snprintf(out, 256, "scribble/%s/%s/%s", stack_name(ctx->stack), r->role, w->oac_id);
}

static void add_methods(xmlNodePtr parent, const char *name)
{
    xmlNodePtr methods = xmlNewChild(parent, NULL, BAD_CAST name, NULL);
    cloudfront_add_text(methods, "Quantity", "2");
    xmlNodePtr items = xmlNewChild(methods, NULL, BAD_CAST "Items", NULL);
    cloudfront_add_text(items, "Method", "GET");
    cloudfront_add_text(items, "Method", "HEAD");
}

/* The alternate name: the [domain] name, or none. */
static void add_aliases(xmlNodePtr config, const wanted *w)
{
    xmlNodePtr aliases = xmlNewChild(config, NULL, BAD_CAST "Aliases", NULL);
    cloudfront_add_text(aliases, "Quantity", w->alias ? "1" : "0");
    if (w->alias)
        cloudfront_add_text(xmlNewChild(aliases, NULL, BAD_CAST "Items", NULL), "CNAME", w->alias);
}

/* With a domain: its ACM certificate, SNI only, TLS 1.2 at least (2021
 * ciphers); without: CloudFront's own certificate. */
static void add_viewer_certificate(xmlNodePtr config, const wanted *w)
{
    xmlNodePtr viewer = xmlNewChild(config, NULL, BAD_CAST "ViewerCertificate", NULL);
    if (!w->alias) {
        cloudfront_add_text(viewer, "CloudFrontDefaultCertificate", "true");
        return;
    }
    cloudfront_add_text(viewer, "ACMCertificateArn", w->certificate_arn);
    cloudfront_add_text(viewer, "SSLSupportMethod", DISTRIBUTION_SSL_SUPPORT);
    cloudfront_add_text(viewer, "MinimumProtocolVersion", DISTRIBUTION_MINIMUM_PROTOCOL);
}

/* Fills a DistributionConfig element, children in the model's order. */
static void build_config(const op_ctx *ctx, const wanted *w, const char *reference, xmlNodePtr config)
{
    const scribble_config *cfg = ctx->cfg;
    cloudfront_add_text(config, "CallerReference", reference);
    add_aliases(config, w);
    cloudfront_add_text(config, "DefaultRootObject", cfg->site.default_root_object);
    xmlNodePtr origins = xmlNewChild(config, NULL, BAD_CAST "Origins", NULL);
    cloudfront_add_text(origins, "Quantity", "1");
    xmlNodePtr origin = xmlNewChild(xmlNewChild(origins, NULL, BAD_CAST "Items", NULL), NULL,
                                    BAD_CAST "Origin", NULL);
    cloudfront_add_text(origin, "Id", ORIGIN_ID);
    cloudfront_add_text(origin, "DomainName", w->origin_domain);
    /* An empty identity: the origin access control signs instead. */
    cloudfront_add_text(xmlNewChild(origin, NULL, BAD_CAST "S3OriginConfig", NULL), "OriginAccessIdentity", "");
    cloudfront_add_text(origin, "OriginAccessControlId", w->oac_id);
    xmlNodePtr behavior = xmlNewChild(config, NULL, BAD_CAST "DefaultCacheBehavior", NULL);
    cloudfront_add_text(behavior, "TargetOriginId", ORIGIN_ID);
    cloudfront_add_text(behavior, "ViewerProtocolPolicy", "redirect-to-https");
    add_methods(behavior, "AllowedMethods");
    add_methods(cloudfront_child(behavior, "AllowedMethods"), "CachedMethods");
    cloudfront_add_text(behavior, "Compress", "true");
    cloudfront_add_text(behavior, "CachePolicyId", w->cache_policy_id);
    cloudfront_add_text(behavior, "ResponseHeadersPolicyId", w->response_headers_policy_id);
    char comment[160];
    cloudfront_site_comment(ctx->stack, comment);
    cloudfront_add_text(config, "Comment", comment);
    cloudfront_add_text(config, "PriceClass", price_class_name(cfg->site.price_class));
    cloudfront_add_text(config, "Enabled", "true");
    add_viewer_certificate(config, w);
    /* IPv6 with a domain, whose AAAA record needs it; as CloudFront defaults without. */
    if (w->alias)
        cloudfront_add_text(config, "IsIPV6Enabled", "true");
}

static xmlNodePtr new_document(const char *root_name, xmlDocPtr *doc)
{
    *doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(*doc, NULL, BAD_CAST root_name, NULL);
    xmlDocSetRootElement(*doc, root);
    xmlSetNs(root, xmlNewNs(root, BAD_CAST CLOUDFRONT_NAMESPACE, NULL));
    return root;
}

static void add_tag(void *ctx, const char *key, const char *value)
{
    xmlNodePtr tag = xmlNewChild(ctx, NULL, BAD_CAST "Tag", NULL);
    cloudfront_add_text(tag, "Key", key);
    cloudfront_add_text(tag, "Value", value);
}

static void drift_setting(resource *r, xmlNodePtr config, const char *const *path, const char *want)
{
    if (!want)
        return; /* a dependency is absent (status, down): nothing to compare with */
    size_t last = 0;
    while (path[last + 1])
        last++;
    char *live = cloudfront_text_at(config, path);
    if (!live || strcmp(live, want) != 0)
        resource_add_drift(r, path[last], live, want);
    free(live);
}

/* The alias, certificate and TLS policy against the [domain] (or its absence). */
static void drift_domain(resource *r, xmlNodePtr config, const wanted *w)
{
    static const char *const quantity[] = {"Aliases", "Quantity", NULL},
                             *const alias[] = {"Aliases", "Items", "CNAME", NULL},
                             *const acm[] = {"ViewerCertificate", "ACMCertificateArn", NULL},
                             *const sni[] = {"ViewerCertificate", "SSLSupportMethod", NULL},
                             *const minimum[] = {"ViewerCertificate", "MinimumProtocolVersion", NULL},
                             *const ipv6[] = {"IsIPV6Enabled", NULL},
                             *const own[] = {"ViewerCertificate", "CloudFrontDefaultCertificate", NULL};
    drift_setting(r, config, quantity, w->alias ? "1" : "0");
    if (!w->alias) {
        drift_setting(r, config, own, "true");
        return;
    }
    drift_setting(r, config, alias, w->alias);
    drift_setting(r, config, acm, w->certificate_arn);
    drift_setting(r, config, sni, DISTRIBUTION_SSL_SUPPORT);
    drift_setting(r, config, minimum, DISTRIBUTION_MINIMUM_PROTOCOL);
    drift_setting(r, config, ipv6, "true");
}

/* Fills r from a Distribution element; compares its config with the wanted one. */
static void fill(const op_ctx *ctx, resource *r, xmlNodePtr distribution)
{
    static const char *const id_path[] = {"Id", NULL}, *const arn_path[] = {"ARN", NULL},
                             *const status_path[] = {"Status", NULL},
                             *const domain_path[] = {"DomainName", NULL};
    char *id = cloudfront_text_at(distribution, id_path);
    char *arn = cloudfront_text_at(distribution, arn_path);
    char *status = cloudfront_text_at(distribution, status_path);
    char *domain = cloudfront_text_at(distribution, domain_path);
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", id ? id : "");
    snprintf(r->arn, sizeof r->arn, "%s", arn ? arn : "");
    snprintf(r->state, sizeof r->state, "%s", status ? status : "");
    resource_set_output(r, "distribution_id", r->id);
    resource_set_output(r, "domain_name", domain);
    resource_set_output(r, "distribution_arn", r->arn);
    free(id);
    free(arn);
    free(status);
    free(domain);

    xmlNodePtr config = cloudfront_child(distribution, "DistributionConfig");
    if (!config)
        return;
    wanted w = wanted_of(ctx);
    static const char *const enabled[] = {"Enabled", NULL},
                             *const root_object[] = {"DefaultRootObject", NULL},
                             *const price_class[] = {"PriceClass", NULL},
                             *const origin_domain[] = {"Origins", "Items", "Origin", "DomainName", NULL},
                             *const oac[] = {"Origins", "Items", "Origin", "OriginAccessControlId", NULL},
                             *const viewer[] = {"DefaultCacheBehavior", "ViewerProtocolPolicy", NULL},
                             *const compress[] = {"DefaultCacheBehavior", "Compress", NULL},
                             *const cache_policy[] = {"DefaultCacheBehavior", "CachePolicyId", NULL},
                             *const headers_policy[] = {"DefaultCacheBehavior", "ResponseHeadersPolicyId", NULL};
    drift_setting(r, config, enabled, "true");
    drift_setting(r, config, root_object, ctx->cfg->site.default_root_object);
    drift_setting(r, config, price_class, price_class_name(ctx->cfg->site.price_class));
    drift_setting(r, config, origin_domain, w.origin_domain);
    drift_setting(r, config, oac, w.oac_id);
    drift_setting(r, config, viewer, "redirect-to-https");
    drift_setting(r, config, compress, "true");
    drift_setting(r, config, cache_policy, w.cache_policy_id);
    drift_setting(r, config, headers_policy, w.response_headers_policy_id);
    drift_domain(r, config, &w);
}

static void distribution_path(const resource *r, const char *suffix, char out[PATH_SIZE])
{
    snprintf(out, PATH_SIZE, "%s/%s%s", DISTRIBUTION_PATH, r->id, suffix);
}

/* GET /distribution/<id>: the Distribution document and its ETag. */
static int get_distribution(op_ctx *ctx, const resource *r, xmlDocPtr *doc, char etag[ETAG_SIZE],
                            base_error *err)
{
    char path[PATH_SIZE];
    distribution_path(r, "", path);
    return cloudfront_call(ctx, "GET", path, NULL, NULL, NULL, doc, etag, err);
}

static void take_id(void *arg, xmlNodePtr summary)
{
    static const char *const id_path[] = {"Id", NULL};
    *(char **)arg = cloudfront_text_at(summary, id_path);
}

/* The id of the distribution whose Comment is ours; NULL when there is none. */
static int find_by_comment(op_ctx *ctx, char **id, base_error *err)
{
    char comment[160];
    cloudfront_site_comment(ctx->stack, comment);
    static const char *const comment_path[] = {"Comment", NULL};
    *id = NULL;
    return cloudfront_find(ctx, CLOUDFRONT_DISTRIBUTION_PATH, NULL, "DistributionSummary",
                           comment_path, comment, take_id, id, err);
}

static int distribution_read(op_ctx *ctx, resource *r, base_error *err)
{
    char *id = NULL;
    TRY(find_by_comment(ctx, &id, err));
    if (!id)
        return 0;
    snprintf(r->id, sizeof r->id, "%s", id);
    free(id);
    xmlDocPtr doc = NULL;
    int rc = get_distribution(ctx, r, &doc, NULL, err);
    if (rc != 0) {
        r->id[0] = '\0';
        return allow_error(rc, err, "NoSuchDistribution"); /* deleted since the list */
    }
    fill(ctx, r, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    return 0;
}

/* CloudFront lets one distribution, in all of AWS, hold a name. */
static int explain_alias_taken(int rc, const wanted *w, base_error *err)
{
    if (rc != 0 && w->alias && error_is(err, "CNAMEAlreadyExists"))
        snprintf(err->message, sizeof err->message,
                 "%s is already an alternate domain name of another CloudFront distribution (one "
                 "distribution in all of AWS may have it): remove it there, or choose another "
                 "domain.name", w->alias);
    return rc;
}

static int distribution_create(op_ctx *ctx, resource *r, base_error *err)
{
    wanted w = wanted_of(ctx);
    TRY(require_wanted(r, &w, err));
    char reference[256];
    caller_reference(ctx, r, &w, reference);
    xmlDocPtr body;
    xmlNodePtr root = new_document("DistributionConfigWithTags", &body);
    build_config(ctx, &w, reference, xmlNewChild(root, NULL, BAD_CAST "DistributionConfig", NULL));
    xmlNodePtr items = xmlNewChild(xmlNewChild(root, NULL, BAD_CAST "Tags", NULL), NULL, BAD_CAST "Items", NULL);
    stack_each_tag(ctx->stack, r, add_tag, items);
    aws_params query = {0};
    aws_params_add(&query, "WithTags", "");
    xmlDocPtr doc = NULL;
    int rc = cloudfront_call(ctx, "POST", DISTRIBUTION_PATH, &query, NULL, body, &doc, NULL, err);
    aws_params_free(&query);
    rc = explain_alias_taken(rc, &w, err);
    if (rc != 0 && error_is(err, "DistributionAlreadyExists")) {
        /* An earlier, interrupted up made it: adopt it. */
        base_error refused = *err;
        base_error_clear(err);
        TRY(distribution_read(ctx, r, err));
        if (r->exists)
            return 0;
        *err = refused;
        return base_error_set(err, BASE_ERROR_SERVICE, "DistributionAlreadyExists",
                             "a CloudFront distribution with caller reference %s exists, but its "
                             "comment is not \"%s Scribble site\": correct or delete it",
                             reference, stack_name(ctx->stack));
    }
    TRY(rc);
    fill(ctx, r, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    return 0;
}

static int distribution_update(op_ctx *ctx, resource *r, base_error *err)
{
    wanted w = wanted_of(ctx);
    TRY(require_wanted(r, &w, err));
    char path[PATH_SIZE], etag[ETAG_SIZE];
    distribution_path(r, "/config", path);
    xmlDocPtr live = NULL;
    TRY(cloudfront_call(ctx, "GET", path, NULL, NULL, NULL, &live, etag, err));
    /* The CallerReference is fixed at creation and must be sent back unchanged. */
    static const char *const reference_path[] = {"CallerReference", NULL};
    char *reference = cloudfront_text_at(xmlDocGetRootElement(live), reference_path);
    xmlFreeDoc(live);
    xmlDocPtr body;
    build_config(ctx, &w, reference ? reference : "", new_document("DistributionConfig", &body));
    free(reference);
    xmlDocPtr doc = NULL;
    TRY(explain_alias_taken(cloudfront_retry_on_conflict(
        cloudfront_call(ctx, "PUT", path, NULL, etag, body, &doc, NULL, err), err), &w, err));
    fill(ctx, r, xmlDocGetRootElement(doc));
    base_buf_free(&r->drift); /* what was wanted was just sent */
    xmlFreeDoc(doc);
    return 0;
}

static int distribution_poll(op_ctx *ctx, resource *r, bool removing, bool *done, base_error *err)
{
    xmlDocPtr doc = NULL;
    if (get_distribution(ctx, r, &doc, NULL, err) != 0) {
        if (removing && error_is(err, "NoSuchDistribution")) {
            base_error_clear(err);
            *done = true;
            return 0;
        }
        return -1;
    }
    static const char *const status_path[] = {"Status", NULL};
    char *status = cloudfront_text_at(xmlDocGetRootElement(doc), status_path);
    xmlFreeDoc(doc);
    snprintf(r->state, sizeof r->state, "%s", status ? status : "");
    *done = !removing && status && strcmp(status, "Deployed") == 0;
    free(status);
    return 0;
}

static int busy(base_error *err, const resource *r, const char *what)
{
    base_error_set(err, BASE_ERROR_SERVICE, "DistributionDeploying",
                  "CloudFront distribution %s is still deploying %s", r->id, what);
    err->retryable = true;
    return -1;
}

/* One step of disable, wait, delete; a retryable error until the last. */
static int distribution_remove(op_ctx *ctx, resource *r, base_error *err)
{
    char path[PATH_SIZE], etag[ETAG_SIZE];
    distribution_path(r, "/config", path);
    xmlDocPtr config = NULL;
    if (cloudfront_call(ctx, "GET", path, NULL, NULL, NULL, &config, etag, err) != 0)
        return allow_error(-1, err, "NoSuchDistribution");
    xmlNodePtr enabled = cloudfront_child(xmlDocGetRootElement(config), "Enabled");
    xmlChar *value = enabled ? xmlNodeGetContent(enabled) : NULL;
    bool is_enabled = value && strcmp((const char *)value, "true") == 0;
    xmlFree(value);
    if (is_enabled) {
        /* The live config with Enabled false, everything else as it is. */
        xmlNodeSetContent(enabled, BAD_CAST "false");
        TRY(cloudfront_retry_on_conflict(
            cloudfront_call(ctx, "PUT", path, NULL, etag, config, NULL, NULL, err), err));
    } else {
        xmlFreeDoc(config);
    }
    xmlDocPtr doc = NULL;
    if (get_distribution(ctx, r, &doc, etag, err) != 0)
        return allow_error(-1, err, "NoSuchDistribution");
    static const char *const status_path[] = {"Status", NULL};
    char *status = cloudfront_text_at(xmlDocGetRootElement(doc), status_path);
    xmlFreeDoc(doc);
    bool deployed = status && strcmp(status, "Deployed") == 0;
    snprintf(r->state, sizeof r->state, "%s", deployed ? "disabled" : "disabling");
    free(status);
    if (!deployed)
        return busy(err, r, "its disabling");
    distribution_path(r, "", path);
    int rc = cloudfront_call(ctx, "DELETE", path, NULL, etag, NULL, NULL, NULL, err);
    rc = allow_error(cloudfront_retry_on_conflict(rc, err), err, "NoSuchDistribution");
    if (rc != 0 && error_is(err, "DistributionNotDisabled"))
        err->retryable = true; /* the disable has not reached every edge yet */
    return rc;
}

const resource_ops distribution_ops = {
    .kind = "distribution",
    .read = distribution_read,
    .create = distribution_create,
    .update = distribution_update,
    .remove = distribution_remove,
    .poll = distribution_poll,
    .poll_interval_ms = 10000,
    .poll_timeout_s = 1800,
};

/*
 * response_headers_policy.c - the site's CloudFront response headers policy,
 * named <stack>-response-headers-policy: the security headers of
 * security_headers.h (HSTS, X-Content-Type-Options, X-Frame-Options,
 * Referrer-Policy, and a Content-Security-Policy whose connect-src names
 * the stack's WebSocket API), each overriding what the origin sends. The
 * distribution's default cache behaviour uses it.
 *
 * Like cache policies, response headers policies carry no tags: this one is
 * found by its name among the account's custom ones. Every change sends the
 * ETag read just before in If-Match. A policy still used by the
 * distribution cannot be deleted; that refusal is retryable, since down
 * removes the distribution first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/cloudfront_common.h"
#include "provision/kind_support.h"
#include "provision/security_headers.h"
#include "provision/static_site.h"
#include "stack/description.h"

#define POLICY_PATH "/2020-05-31/response-headers-policy"

/* The Content-Security-Policy for this stack's WebSocket API; absent
 * (NULL, no error) while the API does not exist (status, plan, down). */
static int wanted_csp(const op_ctx *ctx, base_buf *csp, bool *known, base_error *err)
{
    char websocket[STATIC_SITE_URL_SIZE], host[STATIC_SITE_URL_SIZE];
    const char *endpoint = static_site_domain_names(ctx->cfg, websocket, host)
                               ? websocket
                               : stack_output(ctx->stack, ROLE_WEBSOCKET_API, "api_endpoint");
    *known = endpoint != NULL;
    return endpoint ? security_headers_csp(endpoint, csp, err) : 0;
}

static xmlNodePtr add_header(xmlNodePtr parent, const char *name)
{
    xmlNodePtr header = xmlNewChild(parent, NULL, BAD_CAST name, NULL);
    cloudfront_add_text(header, "Override", "true");
    return header;
}

/* The ResponseHeadersPolicyConfig document, elements in the model's order. */
static xmlDocPtr policy_config(op_ctx *ctx, const resource *r, const char *csp)
{
    const security_headers *h = &page_security_headers;
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(doc, NULL, BAD_CAST "ResponseHeadersPolicyConfig", NULL);
    xmlDocSetRootElement(doc, root);
    xmlSetNs(root, xmlNewNs(root, BAD_CAST CLOUDFRONT_NAMESPACE, NULL));
    char comment[160], age[32];
    cloudfront_site_comment(ctx->stack, comment);
    cloudfront_add_text(root, "Comment", comment);
    cloudfront_add_text(root, "Name", r->name);
    xmlNodePtr security = xmlNewChild(root, NULL, BAD_CAST "SecurityHeadersConfig", NULL);
    cloudfront_add_text(add_header(security, "FrameOptions"), "FrameOption", h->frame_option);
    cloudfront_add_text(add_header(security, "ReferrerPolicy"), "ReferrerPolicy", h->referrer_policy);
    cloudfront_add_text(add_header(security, "ContentSecurityPolicy"), "ContentSecurityPolicy", csp);
    if (h->content_type_nosniff)
        add_header(security, "ContentTypeOptions");
    xmlNodePtr hsts = add_header(security, "StrictTransportSecurity");
    cloudfront_add_text(hsts, "IncludeSubdomains", h->hsts_include_subdomains ? "true" : "false");
    cloudfront_add_text(hsts, "Preload", h->hsts_preload ? "true" : "false");
    snprintf(age, sizeof age, "%ld", h->hsts_max_age);
    cloudfront_add_text(hsts, "AccessControlMaxAgeSec", age);
    return doc;
}

/* Compares SecurityHeadersConfig/<header>/<field> with wanted; an absent
 * element reads as absent_as ("false" for booleans CloudFront may omit). */
static void drift_header(resource *r, xmlNodePtr security, const char *header, const char *field,
                         const char *wanted, const char *absent_as)
{
    const char *const path[] = {header, field, NULL};
    char *live = cloudfront_text_at(security, path);
    const char *seen = live ? live : absent_as;
    if (!seen || strcmp(seen, wanted) != 0) {
        char setting[96];
        snprintf(setting, sizeof setting, "%s.%s", header, field);
        resource_add_drift(r, setting, seen, wanted);
    }
    free(live);
}

/* Fills r from a ResponseHeadersPolicy element (of a list or an answer). */
static void fill(resource *r, xmlNodePtr policy, const char *csp)
{
    const security_headers *h = &page_security_headers;
    static const char *const id_path[] = {"Id", NULL};
    static const char *const security_path[] = {"ResponseHeadersPolicyConfig", "SecurityHeadersConfig", NULL};
    char *id = cloudfront_text_at(policy, id_path);
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", id ? id : "");
    snprintf(r->state, sizeof r->state, "available");
    resource_set_output(r, "response_headers_policy_id", r->id);
    free(id);
    xmlNodePtr security = cloudfront_element_at(policy, security_path);
    if (!security) {
        resource_add_drift(r, "SecurityHeadersConfig", NULL, "the page's security headers");
        return;
    }
    char age[32];
    snprintf(age, sizeof age, "%ld", h->hsts_max_age);
    drift_header(r, security, "StrictTransportSecurity", "Override", "true", NULL);
    drift_header(r, security, "StrictTransportSecurity", "AccessControlMaxAgeSec", age, NULL);
    drift_header(r, security, "StrictTransportSecurity", "IncludeSubdomains",
                 h->hsts_include_subdomains ? "true" : "false", "false");
    drift_header(r, security, "StrictTransportSecurity", "Preload", h->hsts_preload ? "true" : "false",
                 "false");
    if (h->content_type_nosniff)
        drift_header(r, security, "ContentTypeOptions", "Override", "true", NULL);
    drift_header(r, security, "FrameOptions", "Override", "true", NULL);
    drift_header(r, security, "FrameOptions", "FrameOption", h->frame_option, NULL);
    drift_header(r, security, "ReferrerPolicy", "Override", "true", NULL);
    drift_header(r, security, "ReferrerPolicy", "ReferrerPolicy", h->referrer_policy, NULL);
    drift_header(r, security, "ContentSecurityPolicy", "Override", "true", NULL);
    if (csp) /* unknown while the WebSocket API is absent: nothing to compare with */
        drift_header(r, security, "ContentSecurityPolicy", "ContentSecurityPolicy", csp, NULL);
}

typedef struct found_policy {
    resource *r;
    const char *csp;
} found_policy;

static void take_policy(void *arg, xmlNodePtr summary)
{
    found_policy *f = arg;
    static const char *const policy_path[] = {"ResponseHeadersPolicy", NULL};
    xmlNodePtr policy = cloudfront_element_at(summary, policy_path);
    if (policy)
        fill(f->r, policy, f->csp);
}

static int policy_read(op_ctx *ctx, resource *r, base_error *err)
{
    base_buf csp = {0};
    bool known = false;
    int rc = wanted_csp(ctx, &csp, &known, err);
    if (rc == 0) {
        aws_params query = {0};
        aws_params_add(&query, "Type", "custom");
        found_policy f = {r, known ? csp.data : NULL};
        static const char *const name[] = {"ResponseHeadersPolicy", "ResponseHeadersPolicyConfig",
                                           "Name", NULL};
        rc = cloudfront_find(ctx, POLICY_PATH, &query, "ResponseHeadersPolicySummary", name, r->name,
                             take_policy, &f, err);
        aws_params_free(&query);
    }
    base_buf_free(&csp);
    return rc;
}

/* The wanted CSP, which create and update cannot do without. */
static int require_csp(const op_ctx *ctx, const resource *r, base_buf *csp, base_error *err)
{
    bool known = false;
    TRY(wanted_csp(ctx, csp, &known, err));
    ENSURE(known, err, BASE_ERROR_INVALID, "DependencyMissing",
           "%s needs the WebSocket API's URL for its Content-Security-Policy, and the API does not "
           "exist", r->name);
    return 0;
}

static int policy_create(op_ctx *ctx, resource *r, base_error *err)
{
    base_buf csp = {0};
    if (require_csp(ctx, r, &csp, err) != 0) {
        base_buf_free(&csp);
        return -1;
    }
    xmlDocPtr doc = NULL;
    int rc = cloudfront_call(ctx, "POST", POLICY_PATH, NULL, NULL, policy_config(ctx, r, csp.data), &doc,
                             NULL, err);
    if (rc != 0 && error_is(err, "ResponseHeadersPolicyAlreadyExists")) {
        /* Made by an earlier, interrupted up: adopt it once the list shows it. */
        base_error refused = *err;
        base_error_clear(err);
        rc = policy_read(ctx, r, err);
        if (rc == 0 && !r->exists) {
            *err = refused;
            err->retryable = true;
            rc = -1;
        }
    } else if (rc == 0) {
        fill(r, xmlDocGetRootElement(doc), csp.data);
    }
    xmlFreeDoc(doc);
    base_buf_free(&csp);
    return rc;
}

static int policy_update(op_ctx *ctx, resource *r, base_error *err)
{
    base_buf csp = {0};
    char etag[ETAG_SIZE], path[PATH_SIZE];
    xmlDocPtr doc = NULL;
    int rc = require_csp(ctx, r, &csp, err);
    if (rc == 0)
        rc = cloudfront_etag(ctx, POLICY_PATH, r->id, etag, err);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/%s", POLICY_PATH, r->id);
        rc = cloudfront_retry_on_conflict(cloudfront_call(ctx, "PUT", path, NULL, etag,
                                                          policy_config(ctx, r, csp.data), &doc,
                                                          NULL, err),
                                          err);
    }
    if (rc == 0) {
        base_buf_free(&r->drift);
        fill(r, xmlDocGetRootElement(doc), csp.data);
    }
    xmlFreeDoc(doc);
    base_buf_free(&csp);
    return rc;
}

static int policy_remove(op_ctx *ctx, resource *r, base_error *err)
{
    return cloudfront_delete(ctx, POLICY_PATH, r->id, "NoSuchResponseHeadersPolicy",
                             "ResponseHeadersPolicyInUse", err);
}

const resource_ops response_headers_policy_ops = {
    .kind = "response headers policy",
    .read = policy_read,
    .create = policy_create,
    .update = policy_update,
    .remove = policy_remove,
};

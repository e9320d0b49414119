/*
 * origin_access_control.c - the origin access control through which
 * CloudFront signs its requests to the site's private bucket (SigV4, always,
 * origin type s3), named <stack>-origin-access-control.
 *
 * Origin access controls carry no tags: this one is found by its name among
 * the account's (names are unique per account). Update and delete send the
 * control's ETag in If-Match, read just before. Deleting one a distribution
 * still uses is refused; that refusal is retryable, since down removes the
 * distribution first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/cloudfront_common.h"
#include "provision/kind_support.h"

#define OAC_PATH "/2020-05-31/origin-access-control"

/* The settings, in the model's order after Name and Description. */
static const char *const settings[][2] = {
    {"SigningProtocol", "sigv4"},
    {"SigningBehavior", "always"},
    {"OriginAccessControlOriginType", "s3"},
};
#define SETTINGS (sizeof settings / sizeof settings[0])

static xmlDocPtr control_config(op_ctx *ctx, const resource *r)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(doc, NULL, BAD_CAST "OriginAccessControlConfig", NULL);
    xmlDocSetRootElement(doc, root);
    xmlSetNs(root, xmlNewNs(root, BAD_CAST CLOUDFRONT_NAMESPACE, NULL));
    char description[160];
    snprintf(description, sizeof description, "%s Scribble site: CloudFront reads the bucket",
             stack_name(ctx->stack));
    cloudfront_add_text(root, "Name", r->name);
    cloudfront_add_text(root, "Description", description);
    for (size_t i = 0; i < SETTINGS; i++)
        cloudfront_add_text(root, settings[i][0], settings[i][1]);
    return doc;
}

/* Fills r from an OriginAccessControlSummary or an OriginAccessControl. */
static void fill(resource *r, xmlNodePtr control)
{
    char *id = aws_xml_find_text(control, "Id");
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", id ? id : "");
    snprintf(r->state, sizeof r->state, "available");
    resource_set_output(r, "oac_id", r->id);
    free(id);
    for (size_t i = 0; i < SETTINGS; i++) {
        char *live = aws_xml_find_text(control, settings[i][0]);
        if (!live || strcmp(live, settings[i][1]) != 0)
            resource_add_drift(r, settings[i][0], live, settings[i][1]);
        free(live);
    }
}

static void take_control(void *arg, xmlNodePtr summary)
{
    fill(arg, summary);
}

static int oac_read(op_ctx *ctx, resource *r, base_error *err)
{
    static const char *const name[] = {"Name", NULL};
    return cloudfront_find(ctx, OAC_PATH, NULL, "OriginAccessControlSummary", name, r->name,
                           take_control, r, err);
}

static int oac_create(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    int rc = cloudfront_call(ctx, "POST", OAC_PATH, NULL, NULL, control_config(ctx, r), &doc, NULL, err);
    if (rc != 0 && error_is(err, "OriginAccessControlAlreadyExists")) {
        /* Made by an earlier, interrupted up: adopt it once the list shows it. */
        base_error refused = *err;
        base_error_clear(err);
        TRY(oac_read(ctx, r, err));
        if (r->exists)
            return 0;
        *err = refused;
        err->retryable = true;
        return -1;
    }
    TRY(rc);
    fill(r, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    return 0;
}

static int oac_update(op_ctx *ctx, resource *r, base_error *err)
{
    char etag[ETAG_SIZE], path[PATH_SIZE];
    TRY(cloudfront_etag(ctx, OAC_PATH, r->id, etag, err));
    snprintf(path, sizeof path, "%s/%s/config", OAC_PATH, r->id);
    TRY(cloudfront_retry_on_conflict(
        cloudfront_call(ctx, "PUT", path, NULL, etag, control_config(ctx, r), NULL, NULL, err), err));
    base_buf_free(&r->drift);
    return 0;
}

static int oac_remove(op_ctx *ctx, resource *r, base_error *err)
{
    return cloudfront_delete(ctx, OAC_PATH, r->id, "NoSuchOriginAccessControl",
                             "OriginAccessControlInUse", err);
}

const resource_ops origin_access_control_ops = {
    .kind = "origin access control",
    .read = oac_read,
    .create = oac_create,
    .update = oac_update,
    .remove = oac_remove,
};

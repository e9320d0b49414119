/*
 * bucket.c - the stack's private S3 buckets (variant "site": the page and
 * its snapshots, behind CloudFront; "artifacts": the Lambda package), named
 * <stack>-<variant>-<account>-<region> by stack.c (bucket names are global:
 * the account and region keep two accounts' and two regions' stacks apart).
 *
 * Private means: all four public access blocks on, object ownership
 * BucketOwnerEnforced (no ACLs), SSE-S3 by default; CloudFront reads the
 * site bucket through origin access control, granted by the distribution's
 * kind. The artifacts bucket also has a lifecycle rule that aborts multipart
 * uploads left unfinished for a week (an interrupted upload is continued by
 * the next run well before that; after it, its parts would be kept and
 * billed forever). Every configuration PUT and DeleteObjects carries
 * Content-MD5, which S3 requires of them. Removing empties the bucket first,
 * every object version and delete marker too when versioning was ever turned
 * on, 1000 keys at a time. S3 is addressed path-style ("/<bucket>") by the
 * client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "aws/s3_upload.h"
#include "provision/kind_support.h"

#define S3_NAMESPACE "http://s3.amazonaws.com/doc/2006-03-01/"
#define DELETE_BATCH 1000
#define ABORT_UPLOADS_RULE "abort-unfinished-uploads"
#define ABORT_UPLOADS_AFTER_DAYS "7"
#define ABORT_ROUNDS 10 /* of up to 1000 uploads each */

static const char *const public_access_blocks[] = {
    "BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets",
};
#define PUBLIC_ACCESS_BLOCKS (sizeof public_access_blocks / sizeof public_access_blocks[0])

static void bucket_path(const resource *r, char *out, size_t size)
{
    snprintf(out, size, "/%s", r->name);
}

/* A call on the bucket or one of its subresources ("publicAccessBlock", ...;
 * NULL: the bucket itself); extra is a NULL-terminated name, value list. */
static int s3_call(op_ctx *ctx, const resource *r, const char *method, const char *subresource,
                   const char *const *extra, const base_buf *body, xmlDocPtr *out, base_error *err)
{
    char path[160];
    bucket_path(r, path, sizeof path);
    aws_params query = {0}, headers = {0};
    if (subresource)
        aws_params_add(&query, subresource, "");
    for (size_t i = 0; extra && extra[i] && extra[i + 1]; i += 2)
        aws_params_add(&query, extra[i], extra[i + 1]);
    if (body) {
        aws_s3_add_content_md5(&headers, body->data, body->len);
        aws_headers_add(&headers, "Content-Type", "application/xml");
    }
    int rc = aws_rest_xml_call(ctx->client, &aws_service_s3, method, path, &query, &headers,
                               body ? body->data : NULL, body ? body->len : 0, NULL, out, err);
    aws_params_free(&query);
    aws_headers_free(&headers);
    return rc;
}

/* Serialises doc (and frees it) into out. */
static void take_xml(xmlDocPtr doc, base_buf *out)
{
    xmlChar *text = NULL;
    int len = 0;
    xmlDocDumpMemory(doc, &text, &len);
    base_buf_append(out, text, (size_t)len);
    xmlFree(text);
    xmlFreeDoc(doc);
}

static xmlNodePtr new_document(const char *root_name, xmlDocPtr *doc)
{
    *doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(*doc, NULL, BAD_CAST root_name, NULL);
    xmlDocSetRootElement(*doc, root);
    xmlSetNs(root, xmlNewNs(root, BAD_CAST S3_NAMESPACE, NULL));
    return root;
}

/* PUTs a configuration document to a subresource. */
static int put_config(op_ctx *ctx, const resource *r, const char *subresource, xmlDocPtr doc,
                      base_error *err)
{
    base_buf body = {0};
    take_xml(doc, &body);
    int rc = s3_call(ctx, r, "PUT", subresource, NULL, &body, NULL, err);
    base_buf_free(&body);
    return rc;
}

static int put_public_access_block(op_ctx *ctx, const resource *r, base_error *err)
{
    xmlDocPtr doc;
    xmlNodePtr root = new_document("PublicAccessBlockConfiguration", &doc);
    for (size_t i = 0; i < PUBLIC_ACCESS_BLOCKS; i++)
        xmlNewTextChild(root, NULL, BAD_CAST public_access_blocks[i], BAD_CAST "true");
    return put_config(ctx, r, "publicAccessBlock", doc, err);
}

static int put_ownership_controls(op_ctx *ctx, const resource *r, base_error *err)
{
    xmlDocPtr doc;
    xmlNodePtr rule = xmlNewChild(new_document("OwnershipControls", &doc), NULL, BAD_CAST "Rule", NULL);
    xmlNewTextChild(rule, NULL, BAD_CAST "ObjectOwnership", BAD_CAST "BucketOwnerEnforced");
    return put_config(ctx, r, "ownershipControls", doc, err);
}

static int put_encryption(op_ctx *ctx, const resource *r, base_error *err)
{
    xmlDocPtr doc;
    xmlNodePtr root = new_document("ServerSideEncryptionConfiguration", &doc);
    xmlNodePtr rule = xmlNewChild(root, NULL, BAD_CAST "Rule", NULL);
    xmlNodePtr by_default = xmlNewChild(rule, NULL, BAD_CAST "ApplyServerSideEncryptionByDefault", NULL);
    xmlNewTextChild(by_default, NULL, BAD_CAST "SSEAlgorithm", BAD_CAST "AES256");
    return put_config(ctx, r, "encryption", doc, err);
}

static void add_xml_tag(void *ctx, const char *key, const char *value)
{
    xmlNodePtr tag = xmlNewChild(ctx, NULL, BAD_CAST "Tag", NULL);
    xmlNewTextChild(tag, NULL, BAD_CAST "Key", BAD_CAST key);
    xmlNewTextChild(tag, NULL, BAD_CAST "Value", BAD_CAST value);
}

static int put_tagging(op_ctx *ctx, const resource *r, base_error *err)
{
    xmlDocPtr doc;
    xmlNodePtr tag_set = xmlNewChild(new_document("Tagging", &doc), NULL, BAD_CAST "TagSet", NULL);
    stack_each_tag(ctx->stack, r, add_xml_tag, tag_set);
    return put_config(ctx, r, "tagging", doc, err);
}

static bool keeps_artifacts(const resource *r)
{
    return r->variant && strcmp(r->variant, "artifacts") == 0;
}

static int put_lifecycle(op_ctx *ctx, const resource *r, base_error *err)
{
    xmlDocPtr doc;
    xmlNodePtr rule = xmlNewChild(new_document("LifecycleConfiguration", &doc), NULL,
                                  BAD_CAST "Rule", NULL);
    xmlNewTextChild(rule, NULL, BAD_CAST "ID", BAD_CAST ABORT_UPLOADS_RULE);
    xmlNewTextChild(xmlNewChild(rule, NULL, BAD_CAST "Filter", NULL), NULL, BAD_CAST "Prefix",
                    BAD_CAST "");
    xmlNewTextChild(rule, NULL, BAD_CAST "Status", BAD_CAST "Enabled");
    xmlNewTextChild(xmlNewChild(rule, NULL, BAD_CAST "AbortIncompleteMultipartUpload", NULL), NULL,
                    BAD_CAST "DaysAfterInitiation", BAD_CAST ABORT_UPLOADS_AFTER_DAYS);
    return put_config(ctx, r, "lifecycle", doc, err);
}

/* GETs a configuration subresource; *doc NULL when S3 answers `missing_code`. */
static int get_config(op_ctx *ctx, const resource *r, const char *subresource,
                      const char *missing_code, xmlDocPtr *doc, base_error *err)
{
    return allow_error(s3_call(ctx, r, "GET", subresource, NULL, NULL, doc, err), err, missing_code);
}

static void compare_public_access_block(resource *r, xmlDocPtr doc)
{
    for (size_t i = 0; i < PUBLIC_ACCESS_BLOCKS; i++) {
        char *live = doc ? aws_xml_find_text(xmlDocGetRootElement(doc), public_access_blocks[i]) : NULL;
        if (!live || strcmp(live, "true") != 0) {
            char setting[80];
            snprintf(setting, sizeof setting, "bucket public access block %s", public_access_blocks[i]);
            resource_add_drift(r, setting, live ? live : "false", "true");
        }
        free(live);
    }
}

/* The artifacts bucket's lifecycle: the abort rule, enabled, with its days. */
static void compare_lifecycle(resource *r, xmlDocPtr doc)
{
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    char *status = root ? aws_xml_find_text(root, "Status") : NULL;
    char *days = root ? aws_xml_find_text(root, "DaysAfterInitiation") : NULL;
    if (!status || strcmp(status, "Enabled") != 0 || !days ||
        strcmp(days, ABORT_UPLOADS_AFTER_DAYS) != 0) {
        char live[64];
        snprintf(live, sizeof live, "%s", days && status && !strcmp(status, "Enabled")
                                              ? days : "(none)");
        resource_add_drift(r, "bucket lifecycle: abort unfinished uploads after days", live,
                           ABORT_UPLOADS_AFTER_DAYS);
    }
    free(status);
    free(days);
}

static void fill(op_ctx *ctx, resource *r)
{
    char domain[256];
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", r->name);
    arn_format(ctx->stack, ARN_NO_ACCOUNT, "s3", r->name, r->arn);
    snprintf(r->state, sizeof r->state, "available");
    snprintf(domain, sizeof domain, "%s.s3.%s.amazonaws.com", r->name, stack_region(ctx->stack));
    resource_set_output(r, "bucket_name", r->name);
    resource_set_output(r, "bucket_arn", r->arn);
    resource_set_output(r, "bucket_regional_domain", domain);
}

static int bucket_read(op_ctx *ctx, resource *r, base_error *err)
{
    if (s3_call(ctx, r, "HEAD", NULL, NULL, NULL, NULL, err) != 0) {
        if (err->http_status == 404) {
            base_error_clear(err);
            return 0;
        }
        if (err->http_status == 403)
            return base_error_set(err, BASE_ERROR_SERVICE, "BucketOwnedByAnotherAccount",
                                 "S3 bucket %s exists but belongs to another account (or this one "
                                 "may not read it); bucket names are global",
                                 r->name);
        return -1;
    }
    fill(ctx, r);
    xmlDocPtr doc = NULL;
    TRY(get_config(ctx, r, "publicAccessBlock", "NoSuchPublicAccessBlockConfiguration", &doc, err));
    compare_public_access_block(r, doc);
    xmlFreeDoc(doc);
    TRY(get_config(ctx, r, "ownershipControls", "OwnershipControlsNotFoundError", &doc, err));
    char *ownership = doc ? aws_xml_find_text(xmlDocGetRootElement(doc), "ObjectOwnership") : NULL;
    if (!ownership || strcmp(ownership, "BucketOwnerEnforced") != 0)
        resource_add_drift(r, "bucket object ownership", ownership, "BucketOwnerEnforced");
    free(ownership);
    xmlFreeDoc(doc);
    if (keeps_artifacts(r)) {
        TRY(get_config(ctx, r, "lifecycle", "NoSuchLifecycleConfiguration", &doc, err));
        compare_lifecycle(r, doc);
        xmlFreeDoc(doc);
    }
    return 0;
}

/* Everything but the bucket itself: run after create, and to correct drift. */
static int configure(op_ctx *ctx, resource *r, base_error *err)
{
    TRY(put_public_access_block(ctx, r, err));
    TRY(put_ownership_controls(ctx, r, err));
    TRY(put_encryption(ctx, r, err));
    if (keeps_artifacts(r))
        TRY(put_lifecycle(ctx, r, err));
    return put_tagging(ctx, r, err);
}

static int bucket_create(op_ctx *ctx, resource *r, base_error *err)
{
    const char *region = stack_region(ctx->stack);
    base_buf body = {0};
    if (strcmp(region, "us-east-1") != 0) {
        xmlDocPtr doc;
        xmlNodePtr root = new_document("CreateBucketConfiguration", &doc);
        xmlNewTextChild(root, NULL, BAD_CAST "LocationConstraint", BAD_CAST region);
        take_xml(doc, &body);
    }
    int rc = s3_call(ctx, r, "PUT", NULL, NULL, body.len ? &body : NULL, NULL, err);
    base_buf_free(&body);
    if (rc != 0 && error_is(err, "BucketAlreadyOwnedByYou")) { /* an interrupted earlier up */
        base_error_clear(err);
        rc = 0;
    }
    if (rc != 0 && error_is(err, "BucketAlreadyExists"))
        return base_error_set(err, BASE_ERROR_SERVICE, "BucketAlreadyExists",
                             "S3 bucket name %s is taken by another account; bucket names are global",
                             r->name);
    TRY(rc);
    fill(ctx, r);
    if (configure(ctx, r, err) == 0)
        return 0;
    /* A bucket just made may not be visible everywhere at once; the retry's
     * CreateBucket answers BucketAlreadyOwnedByYou and configures again. */
    if (error_is(err, "NoSuchBucket"))
        err->retryable = true;
    return -1;
}

static int bucket_update(op_ctx *ctx, resource *r, base_error *err)
{
    return configure(ctx, r, err);
}

/* One page of keys (and version ids) to delete, as a <Delete> document. */
typedef struct delete_batch {
    xmlNodePtr root;
    int count;
} delete_batch;

static void add_object(void *ctx, xmlNodePtr element)
{
    delete_batch *b = ctx;
    char *key = aws_xml_find_text(element, "Key");
    char *version = aws_xml_find_text(element, "VersionId");
    if (key) {
        xmlNodePtr object = xmlNewChild(b->root, NULL, BAD_CAST "Object", NULL);
        xmlNewTextChild(object, NULL, BAD_CAST "Key", BAD_CAST key);
        if (version)
            xmlNewTextChild(object, NULL, BAD_CAST "VersionId", BAD_CAST version);
        b->count++;
    }
    free(key);
    free(version);
}

/* Lists one page and deletes what it holds; *deleted says how many. Always
 * lists from the start: what was deleted is no longer listed. */
static int delete_page(op_ctx *ctx, const resource *r, bool versions, int *deleted, base_error *err)
{
    static const char *const list_v2[] = {"list-type", "2", "max-keys", "1000", NULL};
    static const char *const list_versions[] = {"max-keys", "1000", NULL};
    xmlDocPtr listing = NULL;
    TRY(s3_call(ctx, r, "GET", versions ? "versions" : NULL, versions ? list_versions : list_v2,
                NULL, &listing, err));
    xmlDocPtr doc;
    delete_batch batch = {new_document("Delete", &doc), 0};
    xmlNewTextChild(batch.root, NULL, BAD_CAST "Quiet", BAD_CAST "true");
    xmlNodePtr listed = xmlDocGetRootElement(listing);
    if (versions) {
        xml_each_element(listed, "Version", add_object, &batch);
        xml_each_element(listed, "DeleteMarker", add_object, &batch);
    } else {
        xml_each_element(listed, "Contents", add_object, &batch);
    }
    xmlFreeDoc(listing);
    *deleted = batch.count;
    if (batch.count == 0) {
        xmlFreeDoc(doc);
        return 0;
    }
    base_buf body = {0};
    take_xml(doc, &body);
    xmlDocPtr result = NULL;
    int rc = s3_call(ctx, r, "POST", "delete", NULL, &body, &result, err);
    base_buf_free(&body);
    if (rc == 0 && result) {
        xmlNodePtr root = xmlDocGetRootElement(result);
        char *code = aws_xml_find_text(root, "Code");
        char *key = aws_xml_find_text(root, "Key");
        if (code)
            rc = base_error_set(err, BASE_ERROR_SERVICE, code, "S3 DeleteObjects on %s: %s failed",
                               r->name, key ? key : "an object");
        free(code);
        free(key);
    }
    xmlFreeDoc(result);
    return rc;
}

static int empty_bucket(op_ctx *ctx, const resource *r, bool versions, base_error *err)
{
    int deleted = DELETE_BATCH;
    while (deleted > 0)
        TRY(delete_page(ctx, r, versions, &deleted, err));
    return 0;
}

/* An unfinished upload's parts are stored (and billed) though no object
 * shows them: abort each, 1000 at a time, so nothing of the stack is left. */
typedef struct unfinished_upload {
    op_ctx *ctx;
    const resource *bucket;
    int aborted;
    base_error *err;
    int rc;
} unfinished_upload;

static void abort_upload(void *ctx, xmlNodePtr element)
{
    unfinished_upload *u = ctx;
    char *key = aws_xml_find_text(element, "Key");
    char *id = aws_xml_find_text(element, "UploadId");
    if (u->rc == 0 && key && id) {
        base_buf path = {0};
        base_buf_printf(&path, "/%s/", u->bucket->name);
        aws_uri_encode(&path, key, strlen(key), 1);
        aws_params query = {0};
        aws_params_add(&query, "uploadId", id);
        u->rc = allow_error(aws_rest_xml_call(u->ctx->client, &aws_service_s3, "DELETE",
                                              base_buf_str(&path), &query, NULL, NULL, 0, NULL,
                                              NULL, u->err),
                            u->err, "NoSuchUpload");
        u->aborted++;
        aws_params_free(&query);
        base_buf_free(&path);
    }
    free(key);
    free(id);
}

/* Lists and aborts until none is listed; a listing that lags behind the
 * aborts is asked again by the walk (a retryable refusal), not here forever. */
static int abort_unfinished_uploads(op_ctx *ctx, const resource *r, base_error *err)
{
    for (int round = 0; round < ABORT_ROUNDS; round++) {
        xmlDocPtr listing = NULL;
        TRY(s3_call(ctx, r, "GET", "uploads", NULL, NULL, &listing, err));
        unfinished_upload u = {.ctx = ctx, .bucket = r, .err = err};
        xml_each_element(listing ? xmlDocGetRootElement(listing) : NULL, "Upload", abort_upload, &u);
        xmlFreeDoc(listing);
        TRY(u.rc);
        if (u.aborted == 0)
            return 0;
    }
    base_error_set(err, BASE_ERROR_SERVICE, "UploadsStillListed",
                  "S3 bucket %s still lists unfinished uploads after aborting them", r->name);
    err->retryable = true;
    return -1;
}

static int bucket_remove(op_ctx *ctx, resource *r, base_error *err)
{
    TRY(abort_unfinished_uploads(ctx, r, err));
    TRY(empty_bucket(ctx, r, false, err));
    xmlDocPtr doc = NULL;
    TRY(get_config(ctx, r, "versioning", "NoSuchBucket", &doc, err));
    char *status = doc ? aws_xml_find_text(xmlDocGetRootElement(doc), "Status") : NULL;
    xmlFreeDoc(doc);
    int rc = status ? empty_bucket(ctx, r, true, err) : 0;
    free(status);
    TRY(rc);
    rc = allow_error(s3_call(ctx, r, "DELETE", NULL, NULL, NULL, NULL, err), err, "NoSuchBucket");
    if (rc != 0 && error_is(err, "BucketNotEmpty"))
        err->retryable = true; /* an object written while emptying */
    return rc;
}

const resource_ops bucket_ops = {
    .kind = "S3 bucket",
    .read = bucket_read,
    .create = bucket_create,
    .update = bucket_update,
    .remove = bucket_remove,
};

static int bucket_missing(op_ctx *ctx, resource *r, base_error *err)
{
    (void)ctx;
    return base_error_set(err, BASE_ERROR_SERVICE, "NoSuchBucket",
                         "S3 bucket %s does not exist; run scribblectl up first", r->name);
}

/* A bucket another verb needs but does not make (redeploy's artifacts bucket). */
const resource_ops bucket_required_ops = {
    .kind = "S3 bucket",
    .read = bucket_read,
    .create = bucket_missing,
};

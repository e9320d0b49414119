/*
 * package_object.c - the Lambda deployment package (package.h) in the
 * stack's artifacts bucket, under a key named by its bytes:
 * packages/<SHA-256 of the zip>.zip.
 *
 * Every function is created and updated from that object (S3Bucket/S3Key),
 * so the package crosses the uplink once, not once per function, and not at
 * all when the key is already there: a converged stack sends nothing. The key
 * names the bytes, so an object of the package's size under it is the
 * package; a wrong size is sent again. Uploads go through aws/s3_upload.h,
 * which continues a multipart upload an interrupted run left, and report
 * progress as this resource's phase. Lambda copies the code when a function
 * is created or updated, so older packages are not needed by any function;
 * they go with the bucket on down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/clock.h"
#include "aws/s3_upload.h"
#include "provision/kind_support.h"
#include "provision/package.h"
#include "stack/description.h"

#define KEY_PREFIX "packages/"
#define PROGRESS_EVERY_S 1.0

/* The planned name: known before the bucket is read (down reads the
 * package first), and a missing bucket answers 404 like a missing key. */
static const char *bucket_of(const op_ctx *ctx)
{
    return stack_resource_name(ctx->stack, ROLE_ARTIFACTS_BUCKET);
}

static void object_key(const lambda_package *p, char *out, size_t size)
{
    snprintf(out, size, KEY_PREFIX "%s.zip", p->sha256_hex);
}

static void object_path(const op_ctx *ctx, const lambda_package *p, base_buf *out)
{
    char key[128];
    object_key(p, key, sizeof key);
    base_buf_printf(out, "/%s/%s", bucket_of(ctx), key);
}

static void megabytes(size_t bytes, char *out, size_t size)
{
    snprintf(out, size, "%.1f MB", (double)bytes / 1e6);
}

static void fill(op_ctx *ctx, resource *r, const lambda_package *p)
{
    char key[128], size[32];
    object_key(p, key, sizeof key);
    megabytes(p->zip.len, size, sizeof size);
    r->exists = true;
    snprintf(r->id, sizeof r->id, "s3://%s/%s", bucket_of(ctx), key);
    snprintf(r->state, sizeof r->state, "uploaded, %s", size);
    resource_set_output(r, "s3_bucket", bucket_of(ctx));
    resource_set_output(r, "s3_key", key);
    resource_set_output(r, "code_sha256", p->code_sha256);
}

/* HeadObject: present with the package's size, absent, or an error. */
static int package_read(op_ctx *ctx, resource *r, base_error *err)
{
    const lambda_package *p = NULL;
    TRY(package_get(&p, err));
    base_buf path = {0};
    object_path(ctx, p, &path);
    aws_http_response resp = {0};
    int rc = aws_rest_xml_call(ctx->client, &aws_service_s3, "HEAD", base_buf_str(&path), NULL,
                               NULL, NULL, 0, &resp, NULL, err);
    base_buf_free(&path);
    if (rc != 0) {
        aws_http_response_free(&resp);
        if (err->http_status == 404) {
            base_error_clear(err);
            return 0;
        }
        return -1;
    }
    const char *length = aws_headers_get(&resp.headers, "Content-Length");
    bool whole = length && strtoull(length, NULL, 10) == p->zip.len;
    aws_http_response_free(&resp);
    if (whole)
        fill(ctx, r, p);
    return 0;
}

typedef struct upload_progress {
    const op_ctx *ctx;
    const resource *r;
    double last_said;
} upload_progress;


/* Says how far the upload is, at most once a second and once at the end. */
static void on_progress(void *ctx, size_t sent, size_t total)
{
    upload_progress *u = ctx;
    double now = aws_monotonic_s();
    if (sent < total && now - u->last_said < PROGRESS_EVERY_S)
        return;
    u->last_said = now;
    char done[32], all[32];
    megabytes(sent, done, sizeof done);
    megabytes(total, all, sizeof all);
    op_say(u->ctx, u->r, "uploading %s of %s (%d%%)", done, all,
           total ? (int)(100.0 * (double)sent / (double)total) : 100);
}

static int package_create(op_ctx *ctx, resource *r, base_error *err)
{
    const lambda_package *p = NULL;
    TRY(package_get(&p, err));
    char key[128];
    object_key(p, key, sizeof key);
    aws_s3_object object = {.bucket = bucket_of(ctx), .key = key, .data = p->zip.data,
                            .size = p->zip.len, .content_type = "application/zip"};
    upload_progress progress = {.ctx = ctx, .r = r, .last_said = aws_monotonic_s()};
    aws_s3_upload_options options = {.progress = on_progress, .progress_ctx = &progress};
    TRY(aws_s3_upload(ctx->client, &object, &options, err));
    fill(ctx, r, p);
    return 0;
}

static int package_remove(op_ctx *ctx, resource *r, base_error *err)
{
    const lambda_package *p = NULL;
    TRY(package_get(&p, err));
    base_buf path = {0};
    object_path(ctx, p, &path);
    int rc = aws_rest_xml_call(ctx->client, &aws_service_s3, "DELETE", base_buf_str(&path), NULL,
                               NULL, NULL, 0, NULL, NULL, err);
    base_buf_free(&path);
    (void)r;
    return allow_error(allow_error(rc, err, "NoSuchKey"), err, "NoSuchBucket");
}

const resource_ops package_object_ops = {
    .kind = "Lambda package",
    .read = package_read,
    .create = package_create,
    .remove = package_remove,
};

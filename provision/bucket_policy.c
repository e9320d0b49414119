/*
 * bucket_policy.c - the site bucket's policy: CloudFront, and only the
 * stack's distribution (AWS:SourceArn), may read its objects. The bucket
 * itself stays private; this is what origin access control is granted by.
 *
 * The document comes from templates/site-bucket-policy.json and is compared
 * with S3's as JSON, never as text. It needs the distribution's ARN, so it
 * is its own resource after the distribution rather than part of the
 * bucket. The bucket is addressed by its planned name, so down works on a
 * partial stack; a missing bucket means a missing policy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "aws/s3_upload.h"
#include "provision/kind_support.h"
#include "stack/description.h"

#define TEMPLATE "site-bucket-policy.json"

static const char *bucket_name(const op_ctx *ctx)
{
    return stack_resource_name(ctx->stack, ROLE_SITE_BUCKET);
}

/* GET, PUT or DELETE /<bucket>?policy; resp (optional) receives the answer. */
static int policy_call(op_ctx *ctx, const char *method, const base_buf *body, aws_http_response *resp,
                       base_error *err)
{
    char path[160];
    snprintf(path, sizeof path, "/%s", bucket_name(ctx));
    aws_params query = {0}, headers = {0};
    aws_params_add(&query, "policy", "");
    if (body) {
        aws_s3_add_content_md5(&headers, body->data, body->len);
        aws_headers_add(&headers, "Content-Type", "application/json");
    }
    int rc = aws_rest_xml_call(ctx->client, &aws_service_s3, method, path, &query, &headers,
                               body ? body->data : NULL, body ? body->len : 0, resp, NULL, err);
    aws_params_free(&query);
    aws_headers_free(&headers);
    return rc;
}

/* The document the config wants; *ready false while the distribution is absent. */
static int wanted_policy(const op_ctx *ctx, base_buf *out, bool *ready, base_error *err)
{
    const char *distribution_arn = stack_output(ctx->stack, ROLE_DISTRIBUTION, "distribution_arn");
    *ready = distribution_arn != NULL;
    if (!*ready)
        return 0;
    char bucket_arn[ARN_SIZE];
    arn_format(ctx->stack, ARN_NO_ACCOUNT, "s3", bucket_name(ctx), bucket_arn);
    const char *vars[] = {"bucket_arn", bucket_arn, "distribution_arn", distribution_arn, NULL};
    return policy_render(TEMPLATE, vars, out, err);
}

static void fill(const op_ctx *ctx, resource *r)
{
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", bucket_name(ctx));
    snprintf(r->state, sizeof r->state, "attached");
}

static int bucket_policy_read(op_ctx *ctx, resource *r, base_error *err)
{
    aws_http_response resp = {0};
    if (policy_call(ctx, "GET", NULL, &resp, err) != 0) {
        if (error_is(err, "NoSuchBucketPolicy") || error_is(err, "NoSuchBucket")) {
            base_error_clear(err);
            return 0;
        }
        return -1;
    }
    fill(ctx, r);
    base_buf wanted = {0};
    bool ready = false;
    int rc = wanted_policy(ctx, &wanted, &ready, err);
    if (rc == 0 && ready && !policy_equal(base_buf_str(&resp.body), base_buf_str(&wanted)))
        policy_drift(r, "bucket policy", base_buf_str(&resp.body), base_buf_str(&wanted));
    base_buf_free(&wanted);
    aws_http_response_free(&resp);
    return rc;
}

static int bucket_policy_put(op_ctx *ctx, resource *r, base_error *err)
{
    base_buf wanted = {0};
    bool ready = false;
    int rc = wanted_policy(ctx, &wanted, &ready, err);
    if (rc == 0 && !ready)
        rc = base_error_set(err, BASE_ERROR_INVALID, "DependencyMissing",
                           "%s needs the CloudFront distribution, which does not exist", r->name);
    if (rc == 0)
        rc = policy_call(ctx, "PUT", &wanted, NULL, err);
    base_buf_free(&wanted);
    if (rc != 0 && error_is(err, "NoSuchBucket"))
        err->retryable = true; /* a bucket just made is not visible everywhere at once */
    if (rc == 0) {
        fill(ctx, r);
        base_buf_free(&r->drift);
    }
    return rc;
}

static int bucket_policy_remove(op_ctx *ctx, resource *r, base_error *err)
{
    (void)r;
    int rc = allow_error(policy_call(ctx, "DELETE", NULL, NULL, err), err, "NoSuchBucket");
    return allow_error(rc, err, "NoSuchBucketPolicy");
}

const resource_ops bucket_policy_ops = {
    .kind = "S3 bucket policy",
    .read = bucket_policy_read,
    .create = bucket_policy_put,
    .update = bucket_policy_put,
    .remove = bucket_policy_remove,
};

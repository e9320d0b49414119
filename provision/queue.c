/*
 * queue.c - the SQS queues (variant "catchup" or "pixel"), found by name.
 *
 * Settings come from [queues]. The access policy (templates/queue-policy.json)
 * allows the functions' role and denies every other principal the message
 * actions: an Allow alone would still let any principal of the account whose
 * own IAM policy allows SQS read the canvas's traffic. SQS checks that a
 * policy's principal exists, and the plan makes the role first; a role only
 * seconds old may not be visible to SQS yet, so that refusal is retried.
 * A queue has no lifecycle state in SQS: a queue that answers is "available".
 * SQS refuses a queue name for 60 s after deleting it: CreateQueue's
 * QueueDeletedRecently is returned retryable so the walker waits it out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/kind_support.h"

/* What the config says, as SQS attribute strings. */
static int wanted_attributes(op_ctx *ctx, const char *queue_arn, bool creating, cJSON **out,
                             aws_error *err)
{
    const scribble_config *cfg = ctx->cfg;
    char role_arn[ARN_SIZE];
    arn_of_role(ctx->stack, ARN_GLOBAL, "iam", "role/", "functions-role", role_arn);
    const char *vars[] = {"queue_arn", queue_arn, "role_arn", role_arn, NULL};
    aws_buf policy = {0};
    if (policy_render("queue-policy.json", vars, &policy, err) != 0) {
        aws_buf_free(&policy);
        return -1;
    }
    cJSON *a = cJSON_CreateObject();
    char number[32];
    snprintf(number, sizeof number, "%d", cfg->queues.visibility_timeout);
    cJSON_AddStringToObject(a, "VisibilityTimeout", number);
    snprintf(number, sizeof number, "%ld", (long)cfg->queues.retention_days * 86400L);
    cJSON_AddStringToObject(a, "MessageRetentionPeriod", number);
    snprintf(number, sizeof number, "%ld", (long)cfg->queues.max_message_kb * 1024L);
    cJSON_AddStringToObject(a, "MaximumMessageSize", number);
    snprintf(number, sizeof number, "%d", cfg->queues.receive_wait);
    cJSON_AddStringToObject(a, "ReceiveMessageWaitTimeSeconds", number);
    if (cfg->queues.type == SCRIBBLE_QUEUE_FIFO) {
        if (creating)
            cJSON_AddStringToObject(a, "FifoQueue", "true");
        cJSON_AddStringToObject(a, "ContentBasedDeduplication",
                                cfg->queues.content_based_deduplication ? "true" : "false");
    }
    cJSON_AddStringToObject(a, "Policy", aws_buf_str(&policy));
    aws_buf_free(&policy);
    *out = a;
    return 0;
}

static void queue_arn_of(op_ctx *ctx, const resource *r, char out[ARN_SIZE])
{
    arn_format(ctx->stack, ARN_REGIONAL, "sqs", r->name, out);
}

/* Marks the refusals that pass with time as retryable. */
static int retry_transient(int rc, aws_error *err)
{
    if (rc != 0 && (error_is(err, "QueueDeletedRecently") ||
                    (error_is(err, "InvalidAttributeValue") && strstr(err->message, "Policy"))))
        err->retryable = true;
    return rc;
}

static bool queue_missing(const aws_error *err)
{
    return error_is(err, "QueueDoesNotExist") ||
           error_is(err, "AWS.SimpleQueueService.NonExistentQueue");
}

/* Appends a drift line for each attribute that differs from wanted. */
static void compare_attributes(resource *r, const cJSON *live, const cJSON *wanted)
{
    const cJSON *w;
    cJSON_ArrayForEach(w, wanted) {
        const char *have = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(live, w->string));
        char setting[64];
        snprintf(setting, sizeof setting, "queue %s", w->string);
        if (strcmp(w->string, "Policy") == 0) {
            if (!policy_equal(have, w->valuestring))
                policy_drift(r, setting, have, w->valuestring);
        } else if (!have || strcmp(have, w->valuestring) != 0) {
            resource_add_drift(r, setting, have, w->valuestring);
        }
    }
}

static int queue_read(op_ctx *ctx, resource *r, aws_error *err)
{
    cJSON *out = NULL;
    int rc = json_call_with(ctx->client, &aws_service_sqs, "GetQueueUrl", "QueueName", r->name, &out, err);
    if (rc != 0) {
        if (queue_missing(err)) {
            aws_error_clear(err);
            return 0;
        }
        return -1;
    }
    const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out, "QueueUrl"));
    if (!url) {
        cJSON_Delete(out);
        return aws_error_set(err, AWS_ERROR_PARSE, "MalformedResponse",
                             "SQS GetQueueUrl %s gave no QueueUrl", r->name);
    }
    snprintf(r->id, sizeof r->id, "%s", url);
    cJSON_Delete(out);

    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "QueueUrl", r->id);
    cJSON *names = cJSON_AddArrayToObject(in, "AttributeNames");
    cJSON_AddItemToArray(names, cJSON_CreateString("All"));
    rc = aws_json_call(ctx->client, &aws_service_sqs, "GetQueueAttributes", in, &out, err);
    cJSON_Delete(in);
    if (rc != 0) {
        if (queue_missing(err)) { /* deleted between the two calls */
            aws_error_clear(err);
            r->id[0] = '\0';
            return 0;
        }
        return -1;
    }
    const cJSON *live = cJSON_GetObjectItemCaseSensitive(out, "Attributes");
    const char *arn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(live, "QueueArn"));
    if (arn)
        snprintf(r->arn, sizeof r->arn, "%s", arn);
    else
        queue_arn_of(ctx, r, r->arn);
    cJSON *wanted = NULL;
    rc = wanted_attributes(ctx, r->arn, false, &wanted, err);
    if (rc == 0) {
        r->exists = true;
        snprintf(r->state, sizeof r->state, "available");
        compare_attributes(r, live, wanted);
        resource_set_output(r, "queue_url", r->id);
        resource_set_output(r, "queue_arn", r->arn);
    }
    cJSON_Delete(wanted);
    cJSON_Delete(out);
    return rc;
}

static int queue_create(op_ctx *ctx, resource *r, aws_error *err)
{
    char arn[ARN_SIZE];
    queue_arn_of(ctx, r, arn);
    cJSON *attributes = NULL;
    TRY(wanted_attributes(ctx, arn, true, &attributes, err));
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "QueueName", r->name);
    cJSON_AddItemToObject(in, "Attributes", attributes);
    cJSON_AddItemToObject(in, "tags", tags_json_map(ctx->stack, r));
    cJSON *out = NULL;
    int rc = aws_json_call(ctx->client, &aws_service_sqs, "CreateQueue", in, &out, err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    TRY(retry_transient(rc, err));
    return queue_read(ctx, r, err);
}

static int queue_update(op_ctx *ctx, resource *r, aws_error *err)
{
    cJSON *attributes = NULL;
    TRY(wanted_attributes(ctx, r->arn, false, &attributes, err));
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "QueueUrl", r->id);
    cJSON_AddItemToObject(in, "Attributes", attributes);
    cJSON *out = NULL;
    int rc = aws_json_call(ctx->client, &aws_service_sqs, "SetQueueAttributes", in, &out, err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    return retry_transient(rc, err);
}

static int queue_remove(op_ctx *ctx, resource *r, aws_error *err)
{
    int rc = json_call_with(ctx->client, &aws_service_sqs, "DeleteQueue", "QueueUrl", r->id, NULL, err);
    if (rc != 0 && queue_missing(err)) {
        aws_error_clear(err);
        rc = 0;
    }
    return rc;
}

const resource_ops queue_ops = {
    .kind = "SQS queue",
    .read = queue_read,
    .create = queue_create,
    .update = queue_update,
    .remove = queue_remove,
    .poll_timeout_s = 180, /* how long refusals are retried: 60 s after a delete, and some */
};

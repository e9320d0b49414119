/*
 * queue.c - the SQS queues, found by name: the catch-up and pixel queues
 * (variant "catchup" or "pixel"), each with its dead-letter queue.
 *
 * stack.c names a queue "<variant>-queue" and its dead-letter queue
 * "<variant>-dead-letter-queue" (same variant), and makes the queue depend on
 * its dead-letter queue: up creates the dead-letter queue first, down
 * deletes it last. SQS ARNs follow from names, so each finds the other's ARN
 * from the plan alone.
 *
 * Settings come from [queues]. A queue's RedrivePolicy moves a message that
 * has been delivered max_receive_count times without being handled to its
 * dead-letter queue, whose RedriveAllowPolicy admits that queue alone as a
 * source (AWS's advice: a message that always fails is set aside, not
 * retried until it expires). The dead-letter queue keeps messages
 * dead_letter_retention_days and has no access policy: reading what failed
 * is what it is for, and the account's IAM decides who may. Its state says
 * how many messages wait in it.
 *
 * A queue's access policy (templates/queue-policy.json) allows the
 * functions' role and denies every other principal the message actions: an
 * Allow alone would still let any principal of the account whose own IAM
 * policy allows SQS read the canvas's traffic. SQS checks that a policy's
 * principal exists, and the plan makes the role first; a role only seconds
 * old may not be visible to SQS yet, and a dead-letter queue only seconds
 * old may not be accepted as a RedrivePolicy target yet: both refusals are
 * retried. A queue has no lifecycle state in SQS: a queue that answers is
 * "available". SQS refuses a queue name for 60 s after deleting it:
 * CreateQueue's QueueDeletedRecently is returned retryable so the walker
 * waits it out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/kind_support.h"
#include "stack/description.h"

/* The role stack.c gives the variant's queue, or its dead-letter queue. */
static void role_of(const resource *r, bool dead_letter, char out[ROLE_SIZE])
{
    const char *queue = r->variant ? r->variant : "";
    if (dead_letter)
        snprintf(out, ROLE_SIZE, ROLE_DEAD_LETTER_QUEUE_FORMAT, queue);
    else
        snprintf(out, ROLE_SIZE, ROLE_QUEUE_FORMAT, queue);
}

static bool is_dead_letter(const resource *r)
{
    char role[64];
    role_of(r, true, role);
    return strcmp(r->role, role) == 0;
}

/* The ARN of the variant's queue or dead-letter queue, from its planned name. */
static void arn_of(const op_ctx *ctx, const resource *r, bool dead_letter, char out[ARN_SIZE])
{
    char role[64];
    role_of(r, dead_letter, role);
    arn_of_role(ctx->stack, ARN_REGIONAL, "sqs", "", role, out);
}

static void add_number(cJSON *attributes, const char *name, long value)
{
    char number[32];
    snprintf(number, sizeof number, "%ld", value);
    cJSON_AddStringToObject(attributes, name, number);
}

/* A JSON document as the string SQS takes in an attribute; takes document. */
static void add_document(cJSON *attributes, const char *name, cJSON *document)
{
    char *text = cJSON_PrintUnformatted(document);
    cJSON_AddStringToObject(attributes, name, text);
    free(text);
    cJSON_Delete(document);
}

/* What both kinds of queue hold: retention, message size, FIFO or not. */
static cJSON *common_attributes(const scribble_config *cfg, int retention_days, bool creating)
{
    cJSON *a = cJSON_CreateObject();
    add_number(a, "MessageRetentionPeriod", (long)retention_days * 86400L);
    add_number(a, "MaximumMessageSize", (long)cfg->queues.max_message_kb * 1024L);
    if (creating && cfg->queues.type == SCRIBBLE_QUEUE_FIFO)
        cJSON_AddStringToObject(a, "FifoQueue", "true");
    return a;
}

static int queue_attributes(op_ctx *ctx, const resource *r, bool creating, cJSON **out, base_error *err)
{
    const scribble_config *cfg = ctx->cfg;
    char queue_arn[ARN_SIZE], role_arn[ARN_SIZE], dead_letter_arn[ARN_SIZE];
    arn_of(ctx, r, false, queue_arn);
    arn_of(ctx, r, true, dead_letter_arn);
    arn_of_role(ctx->stack, ARN_GLOBAL, "iam", "role/", ROLE_FUNCTIONS_ROLE, role_arn);
    const char *vars[] = {"queue_arn", queue_arn, "role_arn", role_arn, NULL};
    base_buf policy = {0};
    if (policy_render("queue-policy.json", vars, &policy, err) != 0) {
        base_buf_free(&policy);
        return -1;
    }
    cJSON *a = common_attributes(cfg, cfg->queues.retention_days, creating);
    add_number(a, "VisibilityTimeout", cfg->queues.visibility_timeout);
    add_number(a, "ReceiveMessageWaitTimeSeconds", cfg->queues.receive_wait);
    if (cfg->queues.type == SCRIBBLE_QUEUE_FIFO)
        cJSON_AddStringToObject(a, "ContentBasedDeduplication",
                                cfg->queues.content_based_deduplication ? "true" : "false");
    cJSON_AddStringToObject(a, "Policy", base_buf_str(&policy));
    base_buf_free(&policy);
    cJSON *redrive = cJSON_CreateObject();
    cJSON_AddStringToObject(redrive, "deadLetterTargetArn", dead_letter_arn);
    cJSON_AddNumberToObject(redrive, "maxReceiveCount", cfg->queues.max_receive_count);
    add_document(a, "RedrivePolicy", redrive);
    *out = a;
    return 0;
}

static cJSON *dead_letter_attributes(op_ctx *ctx, const resource *r, bool creating)
{
    char source_arn[ARN_SIZE];
    arn_of(ctx, r, false, source_arn);
    cJSON *a = common_attributes(ctx->cfg, ctx->cfg->queues.dead_letter_retention_days, creating);
    cJSON *allow = cJSON_CreateObject();
    cJSON_AddStringToObject(allow, "redrivePermission", "byQueue");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(allow, "sourceQueueArns"), cJSON_CreateString(source_arn));
    add_document(a, "RedriveAllowPolicy", allow);
    return a;
}

/* What the config says, as SQS attribute strings. */
static int wanted_attributes(op_ctx *ctx, const resource *r, bool creating, cJSON **out, base_error *err)
{
    if (!is_dead_letter(r))
        return queue_attributes(ctx, r, creating, out, err);
    *out = dead_letter_attributes(ctx, r, creating);
    return 0;
}

/* Marks the refusals that pass with time as retryable. A queue created with
 * a RedrivePolicy can only be missing its target (SQS says "does not exist"
 * of it), which may be a dead-letter queue not yet visible everywhere. */
static int retry_transient(int rc, bool creating, base_error *err)
{
    if (rc == 0)
        return rc;
    bool policy_refused = (error_is(err, "InvalidAttributeValue") || error_is(err, "InvalidParameterValue")) &&
                          strstr(err->message, "Policy");
    bool target_missing = creating && (error_is(err, "QueueDoesNotExist") ||
                                       error_is(err, "AWS.SimpleQueueService.NonExistentQueue"));
    if (error_is(err, "QueueDeletedRecently") || policy_refused || target_missing)
        err->retryable = true;
    return rc;
}

static bool queue_missing(const base_error *err)
{
    return error_is(err, "QueueDoesNotExist") ||
           error_is(err, "AWS.SimpleQueueService.NonExistentQueue");
}

/* maxReceiveCount as SQS may give it back: a number, or a string of digits. */
static long receive_count_of(const cJSON *redrive)
{
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(redrive, "maxReceiveCount");
    if (cJSON_IsNumber(count))
        return (long)count->valuedouble;
    const char *text = cJSON_GetStringValue(count);
    char *end = NULL;
    long n = text ? strtol(text, &end, 10) : -1;
    return text && *text && end && !*end ? n : -1;
}

/* Same RedrivePolicy: same target and the same count, however it is spelled. */
static bool redrive_equal(const char *live, const char *wanted)
{
    cJSON *a = live ? cJSON_Parse(live) : NULL, *b = cJSON_Parse(wanted);
    const char *target_a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "deadLetterTargetArn"));
    const char *target_b = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "deadLetterTargetArn"));
    bool same = target_a && target_b && strcmp(target_a, target_b) == 0 &&
                receive_count_of(a) == receive_count_of(b) && receive_count_of(b) >= 0;
    cJSON_Delete(a);
    cJSON_Delete(b);
    return same;
}

/* Appends a drift line for each attribute that differs from wanted. */
static void compare_attributes(resource *r, const cJSON *live, const cJSON *wanted)
{
    const cJSON *w;
    cJSON_ArrayForEach(w, wanted) {
        const char *have = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(live, w->string));
        char setting[64];
        snprintf(setting, sizeof setting, "queue %s", w->string);
        if (strcmp(w->string, "RedrivePolicy") == 0) {
            if (!redrive_equal(have, w->valuestring))
                policy_drift(r, setting, have, w->valuestring);
        } else if (strcmp(w->string, "Policy") == 0 || strcmp(w->string, "RedriveAllowPolicy") == 0) {
            if (!policy_equal(have, w->valuestring))
                policy_drift(r, setting, have, w->valuestring);
        } else if (!have || strcmp(have, w->valuestring) != 0) {
            resource_add_drift(r, setting, have, w->valuestring);
        }
    }
}

/* "available", and for a dead-letter queue how many messages wait in it. */
static void set_state(resource *r, const cJSON *live)
{
    const char *waiting =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(live, "ApproximateNumberOfMessages"));
    if (!is_dead_letter(r) || !waiting) {
        snprintf(r->state, sizeof r->state, "available");
        return;
    }
    snprintf(r->state, sizeof r->state, "available, %.20s message%s", waiting, strcmp(waiting, "1") ? "s" : "");
}

/* The queue's URL, or "" (no error) when there is no such queue. */
static int find_url(op_ctx *ctx, resource *r, base_error *err)
{
    r->id[0] = '\0';
    cJSON *out = NULL;
    int rc = json_call_with(ctx->client, &aws_service_sqs, "GetQueueUrl", "QueueName", r->name, &out, err);
    if (rc != 0) {
        if (queue_missing(err)) {
            base_error_clear(err);
            return 0;
        }
        return -1;
    }
    const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out, "QueueUrl"));
    bool found = url != NULL;
    if (found)
        snprintf(r->id, sizeof r->id, "%s", url);
    cJSON_Delete(out);
    ENSURE(found, err, BASE_ERROR_PARSE, "MalformedResponse", "SQS GetQueueUrl %s gave no QueueUrl", r->name);
    return 0;
}

static int queue_read(op_ctx *ctx, resource *r, base_error *err)
{
    TRY(find_url(ctx, r, err));
    if (!r->id[0])
        return 0;
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "QueueUrl", r->id);
    cJSON *names = cJSON_AddArrayToObject(in, "AttributeNames");
    cJSON_AddItemToArray(names, cJSON_CreateString("All"));
    cJSON *out = NULL;
    int rc = aws_json_call(ctx->client, &aws_service_sqs, "GetQueueAttributes", in, &out, err);
    cJSON_Delete(in);
    if (rc != 0) {
        if (queue_missing(err)) { /* deleted between the two calls */
            base_error_clear(err);
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
        arn_of(ctx, r, is_dead_letter(r), r->arn);
    cJSON *wanted = NULL;
    rc = wanted_attributes(ctx, r, false, &wanted, err);
    if (rc == 0) {
        r->exists = true;
        set_state(r, live);
        compare_attributes(r, live, wanted);
        resource_set_output(r, "queue_url", r->id);
        resource_set_output(r, "queue_arn", r->arn);
    }
    cJSON_Delete(wanted);
    cJSON_Delete(out);
    return rc;
}

static int queue_create(op_ctx *ctx, resource *r, base_error *err)
{
    cJSON *attributes = NULL;
    TRY(wanted_attributes(ctx, r, true, &attributes, err));
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "QueueName", r->name);
    cJSON_AddItemToObject(in, "Attributes", attributes);
    cJSON_AddItemToObject(in, "tags", tags_json_map(ctx->stack, r));
    cJSON *out = NULL;
    int rc = aws_json_call(ctx->client, &aws_service_sqs, "CreateQueue", in, &out, err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    TRY(retry_transient(rc, true, err));
    return queue_read(ctx, r, err);
}

static int queue_update(op_ctx *ctx, resource *r, base_error *err)
{
    cJSON *attributes = NULL;
    TRY(wanted_attributes(ctx, r, false, &attributes, err));
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "QueueUrl", r->id);
    cJSON_AddItemToObject(in, "Attributes", attributes);
    cJSON *out = NULL;
    int rc = aws_json_call(ctx->client, &aws_service_sqs, "SetQueueAttributes", in, &out, err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    return retry_transient(rc, false, err);
}

static int queue_remove(op_ctx *ctx, resource *r, base_error *err)
{
    int rc = json_call_with(ctx->client, &aws_service_sqs, "DeleteQueue", "QueueUrl", r->id, NULL, err);
    if (rc != 0 && queue_missing(err)) {
        base_error_clear(err);
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

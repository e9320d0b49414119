/*
 * event_source.c - the SQS event source mappings that make Lambda feed each
 * queue to its function (variant: the queue's name; which handler it feeds
 * is the stack's description's, stack/description.h).
 *
 * A mapping's id is a UUID Lambda chooses, so it is found by what it joins:
 * ListEventSourceMappings filtered by the queue's ARN and the function's
 * name. A mapping being deleted is not counted: a new one may be created
 * once it is gone, and Lambda's refusal until then is retried. Lambda checks
 * that the function's role may read the queue; a role policy only seconds
 * old may not be visible yet, so that refusal is retried too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/kind_support.h"
#include "stack/description.h"

#define MAPPINGS_PATH "/2015-03-31/event-source-mappings"
/* The handlers answer batchItemFailures, naming only the records to redeliver. */
#define PARTIAL_FAILURES "ReportBatchItemFailures"

/* The roles a mapping joins: its queue and the function the queue feeds. */
typedef struct trigger {
    char queue_role[ROLE_SIZE];
    char function_role[ROLE_SIZE];
    const described_queue *queue;
} trigger;

static int trigger_of(const resource *r, trigger *out, base_error *err)
{
    const described_queue *queue = described_queue_find(r->variant);
    ENSURE(queue, err, BASE_ERROR_INVALID, "UnknownVariant",
           "event source mapping %s: unknown variant %s", r->name,
           r->variant ? r->variant : "(none)");
    snprintf(out->queue_role, sizeof out->queue_role, ROLE_QUEUE_FORMAT, queue->name);
    snprintf(out->function_role, sizeof out->function_role, ROLE_FUNCTION_FORMAT, queue->handler);
    out->queue = queue;
    return 0;
}

/* How the trigger batches: the description's rule for this queue. */
static queue_batching batching_of(const op_ctx *ctx, const trigger *t)
{
    return described_queue_batching(t->queue, ctx->cfg->queues.type == SCRIBBLE_QUEUE_FIFO,
                                    ctx->cfg->queues.batch_size);
}

/* The queue's ARN: live when the queue has been read, else from its planned name. */
static void queue_arn(const op_ctx *ctx, const trigger *t, char out[ARN_SIZE])
{
    const char *live = stack_output(ctx->stack, t->queue_role, "queue_arn");
    if (live)
        snprintf(out, ARN_SIZE, "%s", live);
    else
        arn_of_role(ctx->stack, ARN_REGIONAL, "sqs", "", t->queue_role, out);
}

static const char *string_at(const cJSON *object, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(object, key));
}

/* Does the mapping's FunctionArn name this function (any qualifier aside)? */
static bool maps_to(const cJSON *mapping, const char *function_name)
{
    const char *arn = string_at(mapping, "FunctionArn");
    const char *name = arn ? strstr(arn, ":function:") : NULL;
    if (!name)
        return false;
    name += strlen(":function:");
    size_t n = strlen(function_name);
    return strncmp(name, function_name, n) == 0 && (name[n] == '\0' || name[n] == ':');
}

static void take_live(resource *r, const cJSON *mapping)
{
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", string_at(mapping, "UUID"));
    const char *arn = string_at(mapping, "EventSourceMappingArn");
    snprintf(r->arn, sizeof r->arn, "%s", arn ? arn : "");
    const char *state = string_at(mapping, "State");
    snprintf(r->state, sizeof r->state, "%s", state ? state : "");
    resource_set_output(r, "uuid", r->id);
}

static void compare(op_ctx *ctx, const trigger *t, resource *r, const cJSON *mapping)
{
    queue_batching want = batching_of(ctx, t);
    drift_int(r, "trigger batch size", json_long_at(mapping, "BatchSize"), want.batch_size);
    long window = json_long_at(mapping, "MaximumBatchingWindowInSeconds");
    drift_int(r, "trigger batching window", window < 0 ? 0 : window, want.window_s);
    long most = json_long_at(cJSON_GetObjectItemCaseSensitive(mapping, "ScalingConfig"),
                             "MaximumConcurrency");
    drift_int(r, "trigger maximum concurrency", most < 0 ? 0 : most, want.max_concurrency);
    bool partial = false;
    const cJSON *type;
    cJSON_ArrayForEach(type, cJSON_GetObjectItemCaseSensitive(mapping, "FunctionResponseTypes"))
        partial = partial || (cJSON_IsString(type) && strcmp(type->valuestring, PARTIAL_FAILURES) == 0);
    if (!partial)
        resource_add_drift(r, "trigger reports partial failures", "false", "true");
    const char *state = string_at(mapping, "State");
    if (state && (strcmp(state, "Disabled") == 0 || strcmp(state, "Disabling") == 0))
        resource_add_drift(r, "trigger enabled", "false", "true");
}

static int event_source_read(op_ctx *ctx, resource *r, base_error *err)
{
    trigger t;
    TRY(trigger_of(r, &t, err));
    char arn[ARN_SIZE];
    queue_arn(ctx, &t, arn);
    const char *function = stack_resource_name(ctx->stack, t.function_role);
    char *marker = NULL;
    for (;;) {
        aws_params q = {0};
        aws_params_add(&q, "EventSourceArn", arn);
        aws_params_add(&q, "FunctionName", function);
        if (marker)
            aws_params_add(&q, "Marker", marker);
        cJSON *out = NULL;
        int rc = aws_rest_json_call(ctx->client, &aws_service_lambda, "GET", MAPPINGS_PATH, &q,
                                    NULL, &out, err);
        aws_params_free(&q);
        free(marker);
        marker = NULL;
        if (rc != 0) /* the function does not exist: neither can its mapping */
            return allow_error(rc, err, "ResourceNotFoundException");
        const cJSON *mapping;
        cJSON_ArrayForEach(mapping, cJSON_GetObjectItemCaseSensitive(out, "EventSourceMappings")) {
            const char *source = string_at(mapping, "EventSourceArn");
            const char *state = string_at(mapping, "State");
            if (!source || strcmp(source, arn) != 0 || !maps_to(mapping, function) ||
                (state && strcmp(state, "Deleting") == 0) || r->exists)
                continue;
            take_live(r, mapping);
            compare(ctx, &t, r, mapping);
        }
        const char *next = string_at(out, "NextMarker");
        if (next && next[0] && !r->exists)
            marker = base_xstrdup(next);
        cJSON_Delete(out);
        if (!marker)
            return 0;
    }
}

/* Marks Lambda's refusals that pass with time as retryable. */
static int retry_transient(int rc, base_error *err)
{
    if (rc == 0)
        return 0;
    /* "The provided execution role does not have permissions to call
     * ReceiveMessage on SQS": the role's policy is not visible yet. */
    if (error_is(err, "InvalidParameterValueException") && strstr(err->message, "execution role"))
        err->retryable = true;
    /* A mapping in transition (being created, updated or deleted). */
    if (error_is(err, "ResourceInUseException") || error_is(err, "ResourceConflictException") ||
        error_is(err, "TooManyRequestsException"))
        err->retryable = true;
    return rc;
}

/* An update's empty ScalingConfig removes a limit set before. */
static void add_settings(op_ctx *ctx, const trigger *t, bool update, cJSON *in)
{
    queue_batching want = batching_of(ctx, t);
    cJSON_AddNumberToObject(in, "BatchSize", want.batch_size);
    cJSON_AddNumberToObject(in, "MaximumBatchingWindowInSeconds", want.window_s);
    if (want.max_concurrency || update) {
        cJSON *scaling = cJSON_AddObjectToObject(in, "ScalingConfig");
        if (want.max_concurrency)
            cJSON_AddNumberToObject(scaling, "MaximumConcurrency", want.max_concurrency);
    }
    cJSON_AddBoolToObject(in, "Enabled", 1);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(in, "FunctionResponseTypes"),
                         cJSON_CreateString(PARTIAL_FAILURES));
}

static int event_source_create(op_ctx *ctx, resource *r, base_error *err)
{
    trigger t;
    TRY(trigger_of(r, &t, err));
    char arn[ARN_SIZE];
    queue_arn(ctx, &t, arn);
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "EventSourceArn", arn);
    cJSON_AddStringToObject(in, "FunctionName", stack_resource_name(ctx->stack, t.function_role));
    add_settings(ctx, &t, false, in);
    cJSON_AddItemToObject(in, "Tags", tags_json_map(ctx->stack, r));
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_lambda, "POST", MAPPINGS_PATH, NULL, in,
                                &out, err);
    cJSON_Delete(in);
    if (rc == 0) {
        take_live(r, out);
        compare(ctx, &t, r, out);
    }
    cJSON_Delete(out);
    return retry_transient(rc, err);
}

static void mapping_path(const resource *r, char *out, size_t size)
{
    snprintf(out, size, MAPPINGS_PATH "/%s", r->id);
}

static int event_source_update(op_ctx *ctx, resource *r, base_error *err)
{
    char path[sizeof MAPPINGS_PATH + sizeof r->id];
    mapping_path(r, path, sizeof path);
    trigger t;
    TRY(trigger_of(r, &t, err));
    cJSON *in = cJSON_CreateObject();
    add_settings(ctx, &t, true, in);
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_lambda, "PUT", path, NULL, in, &out, err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    return retry_transient(rc, err);
}

static int event_source_remove(op_ctx *ctx, resource *r, base_error *err)
{
    char path[sizeof MAPPINGS_PATH + sizeof r->id];
    mapping_path(r, path, sizeof path);
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_lambda, "DELETE", path, NULL, NULL, &out,
                                err);
    cJSON_Delete(out);
    return retry_transient(allow_error(rc, err, "ResourceNotFoundException"), err);
}

static int event_source_poll(op_ctx *ctx, resource *r, bool removing, bool *done, base_error *err)
{
    char path[sizeof MAPPINGS_PATH + sizeof r->id];
    mapping_path(r, path, sizeof path);
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_lambda, "GET", path, NULL, NULL, &out, err);
    if (rc != 0 && error_is(err, "ResourceNotFoundException")) {
        base_error_clear(err);
        *done = removing;
        if (!removing)
            return base_error_set(err, BASE_ERROR_SERVICE, "ResourceNotFoundException",
                                 "event source mapping %s (%s) disappeared", r->name, r->id);
        return 0;
    }
    if (rc != 0)
        return -1;
    const char *state = string_at(out, "State");
    snprintf(r->state, sizeof r->state, "%s", state ? state : "");
    if (!removing)
        *done = state && strcmp(state, "Enabled") == 0;
    cJSON_Delete(out);
    return 0;
}

const resource_ops event_source_ops = {
    .kind = "Lambda event source mapping",
    .read = event_source_read,
    .create = event_source_create,
    .update = event_source_update,
    .remove = event_source_remove,
    .poll = event_source_poll,
    .poll_timeout_s = 300,
};

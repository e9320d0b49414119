/*
 * schedule.c - the EventBridge Scheduler schedules (variant: the schedule's
 * name, "snapshot" or "save"), each invoking the function of the handler the
 * stack's description gives it (stack/description.h) at the rate
 * [schedules] gives, as the scheduler's role.
 *
 * Schedules take no tags (only schedule groups do), so a schedule is found
 * by its name in the default group. UpdateSchedule replaces the whole
 * definition, so update sends everything create sends. Scheduler checks
 * that it can assume the role when a schedule is saved; a role only seconds
 * old is refused, and that refusal is retried until the role is usable.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/kind_support.h"
#include "stack/description.h"

/* The schedule as the config wants it, and what it needs. */
typedef struct schedule_plan {
    const char *expression;
    char function_arn[ARN_SIZE];
    const char *role_arn; /* NULL until the scheduler's role exists */
} schedule_plan;

static int plan_schedule(op_ctx *ctx, const resource *r, schedule_plan *p, base_error *err)
{
    const described_schedule *v = described_schedule_find(r->variant);
    ENSURE(v, err, BASE_ERROR_INVALID, "UnknownVariant", "schedule %s: unknown variant %s", r->name,
           r->variant ? r->variant : "(none)");
    const scribble_config *cfg = ctx->cfg;
    p->expression = strcmp(v->name, "snapshot") == 0 ? cfg->schedules.snapshot : cfg->schedules.save;
    char function_role[ROLE_SIZE];
    snprintf(function_role, sizeof function_role, ROLE_FUNCTION_FORMAT, v->handler);
    arn_of_role(ctx->stack, ARN_REGIONAL, "lambda", "function:", function_role, p->function_arn);
    p->role_arn = stack_output(ctx->stack, ROLE_SCHEDULER_ROLE, "role_arn");
    return 0;
}

static cJSON *definition(const op_ctx *ctx, const schedule_plan *p)
{
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "ScheduleExpression", p->expression);
    cJSON_AddStringToObject(in, "Description", "Scribble");
    cJSON_AddItemToObject(in, "FlexibleTimeWindow", cJSON_CreateObject());
    cJSON_AddStringToObject(cJSON_GetObjectItem(in, "FlexibleTimeWindow"), "Mode", "OFF");
    cJSON *target = cJSON_AddObjectToObject(in, "Target");
    cJSON_AddStringToObject(target, "Arn", p->function_arn);
    cJSON_AddStringToObject(target, "RoleArn", p->role_arn);
    cJSON *retry = cJSON_AddObjectToObject(target, "RetryPolicy");
    cJSON_AddNumberToObject(retry, "MaximumRetryAttempts", ctx->cfg->schedules.retry_attempts);
    cJSON_AddNumberToObject(retry, "MaximumEventAgeInSeconds", ctx->cfg->schedules.max_event_age);
    cJSON_AddStringToObject(in, "State", "ENABLED");
    char token[37];
    aws_client_token(token);
    cJSON_AddStringToObject(in, "ClientToken", token);
    return in;
}

static void drift_string(resource *r, const char *setting, const char *live, const char *wanted)
{
    if (!live || !wanted || strcmp(live, wanted) != 0)
        resource_add_drift(r, setting, live, wanted);
}

static void compare(op_ctx *ctx, resource *r, const schedule_plan *p, const cJSON *live)
{
    drift_string(r, "schedule expression", json_string_at(live, "ScheduleExpression"), p->expression);
    drift_string(r, "flexible time window",
                 json_string_at(cJSON_GetObjectItemCaseSensitive(live, "FlexibleTimeWindow"), "Mode"),
                 "OFF");
    drift_string(r, "state", json_string_at(live, "State"), "ENABLED");
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(live, "Target");
    drift_string(r, "target", json_string_at(target, "Arn"), p->function_arn);
    if (p->role_arn) /* without the role (status before up), there is nothing to compare */
        drift_string(r, "target role", json_string_at(target, "RoleArn"), p->role_arn);
    const cJSON *retry = cJSON_GetObjectItemCaseSensitive(target, "RetryPolicy");
    drift_int(r, "retry attempts", json_long_at(retry, "MaximumRetryAttempts"),
              ctx->cfg->schedules.retry_attempts);
    drift_int(r, "maximum event age", json_long_at(retry, "MaximumEventAgeInSeconds"),
              ctx->cfg->schedules.max_event_age);
}

static void schedule_path(const resource *r, char out[256])
{
    snprintf(out, 256, "/schedules/%s", r->name);
}

static int schedule_read(op_ctx *ctx, resource *r, base_error *err)
{
    schedule_plan p;
    TRY(plan_schedule(ctx, r, &p, err));
    char path[256];
    schedule_path(r, path);
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_scheduler, "GET", path, NULL, NULL, &out, err);
    if (rc != 0)
        return allow_error(rc, err, "ResourceNotFoundException");
    const char *arn = json_string_at(out, "Arn");
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", r->name);
    snprintf(r->arn, sizeof r->arn, "%s", arn ? arn : "");
    const char *state = json_string_at(out, "State");
    snprintf(r->state, sizeof r->state, "%s", state ? state : "");
    for (char *c = r->state; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    resource_set_output(r, "schedule_arn", r->arn);
    compare(ctx, r, &p, out);
    cJSON_Delete(out);
    return 0;
}

/* Scheduler refuses a role it cannot assume yet; IAM catches up in seconds. */
static int retry_transient(int rc, base_error *err)
{
    if (rc != 0 && error_is(err, "ValidationException") &&
        (strstr(err->message, "role") || strstr(err->message, "Role")))
        err->retryable = true;
    if (rc != 0 && error_is(err, "ConflictException"))
        err->retryable = true;
    return rc;
}

/* create (POST) and update (PUT) send the same whole definition. */
static int put_schedule(op_ctx *ctx, resource *r, const char *method, base_error *err)
{
    schedule_plan p;
    TRY(plan_schedule(ctx, r, &p, err));
    ENSURE(p.role_arn, err, BASE_ERROR_INVALID, "MissingDependency",
           "schedule %s: the scheduler's role does not exist", r->name);
    char path[256];
    schedule_path(r, path);
    cJSON *in = definition(ctx, &p);
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_scheduler, method, path, NULL, in, &out, err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    TRY(retry_transient(rc, err));
    resource_reset_live(r);
    return schedule_read(ctx, r, err);
}

static int schedule_create(op_ctx *ctx, resource *r, base_error *err)
{
    int rc = put_schedule(ctx, r, "POST", err);
    /* Created by an earlier attempt whose answer was lost: make it right instead. */
    if (rc != 0 && error_is(err, "ConflictException")) {
        base_error_clear(err);
        rc = put_schedule(ctx, r, "PUT", err);
    }
    return rc;
}

static int schedule_update(op_ctx *ctx, resource *r, base_error *err)
{
    return put_schedule(ctx, r, "PUT", err);
}

static int schedule_remove(op_ctx *ctx, resource *r, base_error *err)
{
    char path[256];
    schedule_path(r, path);
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_scheduler, "DELETE", path, NULL, NULL, &out, err);
    cJSON_Delete(out);
    return allow_error(rc, err, "ResourceNotFoundException");
}

const resource_ops schedule_ops = {
    .kind = "schedule",
    .read = schedule_read,
    .create = schedule_create,
    .update = schedule_update,
    .remove = schedule_remove,
    .poll_timeout_s = 120, /* how long a new role's refusal is retried */
};

/*
 * log_group.c - each function's CloudWatch Logs group (variant: the
 * handler), /aws/lambda/<function name>, made before the function so Lambda
 * never creates it without a retention: logs expire after
 * functions.log_retention_days (0: never). Found by name; the retention is
 * the one setting, corrected in place.
 */
#include <stdio.h>
#include <string.h>

#include "provision/kind_support.h"
#include "stack/description.h"

void log_group_name(const stack *s, const char *handler, char *out, size_t size)
{
    char role[ROLE_SIZE];
    snprintf(role, sizeof role, ROLE_FUNCTION_FORMAT, handler);
    snprintf(out, size, "/aws/lambda/%s", stack_resource_name(s, role));
}

static void group_name(const op_ctx *ctx, const resource *r, char *out, size_t size)
{
    log_group_name(ctx->stack, r->variant, out, size);
}

static int call(op_ctx *ctx, const char *operation, const resource *r, cJSON *input, cJSON **out,
                base_error *err)
{
    char name[256];
    group_name(ctx, r, name, sizeof name);
    cJSON_AddStringToObject(input, "logGroupName", name);
    cJSON *answer = NULL;
    int rc = aws_json_call(ctx->client, &aws_service_logs, operation, input, &answer, err);
    cJSON_Delete(input);
    if (out)
        *out = answer;
    else
        cJSON_Delete(answer);
    return rc;
}

static int log_group_read(op_ctx *ctx, resource *r, base_error *err)
{
    char name[256];
    group_name(ctx, r, name, sizeof name);
    cJSON *input = cJSON_CreateObject();
    cJSON_AddStringToObject(input, "logGroupNamePrefix", name);
    cJSON *out = NULL;
    int rc = aws_json_call(ctx->client, &aws_service_logs, "DescribeLogGroups", input, &out, err);
    cJSON_Delete(input);
    TRY(rc);
    const cJSON *group;
    cJSON_ArrayForEach(group, cJSON_GetObjectItemCaseSensitive(out, "logGroups"))
    {
        const cJSON *found = cJSON_GetObjectItemCaseSensitive(group, "logGroupName");
        if (!cJSON_IsString(found) || strcmp(found->valuestring, name) != 0)
            continue;
        r->exists = true;
        snprintf(r->id, sizeof r->id, "%s", name);
        snprintf(r->state, sizeof r->state, "available");
        const cJSON *retention = cJSON_GetObjectItemCaseSensitive(group, "retentionInDays");
        drift_int(r, "log retention days", cJSON_IsNumber(retention) ? (long)retention->valuedouble : 0,
                  ctx->cfg->functions.log_retention_days);
        resource_set_output(r, "log_group_name", name);
    }
    cJSON_Delete(out);
    return 0;
}

static int set_retention(op_ctx *ctx, resource *r, base_error *err)
{
    int days = ctx->cfg->functions.log_retention_days;
    cJSON *input = cJSON_CreateObject();
    if (!days)
        return call(ctx, "DeleteRetentionPolicy", r, input, NULL, err);
    cJSON_AddNumberToObject(input, "retentionInDays", days);
    return call(ctx, "PutRetentionPolicy", r, input, NULL, err);
}

static int log_group_create(op_ctx *ctx, resource *r, base_error *err)
{
    cJSON *input = cJSON_CreateObject();
    cJSON_AddItemToObject(input, "tags", tags_json_map(ctx->stack, r));
    if (call(ctx, "CreateLogGroup", r, input, NULL, err) != 0 &&
        !error_is(err, "ResourceAlreadyExistsException"))
        return -1;
    TRY(set_retention(ctx, r, err));
    resource_reset_live(r);
    return log_group_read(ctx, r, err);
}

static int log_group_update(op_ctx *ctx, resource *r, base_error *err)
{
    return set_retention(ctx, r, err);
}

static int log_group_remove(op_ctx *ctx, resource *r, base_error *err)
{
    if (call(ctx, "DeleteLogGroup", r, cJSON_CreateObject(), NULL, err) != 0 &&
        !error_is(err, "ResourceNotFoundException"))
        return -1;
    return 0;
}

const resource_ops log_group_ops = {
    .kind = "log group",
    .read = log_group_read,
    .create = log_group_create,
    .update = log_group_update,
    .remove = log_group_remove,
};

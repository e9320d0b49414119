/*
 * function.c - the Lambda functions, one per runtime handler (variant =
 * the handler's name, which is also its Handler setting), found by name.
 *
 * Every function runs the same deployment package (package.h), created and
 * updated from its copy in the artifacts bucket (package_object.c: S3Bucket
 * and S3Key, so the package crosses the uplink once), on provided.al2023 in
 * the private subnets with the functions' security group,
 * and gets the same environment: one table below says which variable comes
 * from which resource or setting, so the runtime reads one configuration
 * whatever the handler. A variable whose resource is not in the stack (yet)
 * is left out, and the next `up` adds it as drift.
 *
 * Lambda applies an update asynchronously and refuses a second one while the
 * first is in progress (ResourceConflictException): update therefore starts
 * from a fresh GetFunction, changes the configuration first and the code
 * second, and a refused step is retried by the walker, which then finds only
 * what is still left to do. A role only seconds old is not yet assumable by
 * Lambda; that refusal is retried too, never reported.
 *
 * Deleting a function leaves its VPC network interfaces behind for a while;
 * that is the security group's and subnets' concern (they retry
 * DependencyViolation), not this file's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/kind_support.h"
#include "provision/function_limits.h"
#include "provision/handler_numbers.h"
#include "provision/package.h"
#include "stack/description.h"

#define FUNCTIONS_PATH "/2015-03-31/functions"
#define RUNTIME "provided.al2023"
#define MAX_SUBNETS 8

/* Where each environment variable's value comes from. */
typedef enum env_source {
    ENV_OUTPUT,        /* output `key` of resource `role`; left out while absent */
    ENV_RESOURCE_NAME, /* the planned name of resource `role` */
    ENV_CACHE,         /* the cache's address and port */
    ENV_STACK,         /* the stack's name: the runtime's cache keys carry it */
} env_source;

typedef struct env_variable {
    stack_env_id name;
    env_source source;
    const char *role;
    const char *key;
} env_variable;

/* The variables that name no queue or table; those come from the stack's
 * description, each with its queue's URL or its table's name. */
static const env_variable environment[] = {
    {STACK_ENV_STACK, ENV_STACK, NULL, NULL},
    {STACK_ENV_CACHE_ENDPOINT, ENV_CACHE, ROLE_CACHE, "endpoint_address"},
    {STACK_ENV_BUCKET, ENV_RESOURCE_NAME, ROLE_SITE_BUCKET, NULL},
    {STACK_ENV_WEBSOCKET_ENDPOINT, ENV_OUTPUT, ROLE_WEBSOCKET_API, "management_endpoint"},
};

/* The value of one variable, or NULL when its resource does not exist. */
static const char *env_value(const op_ctx *ctx, const env_variable *v, char buf[512])
{
    const scribble_config *cfg = ctx->cfg;
    switch (v->source) {
    case ENV_OUTPUT:
        return stack_output(ctx->stack, v->role, v->key);
    case ENV_RESOURCE_NAME:
        return stack_resource_name(ctx->stack, v->role);
    case ENV_CACHE: {
        const char *address = stack_output(ctx->stack, v->role, v->key);
        if (!address)
            return NULL;
        const char *port = stack_output(ctx->stack, v->role, "endpoint_port");
        if (port)
            snprintf(buf, 512, "%s:%s", address, port);
        else
            snprintf(buf, 512, "%s:%d", address, cfg->cache.port);
        return buf;
    }
    case ENV_STACK:
        return cfg->stack.name;
    }
    return NULL;
}

static void add_number(void *variables, const char *name, int value)
{
    char text[24];
    snprintf(text, sizeof text, "%d", value);
    cJSON_AddStringToObject(variables, name, text);
}

static void add_variable(cJSON *variables, stack_env_id name, const char *value)
{
    if (value)
        cJSON_AddStringToObject(variables, stack_env_names[name], value);
}

/* Every variable of the handlers' environment whose resource exists. */
static void add_environment(const op_ctx *ctx, cJSON *variables)
{
    char buf[512], role[ROLE_SIZE];
    for (size_t i = 0; i < sizeof environment / sizeof environment[0]; i++)
        add_variable(variables, environment[i].name, env_value(ctx, &environment[i], buf));
    for (size_t q = 0; q < described_queue_count; q++) {
        snprintf(role, sizeof role, ROLE_QUEUE_FORMAT, described_queues[q].name);
        add_variable(variables, described_queues[q].url_variable,
                     stack_output(ctx->stack, role, "queue_url"));
    }
    for (size_t t = 0; t < described_table_count; t++) {
        snprintf(role, sizeof role, ROLE_TABLE_FORMAT, described_tables[t].name);
        add_variable(variables, described_tables[t].name_variable,
                     stack_resource_name(ctx->stack, role));
    }
    handler_numbers_each(ctx->cfg, add_number, variables);
}

static const char *architecture(const scribble_config *cfg)
{
    switch (cfg->functions.architecture) {
    case SCRIBBLE_ARCH_X86_64: return "x86_64";
    case SCRIBBLE_ARCH_ARM64: return "arm64";
    default:
        /* auto: the package holds this machine's build of the handler */
#if defined(__aarch64__)
        return "arm64";
#else
        return "x86_64";
#endif
    }
}

/* The role's ARN: live when the role has been read, else from its planned name. */
static void role_arn(const op_ctx *ctx, char out[ARN_SIZE])
{
    const char *live = stack_output(ctx->stack, ROLE_FUNCTIONS_ROLE, "role_arn");
    if (live)
        snprintf(out, ARN_SIZE, "%s", live);
    else
        arn_of_role(ctx->stack, ARN_GLOBAL, "iam", "role/", ROLE_FUNCTIONS_ROLE, out);
}

/* The configuration the config asks for, shaped as UpdateFunctionConfiguration's input. */
static cJSON *wanted_configuration(const op_ctx *ctx, const resource *r)
{
    const scribble_config *cfg = ctx->cfg;
    char arn[ARN_SIZE];
    role_arn(ctx, arn);
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "Runtime", RUNTIME);
    cJSON_AddStringToObject(c, "Handler", r->variant);
    cJSON_AddStringToObject(c, "Role", arn);
    cJSON_AddNumberToObject(c, "MemorySize", cfg->functions.memory_mb);
    cJSON_AddNumberToObject(c, "Timeout", function_timeout(cfg, r->variant));
    cJSON *vpc = cJSON_AddObjectToObject(c, "VpcConfig");
    cJSON *subnets = cJSON_AddArrayToObject(vpc, "SubnetIds");
    for (int z = 1; z <= cfg->network.availability_zones; z++) {
        char role[64];
        snprintf(role, sizeof role, ROLE_PRIVATE_SUBNET_FORMAT, z);
        const char *id = stack_output(ctx->stack, role, "subnet_id");
        if (id)
            cJSON_AddItemToArray(subnets, cJSON_CreateString(id));
    }
    cJSON *groups = cJSON_AddArrayToObject(vpc, "SecurityGroupIds");
    const char *group = stack_output(ctx->stack, ROLE_FUNCTIONS_SECURITY_GROUP, "group_id");
    if (group)
        cJSON_AddItemToArray(groups, cJSON_CreateString(group));
    cJSON *variables = cJSON_AddObjectToObject(cJSON_AddObjectToObject(c, "Environment"), "Variables");
    add_environment(ctx, variables);
    return c;
}

static void function_path(const resource *r, const char *suffix, char *out, size_t size)
{
    snprintf(out, size, FUNCTIONS_PATH "/%s%s", r->name, suffix);
}

/* GetFunction; *out NULL (and no error) when the function does not exist. */
static int get_function(op_ctx *ctx, const resource *r, cJSON **out, base_error *err)
{
    char path[256];
    function_path(r, "", path, sizeof path);
    *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_lambda, "GET", path, NULL, NULL, out, err);
    if (rc != 0 && error_is(err, "ResourceNotFoundException")) {
        base_error_clear(err);
        return 0;
    }
    if (rc == 0 && !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(*out, "Configuration"))) {
        cJSON_Delete(*out);
        *out = NULL;
        return base_error_set(err, BASE_ERROR_PARSE, "MalformedResponse",
                             "Lambda GetFunction %s gave no Configuration", r->name);
    }
    return rc;
}

static const char *string_at(const cJSON *object, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(object, key));
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A string array as one sorted, comma-separated line ("" when empty or absent). */
static void sorted_list(const cJSON *array, base_buf *out)
{
    const char *items[64];
    size_t n = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, array) {
        if (cJSON_IsString(item) && n < sizeof items / sizeof items[0])
            items[n++] = item->valuestring;
    }
    qsort(items, n, sizeof items[0], compare_strings);
    for (size_t i = 0; i < n; i++)
        base_buf_printf(out, "%s%s", i ? "," : "", items[i]);
}

static void compare_string(resource *r, const char *setting, const char *live, const char *wanted)
{
    if (!live || strcmp(live, wanted) != 0)
        resource_add_drift(r, setting, live, wanted);
}

static void compare_list(resource *r, const char *setting, const cJSON *live, const cJSON *wanted)
{
    base_buf a = {0}, b = {0};
    sorted_list(live, &a);
    sorted_list(wanted, &b);
    if (strcmp(base_buf_str(&a), base_buf_str(&b)) != 0)
        resource_add_drift(r, setting, a.len ? a.data : "(none)", b.len ? b.data : "(none)");
    base_buf_free(&a);
    base_buf_free(&b);
}

static void compare_environment(resource *r, const cJSON *live, const cJSON *wanted)
{
    const cJSON *v;
    char setting[96];
    cJSON_ArrayForEach(v, wanted) {
        snprintf(setting, sizeof setting, "environment %s", v->string);
        compare_string(r, setting, string_at(live, v->string), v->valuestring);
    }
    cJSON_ArrayForEach(v, live) {
        if (!cJSON_GetObjectItemCaseSensitive(wanted, v->string)) {
            snprintf(setting, sizeof setting, "environment %s", v->string);
            resource_add_drift(r, setting, cJSON_GetStringValue(v), "(none)");
        }
    }
}

/* True when the configuration differs; appends a drift line per setting. */
static bool compare_configuration(resource *r, const cJSON *live, const cJSON *wanted)
{
    size_t before = r->drift.len;
    compare_string(r, "function runtime", string_at(live, "Runtime"), string_at(wanted, "Runtime"));
    compare_string(r, "function handler", string_at(live, "Handler"), string_at(wanted, "Handler"));
    compare_string(r, "function role", string_at(live, "Role"), string_at(wanted, "Role"));
    drift_int(r, "function memory", json_long_at(live, "MemorySize"),
              json_long_at(wanted, "MemorySize"));
    drift_int(r, "function timeout", json_long_at(live, "Timeout"),
              json_long_at(wanted, "Timeout"));
    const cJSON *live_vpc = cJSON_GetObjectItemCaseSensitive(live, "VpcConfig");
    const cJSON *wanted_vpc = cJSON_GetObjectItemCaseSensitive(wanted, "VpcConfig");
    compare_list(r, "function subnets", cJSON_GetObjectItemCaseSensitive(live_vpc, "SubnetIds"),
                 cJSON_GetObjectItemCaseSensitive(wanted_vpc, "SubnetIds"));
    compare_list(r, "function security groups",
                 cJSON_GetObjectItemCaseSensitive(live_vpc, "SecurityGroupIds"),
                 cJSON_GetObjectItemCaseSensitive(wanted_vpc, "SecurityGroupIds"));
    const cJSON *live_env = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(live, "Environment"), "Variables");
    const cJSON *wanted_env = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(wanted, "Environment"), "Variables");
    compare_environment(r, live_env, wanted_env);
    return r->drift.len != before;
}

static const char *live_architecture(const cJSON *live)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(live, "Architectures");
    const char *first = cJSON_GetStringValue(cJSON_GetArrayItem(list, 0));
    return first ? first : "x86_64"; /* Lambda's default when none is given */
}

/* True when the code or its architecture differs; appends drift lines.
 * A package that cannot be built is drift too: up then fails saying why. */
static bool compare_code(op_ctx *ctx, resource *r, const cJSON *live)
{
    size_t before = r->drift.len;
    compare_string(r, "function architecture", live_architecture(live), architecture(ctx->cfg));
    const lambda_package *package = NULL;
    base_error package_err = {0};
    if (package_get(&package, &package_err) != 0) {
        char wanted[sizeof package_err.message + 64];
        snprintf(wanted, sizeof wanted, "(no package: %s)", package_err.message);
        resource_add_drift(r, "function code CodeSha256", string_at(live, "CodeSha256"), wanted);
    } else {
        compare_string(r, "function code CodeSha256", string_at(live, "CodeSha256"),
                       package->code_sha256);
    }
    return r->drift.len != before;
}

/* Fills the live view from a GetFunction answer. */
static void take_live(op_ctx *ctx, resource *r, const cJSON *function)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(function, "Configuration");
    const char *arn = string_at(c, "FunctionArn");
    const char *state = string_at(c, "State");
    const char *update = string_at(c, "LastUpdateStatus");
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", r->name);
    if (arn)
        snprintf(r->arn, sizeof r->arn, "%s", arn);
    else
        arn_format(ctx->stack, ARN_REGIONAL, "lambda", r->name, r->arn);
    if (update && strcmp(update, "Successful") != 0)
        snprintf(r->state, sizeof r->state, "update %s", update);
    else
        snprintf(r->state, sizeof r->state, "%s", state ? state : "Active");
    resource_set_output(r, "function_arn", r->arn);
    resource_set_output(r, "function_name", r->name);
    const char *sha = string_at(c, "CodeSha256");
    resource_set_output(r, "code_sha256", sha ? sha : "");
}

/* GetFunction's Concurrency.ReservedConcurrentExecutions; 0: none reserved. */
static long live_reservation(const cJSON *function)
{
    long reserved = json_long_at(cJSON_GetObjectItemCaseSensitive(function, "Concurrency"),
                                 "ReservedConcurrentExecutions");
    return reserved > 0 ? reserved : 0;
}

/* True when the handler's reservation differs; appends a drift line to r. */
static bool compare_reservation(op_ctx *ctx, const char *handler, resource *r,
                                const cJSON *function)
{
    long live = live_reservation(function);
    long wanted = function_reserved_concurrency(ctx->cfg, handler);
    if (live == wanted)
        return false;
    char live_text[32], wanted_text[32];
    snprintf(live_text, sizeof live_text, live ? "%ld" : "(none)", live);
    snprintf(wanted_text, sizeof wanted_text, wanted ? "%ld" : "(none)", wanted);
    resource_add_drift(r, "function reserved concurrency", live_text, wanted_text);
    return true;
}

static int function_read(op_ctx *ctx, resource *r, base_error *err)
{
    cJSON *function = NULL;
    TRY(get_function(ctx, r, &function, err));
    if (!function)
        return 0;
    take_live(ctx, r, function);
    const cJSON *live = cJSON_GetObjectItemCaseSensitive(function, "Configuration");
    cJSON *wanted = wanted_configuration(ctx, r);
    compare_configuration(r, live, wanted);
    compare_code(ctx, r, live);
    compare_reservation(ctx, r->variant, r, function);
    cJSON_Delete(wanted);
    cJSON_Delete(function);
    return 0;
}

/* Where the code comes from: {"S3Bucket", "S3Key"} of the uploaded package,
 * added to `code` (FunctionCode for create, the request itself for update). */
static int add_code_location(const op_ctx *ctx, cJSON *code, base_error *err)
{
    const char *bucket = stack_output(ctx->stack, ROLE_FUNCTION_PACKAGE, "s3_bucket");
    const char *key = stack_output(ctx->stack, ROLE_FUNCTION_PACKAGE, "s3_key");
    ENSURE(bucket && key, err, BASE_ERROR_SERVICE, "PackageNotUploaded",
           "the Lambda package is not in the artifacts bucket yet");
    cJSON_AddStringToObject(code, "S3Bucket", bucket);
    cJSON_AddStringToObject(code, "S3Key", key);
    return 0;
}

/* Marks Lambda's refusals that pass with time as retryable. */
static int retry_transient(int rc, base_error *err)
{
    if (rc == 0)
        return 0;
    /* A new role (or its policies) not yet visible to Lambda: "The role defined
     * for the function cannot be assumed by Lambda", "The provided execution
     * role does not have permissions to call CreateNetworkInterface on EC2". */
    if (error_is(err, "InvalidParameterValueException") &&
        (strstr(err->message, "cannot be assumed") || strstr(err->message, "execution role")))
        err->retryable = true;
    /* Another update of the same function is still being applied. */
    if (error_is(err, "ResourceConflictException") || error_is(err, "TooManyRequestsException"))
        err->retryable = true;
    return rc;
}

/* PutFunctionConcurrency, or DeleteFunctionConcurrency for none. */
static int put_reservation(op_ctx *ctx, const resource *r, base_error *err)
{
    char path[256];
    snprintf(path, sizeof path, "/2017-10-31/functions/%s/concurrency", r->name);
    long wanted = function_reserved_concurrency(ctx->cfg, r->variant);
    cJSON *in = NULL, *out = NULL;
    if (wanted) {
        in = cJSON_CreateObject();
        cJSON_AddNumberToObject(in, "ReservedConcurrentExecutions", (double)wanted);
    }
    int rc = aws_rest_json_call(ctx->client, &aws_service_lambda, wanted ? "PUT" : "DELETE", path,
                                NULL, in, &out, err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    return retry_transient(rc, err);
}

static int function_create(op_ctx *ctx, resource *r, base_error *err)
{
    cJSON *in = wanted_configuration(ctx, r);
    cJSON_AddStringToObject(in, "FunctionName", r->name);
    if (add_code_location(ctx, cJSON_AddObjectToObject(in, "Code"), err) != 0) {
        cJSON_Delete(in);
        return -1;
    }
    cJSON *arch = cJSON_AddArrayToObject(in, "Architectures");
    cJSON_AddItemToArray(arch, cJSON_CreateString(architecture(ctx->cfg)));
    cJSON_AddStringToObject(in, "PackageType", "Zip");
    cJSON_AddItemToObject(in, "Tags", tags_json_map(ctx->stack, r));
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_lambda, "POST", FUNCTIONS_PATH, NULL, in,
                                &out, err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    if (rc != 0 && error_is(err, "ResourceConflictException") && strstr(err->message, "exist")) {
        base_error_clear(err); /* made by an earlier, interrupted try: read it */
        rc = 0;
    }
    TRY(retry_transient(rc, err));
    if (function_reserved_concurrency(ctx->cfg, r->variant))
        TRY(put_reservation(ctx, r, err));
    resource_reset_live(r);
    return function_read(ctx, r, err);
}

static int update_configuration(op_ctx *ctx, const resource *r, base_error *err)
{
    char path[256];
    function_path(r, "/configuration", path, sizeof path);
    cJSON *in = wanted_configuration(ctx, r);
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_lambda, "PUT", path, NULL, in, &out, err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    return retry_transient(rc, err);
}

static int update_code(op_ctx *ctx, const resource *r, base_error *err)
{
    char path[256];
    function_path(r, "/code", path, sizeof path);
    cJSON *in = cJSON_CreateObject();
    if (add_code_location(ctx, in, err) != 0) {
        cJSON_Delete(in);
        return -1;
    }
    cJSON *arch = cJSON_AddArrayToObject(in, "Architectures");
    cJSON_AddItemToArray(arch, cJSON_CreateString(architecture(ctx->cfg)));
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_lambda, "PUT", path, NULL, in, &out, err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    return retry_transient(rc, err);
}

/* One step at a time from what is live now: a step Lambda refuses while the
 * previous one is applied comes back retryable, and the retry skips what
 * already took. */
static int function_update(op_ctx *ctx, resource *r, base_error *err)
{
    cJSON *function = NULL;
    TRY(get_function(ctx, r, &function, err));
    ENSURE(function, err, BASE_ERROR_SERVICE, "ResourceNotFoundException",
           "Lambda function %s was deleted during the update", r->name);
    const cJSON *live = cJSON_GetObjectItemCaseSensitive(function, "Configuration");
    resource probe = {0}; /* drift lines of this look only */
    cJSON *wanted = wanted_configuration(ctx, r);
    bool configuration = compare_configuration(&probe, live, wanted);
    bool code = compare_code(ctx, &probe, live);
    bool reservation = compare_reservation(ctx, r->variant, &probe, function);
    const char *status = string_at(live, "LastUpdateStatus");
    bool in_progress = status && strcmp(status, "InProgress") == 0;
    cJSON_Delete(wanted);
    cJSON_Delete(function);
    base_buf_free(&probe.drift);
    /* A function's concurrency is not part of its configuration updates. */
    if (reservation)
        TRY(put_reservation(ctx, r, err));
    int rc = 0;
    if (in_progress && (configuration || code)) {
        rc = base_error_set(err, BASE_ERROR_SERVICE, "ResourceConflictException",
                           "Lambda function %s: an update is in progress", r->name);
        err->retryable = true;
    } else if (configuration) {
        rc = update_configuration(ctx, r, err);
        if (rc == 0 && code) { /* the code waits until the configuration has been applied */
            rc = base_error_set(err, BASE_ERROR_SERVICE, "ResourceConflictException",
                               "Lambda function %s: configuration update in progress", r->name);
            err->retryable = true;
        }
    } else if (code) {
        rc = update_code(ctx, r, err);
    }
    return rc;
}

static int function_remove(op_ctx *ctx, resource *r, base_error *err)
{
    char path[256];
    function_path(r, "", path, sizeof path);
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_lambda, "DELETE", path, NULL, NULL, &out,
                                err);
    cJSON_Delete(out);
    return retry_transient(allow_error(rc, err, "ResourceNotFoundException"), err);
}

static int function_poll(op_ctx *ctx, resource *r, bool removing, bool *done, base_error *err)
{
    cJSON *function = NULL;
    TRY(get_function(ctx, r, &function, err));
    if (!function) {
        *done = removing;
        if (!removing)
            snprintf(r->state, sizeof r->state, "missing");
        return 0;
    }
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(function, "Configuration");
    const char *state = string_at(c, "State");
    const char *update = string_at(c, "LastUpdateStatus");
    int rc = 0;
    if (removing) {
        snprintf(r->state, sizeof r->state, "%s", state ? state : "deleting");
    } else if (state && strcmp(state, "Failed") == 0) {
        rc = base_error_set(err, BASE_ERROR_SERVICE, "FunctionFailed", "Lambda function %s failed: %s",
                           r->name, string_at(c, "StateReason") ? string_at(c, "StateReason") : "");
    } else if (update && strcmp(update, "Failed") == 0) {
        const char *reason = string_at(c, "LastUpdateStatusReason");
        rc = base_error_set(err, BASE_ERROR_SERVICE, "FunctionUpdateFailed",
                           "Lambda function %s: the last update failed: %s", r->name,
                           reason ? reason : "");
    } else {
        take_live(ctx, r, function);
        /* Inactive is an idle function Lambda reactivates on its next invocation. */
        *done = (!state || strcmp(state, "Active") == 0 || strcmp(state, "Inactive") == 0) &&
                (!update || strcmp(update, "Successful") == 0);
    }
    cJSON_Delete(function);
    return rc;
}

const resource_ops function_ops = {
    .kind = "Lambda function",
    .read = function_read,
    .create = function_create,
    .update = function_update,
    .remove = function_remove,
    .poll = function_poll,
    .poll_interval_ms = 2000,
    /* A function in a VPC can take minutes to become Active; a new role tens of seconds to be assumable. */
    .poll_timeout_s = 600,
};

/* redeploy's view of a function: its code alone. The configuration is up's,
 * and up's reading needs every other resource's outputs; the code needs only
 * the package's. */
static int function_code_read(op_ctx *ctx, resource *r, base_error *err)
{
    cJSON *function = NULL;
    TRY(get_function(ctx, r, &function, err));
    if (!function)
        return 0;
    take_live(ctx, r, function);
    compare_code(ctx, r, cJSON_GetObjectItemCaseSensitive(function, "Configuration"));
    cJSON_Delete(function);
    return 0;
}

static int function_code_missing(op_ctx *ctx, resource *r, base_error *err)
{
    (void)ctx;
    return base_error_set(err, BASE_ERROR_SERVICE, "ResourceNotFoundException",
                         "function %s does not exist; run scribblectl up first", r->name);
}

/* UpdateFunctionCode from the uploaded package, once no other update is
 * being applied (a refusal meanwhile is retried by the walk). */
static int function_code_update(op_ctx *ctx, resource *r, base_error *err)
{
    cJSON *function = NULL;
    TRY(get_function(ctx, r, &function, err));
    if (!function)
        return function_code_missing(ctx, r, err);
    const cJSON *live = cJSON_GetObjectItemCaseSensitive(function, "Configuration");
    resource probe = {0};
    bool code = compare_code(ctx, &probe, live);
    const char *status = string_at(live, "LastUpdateStatus");
    bool in_progress = status && strcmp(status, "InProgress") == 0;
    cJSON_Delete(function);
    base_buf_free(&probe.drift);
    if (!code)
        return 0;
    if (in_progress) {
        base_error_set(err, BASE_ERROR_SERVICE, "ResourceConflictException",
                      "Lambda function %s: an update is in progress", r->name);
        err->retryable = true;
        return -1;
    }
    return update_code(ctx, r, err);
}

const resource_ops function_code_ops = {
    .kind = "Lambda function code",
    .read = function_code_read,
    .create = function_code_missing,
    .update = function_code_update,
    .poll = function_poll,
    .poll_interval_ms = 2000,
    .poll_timeout_s = 600,
};

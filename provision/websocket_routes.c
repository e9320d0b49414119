/*
 * websocket_routes.c - what makes the WebSocket API call the functions: for
 * $connect, $disconnect, sendMessage and $default a Lambda proxy
 * integration, a route and the function's permission for API Gateway; then
 * the stage, deployed. Which routes, and which handler each invokes, is the
 * stack's description's (stack/description.h).
 *
 * $default takes every frame the route selection expression
 * ($request.body.action) matches no route for: not JSON, not an object, no
 * or another action. Without it API Gateway answers those itself with
 * {"message": "Forbidden"}; with it the send handler answers them with the
 * protocol's errors (docs/protocol.md). Each route has its own integration
 * and permission statement, so a row here is all a route needs.
 *
 * Its parts have AWS-chosen ids and no tags, so they are found under the
 * API (websocket-api's api_id) by route key. The stage's deployment carries
 * a fingerprint of the routes and integrations it was made from in its
 * description: a deployment is a snapshot, and a new one is made only when
 * the live routes no longer match that fingerprint. The stage's default
 * route settings throttle every route to [limits] throttle_rate and
 * throttle_burst (the account's limits are shared by every API in the
 * region). Deleting the API deletes
 * routes, integrations, stage and deployments, so removing this resource
 * only takes the permissions back from the functions (which outlive it in
 * the walk); those are found by statement id, even without the API.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/kind_support.h"
#include "stack/description.h"

/* A route of the stack's description (stack/description.h), as this file uses it. */
typedef struct route_plan {
    const char *route_key;
    char function_role[ROLE_SIZE];
    char statement_id[64]; /* in the function's resource policy */
} route_plan;

static route_plan plan_of(size_t i)
{
    const described_route *d = &described_routes[i];
    route_plan p = {.route_key = d->route_key};
    snprintf(p.function_role, sizeof p.function_role, ROLE_FUNCTION_FORMAT, d->handler);
    /* scribble-websocket-connect, -disconnect, -sendMessage, -default */
    snprintf(p.statement_id, sizeof p.statement_id, "scribble-websocket-%s",
             d->route_key + (d->route_key[0] == '$'));
    return p;
}
#define ROUTE_COUNT described_route_count
#define TARGET_PREFIX "integrations/"
#define DEPLOYMENT_PREFIX "scribble routes "

/* The API's routes, integrations and stage as read. */
typedef struct live_api {
    const char *api_id;
    const char *stage_name;
    cJSON *routes;       /* array of Route */
    cJSON *integrations; /* array of Integration */
    cJSON *stage;        /* NULL: no stage */
    cJSON *deployment;   /* the stage's deployment; NULL: none */
} live_api;

static void live_free(live_api *l)
{
    cJSON_Delete(l->routes);
    cJSON_Delete(l->integrations);
    cJSON_Delete(l->stage);
    cJSON_Delete(l->deployment);
    memset(l, 0, sizeof *l);
}

static bool same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static int apigw_call(op_ctx *ctx, const char *method, const char *path, const aws_params *query,
                      const cJSON *body, cJSON **out, base_error *err)
{
    cJSON *answer = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_apigatewayv2, method, path, query, body,
                                &answer, err);
    /* Concurrent changes to one API are refused with ConflictException;
     * converging again after a fresh read is always safe. */
    if (rc != 0 && (error_is(err, "ConflictException") || error_is(err, "TooManyRequestsException")))
        err->retryable = true;
    if (out)
        *out = answer;
    else
        cJSON_Delete(answer);
    return rc;
}

/* Every item of a paginated API Gateway list, in one array. */
static int get_all(op_ctx *ctx, const char *path, cJSON **items, base_error *err)
{
    *items = cJSON_CreateArray();
    char *token = NULL;
    for (;;) {
        aws_params query = {0};
        if (token)
            aws_params_add(&query, "nextToken", token);
        cJSON *out = NULL;
        int rc = apigw_call(ctx, "GET", path, &query, NULL, &out, err);
        aws_params_free(&query);
        free(token);
        token = NULL;
        if (rc != 0) {
            cJSON_Delete(*items);
            *items = NULL;
            return -1;
        }
        cJSON *page = cJSON_DetachItemFromObjectCaseSensitive(out, "items");
        cJSON *item;
        while (page && (item = cJSON_DetachItemFromArray(page, 0)))
            cJSON_AddItemToArray(*items, item);
        cJSON_Delete(page);
        const char *next = json_string_at(out, "nextToken");
        if (next && next[0])
            token = base_xstrdup(next);
        cJSON_Delete(out);
        if (!token)
            return 0;
    }
}

static int read_live(op_ctx *ctx, const char *api_id, const char *stage_name, live_api *l,
                     base_error *err)
{
    memset(l, 0, sizeof *l);
    l->api_id = api_id;
    l->stage_name = stage_name;
    char path[512];
    snprintf(path, sizeof path, "/v2/apis/%s/routes", api_id);
    TRY(get_all(ctx, path, &l->routes, err));
    snprintf(path, sizeof path, "/v2/apis/%s/integrations", api_id);
    if (get_all(ctx, path, &l->integrations, err) != 0)
        goto fail;
    snprintf(path, sizeof path, "/v2/apis/%s/stages/%s", api_id, stage_name);
    if (apigw_call(ctx, "GET", path, NULL, NULL, &l->stage, err) != 0) {
        if (!error_is(err, "NotFoundException"))
            goto fail;
        base_error_clear(err);
    }
    const char *deployment_id = json_string_at(l->stage, "deploymentId");
    if (deployment_id && deployment_id[0]) {
        snprintf(path, sizeof path, "/v2/apis/%s/deployments/%s", api_id, deployment_id);
        if (apigw_call(ctx, "GET", path, NULL, NULL, &l->deployment, err) != 0) {
            if (!error_is(err, "NotFoundException"))
                goto fail;
            base_error_clear(err);
        }
    }
    return 0;
fail:
    live_free(l);
    return -1;
}

static cJSON *find_by(const cJSON *items, const char *key, const char *value)
{
    cJSON *item;
    cJSON_ArrayForEach(item, items) {
        if (same(json_string_at(item, key), value))
            return item;
    }
    return NULL;
}

/* The integration a route targets, or NULL. */
static cJSON *integration_of(const live_api *l, const cJSON *route)
{
    const char *target = json_string_at(route, "target");
    if (!target || strncmp(target, TARGET_PREFIX, strlen(TARGET_PREFIX)) != 0)
        return NULL;
    return find_by(l->integrations, "integrationId", target + strlen(TARGET_PREFIX));
}

/* What an integration of the function `role` looks like. */
static void integration_uri(const stack *s, const char *function_role, char out[ARN_SIZE])
{
    char function_arn[ARN_SIZE];
    arn_of_role(s, ARN_REGIONAL, "lambda", "function:", function_role, function_arn);
    base_buf uri = {0};
    base_buf_printf(&uri, "arn:%s:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations",
                   stack_partition(s), stack_region(s), function_arn);
    snprintf(out, ARN_SIZE, "%s", base_buf_str(&uri));
    base_buf_free(&uri);
}

static bool integration_ok(const cJSON *integration, const char *uri)
{
    return integration && same(json_string_at(integration, "integrationType"), "AWS_PROXY") &&
           same(json_string_at(integration, "integrationUri"), uri) &&
           same(json_string_at(integration, "integrationMethod"), "POST");
}

static void source_arn(const char *execution_arn, const char *route_key, char out[ARN_SIZE])
{
    snprintf(out, ARN_SIZE, "%s/*/%s", execution_arn, route_key);
}

/* The deployment description for the routes as they are: FNV-1a over each
 * planned route's id, target and integration. */
static void fingerprint(const live_api *l, char out[64])
{
    uint64_t hash = 14695981039346656037ULL;
    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        const char *route_key = described_routes[i].route_key;
        const cJSON *route = find_by(l->routes, "routeKey", route_key);
        const cJSON *integration = integration_of(l, route);
        const char *parts[] = {
            route_key, json_string_at(route, "routeId"), json_string_at(route, "target"),
            json_string_at(integration, "integrationType"), json_string_at(integration, "integrationUri"),
        };
        for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) {
            for (const char *c = parts[p] ? parts[p] : ""; *c; c++) {
                hash ^= (unsigned char)*c;
                hash *= 1099511628211ULL;
            }
            hash ^= 0xff; /* separator */
            hash *= 1099511628211ULL;
        }
    }
    snprintf(out, 64, DEPLOYMENT_PREFIX "%016llx", (unsigned long long)hash);
}

/* The function's resource policy; *policy NULL when it has none (or the
 * function does not exist). */
static int get_policy(op_ctx *ctx, const char *function_role, cJSON **policy, base_error *err)
{
    *policy = NULL;
    char path[256];
    snprintf(path, sizeof path, "/2015-03-31/functions/%s/policy",
             stack_resource_name(ctx->stack, function_role));
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_lambda, "GET", path, NULL, NULL, &out, err);
    if (rc != 0)
        return allow_error(rc, err, "ResourceNotFoundException");
    const char *text = json_string_at(out, "Policy");
    *policy = text ? cJSON_Parse(text) : NULL;
    cJSON_Delete(out);
    return 0;
}

typedef enum permission_state { PERMISSION_MISSING, PERMISSION_DIFFERS, PERMISSION_OK } permission_state;

static permission_state permission_of(const cJSON *policy, const route_plan *plan,
                                      const char *wanted_source, char *live_source, size_t size)
{
    live_source[0] = '\0';
    const cJSON *statement = find_by(cJSON_GetObjectItemCaseSensitive(policy, "Statement"), "Sid",
                                     plan->statement_id);
    if (!statement)
        return PERMISSION_MISSING;
    const cJSON *principal = cJSON_GetObjectItemCaseSensitive(statement, "Principal");
    const char *service = cJSON_IsString(principal) ? principal->valuestring
                                                    : json_string_at(principal, "Service");
    const cJSON *condition = cJSON_GetObjectItemCaseSensitive(statement, "Condition");
    const char *source = json_string_at(cJSON_GetObjectItemCaseSensitive(condition, "ArnLike"),
                                     "AWS:SourceArn");
    snprintf(live_source, size, "%s", source ? source : "");
    bool ok = same(json_string_at(statement, "Effect"), "Allow") &&
              same(service, "apigateway.amazonaws.com") &&
              same(json_string_at(statement, "Action"), "lambda:InvokeFunction") &&
              same(source, wanted_source);
    return ok ? PERMISSION_OK : PERMISSION_DIFFERS;
}

/* Reads and compares the permissions; true in *any when one of ours exists. */
static int read_permissions(op_ctx *ctx, resource *r, const char *execution_arn, bool *any,
                            base_error *err)
{
    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        route_plan plan = plan_of(i);
        cJSON *policy = NULL;
        TRY(get_policy(ctx, plan.function_role, &policy, err));
        char wanted[ARN_SIZE], live[ARN_SIZE], setting[96];
        source_arn(execution_arn ? execution_arn : "", plan.route_key, wanted);
        permission_state state = permission_of(policy, &plan, wanted, live, sizeof live);
        cJSON_Delete(policy);
        snprintf(setting, sizeof setting, "permission %s on %s", plan.statement_id,
                 stack_resource_name(ctx->stack, plan.function_role));
        if (state != PERMISSION_MISSING)
            *any = true;
        if (state == PERMISSION_MISSING)
            resource_add_drift(r, setting, "(missing)", wanted);
        else if (state == PERMISSION_DIFFERS)
            resource_add_drift(r, setting, live[0] ? live : "(different)", wanted);
    }
    return 0;
}

static void compare_routes(op_ctx *ctx, resource *r, const live_api *l, bool *any)
{
    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        route_plan plan = plan_of(i);
        char uri[ARN_SIZE], setting[96];
        integration_uri(ctx->stack, plan.function_role, uri);
        const cJSON *route = find_by(l->routes, "routeKey", plan.route_key);
        snprintf(setting, sizeof setting, "route %s", plan.route_key);
        if (!route) {
            resource_add_drift(r, setting, "(missing)", uri);
            continue;
        }
        *any = true;
        const cJSON *integration = integration_of(l, route);
        if (!integration)
            resource_add_drift(r, setting, json_string_at(route, "target"), uri);
        else if (!integration_ok(integration, uri))
            resource_add_drift(r, setting, json_string_at(integration, "integrationUri"), uri);
    }
}

/* The stage's throttling as the config asks: defaultRouteSettings' members. */
static cJSON *wanted_route_settings(const scribble_config *cfg)
{
    cJSON *settings = cJSON_CreateObject();
    cJSON_AddNumberToObject(settings, "throttlingBurstLimit", cfg->limits.throttle_burst);
    cJSON_AddNumberToObject(settings, "throttlingRateLimit", cfg->limits.throttle_rate);
    return settings;
}

/* "rate N/s, burst M" of defaultRouteSettings (or of the config when NULL). */
static void describe_throttling(const cJSON *settings, char *out, size_t size)
{
    const cJSON *rate = cJSON_GetObjectItemCaseSensitive(settings, "throttlingRateLimit");
    const cJSON *burst = cJSON_GetObjectItemCaseSensitive(settings, "throttlingBurstLimit");
    if (!cJSON_IsNumber(rate) || !cJSON_IsNumber(burst))
        snprintf(out, size, "(none)");
    else
        snprintf(out, size, "rate %g/s, burst %g", rate->valuedouble, burst->valuedouble);
}

static bool throttling_as_configured(const op_ctx *ctx, const live_api *l, char *live, char *wanted,
                                     size_t size)
{
    cJSON *settings = wanted_route_settings(ctx->cfg);
    describe_throttling(cJSON_GetObjectItemCaseSensitive(l->stage, "defaultRouteSettings"), live,
                        size);
    describe_throttling(settings, wanted, size);
    cJSON_Delete(settings);
    return strcmp(live, wanted) == 0;
}

static void compare_throttling(const op_ctx *ctx, resource *r, const live_api *l)
{
    char setting[160], live[96], wanted[96];
    snprintf(setting, sizeof setting, "stage %s throttling", l->stage_name);
    if (!throttling_as_configured(ctx, l, live, wanted, sizeof live))
        resource_add_drift(r, setting, live, wanted);
}

static void compare_stage(const op_ctx *ctx, resource *r, const live_api *l, bool *any)
{
    char setting[160], wanted[64];
    snprintf(setting, sizeof setting, "stage %s", l->stage_name);
    fingerprint(l, wanted);
    if (!l->stage) {
        resource_add_drift(r, setting, "(missing)", "deployed");
        snprintf(r->state, sizeof r->state, "no stage");
        return;
    }
    *any = true;
    compare_throttling(ctx, r, l);
    const char *description = json_string_at(l->deployment, "description");
    if (!l->deployment) {
        resource_add_drift(r, setting, "not deployed", "deployed");
        snprintf(r->state, sizeof r->state, "not deployed");
    } else if (!same(description, wanted)) {
        resource_add_drift(r, setting, "deployed before the routes changed", "deployed");
        snprintf(r->state, sizeof r->state, "outdated");
    } else {
        snprintf(r->state, sizeof r->state, "deployed");
    }
}

static void compare_unused(resource *r, const live_api *l)
{
    const cJSON *integration;
    cJSON_ArrayForEach(integration, l->integrations) {
        const char *id = json_string_at(integration, "integrationId");
        char target[128];
        snprintf(target, sizeof target, TARGET_PREFIX "%s", id ? id : "");
        if (!find_by(l->routes, "target", target))
            resource_add_drift(r, "integration", target, "(only those the routes use)");
    }
}

static int routes_read(op_ctx *ctx, resource *r, base_error *err)
{
    const stack *s = ctx->stack;
    const char *api_id = stack_output(s, ROLE_WEBSOCKET_API, "api_id");
    const char *stage_name = stack_output(s, ROLE_WEBSOCKET_API, "stage");
    const char *execution_arn = stack_output(s, ROLE_WEBSOCKET_API, "execution_arn");
    bool any = false;
    if (!api_id || !stage_name) {
        /* No API (or, in down, not read yet): only permissions can be left,
         * and without the API there is nothing to compare them with. */
        TRY(read_permissions(ctx, r, NULL, &any, err));
        base_buf_free(&r->drift);
        r->exists = any;
        if (any)
            resource_add_drift(r, "WebSocket API", "(missing)", "the API these permissions name");
        snprintf(r->state, sizeof r->state, "no API");
        return 0;
    }
    live_api l;
    TRY(read_live(ctx, api_id, stage_name, &l, err));
    compare_routes(ctx, r, &l, &any);
    compare_unused(r, &l);
    compare_stage(ctx, r, &l, &any);
    live_free(&l);
    TRY(read_permissions(ctx, r, execution_arn, &any, err));
    r->exists = any;
    if (!any) { /* nothing of it exists: create, not drift */
        base_buf_free(&r->drift);
        r->state[0] = '\0';
        return 0;
    }
    snprintf(r->id, sizeof r->id, "%s/%s", api_id, stage_name);
    char url[512];
    const char *endpoint = stack_output(s, ROLE_WEBSOCKET_API, "api_endpoint");
    snprintf(url, sizeof url, "%s/%s", endpoint ? endpoint : "", stage_name);
    resource_set_output(r, "stage", stage_name);
    resource_set_output(r, "websocket_url", url);
    return 0;
}

/* Makes the route's integration right; its id in id_out. *changed when anything was. */
static int converge_integration(op_ctx *ctx, const live_api *l, const route_plan *plan,
                                char id_out[128], bool *changed, base_error *err)
{
    char uri[ARN_SIZE], path[512];
    integration_uri(ctx->stack, plan->function_role, uri);
    const cJSON *route = find_by(l->routes, "routeKey", plan->route_key);
    const cJSON *integration = integration_of(l, route);
    if (integration_ok(integration, uri)) {
        snprintf(id_out, 128, "%s", json_string_at(integration, "integrationId"));
        return 0;
    }
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "integrationType", "AWS_PROXY");
    cJSON_AddStringToObject(in, "integrationUri", uri);
    cJSON_AddStringToObject(in, "integrationMethod", "POST");
    cJSON *out = NULL;
    int rc;
    if (integration) {
        snprintf(path, sizeof path, "/v2/apis/%s/integrations/%s", l->api_id,
                 json_string_at(integration, "integrationId"));
        rc = apigw_call(ctx, "PATCH", path, NULL, in, &out, err);
    } else {
        snprintf(path, sizeof path, "/v2/apis/%s/integrations", l->api_id);
        rc = apigw_call(ctx, "POST", path, NULL, in, &out, err);
    }
    cJSON_Delete(in);
    const char *id = json_string_at(out, "integrationId");
    if (rc == 0 && !id)
        rc = base_error_set(err, BASE_ERROR_PARSE, "MalformedResponse",
                           "API Gateway gave no integrationId for route %s", plan->route_key);
    if (rc == 0)
        snprintf(id_out, 128, "%s", id);
    cJSON_Delete(out);
    *changed = true;
    return rc;
}

static int converge_route(op_ctx *ctx, const live_api *l, const route_plan *plan,
                          const char *integration_id, bool *changed, base_error *err)
{
    char target[160], path[512];
    snprintf(target, sizeof target, TARGET_PREFIX "%s", integration_id);
    const cJSON *route = find_by(l->routes, "routeKey", plan->route_key);
    if (route && same(json_string_at(route, "target"), target))
        return 0;
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "target", target);
    int rc;
    if (route) {
        snprintf(path, sizeof path, "/v2/apis/%s/routes/%s", l->api_id, json_string_at(route, "routeId"));
        rc = apigw_call(ctx, "PATCH", path, NULL, in, NULL, err);
    } else {
        cJSON_AddStringToObject(in, "routeKey", plan->route_key);
        snprintf(path, sizeof path, "/v2/apis/%s/routes", l->api_id);
        rc = apigw_call(ctx, "POST", path, NULL, in, NULL, err);
    }
    cJSON_Delete(in);
    *changed = true;
    return rc;
}

static int lambda_call(op_ctx *ctx, const char *method, const char *path, const cJSON *body,
                       base_error *err)
{
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_lambda, method, path, NULL, body, &out, err);
    cJSON_Delete(out);
    /* A function being created or updated refuses policy changes for a moment. */
    if (rc != 0 && error_is(err, "ResourceConflictException"))
        err->retryable = true;
    return rc;
}

static int remove_permission(op_ctx *ctx, const route_plan *plan, base_error *err)
{
    char path[384];
    snprintf(path, sizeof path, "/2015-03-31/functions/%s/policy/%s",
             stack_resource_name(ctx->stack, plan->function_role), plan->statement_id);
    return allow_error(lambda_call(ctx, "DELETE", path, NULL, err), err, "ResourceNotFoundException");
}

static int converge_permission(op_ctx *ctx, const route_plan *plan, const char *execution_arn,
                               base_error *err)
{
    cJSON *policy = NULL;
    TRY(get_policy(ctx, plan->function_role, &policy, err));
    char wanted[ARN_SIZE], live[ARN_SIZE];
    source_arn(execution_arn, plan->route_key, wanted);
    permission_state state = permission_of(policy, plan, wanted, live, sizeof live);
    cJSON_Delete(policy);
    if (state == PERMISSION_OK)
        return 0;
    if (state == PERMISSION_DIFFERS)
        TRY(remove_permission(ctx, plan, err));
    char path[256];
    snprintf(path, sizeof path, "/2015-03-31/functions/%s/policy",
             stack_resource_name(ctx->stack, plan->function_role));
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "StatementId", plan->statement_id);
    cJSON_AddStringToObject(in, "Action", "lambda:InvokeFunction");
    cJSON_AddStringToObject(in, "Principal", "apigateway.amazonaws.com");
    cJSON_AddStringToObject(in, "SourceArn", wanted);
    int rc = lambda_call(ctx, "POST", path, in, err);
    cJSON_Delete(in);
    return rc;
}

/* Deletes integrations no route uses (left by an interrupted run or a
 * route re-pointed behind our back). */
static int delete_unused(op_ctx *ctx, const live_api *l, base_error *err)
{
    const cJSON *integration;
    cJSON_ArrayForEach(integration, l->integrations) {
        const char *id = json_string_at(integration, "integrationId");
        char target[160], path[512];
        snprintf(target, sizeof target, TARGET_PREFIX "%s", id ? id : "");
        if (!id || find_by(l->routes, "target", target))
            continue;
        snprintf(path, sizeof path, "/v2/apis/%s/integrations/%s", l->api_id, id);
        TRY(allow_error(apigw_call(ctx, "DELETE", path, NULL, NULL, NULL, err), err,
                        "NotFoundException"));
    }
    return 0;
}

/* Creates the stage if needed and deploys it when its deployment is not of
 * the routes as they are now. */
static int converge_stage(op_ctx *ctx, const live_api *l, bool routes_changed, base_error *err)
{
    char path[512], wanted[64], live_throttling[96], wanted_throttling[96];
    if (!l->stage) {
        cJSON *in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "stageName", l->stage_name);
        cJSON_AddBoolToObject(in, "autoDeploy", false);
        cJSON_AddStringToObject(in, "description", "Scribble's canvas");
        cJSON_AddItemToObject(in, "defaultRouteSettings", wanted_route_settings(ctx->cfg));
        snprintf(path, sizeof path, "/v2/apis/%s/stages", l->api_id);
        int rc = apigw_call(ctx, "POST", path, NULL, in, NULL, err);
        cJSON_Delete(in);
        TRY(rc);
    } else if (!throttling_as_configured(ctx, l, live_throttling, wanted_throttling,
                                         sizeof live_throttling)) {
        cJSON *in = cJSON_CreateObject();
        cJSON_AddItemToObject(in, "defaultRouteSettings", wanted_route_settings(ctx->cfg));
        snprintf(path, sizeof path, "/v2/apis/%s/stages/%s", l->api_id, l->stage_name);
        int rc = apigw_call(ctx, "PATCH", path, NULL, in, NULL, err);
        cJSON_Delete(in);
        TRY(rc);
    }
    fingerprint(l, wanted);
    if (!routes_changed && l->stage && same(json_string_at(l->deployment, "description"), wanted))
        return 0;
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "description", wanted);
    cJSON *out = NULL;
    snprintf(path, sizeof path, "/v2/apis/%s/deployments", l->api_id);
    int rc = apigw_call(ctx, "POST", path, NULL, in, &out, err);
    cJSON_Delete(in);
    const char *deployment_id = json_string_at(out, "deploymentId");
    if (rc == 0 && !deployment_id)
        rc = base_error_set(err, BASE_ERROR_PARSE, "MalformedResponse",
                           "API Gateway CreateDeployment gave no deploymentId");
    if (rc == 0) {
        in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "deploymentId", deployment_id);
        snprintf(path, sizeof path, "/v2/apis/%s/stages/%s", l->api_id, l->stage_name);
        rc = apigw_call(ctx, "PATCH", path, NULL, in, NULL, err);
        cJSON_Delete(in);
    }
    cJSON_Delete(out);
    return rc;
}

/* create and update alike: make every part right, then read it back. */
static int routes_converge(op_ctx *ctx, resource *r, base_error *err)
{
    const stack *s = ctx->stack;
    const char *api_id = stack_output(s, ROLE_WEBSOCKET_API, "api_id");
    const char *stage_name = stack_output(s, ROLE_WEBSOCKET_API, "stage");
    const char *execution_arn = stack_output(s, ROLE_WEBSOCKET_API, "execution_arn");
    ENSURE(api_id && stage_name && execution_arn, err, BASE_ERROR_INVALID, "MissingDependency",
           "%s: the WebSocket API does not exist", r->name);
    live_api l;
    TRY(read_live(ctx, api_id, stage_name, &l, err));
    bool changed = false;
    int rc = 0;
    for (size_t i = 0; i < ROUTE_COUNT && rc == 0; i++) {
        route_plan plan = plan_of(i);
        char integration_id[128];
        rc = converge_integration(ctx, &l, &plan, integration_id, &changed, err);
        if (rc == 0)
            rc = converge_route(ctx, &l, &plan, integration_id, &changed, err);
        if (rc == 0)
            rc = converge_permission(ctx, &plan, execution_arn, err);
    }
    if (rc == 0 && changed) { /* the fingerprint and the unused integrations need the new view */
        live_free(&l);
        rc = read_live(ctx, api_id, stage_name, &l, err);
    }
    if (rc == 0)
        rc = delete_unused(ctx, &l, err);
    if (rc == 0)
        rc = converge_stage(ctx, &l, changed, err);
    live_free(&l);
    TRY(rc);
    resource_reset_live(r);
    return routes_read(ctx, r, err);
}

static int routes_remove(op_ctx *ctx, resource *r, base_error *err)
{
    (void)r;
    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        route_plan plan = plan_of(i);
        TRY(remove_permission(ctx, &plan, err));
    }
    return 0;
}

const resource_ops websocket_routes_ops = {
    .kind = "WebSocket routes",
    .read = routes_read,
    .create = routes_converge,
    .update = routes_converge,
    .remove = routes_remove,
    .poll_timeout_s = 120, /* how long conflicts with a function still being set up are retried */
};

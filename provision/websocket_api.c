/*
 * websocket_api.c - the API Gateway v2 WebSocket API itself: name, protocol,
 * route selection expression and tags. Routes, integrations, the stage and
 * the functions' permissions are websocket_routes.c's.
 *
 * The API is planned before the functions because each function's
 * environment names the API's management endpoint. API names are not unique
 * in API Gateway, so the API is found by its name and the stack's tag, and
 * its id (chosen by AWS) is what every other URL is built from. The URLs are
 * always AWS's form, even with a custom endpoint (local AWS): the runtime
 * applies its own endpoint override to the management endpoint.
 * Deleting the API deletes everything under it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/kind_support.h"

/* The one stage the stack deploys to; websocket_routes.c reads it from the
 * "stage" output. */
#define WEBSOCKET_STAGE "live"
#define ROUTE_SELECTION_EXPRESSION "$request.body.action"

static bool is_ours(op_ctx *ctx, const resource *r, const cJSON *api)
{
    const char *name = json_string_at(api, "name");
    const char *owner = json_string_at(cJSON_GetObjectItemCaseSensitive(api, "tags"), TAG_STACK);
    const char *protocol = json_string_at(api, "protocolType");
    return name && strcmp(name, r->name) == 0 && owner && strcmp(owner, stack_name(ctx->stack)) == 0 &&
           protocol && strcmp(protocol, "WEBSOCKET") == 0;
}

/* Publishes the id and every URL built from it. */
static void publish(op_ctx *ctx, resource *r, const cJSON *api)
{
    const stack *s = ctx->stack;
    const char *api_id = json_string_at(api, "apiId");
    snprintf(r->id, sizeof r->id, "%s", api_id);
    arn_format(s, ARN_REGIONAL, "execute-api", api_id, r->arn);
    const char *dns_suffix = strcmp(stack_partition(s), "aws-cn") == 0 ? "amazonaws.com.cn"
                                                                       : "amazonaws.com";
    char host[256], url[512];
    snprintf(host, sizeof host, "%s.execute-api.%s.%s", api_id, stack_region(s), dns_suffix);
    r->exists = true;
    snprintf(r->state, sizeof r->state, "available");
    resource_set_output(r, "api_id", api_id);
    snprintf(url, sizeof url, "wss://%s", host);
    resource_set_output(r, "api_endpoint", url);
    snprintf(url, sizeof url, "https://%s/%s", host, WEBSOCKET_STAGE);
    resource_set_output(r, "management_endpoint", url);
    resource_set_output(r, "execution_arn", r->arn);
    resource_set_output(r, "stage", WEBSOCKET_STAGE);

    const char *expression = json_string_at(api, "routeSelectionExpression");
    if (!expression || strcmp(expression, ROUTE_SELECTION_EXPRESSION) != 0)
        resource_add_drift(r, "route selection expression", expression, ROUTE_SELECTION_EXPRESSION);
}

static int api_read(op_ctx *ctx, resource *r, base_error *err)
{
    char *token = NULL;
    for (;;) {
        aws_params query = {0};
        if (token)
            aws_params_add(&query, "nextToken", token);
        cJSON *out = NULL;
        int rc = aws_rest_json_call(ctx->client, &aws_service_apigatewayv2, "GET", "/v2/apis",
                                    &query, NULL, &out, err);
        aws_params_free(&query);
        free(token);
        token = NULL;
        TRY(rc);
        const cJSON *api;
        cJSON_ArrayForEach(api, cJSON_GetObjectItemCaseSensitive(out, "items")) {
            if (is_ours(ctx, r, api) && json_string_at(api, "apiId")) {
                publish(ctx, r, api);
                cJSON_Delete(out);
                return 0;
            }
        }
        const char *next = json_string_at(out, "nextToken");
        if (next && next[0])
            token = base_xstrdup(next);
        cJSON_Delete(out);
        if (!token)
            return 0;
    }
}

static int api_create(op_ctx *ctx, resource *r, base_error *err)
{
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "name", r->name);
    cJSON_AddStringToObject(in, "protocolType", "WEBSOCKET");
    cJSON_AddStringToObject(in, "routeSelectionExpression", ROUTE_SELECTION_EXPRESSION);
    cJSON_AddStringToObject(in, "description", "Scribble's canvas connections");
    cJSON_AddItemToObject(in, "tags", tags_json_map(ctx->stack, r));
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_apigatewayv2, "POST", "/v2/apis", NULL,
                                in, &out, err);
    cJSON_Delete(in);
    if (rc == 0 && !json_string_at(out, "apiId"))
        rc = base_error_set(err, BASE_ERROR_PARSE, "MalformedResponse",
                           "API Gateway CreateApi %s gave no apiId", r->name);
    if (rc == 0) {
        resource_reset_live(r);
        publish(ctx, r, out);
    }
    cJSON_Delete(out);
    return rc;
}

static int api_update(op_ctx *ctx, resource *r, base_error *err)
{
    char path[600];
    snprintf(path, sizeof path, "/v2/apis/%s", r->id);
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "routeSelectionExpression", ROUTE_SELECTION_EXPRESSION);
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_apigatewayv2, "PATCH", path, NULL, in,
                                &out, err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    return rc;
}

static int api_remove(op_ctx *ctx, resource *r, base_error *err)
{
    char path[600];
    snprintf(path, sizeof path, "/v2/apis/%s", r->id);
    cJSON *out = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_apigatewayv2, "DELETE", path, NULL, NULL,
                                &out, err);
    cJSON_Delete(out);
    return allow_error(rc, err, "NotFoundException");
}

const resource_ops websocket_api_ops = {
    .kind = "WebSocket API",
    .read = api_read,
    .create = api_create,
    .update = api_update,
    .remove = api_remove,
};

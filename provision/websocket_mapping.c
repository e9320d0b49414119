/*
 * websocket_mapping.c - the API mapping that serves the WebSocket API's
 * stage at the root of its custom domain name (wss://<websocket_name>/).
 *
 * Found on the stack's own domain name (websocket-domain) as the mapping
 * with no key; the domain is the stack's, so the mapping is too. A mapping
 * that names another API or stage (the API was made again) is replaced:
 * deleted, then made anew.
 */
#include <stdio.h>
#include <string.h>

#include "provision/api_domains.h"
#include "provision/kind_support.h"
#include "stack/description.h"

/* The string at object[key], "" when absent. */
static const char *text_at(const cJSON *object, const char *key)
{
    const char *value = json_string_at(object, key);
    return value ? value : "";
}

static void mappings_path(const op_ctx *ctx, char *out, size_t size)
{
    snprintf(out, size, API_DOMAINS_PATH "/%s/apimappings", ctx->cfg->domain.websocket_name);
}

static int websocket_mapping_read(op_ctx *ctx, resource *r, base_error *err)
{
    api_domain d;
    bool found;
    TRY(api_domain_get(ctx->client, ctx->cfg->domain.websocket_name, &d, &found, err));
    if (!found || strcmp(d.stack, stack_name(ctx->stack)) != 0)
        return 0; /* websocket-domain says whose it is */
    char path[400];
    mappings_path(ctx, path, sizeof path);
    cJSON *answer = NULL;
    TRY(allow_error(aws_rest_json_call(ctx->client, &aws_service_apigatewayv2, "GET", path, NULL,
                                       NULL, &answer, err),
                    err, "NotFoundException"));
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(answer, "items")) {
        if (text_at(item, "apiMappingKey")[0])
            continue;
        r->exists = true;
        snprintf(r->id, sizeof r->id, "%s", text_at(item, "apiMappingId"));
        snprintf(r->state, sizeof r->state, "%.24s/%.24s", text_at(item, "apiId"),
                 text_at(item, "stage"));
        const char *api = stack_output(ctx->stack, ROLE_WEBSOCKET_API, "api_id");
        const char *stage = stack_output(ctx->stack, ROLE_WEBSOCKET_ROUTES, "stage");
        if (api && strcmp(text_at(item, "apiId"), api) != 0)
            resource_add_drift(r, "API", text_at(item, "apiId"), api);
        if (stage && strcmp(text_at(item, "stage"), stage) != 0)
            resource_add_drift(r, "stage", text_at(item, "stage"), stage);
        break;
    }
    cJSON_Delete(answer);
    return 0;
}

static int websocket_mapping_create(op_ctx *ctx, resource *r, base_error *err)
{
    const char *api = stack_output(ctx->stack, ROLE_WEBSOCKET_API, "api_id");
    const char *stage = stack_output(ctx->stack, ROLE_WEBSOCKET_ROUTES, "stage");
    ENSURE(api && stage, err, BASE_ERROR_INVALID, "DependencyMissing",
           "%s needs the WebSocket API and its stage, and one of them does not exist", r->role);
    char path[400];
    mappings_path(ctx, path, sizeof path);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "apiId", api);
    cJSON_AddStringToObject(body, "stage", stage);
    cJSON *answer = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_apigatewayv2, "POST", path, NULL, body,
                                &answer, err);
    cJSON_Delete(body);
    TRY(rc);
    snprintf(r->id, sizeof r->id, "%s", text_at(answer, "apiMappingId"));
    cJSON_Delete(answer);
    r->exists = true;
    snprintf(r->state, sizeof r->state, "%.24s/%.24s", api, stage);
    return 0;
}

static int websocket_mapping_remove(op_ctx *ctx, resource *r, base_error *err)
{
    char path[640];
    mappings_path(ctx, path, sizeof path);
    strncat(path, "/", sizeof path - strlen(path) - 1);
    strncat(path, r->id, sizeof path - strlen(path) - 1);
    return api_domains_delete(ctx->client, path, err);
}

/* Another API or stage: the mapping is made again. */
static int websocket_mapping_update(op_ctx *ctx, resource *r, base_error *err)
{
    TRY(websocket_mapping_remove(ctx, r, err));
    base_buf_free(&r->drift);
    return websocket_mapping_create(ctx, r, err);
}

const resource_ops websocket_mapping_ops = {
    .kind = "API mapping",
    .read = websocket_mapping_read,
    .create = websocket_mapping_create,
    .update = websocket_mapping_update,
    .remove = websocket_mapping_remove,
};

/*
 * websocket_domain.c - the WebSocket API's custom domain name in API
 * Gateway: domain.websocket_name, regional, with the stack's certificate
 * for the region (the site's when the stack is in us-east-1), TLS 1.2 at
 * least, reached over IPv4 and IPv6 (dualstack). websocket-mapping maps the
 * API's stage at its root; domain-records points the name at its target.
 *
 * Found by its name, which is unique in the region; one that is not tagged
 * with this stack is never adopted or changed. The certificate, the TLS
 * policy and the address types are corrected in place; API Gateway works on
 * a change for a while (UPDATING), and up waits until it is AVAILABLE.
 */
#include <stdio.h>
#include <string.h>

#include "provision/api_domains.h"
#include "provision/kind_support.h"
#include "provision/stack.h"
#include "stack/description.h"

#define SECURITY_POLICY "TLS_1_2"
#define IP_ADDRESS_TYPE "dualstack"

/* The certificate API Gateway serves: the region's, or the site's in us-east-1. */
static const char *wanted_certificate(const op_ctx *ctx)
{
    const char *role = stack_find(ctx->stack, ROLE_WEBSOCKET_CERTIFICATE)
                           ? ROLE_WEBSOCKET_CERTIFICATE
                           : ROLE_SITE_CERTIFICATE;
    return stack_output(ctx->stack, role, "certificate_arn");
}

static void domain_path(const op_ctx *ctx, char *out, size_t size)
{
    snprintf(out, size, API_DOMAINS_PATH "/%s", ctx->cfg->domain.websocket_name);
}

static int not_ours(const api_domain *d, base_error *err)
{
    return base_error_set(err, BASE_ERROR_CONFIG, "DomainNameNotOurs",
                          "API Gateway in this region already has the custom domain name %s, and "
                          "it is not this stack's (%s%s): delete it, or choose another "
                          "domain.websocket_name",
                          d->name, d->stack[0] ? "made by stack " : "not made by scribblectl",
                          d->stack);
}

static int fill(const op_ctx *ctx, resource *r, const api_domain *d, base_error *err)
{
    if (strcmp(d->stack, stack_name(ctx->stack)) != 0)
        return not_ours(d, err);
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", d->name);
    snprintf(r->state, sizeof r->state, "%s", d->status[0] ? d->status : "AVAILABLE");
    resource_set_output(r, "target", d->target);
    resource_set_output(r, "target_zone", d->target_zone);
    const char *certificate = wanted_certificate(ctx);
    if (certificate && strcmp(d->certificate_arn, certificate) != 0)
        resource_add_drift(r, "certificate", d->certificate_arn, certificate);
    if (strcmp(d->security_policy, SECURITY_POLICY) != 0)
        resource_add_drift(r, "security policy", d->security_policy, SECURITY_POLICY);
    if (strcmp(d->ip_address_type, IP_ADDRESS_TYPE) != 0)
        resource_add_drift(r, "IP address type", d->ip_address_type, IP_ADDRESS_TYPE);
    return 0;
}

static int websocket_domain_read(op_ctx *ctx, resource *r, base_error *err)
{
    api_domain d;
    bool found;
    TRY(api_domain_get(ctx->client, ctx->cfg->domain.websocket_name, &d, &found, err));
    return found ? fill(ctx, r, &d, err) : 0;
}

static cJSON *configurations(const char *certificate)
{
    cJSON *list = cJSON_CreateArray();
    cJSON *config = cJSON_CreateObject();
    cJSON_AddStringToObject(config, "certificateArn", certificate);
    cJSON_AddStringToObject(config, "endpointType", "REGIONAL");
    cJSON_AddStringToObject(config, "ipAddressType", IP_ADDRESS_TYPE);
    cJSON_AddStringToObject(config, "securityPolicy", SECURITY_POLICY);
    cJSON_AddItemToArray(list, config);
    return list;
}

static int require_certificate(const op_ctx *ctx, const resource *r, const char **certificate,
                               base_error *err)
{
    *certificate = wanted_certificate(ctx);
    ENSURE(*certificate, err, BASE_ERROR_INVALID, "DependencyMissing",
           "%s needs the certificate for %s, and it does not exist", r->role,
           ctx->cfg->domain.websocket_name);
    return 0;
}

static int websocket_domain_create(op_ctx *ctx, resource *r, base_error *err)
{
    const char *certificate;
    TRY(require_certificate(ctx, r, &certificate, err));
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "domainName", ctx->cfg->domain.websocket_name);
    cJSON_AddItemToObject(body, "domainNameConfigurations", configurations(certificate));
    cJSON_AddItemToObject(body, "tags", tags_json_map(ctx->stack, r));
    cJSON *answer = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_apigatewayv2, "POST", API_DOMAINS_PATH,
                                NULL, body, &answer, err);
    cJSON_Delete(body);
    if (rc != 0 && error_is(err, "ConflictException")) {
        /* made by an up that was cut short, or by someone else: read says which */
        base_error_clear(err);
        return websocket_domain_read(ctx, r, err);
    }
    TRY(rc);
    cJSON_Delete(answer);
    return websocket_domain_read(ctx, r, err);
}

static int websocket_domain_update(op_ctx *ctx, resource *r, base_error *err)
{
    const char *certificate;
    TRY(require_certificate(ctx, r, &certificate, err));
    char path[400];
    domain_path(ctx, path, sizeof path);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "domainNameConfigurations", configurations(certificate));
    cJSON *answer = NULL;
    int rc = aws_rest_json_call(ctx->client, &aws_service_apigatewayv2, "PATCH", path, NULL, body,
                                &answer, err);
    cJSON_Delete(body);
    cJSON_Delete(answer);
    if (rc != 0 && error_is(err, "TooManyRequestsException"))
        err->retryable = true;
    TRY(rc);
    base_buf_free(&r->drift);
    return 0;
}

static int websocket_domain_poll(op_ctx *ctx, resource *r, bool removing, bool *done,
                                 base_error *err)
{
    api_domain d;
    bool found;
    TRY(api_domain_get(ctx->client, ctx->cfg->domain.websocket_name, &d, &found, err));
    if (removing) {
        *done = !found;
        return 0;
    }
    snprintf(r->state, sizeof r->state, "%s", found && d.status[0] ? d.status : "AVAILABLE");
    *done = found && (!d.status[0] || strcmp(d.status, "AVAILABLE") == 0);
    return 0;
}

static int websocket_domain_remove(op_ctx *ctx, resource *r, base_error *err)
{
    (void)r;
    char path[400];
    domain_path(ctx, path, sizeof path);
    return api_domains_delete(ctx->client, path, err);
}

const resource_ops websocket_domain_ops = {
    .kind = "API Gateway domain name",
    .read = websocket_domain_read,
    .create = websocket_domain_create,
    .update = websocket_domain_update,
    .remove = websocket_domain_remove,
    .poll = websocket_domain_poll,
    .poll_interval_ms = 5000,
    .poll_timeout_s = 900,
};

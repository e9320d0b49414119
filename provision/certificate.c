/*
 * certificate.c - an ACM certificate for the [domain] names (acm.h): the
 * site's in us-east-1, where CloudFront takes them, and the WebSocket's in
 * the stack's region for API Gateway (one certificate serves both when the
 * stack is in us-east-1: stack.c plans the second only elsewhere).
 *
 * Certificates have no name and cannot change: this one is found among
 * the stack's certificates (by tags) as the one of its role whose names are
 * exactly the configured ones and that is issued or pending validation.
 * Other names, or a certificate that failed, make a new request; what the
 * old one served moves to the new one, and previous-domain deletes the old
 * one afterwards. The request carries a fresh idempotency token, repeated
 * by the client's own retries, so one request makes one certificate.
 * Requesting is done once ACM has made the validation records
 * (certificate-validation writes them); deleting waits while CloudFront or
 * API Gateway still uses the certificate.
 */
#include <stdio.h>
#include <string.h>

#include "provision/acm.h"
#include "provision/kind_support.h"
#include "stack/description.h"

static void fill(resource *r, const acm_certificate *cert)
{
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", cert->arn);
    snprintf(r->arn, sizeof r->arn, "%s", cert->arn);
    acm_state_text(cert, r->state, sizeof r->state);
    resource_set_output(r, "certificate_arn", cert->arn);
    resource_set_output(r, "status", cert->status);
}

static int certificate_read(op_ctx *ctx, resource *r, base_error *err)
{
    acm_certificate cert;
    bool found;
    TRY(acm_find_wanted(ctx->client, acm_service_of_role(r->role), stack_name(ctx->stack), r->role,
                        ctx->cfg, &cert, &found, err));
    if (found)
        fill(r, &cert);
    return 0;
}

static int certificate_create(op_ctx *ctx, resource *r, base_error *err)
{
    const aws_service *svc = acm_service_of_role(r->role);
    char uuid[37], token[33];
    aws_client_token(uuid);
    size_t n = 0;
    for (const char *p = uuid; *p && n < sizeof token - 1; p++)
        if (*p != '-')
            token[n++] = *p;
    token[n] = '\0';
    cJSON *input = cJSON_CreateObject();
    cJSON_AddStringToObject(input, "DomainName", ctx->cfg->domain.name);
    cJSON_AddStringToObject(input, "ValidationMethod", "DNS");
    cJSON *names = cJSON_AddArrayToObject(input, "SubjectAlternativeNames");
    cJSON_AddItemToArray(names, cJSON_CreateString(ctx->cfg->domain.name));
    cJSON_AddItemToArray(names, cJSON_CreateString(ctx->cfg->domain.websocket_name));
    cJSON_AddStringToObject(input, "IdempotencyToken", token);
    cJSON_AddItemToObject(input, "Tags", tags_json_list(ctx->stack, r));
    cJSON *answer = NULL;
    int rc = aws_json_call(ctx->client, svc, "RequestCertificate", input, &answer, err);
    cJSON_Delete(input);
    TRY(rc);
    const char *arn = json_string_at(answer, "CertificateArn");
    snprintf(r->id, sizeof r->id, "%s", arn ? arn : "");
    cJSON_Delete(answer);
    ENSURE(r->id[0], err, BASE_ERROR_PARSE, "MalformedResponse",
           "ACM RequestCertificate gave no ARN");
    acm_certificate cert;
    TRY(acm_describe(ctx->client, svc, r->id, &cert, err));
    fill(r, &cert);
    return 0;
}

/* Ready once ACM has made every validation record; gone once ACM no longer knows it. */
static int certificate_poll(op_ctx *ctx, resource *r, bool removing, bool *done, base_error *err)
{
    acm_certificate cert;
    int rc = acm_describe(ctx->client, acm_service_of_role(r->role), r->id, &cert, err);
    if (rc != 0 && removing && error_is(err, "ResourceNotFoundException")) {
        base_error_clear(err);
        *done = true;
        return 0;
    }
    TRY(rc);
    acm_state_text(&cert, r->state, sizeof r->state);
    if (removing)
        return 0;
    bool records = cert.validation_count > 0;
    for (int i = 0; i < cert.validation_count; i++)
        records = records && cert.validations[i].record.name[0];
    *done = records || strcmp(cert.status, "PENDING_VALIDATION") != 0;
    if (!*done)
        op_say(ctx, r, "waiting for ACM to make the validation records");
    return 0;
}

static int certificate_remove(op_ctx *ctx, resource *r, base_error *err)
{
    int rc = json_call_with(ctx->client, acm_service_of_role(r->role), "DeleteCertificate",
                            "CertificateArn", r->id, NULL, err);
    if (rc != 0 && error_is(err, "ResourceInUseException"))
        err->retryable = true; /* CloudFront or API Gateway is still letting go of it */
    return allow_error(rc, err, "ResourceNotFoundException");
}

const resource_ops certificate_ops = {
    .kind = "ACM certificate",
    .read = certificate_read,
    .create = certificate_create,
    .remove = certificate_remove,
    .poll = certificate_poll,
    .poll_interval_ms = 2000,
    .poll_timeout_s = 600,
};

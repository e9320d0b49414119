/*
 * previous_domain.c - what an earlier [domain] left: the stack's
 * certificates that do not cover exactly today's names, its API Gateway
 * domain names other than today's, and their records (the alias records
 * that point at the stack's distribution or at such a domain name, and the
 * validation records of such certificates). Planned in every stack, after
 * the distribution and the domain records, so the names move first and the
 * old ones go after: renaming or removing the domain converges in one up.
 *
 * It is a sweep, not a thing (resource_ops.sweep): it "exists" only while
 * something is left over, listed as its drift, which up removes in order:
 * records, then mappings and domain names, then certificates. A
 * certificate still in use (CloudFront and API Gateway let go of it a while
 * after the switch) is asked for again in up; down leaves it for the next
 * down, when what uses it is gone, and says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/acm.h"
#include "provision/api_domains.h"
#include "provision/cloudfront_common.h"
#include "provision/kind_support.h"
#include "stack/description.h"

#define MAX_LEFT 16

typedef struct left_certificate {
    const aws_service *svc;
    acm_certificate cert;
} left_certificate;

typedef struct left_zone_record {
    char zone_id[ROUTE53_ID_SIZE];
    route53_record record;
} left_zone_record;

typedef struct leftovers {
    op_ctx *ctx;
    const aws_service *scanning; /* the ACM region being listed */
    left_certificate certs[MAX_LEFT];
    size_t cert_count;
    api_domain domains[MAX_LEFT];
    size_t domain_count;
    left_zone_record records[MAX_LEFT * 2];
    size_t record_count;
} leftovers;

static bool is_current_name(const scribble_config *cfg, const char *name)
{
    return cfg->domain.name[0] && (route53_same_name(name, cfg->domain.name) ||
                                   route53_same_name(name, cfg->domain.websocket_name));
}

static int collect_certificate(void *ctx, const char *arn, const char *role, base_error *err)
{
    (void)role;
    leftovers *l = ctx;
    if (l->cert_count == MAX_LEFT)
        return 0;
    left_certificate *left = &l->certs[l->cert_count];
    left->svc = l->scanning;
    int rc = acm_describe(l->ctx->client, left->svc, arn, &left->cert, err);
    TRY(allow_error(rc, err, "ResourceNotFoundException"));
    if (rc != 0 || !left->cert.arn[0])
        return 0;
    if (acm_names_wanted(&left->cert, l->ctx->cfg) && acm_status_live(&left->cert))
        return 0; /* today's (certificate.c) */
    l->cert_count++;
    return 0;
}

static int collect_domain(void *ctx, const api_domain *domain, base_error *err)
{
    (void)err;
    leftovers *l = ctx;
    if (l->domain_count < MAX_LEFT && !is_current_name(l->ctx->cfg, domain->name))
        l->domains[l->domain_count++] = *domain;
    return 0;
}

/* The record at name and type, kept when it is exactly want. */
static int collect_record(leftovers *l, const char *name, const route53_record *want,
                          base_error *err)
{
    if (is_current_name(l->ctx->cfg, name) ||
        l->record_count == sizeof l->records / sizeof l->records[0])
        return 0;
    for (size_t i = 0; i < l->record_count; i++)
        if (route53_record_same(&l->records[i].record, want))
            return 0;
    left_zone_record *left = &l->records[l->record_count];
    char zone[ROUTE53_NAME_SIZE];
    TRY(route53_zone_of(l->ctx->client, name, left->zone_id, zone, err));
    if (!left->zone_id[0])
        return 0;
    bool found;
    TRY(route53_record_get(l->ctx->client, left->zone_id, want->name, want->type, &left->record,
                           &found, err));
    if (found && route53_record_same(&left->record, want))
        l->record_count++;
    return 0;
}

/* Both alias records of name to (zone, dns), when they are there. */
static int collect_aliases(leftovers *l, const char *name, const char *zone, const char *dns,
                           base_error *err)
{
    static const char *const types[] = {"A", "AAAA"};
    for (size_t t = 0; dns && dns[0] && t < 2; t++) {
        route53_record want;
        route53_alias(&want, name, types[t], zone, dns);
        TRY(collect_record(l, name, &want, err));
    }
    return 0;
}

/* A validation record, unless another certificate of the account renews with it. */
static int collect_validation(leftovers *l, const acm_validation *v, base_error *err)
{
    if (!v->record.name[0] || is_current_name(l->ctx->cfg, v->domain))
        return 0;
    bool needed;
    TRY(acm_name_needed_elsewhere(l->ctx->client, stack_name(l->ctx->stack), v->domain, &needed,
                                  err));
    return needed ? 0 : collect_record(l, v->domain, &v->record, err);
}

static int collect_records(leftovers *l, base_error *err)
{
    char site[ROUTE53_NAME_SIZE] = "";
    const char *distribution = stack_output(l->ctx->stack, ROLE_DISTRIBUTION, "domain_name");
    if (distribution)
        snprintf(site, sizeof site, "%s", distribution);
    else
        TRY(cloudfront_site_domain(l->ctx, site, sizeof site, err));
    for (size_t i = 0; i < l->domain_count; i++)
        TRY(collect_aliases(l, l->domains[i].name, l->domains[i].target_zone, l->domains[i].target,
                            err));
    for (size_t i = 0; i < l->cert_count; i++) {
        const acm_certificate *cert = &l->certs[i].cert;
        for (int n = 0; n < cert->name_count; n++)
            TRY(collect_aliases(l, cert->names[n], ROUTE53_CLOUDFRONT_ZONE, site, err));
        for (int v = 0; v < cert->validation_count; v++)
            TRY(collect_validation(l, &cert->validations[v], err));
    }
    return 0;
}

static int collect(op_ctx *ctx, leftovers *l, base_error *err)
{
    memset(l, 0, sizeof *l);
    l->ctx = ctx;
    const aws_service *services[] = {&aws_service_acm_us_east_1, &aws_service_acm};
    size_t service_count = strcmp(stack_region(ctx->stack), "us-east-1") == 0 ? 1 : 2;
    for (size_t s = 0; s < service_count; s++) {
        l->scanning = services[s];
        TRY(acm_each_of_stack(ctx->client, services[s], stack_name(ctx->stack), collect_certificate,
                              l, err));
    }
    TRY(api_domain_each_of_stack(ctx->client, stack_name(ctx->stack), collect_domain, l, err));
    return collect_records(l, err);
}

/* The sweep as read: always there, with what is left over as its drift. */
static void describe(resource *r, const leftovers *l)
{
    size_t total = l->cert_count + l->domain_count + l->record_count;
    if (!total) {
        snprintf(r->state, sizeof r->state, "nothing left over");
        return;
    }
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", r->role);
    snprintf(r->state, sizeof r->state, "%zu left over", total);
    char setting[ROUTE53_NAME_SIZE + 64];
    for (size_t i = 0; i < l->record_count; i++) {
        snprintf(setting, sizeof setting, "record %s %s", l->records[i].record.type,
                 l->records[i].record.name);
        resource_add_drift(r, setting, "present", "absent");
    }
    for (size_t i = 0; i < l->domain_count; i++) {
        snprintf(setting, sizeof setting, "API Gateway domain name %s", l->domains[i].name);
        resource_add_drift(r, setting, "present", "absent");
    }
    for (size_t i = 0; i < l->cert_count; i++) {
        snprintf(setting, sizeof setting, "certificate for %s (%s)", l->certs[i].cert.domain,
                 l->certs[i].cert.arn);
        resource_add_drift(r, setting, l->certs[i].cert.status, "absent");
    }
}

static int previous_domain_read(op_ctx *ctx, resource *r, base_error *err)
{
    leftovers *found = base_xcalloc(1, sizeof *found);
    int rc = collect(ctx, found, err);
    if (rc == 0)
        describe(r, found);
    free(found);
    return rc;
}

static int delete_records(op_ctx *ctx, const leftovers *l, base_error *err)
{
    for (size_t i = 0; i < l->record_count; i++) {
        char comment[160];
        snprintf(comment, sizeof comment, "%s: an earlier domain removed", stack_name(ctx->stack));
        TRY(route53_change(ctx->client, l->records[i].zone_id, "DELETE", &l->records[i].record, 1,
                           comment, NULL, err));
    }
    return 0;
}

static int delete_domain(op_ctx *ctx, const api_domain *d, base_error *err)
{
    char path[400];
    snprintf(path, sizeof path, API_DOMAINS_PATH "/%s/apimappings", d->name);
    cJSON *answer = NULL;
    TRY(allow_error(aws_rest_json_call(ctx->client, &aws_service_apigatewayv2, "GET", path, NULL,
                                       NULL, &answer, err),
                    err, "NotFoundException"));
    const cJSON *item;
    int rc = 0;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(answer, "items")) {
        const char *id = json_string_at(item, "apiMappingId");
        char mapping[640];
        snprintf(mapping, sizeof mapping, "%s/%s", path, id ? id : "");
        rc = api_domains_delete(ctx->client, mapping, err);
        if (rc != 0)
            break;
    }
    cJSON_Delete(answer);
    TRY(rc);
    snprintf(path, sizeof path, API_DOMAINS_PATH "/%s", d->name);
    return api_domains_delete(ctx->client, path, err);
}

/* Records, then domain names, then certificates; one in use is asked for
 * again (retryable) in up, and left (said) in down. */
static int delete_certificates(op_ctx *ctx, resource *r, const leftovers *l, bool leave_in_use,
                               base_error *err)
{
    for (size_t i = 0; i < l->cert_count; i++) {
        const acm_certificate *cert = &l->certs[i].cert;
        int rc = json_call_with(ctx->client, l->certs[i].svc, "DeleteCertificate", "CertificateArn",
                                cert->arn, NULL, err);
        rc = allow_error(rc, err, "ResourceNotFoundException");
        if (rc != 0 && error_is(err, "ResourceInUseException")) {
            if (leave_in_use) {
                op_say(ctx, r, "left the certificate %s: it is still in use", cert->arn);
                base_error_clear(err);
                continue;
            }
            err->retryable = true; /* what used it lets go of it a while after the switch */
        }
        TRY(rc);
    }
    return 0;
}

static int sweep(op_ctx *ctx, resource *r, bool leave_in_use, base_error *err)
{
    leftovers *l = base_xcalloc(1, sizeof *l);
    int rc = collect(ctx, l, err);
    if (rc == 0)
        rc = delete_records(ctx, l, err);
    for (size_t i = 0; rc == 0 && i < l->domain_count; i++)
        rc = delete_domain(ctx, &l->domains[i], err);
    if (rc == 0)
        rc = delete_certificates(ctx, r, l, leave_in_use, err);
    free(l);
    TRY(rc);
    base_buf_free(&r->drift);
    snprintf(r->state, sizeof r->state, "nothing left over");
    return 0;
}

static int previous_domain_update(op_ctx *ctx, resource *r, base_error *err)
{
    return sweep(ctx, r, false, err);
}

static int previous_domain_remove(op_ctx *ctx, resource *r, base_error *err)
{
    return sweep(ctx, r, true, err);
}

const resource_ops previous_domain_ops = {
    .kind = "earlier domain",
    .read = previous_domain_read,
    .update = previous_domain_update,
    .remove = previous_domain_remove,
    .sweep = true,
    .poll_interval_ms = 5000,
    .poll_timeout_s = 900,
};

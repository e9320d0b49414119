/*
 * acm.c - Certificate Manager as the domain's kinds read it (json 1.1).
 */
#include "provision/acm.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aws/paginate.h"
#include "provision/kind_support.h"
#include "provision/leftovers.h"
#include "provision/resource.h"
#include "stack/description.h"

/* How long the validation CNAMEs live in resolvers' caches. */
#define VALIDATION_TTL 300

const aws_service *acm_service_of_role(const char *role)
{
    return strcmp(role, ROLE_SITE_CERTIFICATE) == 0 ? &aws_service_acm_us_east_1 : &aws_service_acm;
}

static bool has_name(const acm_certificate *cert, const char *name)
{
    for (int i = 0; i < cert->name_count; i++)
        if (route53_same_name(cert->names[i], name))
            return true;
    return false;
}

bool acm_names_wanted(const acm_certificate *cert, const scribble_config *cfg)
{
    const char *page = cfg->domain.name, *websocket = cfg->domain.websocket_name;
    if (!page[0] || !route53_same_name(cert->domain, page))
        return false;
    for (int i = 0; i < cert->name_count; i++)
        if (!route53_same_name(cert->names[i], page) &&
            !route53_same_name(cert->names[i], websocket))
            return false;
    return has_name(cert, page) && has_name(cert, websocket);
}

bool acm_status_live(const acm_certificate *cert)
{
    return strcmp(cert->status, "ISSUED") == 0 || strcmp(cert->status, "PENDING_VALIDATION") == 0;
}

void acm_state_text(const acm_certificate *cert, char *out, size_t size)
{
    if (cert->not_after > 0 && strcmp(cert->status, "ISSUED") == 0) {
        time_t t = (time_t)cert->not_after;
        struct tm tm;
        gmtime_r(&t, &tm);
        char day[16];
        strftime(day, sizeof day, "%Y-%m-%d", &tm);
        snprintf(out, size, "ISSUED until %s", day);
    } else {
        snprintf(out, size, "%s", cert->status);
    }
}

static void read_validation(const cJSON *option, acm_validation *v)
{
    memset(v, 0, sizeof *v);
    json_copy_string_at(v->domain, sizeof v->domain, option, "DomainName");
    json_copy_string_at(v->status, sizeof v->status, option, "ValidationStatus");
    const cJSON *record = cJSON_GetObjectItemCaseSensitive(option, "ResourceRecord");
    if (!cJSON_IsObject(record))
        return;
    json_copy_string_at(v->record.name, sizeof v->record.name, record, "Name");
    json_copy_string_at(v->record.type, sizeof v->record.type, record, "Type");
    json_copy_string_at(v->record.value, sizeof v->record.value, record, "Value");
    v->record.ttl = VALIDATION_TTL;
}

int acm_describe(aws_client *c, const aws_service *svc, const char *arn, acm_certificate *out,
                 base_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *answer = NULL;
    TRY(json_call_with(c, svc, "DescribeCertificate", "CertificateArn", arn, &answer, err));
    const cJSON *cert = cJSON_GetObjectItemCaseSensitive(answer, "Certificate");
    json_copy_string_at(out->arn, sizeof out->arn, cert, "CertificateArn");
    json_copy_string_at(out->domain, sizeof out->domain, cert, "DomainName");
    json_copy_string_at(out->status, sizeof out->status, cert, "Status");
    json_copy_string_at(out->failure, sizeof out->failure, cert, "FailureReason");
    const cJSON *not_after = cJSON_GetObjectItemCaseSensitive(cert, "NotAfter");
    out->not_after = cJSON_IsNumber(not_after) ? not_after->valuedouble : 0;
    out->in_use = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cert, "InUseBy"));
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(cert, "SubjectAlternativeNames")) {
        if (cJSON_IsString(item) && out->name_count < ACM_MAX_NAMES)
            snprintf(out->names[out->name_count++], ROUTE53_NAME_SIZE, "%s", item->valuestring);
    }
    if (out->domain[0] && !has_name(out, out->domain) && out->name_count < ACM_MAX_NAMES)
        snprintf(out->names[out->name_count++], ROUTE53_NAME_SIZE, "%s", out->domain);
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(cert, "DomainValidationOptions")) {
        if (out->validation_count < ACM_MAX_NAMES)
            read_validation(item, &out->validations[out->validation_count++]);
    }
    cJSON_Delete(answer);
    return 0;
}

/* The role in tags ([{"Key", "Value"}]) when they carry scribble:stack=<stack>; "" otherwise. */
static void role_in_tags(const cJSON *tags, const char *stack_name, char role[ROLE_SIZE])
{
    bool ours = false;
    role[0] = '\0';
    const cJSON *tag;
    cJSON_ArrayForEach(tag, tags) {
        const char *key = json_string_at(tag, "Key");
        const char *value = json_string_at(tag, "Value");
        if (!key || !value)
            continue;
        if (strcmp(key, TAG_STACK) == 0)
            ours = strcmp(value, stack_name) == 0;
        else if (strcmp(key, TAG_ROLE) == 0)
            snprintf(role, ROLE_SIZE, "%s", value);
    }
    if (!ours)
        role[0] = '\0';
}

typedef struct tagged_search {
    const char *stack_name;
    acm_each_fn fn;
    void *ctx;
} tagged_search;

static int visit_tagged(void *ctx, const char *arn, const cJSON *tags, base_error *err)
{
    tagged_search *t = ctx;
    char role[ROLE_SIZE];
    role_in_tags(tags, t->stack_name, role);
    return role[0] ? t->fn(t->ctx, arn, role, err) : 0;
}

int acm_each_of_stack(aws_client *c, const aws_service *svc, const char *stack_name, acm_each_fn fn,
                      void *ctx, base_error *err)
{
    const aws_service *tagging =
        svc->region ? &aws_service_tagging_us_east_1 : &aws_service_tagging;
    tagged_search t = {stack_name, fn, ctx};
    return tagged_resources_each(c, tagging, stack_name, "acm:certificate", visit_tagged, &t, err);
}

/* Certificates found by name in ListCertificates: those of the stack, or the others. */
typedef struct named_search {
    aws_client *client;
    const aws_service *svc;
    const char *stack_name;
    const char *name;
    bool others;
    acm_each_fn fn;
    void *ctx;
} named_search;

/* Might the listed certificate cover name? Its DomainName, its first
 * names (SubjectAlternativeNameSummaries), or more names than listed. */
static bool may_cover(const cJSON *summary, const char *name)
{
    const char *domain = json_string_at(summary, "DomainName");
    if (domain && route53_same_name(domain, name))
        return true;
    const cJSON *item;
    cJSON_ArrayForEach(
        item, cJSON_GetObjectItemCaseSensitive(summary, "SubjectAlternativeNameSummaries")) {
        if (cJSON_IsString(item) && route53_same_name(item->valuestring, name))
            return true;
    }
    return cJSON_IsTrue(
        cJSON_GetObjectItemCaseSensitive(summary, "HasAdditionalSubjectAlternativeNames"));
}

static int visit_named(void *ctx, const cJSON *page, bool *stop, base_error *err)
{
    (void)stop;
    named_search *s = ctx;
    const cJSON *summary;
    cJSON_ArrayForEach(summary, cJSON_GetObjectItemCaseSensitive(page, "CertificateSummaryList")) {
        const char *arn = json_string_at(summary, "CertificateArn");
        if (!arn || !may_cover(summary, s->name))
            continue;
        cJSON *answer = NULL;
        int rc = json_call_with(s->client, s->svc, "ListTagsForCertificate", "CertificateArn", arn,
                                &answer, err);
        char role[ROLE_SIZE] = "";
        if (rc == 0)
            role_in_tags(cJSON_GetObjectItemCaseSensitive(answer, "Tags"), s->stack_name, role);
        cJSON_Delete(answer);
        if (allow_error(rc, err, "ResourceNotFoundException") != 0) /* deleted since the list */
            return -1;
        if (rc == 0 && (s->others ? !role[0] : role[0] != '\0'))
            TRY(s->fn(s->ctx, arn, role, err));
    }
    return 0;
}

static int each_named(named_search *s, base_error *err)
{
    cJSON *input = cJSON_CreateObject();
    int rc = aws_json_paginate(s->client, s->svc, "ListCertificates", input, "NextToken",
                               "NextToken", visit_named, s, err);
    cJSON_Delete(input);
    return rc;
}

typedef struct name_search {
    aws_client *client;
    const aws_service *svc;
    const char *name;
    bool *needed;
} name_search;

static int covers_name(void *ctx, const char *arn, const char *role, base_error *err)
{
    (void)role;
    name_search *n = ctx;
    if (*n->needed)
        return 0;
    acm_certificate cert;
    int rc = acm_describe(n->client, n->svc, arn, &cert, err);
    TRY(allow_error(rc, err, "ResourceNotFoundException"));
    *n->needed = rc == 0 && cert.arn[0] && has_name(&cert, n->name);
    return 0;
}

int acm_name_needed_elsewhere(aws_client *c, const char *stack_name, const char *name, bool *needed,
                              base_error *err)
{
    *needed = false;
    const aws_service *services[] = {&aws_service_acm_us_east_1, &aws_service_acm};
    size_t count = strcmp(aws_client_region(c), "us-east-1") == 0 ? 1 : 2;
    for (size_t i = 0; i < count && !*needed; i++) {
        name_search n = {c, services[i], name, needed};
        named_search s = {c, services[i], stack_name, name, true, covers_name, &n};
        TRY(each_named(&s, err));
    }
    return 0;
}

typedef struct wanted_search {
    aws_client *client;
    const aws_service *svc;
    const char *role;
    const scribble_config *cfg;
    acm_certificate *best;
    bool *found;
} wanted_search;

/* Keeps the wanted certificate of the role, an issued one before a pending one. */
static int consider(void *ctx, const char *arn, const char *role, base_error *err)
{
    wanted_search *w = ctx;
    if (strcmp(role, w->role) != 0)
        return 0;
    acm_certificate cert;
    int rc = acm_describe(w->client, w->svc, arn, &cert, err);
    TRY(allow_error(rc, err, "ResourceNotFoundException")); /* deleted since the list */
    if (rc != 0 || !cert.arn[0] || !acm_names_wanted(&cert, w->cfg) || !acm_status_live(&cert))
        return 0;
    bool issued = strcmp(cert.status, "ISSUED") == 0;
    if (!*w->found || (issued && strcmp(w->best->status, "ISSUED") != 0)) {
        *w->best = cert;
        *w->found = true;
    }
    return 0;
}

int acm_find_wanted(aws_client *c, const aws_service *svc, const char *stack_name, const char *role,
                    const scribble_config *cfg, acm_certificate *out, bool *found, base_error *err)
{
    *found = false;
    memset(out, 0, sizeof *out);
    if (!cfg->domain.name[0])
        return 0;
    wanted_search w = {c, svc, role, cfg, out, found};
    named_search s = {c, svc, stack_name, cfg->domain.name, false, consider, &w};
    return each_named(&s, err);
}

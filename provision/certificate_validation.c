/*
 * certificate_validation.c - the CNAME records ACM asks for to validate the
 * stack's certificates (acm.h), written into the [domain] hosted zone, and
 * the wait until ACM has issued every certificate.
 *
 * ACM gives each name one record, the same for every certificate of the
 * account that covers the name, so the site's and the WebSocket's
 * certificates share them. The records are found by their exact name and
 * value (records carry no tags). ACM looks them up in public DNS: when the
 * hosted zone is not the one the domain is delegated to, validation never
 * completes, and the wait ends after its allowance (30 minutes, more than
 * ACM takes when the records resolve) saying what to check. A certificate
 * ACM gave up on (FAILED, VALIDATION_TIMED_OUT) fails at once, with ACM's
 * reason.
 */
#include <stdio.h>
#include <string.h>

#include "provision/acm.h"
#include "provision/kind_support.h"
#include "provision/stack.h"
#include "stack/description.h"

#define MAX_CERTIFICATES 2
#define MAX_RECORDS (MAX_CERTIFICATES * ACM_MAX_NAMES)

typedef struct wanted {
    char zone_id[ROUTE53_ID_SIZE];
    acm_certificate certs[MAX_CERTIFICATES];
    const char *roles[MAX_CERTIFICATES];
    size_t cert_count; /* certificates that exist */
    size_t planned;    /* certificates the plan has */
    route53_record records[MAX_RECORDS];
    char domains[MAX_RECORDS][ROUTE53_NAME_SIZE]; /* the name each record validates */
    size_t record_count;
} wanted;

static void add_record(wanted *w, const acm_validation *validation)
{
    const route53_record *record = &validation->record;
    if (!record->name[0] || w->record_count == MAX_RECORDS)
        return;
    for (size_t i = 0; i < w->record_count; i++)
        if (route53_same_name(w->records[i].name, record->name))
            return;
    snprintf(w->domains[w->record_count], ROUTE53_NAME_SIZE, "%s", validation->domain);
    w->records[w->record_count++] = *record;
}

/* The zone, the planned certificates that exist, and the records they ask for. */
static int wanted_of(op_ctx *ctx, wanted *w, base_error *err)
{
    memset(w, 0, sizeof *w);
    bool private_only;
    TRY(route53_public_zone(ctx->client, ctx->cfg->domain.zone, w->zone_id, &private_only, err));
    static const char *const roles[] = {ROLE_SITE_CERTIFICATE, ROLE_WEBSOCKET_CERTIFICATE};
    for (size_t i = 0; i < MAX_CERTIFICATES; i++) {
        if (!stack_find(ctx->stack, roles[i]))
            continue;
        w->planned++;
        bool found;
        acm_certificate *cert = &w->certs[w->cert_count];
        TRY(acm_find_wanted(ctx->client, acm_service_of_role(roles[i]), stack_name(ctx->stack),
                            roles[i], ctx->cfg, cert, &found, err));
        if (!found)
            continue;
        w->roles[w->cert_count++] = roles[i];
        for (int v = 0; v < cert->validation_count; v++)
            add_record(w, &cert->validations[v]);
    }
    return 0;
}

static size_t issued_count(const wanted *w)
{
    size_t n = 0;
    for (size_t i = 0; i < w->cert_count; i++)
        n += strcmp(w->certs[i].status, "ISSUED") == 0;
    return n;
}

static void describe_state(resource *r, const wanted *w, size_t present)
{
    size_t issued = issued_count(w);
    snprintf(r->state, sizeof r->state, "%zu record%s, %zu of %zu issued", present,
             present == 1 ? "" : "s", issued, w->planned);
}

static int validation_read(op_ctx *ctx, resource *r, base_error *err)
{
    wanted w;
    TRY(wanted_of(ctx, &w, err));
    if (!w.zone_id[0])
        return 0; /* create says why */
    route53_record live[MAX_RECORDS];
    bool found[MAX_RECORDS];
    TRY(route53_lookup(ctx->client, w.zone_id, w.records, w.record_count, live, found, err));
    size_t present = 0;
    for (size_t i = 0; i < w.record_count; i++) {
        if (found[i] && route53_record_same(&live[i], &w.records[i]))
            present++;
        else
            resource_add_drift(r, w.records[i].name, found[i] ? live[i].value : NULL,
                               w.records[i].value);
    }
    if (!present)
        return 0;
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s:%s", w.zone_id, ctx->cfg->domain.name);
    describe_state(r, &w, present);
    resource_set_output(r, "zone_id", w.zone_id);
    for (size_t i = 0; i < w.cert_count; i++)
        if (strcmp(w.certs[i].status, "ISSUED") != 0)
            resource_add_drift(r, w.roles[i], w.certs[i].status, "ISSUED");
    return 0;
}

/* Writes every record the certificates ask for (UPSERT: already right stays right). */
static int validation_write(op_ctx *ctx, resource *r, base_error *err)
{
    wanted w;
    TRY(wanted_of(ctx, &w, err));
    if (!w.zone_id[0])
        return route53_require_public_zone(ctx->client, ctx->cfg->domain.zone,
                                           ctx->cfg->domain.name, w.zone_id, err);
    if (w.cert_count < w.planned || !w.record_count) {
        base_error_set(err, BASE_ERROR_SERVICE, "ValidationRecordsNotReady",
                       "ACM has not made the validation records of %s yet", ctx->cfg->domain.name);
        err->retryable = true;
        return -1;
    }
    char comment[160];
    snprintf(comment, sizeof comment, "%s: ACM validation", stack_name(ctx->stack));
    TRY(route53_change(ctx->client, w.zone_id, "UPSERT", w.records, w.record_count, comment, NULL,
                       err));
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s:%s", w.zone_id, ctx->cfg->domain.name);
    describe_state(r, &w, w.record_count);
    resource_set_output(r, "zone_id", w.zone_id);
    base_buf_free(&r->drift);
    return 0;
}

static void set_hint(op_ctx *ctx, resource *r, const wanted *w)
{
    char servers[256] = "";
    base_error ignored = {0};
    route53_name_servers(ctx->client, w->zone_id, servers, sizeof servers, &ignored);
    snprintf(r->waiting_hint, sizeof r->waiting_hint,
             "ACM looks the validation records (%s, ...) up in public DNS: check that the "
             "name servers of hosted zone %s (%s) are the ones %s is delegated to at its "
             "registrar (dig NS %s), then run up again",
             w->record_count ? w->records[0].name : "none yet", ctx->cfg->domain.zone,
             servers[0] ? servers : "see Route 53", ctx->cfg->domain.zone, ctx->cfg->domain.zone);
}

static int validation_poll(op_ctx *ctx, resource *r, bool removing, bool *done, base_error *err)
{
    if (removing) {
        *done = true;
        return 0;
    }
    wanted w;
    TRY(wanted_of(ctx, &w, err));
    for (size_t i = 0; i < w.cert_count; i++) {
        const acm_certificate *cert = &w.certs[i];
        ENSURE(acm_status_live(cert), err, BASE_ERROR_SERVICE, "CertificateNotIssued",
               "ACM gave up on the %s (%s): %s%s%s; check the hosted zone %s, then run up again "
               "(a new certificate is requested)",
               w.roles[i], cert->arn, cert->status, cert->failure[0] ? ", " : "", cert->failure,
               ctx->cfg->domain.zone);
    }
    describe_state(r, &w, w.record_count);
    *done = w.cert_count == w.planned && issued_count(&w) == w.planned;
    if (!*done) {
        if (!r->waiting_hint[0])
            set_hint(ctx, r, &w);
        op_say(ctx, r, "waiting for ACM to validate %s (%zu of %zu certificates issued)",
               ctx->cfg->domain.name, issued_count(&w), w.planned);
    }
    return 0;
}

/* Deletes the records that hold exactly what the certificates ask for,
 * but for those another certificate of the account needs to renew. */
static int validation_remove(op_ctx *ctx, resource *r, base_error *err)
{
    wanted w;
    TRY(wanted_of(ctx, &w, err));
    if (!w.zone_id[0])
        return 0;
    route53_record live[MAX_RECORDS];
    bool found[MAX_RECORDS];
    TRY(route53_lookup(ctx->client, w.zone_id, w.records, w.record_count, live, found, err));
    size_t count = 0;
    for (size_t i = 0; i < w.record_count; i++) {
        bool needed = false;
        if (!found[i] || !route53_record_same(&live[i], &w.records[i]))
            continue;
        TRY(acm_name_needed_elsewhere(ctx->client, stack_name(ctx->stack), w.domains[i], &needed,
                                      err));
        if (needed)
            op_say(ctx, r, "kept %s: another certificate of the account validates %s with it",
                   w.records[i].name, w.domains[i]);
        else
            live[count++] = live[i];
    }
    char comment[160];
    snprintf(comment, sizeof comment, "%s: ACM validation removed", stack_name(ctx->stack));
    return route53_change(ctx->client, w.zone_id, "DELETE", live, count, comment, NULL, err);
}

const resource_ops certificate_validation_ops = {
    .kind = "certificate validation",
    .read = validation_read,
    .create = validation_write,
    .update = validation_write,
    .remove = validation_remove,
    .poll = validation_poll,
    .poll_interval_ms = 10000,
    .poll_timeout_s = 1800,
};

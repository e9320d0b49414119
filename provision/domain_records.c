/*
 * domain_records.c - the [domain] names in the hosted zone: A and AAAA
 * alias records for the page's name (to the CloudFront distribution) and
 * for the WebSocket's (to the API Gateway domain name's target).
 *
 * Route 53 records carry no tags: a record is the stack's when it aliases
 * exactly the stack's target. One that aliases another target of the same
 * kind (a distribution or API domain name made again) is corrected in
 * place; any other record at those names is someone else's and is never
 * changed: up stops and says so. down deletes only exact matches. up waits
 * until Route 53's name servers all have the change (INSYNC).
 */
#include <stdio.h>
#include <string.h>

#include "provision/api_domains.h"
#include "provision/cloudfront_common.h"
#include "provision/kind_support.h"
#include "stack/description.h"

#define RECORD_COUNT 4

typedef struct wanted {
    char zone_id[ROUTE53_ID_SIZE];
    route53_record records[RECORD_COUNT];
    size_t count; /* those whose target is known */
} wanted;

static void add_alias(wanted *w, const char *name, const char *type, const char *zone,
                      const char *dns)
{
    if (dns && dns[0] && zone && zone[0])
        route53_alias(&w->records[w->count++], name, type, zone, dns);
}

/* The targets: from the plan's outputs, or looked up when those resources
 * have not been read (down deletes the records before them). */
static int wanted_of(op_ctx *ctx, wanted *w, base_error *err)
{
    memset(w, 0, sizeof *w);
    bool private_only;
    TRY(route53_public_zone(ctx->client, ctx->cfg->domain.zone, w->zone_id, &private_only, err));
    char site[ROUTE53_NAME_SIZE] = "";
    const char *distribution = stack_output(ctx->stack, ROLE_DISTRIBUTION, "domain_name");
    if (distribution)
        snprintf(site, sizeof site, "%s", distribution);
    else
        TRY(cloudfront_site_domain(ctx, site, sizeof site, err));
    api_domain api = {0};
    const char *target = stack_output(ctx->stack, ROLE_WEBSOCKET_DOMAIN, "target");
    const char *target_zone = stack_output(ctx->stack, ROLE_WEBSOCKET_DOMAIN, "target_zone");
    if (target && target_zone) {
        snprintf(api.target, sizeof api.target, "%s", target);
        snprintf(api.target_zone, sizeof api.target_zone, "%s", target_zone);
    } else {
        bool found;
        TRY(api_domain_get(ctx->client, ctx->cfg->domain.websocket_name, &api, &found, err));
        if (!found || strcmp(api.stack, stack_name(ctx->stack)) != 0)
            api.target[0] = '\0';
    }
    const char *page = ctx->cfg->domain.name, *websocket = ctx->cfg->domain.websocket_name;
    add_alias(w, page, "A", ROUTE53_CLOUDFRONT_ZONE, site);
    add_alias(w, page, "AAAA", ROUTE53_CLOUDFRONT_ZONE, site);
    add_alias(w, websocket, "A", api.target_zone, api.target);
    add_alias(w, websocket, "AAAA", api.target_zone, api.target);
    return 0;
}

/* An alias to the same kind of target (same hosted zone): the stack's, made before. */
static bool replaceable(const route53_record *live, const route53_record *want)
{
    return live->alias_zone[0] && strcmp(live->alias_zone, want->alias_zone) == 0;
}

static void describe_alias(const route53_record *r, char *out, size_t size)
{
    if (r->alias_zone[0])
        snprintf(out, size, "alias %s", r->alias_dns);
    else
        snprintf(out, size, "%s", r->value);
}

static int domain_records_read(op_ctx *ctx, resource *r, base_error *err)
{
    wanted w;
    TRY(wanted_of(ctx, &w, err));
    if (!w.zone_id[0])
        return 0;
    route53_record live[RECORD_COUNT];
    bool found[RECORD_COUNT];
    TRY(route53_lookup(ctx->client, w.zone_id, w.records, w.count, live, found, err));
    size_t present = 0;
    for (size_t i = 0; i < w.count; i++) {
        if (found[i] && route53_record_same(&live[i], &w.records[i])) {
            present++;
            continue;
        }
        char setting[ROUTE53_NAME_SIZE + 8], is[ROUTE53_NAME_SIZE + 8], want[ROUTE53_NAME_SIZE + 8];
        snprintf(setting, sizeof setting, "%s %s", w.records[i].type, w.records[i].name);
        describe_alias(&live[i], is, sizeof is);
        describe_alias(&w.records[i], want, sizeof want);
        resource_add_drift(r, setting, found[i] ? is : NULL, want);
    }
    if (!present)
        return 0;
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s:%s,%s", w.zone_id, ctx->cfg->domain.name,
             ctx->cfg->domain.websocket_name);
    snprintf(r->state, sizeof r->state, "%zu of %zu records", present, w.count);
    return 0;
}

/* Refuses to touch a record the stack did not make. */
static int check_foreign(op_ctx *ctx, const wanted *w, base_error *err)
{
    route53_record live[RECORD_COUNT];
    bool found[RECORD_COUNT];
    TRY(route53_lookup(ctx->client, w->zone_id, w->records, w->count, live, found, err));
    for (size_t i = 0; i < w->count; i++) {
        char is[ROUTE53_NAME_SIZE + 8];
        describe_alias(&live[i], is, sizeof is);
        ENSURE(!found[i] || replaceable(&live[i], &w->records[i]), err, BASE_ERROR_CONFIG,
               "RecordNotOurs",
               "hosted zone %s already has a %s record for %s (%s) that this stack did not make: "
               "delete it, or choose another name in [domain]",
               ctx->cfg->domain.zone, w->records[i].type, w->records[i].name, is);
    }
    return 0;
}

static int domain_records_write(op_ctx *ctx, resource *r, base_error *err)
{
    wanted w;
    TRY(wanted_of(ctx, &w, err));
    if (!w.zone_id[0])
        return route53_require_public_zone(ctx->client, ctx->cfg->domain.zone,
                                           ctx->cfg->domain.name, w.zone_id, err);
    ENSURE(w.count == RECORD_COUNT, err, BASE_ERROR_INVALID, "DependencyMissing",
           "%s needs the CloudFront distribution and the API Gateway domain name, and one of "
           "them does not exist",
           r->role);
    TRY(check_foreign(ctx, &w, err));
    char change[ROUTE53_ID_SIZE], comment[160];
    snprintf(comment, sizeof comment, "%s: the page and the WebSocket", stack_name(ctx->stack));
    TRY(route53_change(ctx->client, w.zone_id, "UPSERT", w.records, w.count, comment, change, err));
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s:%s,%s", w.zone_id, ctx->cfg->domain.name,
             ctx->cfg->domain.websocket_name);
    snprintf(r->state, sizeof r->state, "%zu of %zu records", w.count, w.count);
    resource_set_output(r, "change", change);
    base_buf_free(&r->drift);
    return 0;
}

static int domain_records_poll(op_ctx *ctx, resource *r, bool removing, bool *done, base_error *err)
{
    const char *change = resource_output(r, "change");
    if (removing || !change || !change[0]) {
        *done = true;
        return 0;
    }
    TRY(route53_change_synced(ctx->client, change, done, err));
    if (!*done)
        snprintf(r->state, sizeof r->state, "PENDING");
    return 0;
}

static int domain_records_remove(op_ctx *ctx, resource *r, base_error *err)
{
    (void)r;
    wanted w;
    TRY(wanted_of(ctx, &w, err));
    if (!w.zone_id[0])
        return 0;
    route53_record live[RECORD_COUNT];
    bool found[RECORD_COUNT];
    TRY(route53_lookup(ctx->client, w.zone_id, w.records, w.count, live, found, err));
    size_t count = 0;
    for (size_t i = 0; i < w.count; i++)
        if (found[i] && route53_record_same(&live[i], &w.records[i]))
            live[count++] = live[i];
    char comment[160];
    snprintf(comment, sizeof comment, "%s: the page and the WebSocket removed",
             stack_name(ctx->stack));
    return route53_change(ctx->client, w.zone_id, "DELETE", live, count, comment, NULL, err);
}

const resource_ops domain_records_ops = {
    .kind = "Route 53 records",
    .read = domain_records_read,
    .create = domain_records_write,
    .update = domain_records_write,
    .remove = domain_records_remove,
    .poll = domain_records_poll,
    .poll_interval_ms = 5000,
    .poll_timeout_s = 600,
};

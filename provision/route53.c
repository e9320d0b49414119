/*
 * route53.c - Route 53's hosted zones and record sets, as the domain's kinds
 * and doctor use them (rest-xml, API version 2013-04-01).
 */
#include "provision/route53.h"

#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "provision/kind_support.h"

#define ROUTE53_NAMESPACE "https://route53.amazonaws.com/doc/2013-04-01/"
#define API "/2013-04-01"

bool route53_same_name(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la && a[la - 1] == '.')
        la--;
    if (lb && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

static void copy_text(char *out, size_t size, char *text)
{
    snprintf(out, size, "%s", text ? text : "");
    free(text);
}

/* "/hostedzone/Z123" or "/change/C123": the id alone. */
static void strip_prefix(char *id)
{
    const char *slash = strrchr(id, '/');
    if (slash)
        memmove(id, slash + 1, strlen(slash + 1) + 1);
}

typedef struct zone_match {
    const char *want;
    char *id;
    bool *private_only;
} zone_match;

static void match_zone(void *ctx, xmlNodePtr zone)
{
    zone_match *m = ctx;
    if (m->id[0])
        return;
    char name[ROUTE53_NAME_SIZE], id[ROUTE53_ID_SIZE], private[8];
    copy_text(name, sizeof name, aws_xml_find_text(zone, "Name"));
    copy_text(id, sizeof id, aws_xml_find_text(zone, "Id"));
    copy_text(private, sizeof private, aws_xml_find_text(zone, "PrivateZone"));
    if (!route53_same_name(name, m->want))
        return;
    if (strcmp(private, "true") == 0) {
        *m->private_only = true;
        return;
    }
    strip_prefix(id);
    snprintf(m->id, ROUTE53_ID_SIZE, "%s", id);
}

int route53_public_zone(aws_client *c, const char *zone_name, char id[ROUTE53_ID_SIZE],
                        bool *private_only, base_error *err)
{
    id[0] = '\0';
    *private_only = false;
    aws_params query = {0};
    aws_params_add(&query, "dnsname", zone_name);
    aws_params_add(&query, "maxitems", "10");
    xmlDocPtr doc = NULL;
    int rc = aws_rest_xml_call(c, &aws_service_route53, "GET", API "/hostedzonesbyname", &query,
                               NULL, NULL, 0, NULL, &doc, err);
    aws_params_free(&query);
    TRY(rc);
    zone_match m = {.want = zone_name, .id = id, .private_only = private_only};
    xml_each_element(xmlDocGetRootElement(doc), "HostedZone", match_zone, &m);
    if (id[0])
        *private_only = false;
    xmlFreeDoc(doc);
    return 0;
}

int route53_require_public_zone(aws_client *c, const char *zone_name, const char *name,
                                char id[ROUTE53_ID_SIZE], base_error *err)
{
    bool private_only = false;
    TRY(route53_public_zone(c, zone_name, id, &private_only, err));
    if (id[0])
        return 0;
    if (private_only)
        return base_error_set(err, BASE_ERROR_CONFIG, "NoHostedZone",
                              "%s is a private hosted zone here: names in it do not resolve on the "
                              "internet; domain.zone needs a public hosted zone",
                              zone_name);
    return base_error_set(err, BASE_ERROR_CONFIG, "NoHostedZone",
                          "this account has no public hosted zone %s: create it in Route 53 (and "
                          "delegate the domain to its name servers at the registrar), or set "
                          "domain.zone to the zone that holds %s",
                          zone_name, name);
}

int route53_zone_of(aws_client *c, const char *name, char id[ROUTE53_ID_SIZE],
                    char zone[ROUTE53_NAME_SIZE], base_error *err)
{
    zone[0] = '\0';
    for (const char *candidate = name; candidate && strchr(candidate, '.');) {
        bool private_only;
        TRY(route53_public_zone(c, candidate, id, &private_only, err));
        if (id[0]) {
            snprintf(zone, ROUTE53_NAME_SIZE, "%s", candidate);
            return 0;
        }
        candidate = strchr(candidate, '.') + 1;
    }
    id[0] = '\0';
    return 0;
}

typedef struct joined {
    char *out;
    size_t size;
} joined;

static void join_server(void *ctx, xmlNodePtr server)
{
    joined *j = ctx;
    xmlChar *text = xmlNodeGetContent(server);
    size_t used = strlen(j->out);
    snprintf(j->out + used, j->size - used, "%s%s", used ? ", " : "", text ? (char *)text : "");
    xmlFree(text);
}

int route53_name_servers(aws_client *c, const char *zone_id, char *out, size_t size,
                         base_error *err)
{
    char path[160];
    snprintf(path, sizeof path, API "/hostedzone/%s", zone_id);
    xmlDocPtr doc = NULL;
    out[0] = '\0';
    TRY(aws_rest_xml_call(c, &aws_service_route53, "GET", path, NULL, NULL, NULL, 0, NULL, &doc,
                          err));
    joined j = {out, size};
    xml_each_element(xmlDocGetRootElement(doc), "NameServer", join_server, &j);
    xmlFreeDoc(doc);
    return 0;
}

void route53_alias(route53_record *out, const char *name, const char *type, const char *zone,
                   const char *dns)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->type, sizeof out->type, "%s", type);
    snprintf(out->alias_zone, sizeof out->alias_zone, "%s", zone);
    snprintf(out->alias_dns, sizeof out->alias_dns, "%s", dns);
}

static void read_record(xmlNodePtr set, route53_record *out)
{
    memset(out, 0, sizeof *out);
    copy_text(out->name, sizeof out->name, aws_xml_find_text(set, "Name"));
    copy_text(out->type, sizeof out->type, aws_xml_find_text(set, "Type"));
    char *ttl = aws_xml_find_text(set, "TTL");
    out->ttl = ttl ? strtol(ttl, NULL, 10) : 0;
    free(ttl);
    copy_text(out->value, sizeof out->value, aws_xml_find_text(set, "Value"));
    copy_text(out->alias_zone, sizeof out->alias_zone, aws_xml_find_text(set, "HostedZoneId"));
    copy_text(out->alias_dns, sizeof out->alias_dns, aws_xml_find_text(set, "DNSName"));
}

typedef struct record_search {
    const char *name, *type;
    route53_record *out;
    bool *found;
} record_search;

static void match_record(void *ctx, xmlNodePtr set)
{
    record_search *s = ctx;
    if (*s->found)
        return;
    char *identifier = aws_xml_find_text(set, "SetIdentifier");
    route53_record seen;
    read_record(set, &seen);
    if (!identifier && route53_same_name(seen.name, s->name) && strcmp(seen.type, s->type) == 0) {
        *s->out = seen;
        *s->found = true;
    }
    free(identifier);
}

int route53_record_get(aws_client *c, const char *zone_id, const char *name, const char *type,
                       route53_record *out, bool *found, base_error *err)
{
    char path[160];
    snprintf(path, sizeof path, API "/hostedzone/%s/rrset", zone_id);
    aws_params query = {0};
    aws_params_add(&query, "name", name);
    aws_params_add(&query, "type", type);
    aws_params_add(&query, "maxitems", "1");
    xmlDocPtr doc = NULL;
    int rc = aws_rest_xml_call(c, &aws_service_route53, "GET", path, &query, NULL, NULL, 0, NULL,
                               &doc, err);
    aws_params_free(&query);
    TRY(rc);
    *found = false;
    record_search s = {name, type, out, found};
    xml_each_element(xmlDocGetRootElement(doc), "ResourceRecordSet", match_record, &s);
    xmlFreeDoc(doc);
    return 0;
}

int route53_lookup(aws_client *c, const char *zone_id, const route53_record *want, size_t count,
                   route53_record *live, bool *found, base_error *err)
{
    for (size_t i = 0; i < count; i++)
        TRY(route53_record_get(c, zone_id, want[i].name, want[i].type, &live[i], &found[i], err));
    return 0;
}

bool route53_record_same(const route53_record *a, const route53_record *b)
{
    if (!route53_same_name(a->name, b->name) || strcmp(a->type, b->type) != 0)
        return false;
    if (a->alias_zone[0] || b->alias_zone[0])
        return strcmp(a->alias_zone, b->alias_zone) == 0 &&
               route53_same_name(a->alias_dns, b->alias_dns);
    return route53_same_name(a->value, b->value);
}

static void add_text(xmlNodePtr parent, const char *name, const char *value)
{
    xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST value);
}

/* One <Change>, children in the model's order. */
static void add_change(xmlNodePtr changes, const char *action, const route53_record *r)
{
    xmlNodePtr change = xmlNewChild(changes, NULL, BAD_CAST "Change", NULL);
    add_text(change, "Action", action);
    xmlNodePtr set = xmlNewChild(change, NULL, BAD_CAST "ResourceRecordSet", NULL);
    add_text(set, "Name", r->name);
    add_text(set, "Type", r->type);
    if (r->alias_zone[0]) {
        xmlNodePtr alias = xmlNewChild(set, NULL, BAD_CAST "AliasTarget", NULL);
        add_text(alias, "HostedZoneId", r->alias_zone);
        add_text(alias, "DNSName", r->alias_dns);
        add_text(alias, "EvaluateTargetHealth", "false");
        return;
    }
    char ttl[32];
    snprintf(ttl, sizeof ttl, "%ld", r->ttl);
    add_text(set, "TTL", ttl);
    xmlNodePtr values = xmlNewChild(set, NULL, BAD_CAST "ResourceRecords", NULL);
    add_text(xmlNewChild(values, NULL, BAD_CAST "ResourceRecord", NULL), "Value", r->value);
}

int route53_change(aws_client *c, const char *zone_id, const char *action,
                   const route53_record *records, size_t count, const char *comment,
                   char change_id[ROUTE53_ID_SIZE], base_error *err)
{
    char ignored[ROUTE53_ID_SIZE];
    if (!change_id)
        change_id = ignored;
    change_id[0] = '\0';
    if (!count)
        return 0;
    xmlDocPtr body = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(body, NULL, BAD_CAST "ChangeResourceRecordSetsRequest", NULL);
    xmlDocSetRootElement(body, root);
    xmlSetNs(root, xmlNewNs(root, BAD_CAST ROUTE53_NAMESPACE, NULL));
    xmlNodePtr batch = xmlNewChild(root, NULL, BAD_CAST "ChangeBatch", NULL);
    add_text(batch, "Comment", comment);
    xmlNodePtr changes = xmlNewChild(batch, NULL, BAD_CAST "Changes", NULL);
    for (size_t i = 0; i < count; i++)
        add_change(changes, action, &records[i]);
    xmlChar *text = NULL;
    int len = 0;
    xmlDocDumpMemory(body, &text, &len);
    xmlFreeDoc(body);
    aws_headers headers = {0};
    aws_headers_add(&headers, "Content-Type", "application/xml");
    char path[160];
    snprintf(path, sizeof path, API "/hostedzone/%s/rrset/", zone_id);
    xmlDocPtr doc = NULL;
    int rc = aws_rest_xml_call(c, &aws_service_route53, "POST", path, NULL, &headers, text,
                               (size_t)len, NULL, &doc, err);
    xmlFree(text);
    aws_headers_free(&headers);
    if (rc != 0 && error_is(err, "PriorRequestNotComplete"))
        err->retryable = true; /* Route 53 is still applying an earlier change */
    TRY(rc);
    copy_text(change_id, ROUTE53_ID_SIZE, aws_xml_find_text(xmlDocGetRootElement(doc), "Id"));
    strip_prefix(change_id);
    xmlFreeDoc(doc);
    return 0;
}

int route53_change_synced(aws_client *c, const char *change_id, bool *synced, base_error *err)
{
    char path[160];
    snprintf(path, sizeof path, API "/change/%s", change_id);
    xmlDocPtr doc = NULL;
    TRY(aws_rest_xml_call(c, &aws_service_route53, "GET", path, NULL, NULL, NULL, 0, NULL, &doc,
                          err));
    char *status = aws_xml_find_text(xmlDocGetRootElement(doc), "Status");
    *synced = status && strcmp(status, "INSYNC") == 0;
    free(status);
    xmlFreeDoc(doc);
    return 0;
}

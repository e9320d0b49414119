/*
 * route53.h - what the domain's kinds and doctor share of Route 53: finding
 * a public hosted zone, reading one record set, and changing record sets.
 * Names are compared without Route 53's trailing dot and case-insensitively;
 * values are kept as Route 53 gives them.
 */
#ifndef SCRIBBLE_PROVISION_ROUTE53_H
#define SCRIBBLE_PROVISION_ROUTE53_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/client.h"

#define ROUTE53_ID_SIZE 64
#define ROUTE53_NAME_SIZE 260

/* CloudFront's hosted zone, the one every alias to a distribution names. */
#define ROUTE53_CLOUDFRONT_ZONE "Z2FDTNDATAQYW2"

/* The public hosted zone named zone_name: its id (without "/hostedzone/")
 * in id, or "" when this account has none; *private_only when it has only a
 * private one of that name. */
int route53_public_zone(aws_client *c, const char *zone_name, char id[ROUTE53_ID_SIZE],
                        bool *private_only, base_error *err);
/* The same, required: no public hosted zone zone_name (or only a private
 * one) is a config error that says what to do for name. */
int route53_require_public_zone(aws_client *c, const char *zone_name, const char *name,
                                char id[ROUTE53_ID_SIZE], base_error *err);
/* The closest public hosted zone that holds name (name itself, then each
 * parent): id and zone name, or "" in both when there is none. */
int route53_zone_of(aws_client *c, const char *name, char id[ROUTE53_ID_SIZE],
                    char zone[ROUTE53_NAME_SIZE], base_error *err);
/* The zone's name servers, ", "-separated, into out. */
int route53_name_servers(aws_client *c, const char *zone_id, char *out, size_t size,
                         base_error *err);

/* One simple record set: an alias (alias_zone set) or one plain value. */
typedef struct route53_record {
    char name[ROUTE53_NAME_SIZE];
    char type[8];                  /* "A", "AAAA", "CNAME" */
    long ttl;                      /* plain records */
    char value[ROUTE53_NAME_SIZE]; /* plain records: the one value */
    char alias_zone[ROUTE53_ID_SIZE];
    char alias_dns[ROUTE53_NAME_SIZE];
} route53_record;

/* An alias record of name and type to dns in hosted zone zone. */
void route53_alias(route53_record *out, const char *name, const char *type, const char *zone,
                   const char *dns);

/* The record set of name and type (no set identifier); *found false when there is none. */
int route53_record_get(aws_client *c, const char *zone_id, const char *name, const char *type,
                       route53_record *out, bool *found, base_error *err);
/* What the zone holds at each wanted record's name and type: live[i], and
 * found[i] whether it holds any. */
int route53_lookup(aws_client *c, const char *zone_id, const route53_record *want, size_t count,
                   route53_record *live, bool *found, base_error *err);
/* Same name, type and target (alias) or value (plain; the TTL aside)? */
bool route53_record_same(const route53_record *a, const route53_record *b);
/* Two names equal but for case and a trailing dot? */
bool route53_same_name(const char *a, const char *b);

/* One change batch: action ("UPSERT", "DELETE") applied to each record;
 * the change's id (for route53_change_synced) into change_id, when given.
 * No record: no call. */
int route53_change(aws_client *c, const char *zone_id, const char *action,
                   const route53_record *records, size_t count, const char *comment,
                   char change_id[ROUTE53_ID_SIZE], base_error *err);
/* Has the change reached every Route 53 name server (INSYNC)? */
int route53_change_synced(aws_client *c, const char *change_id, bool *synced, base_error *err);

#endif

/*
 * zone_delegation.c - a hosted zone's name servers against public DNS.
 */
#include "provision/zone_delegation.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "provision/dns_delegation.h"
#include "provision/route53.h"

/* Is every server public DNS names one of the zone's ("a, b, c")? */
static bool all_listed(const dns_name_servers *dns, const char *zone_servers)
{
    for (int i = 0; i < dns->count; i++) {
        bool listed = false;
        const char *p = zone_servers;
        while (*p && !listed) {
            const char *end = strstr(p, ", ");
            size_t n = end ? (size_t)(end - p) : strlen(p);
            char one[DNS_NAME_SIZE];
            snprintf(one, sizeof one, "%.*s", (int)(n < sizeof one ? n : sizeof one - 1), p);
            listed = route53_same_name(one, dns->names[i]);
            p = end ? end + 2 : p + n;
        }
        if (!listed)
            return false;
    }
    return dns->count > 0;
}

static void join(const dns_name_servers *dns, char *out, size_t size)
{
    out[0] = '\0';
    for (int i = 0; i < dns->count; i++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s", i ? ", " : "", dns->names[i]);
    }
}

int zone_delegation_check(aws_client *c, const char *zone, const char *zone_id, char *detail,
                          size_t size, base_error *err)
{
    char servers[512];
    TRY(route53_name_servers(c, zone_id, servers, sizeof servers, err));
    dns_name_servers dns;
    char why[256];
    switch (dns_ask_name_servers(zone, &dns, why, sizeof why)) {
    case DNS_NO_ANSWER:
        snprintf(detail, size, "its delegation was not checked: public DNS did not answer (%s)",
                 why);
        return 0;
    case DNS_NO_SUCH_NAME:
        return base_error_set(err, BASE_ERROR_CONFIG, "NotDelegated",
                              "%s is not in public DNS: register it, or delegate it to the hosted "
                              "zone's name servers (%s); until then ACM cannot validate the "
                              "certificates and nobody reaches the names",
                              zone, servers);
    case DNS_ANSWERED:
        break;
    }
    char named[512];
    join(&dns, named, sizeof named);
    if (!all_listed(&dns, servers))
        return base_error_set(
            err, BASE_ERROR_CONFIG, "NotDelegated",
            "public DNS names %s as %s's name servers, not the hosted zone's (%s): "
            "at the registrar (or in the parent zone), delegate %s to the hosted "
            "zone's name servers; until then ACM cannot validate the certificates "
            "and nobody reaches the names",
            dns.count ? named : "no server", zone, servers, zone);
    snprintf(detail, size, "delegated to its name servers (%s)", named);
    return 0;
}

/*
 * dns_delegation.c - a zone's NS records from public DNS (libresolv).
 */
#include "provision/dns_delegation.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/route53.h"

/* Two tries of two seconds: doctor must not hang on a network without DNS. */
#define DNS_TIMEOUT_S 2
#define DNS_TRIES 2

bool dns_read_name_servers(const unsigned char *message, size_t len, const char *zone,
                           dns_name_servers *out)
{
    out->count = 0;
    ns_msg msg;
    if (len > 65535 || ns_initparse(message, (int)len, &msg) != 0)
        return false;
    int records = ns_msg_count(msg, ns_s_an);
    for (int i = 0; i < records && out->count < DNS_MAX_SERVERS; i++) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) != 0)
            return false;
        if (ns_rr_type(rr) != ns_t_ns || ns_rr_class(rr) != ns_c_in ||
            !route53_same_name(ns_rr_name(rr), zone))
            continue;
        char *name = out->names[out->count];
        if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), ns_rr_rdata(rr), name,
                               DNS_NAME_SIZE) < 0)
            return false;
        size_t n = strlen(name);
        if (n && name[n - 1] == '.')
            name[n - 1] = '\0';
        out->count++;
    }
    return true;
}

/* SCRIBBLE_DNS_SERVER, "a.b.c.d:port", as the resolver's only server. */
static bool use_server(res_state st, const char *server, char *why, size_t why_size)
{
    char host[64];
    const char *colon = strrchr(server, ':');
    long port = colon ? strtol(colon + 1, NULL, 10) : 53;
    size_t host_len = colon ? (size_t)(colon - server) : strlen(server);
    struct in_addr addr;
    if (host_len >= sizeof host || port <= 0 || port > 65535) {
        snprintf(why, why_size, "SCRIBBLE_DNS_SERVER=%s is not an IPv4 address and port", server);
        return false;
    }
    memcpy(host, server, host_len);
    host[host_len] = '\0';
    if (inet_pton(AF_INET, host, &addr) != 1) {
        snprintf(why, why_size, "SCRIBBLE_DNS_SERVER=%s is not an IPv4 address and port", server);
        return false;
    }
    st->nsaddr_list[0].sin_family = AF_INET;
    st->nsaddr_list[0].sin_addr = addr;
    st->nsaddr_list[0].sin_port = htons((unsigned short)port);
    st->nscount = 1;
    return true;
}

dns_outcome dns_ask_name_servers(const char *zone, dns_name_servers *out, char *why,
                                 size_t why_size)
{
    out->count = 0;
    why[0] = '\0';
    struct __res_state st;
    memset(&st, 0, sizeof st);
    if (res_ninit(&st) != 0) {
        snprintf(why, why_size, "no resolver configuration");
        return DNS_NO_ANSWER;
    }
    st.retrans = DNS_TIMEOUT_S;
    st.retry = DNS_TRIES;
    const char *server = getenv("SCRIBBLE_DNS_SERVER");
    dns_outcome outcome = DNS_NO_ANSWER;
    if (server && server[0] && !use_server(&st, server, why, why_size)) {
        res_nclose(&st);
        return outcome;
    }
    unsigned char *answer = malloc(NS_MAXMSG);
    if (!answer)
        abort();
    int len = res_nquery(&st, zone, ns_c_in, ns_t_ns, answer, NS_MAXMSG);
    if (len >= 0) {
        outcome =
            dns_read_name_servers(answer, (size_t)len, zone, out) ? DNS_ANSWERED : DNS_NO_ANSWER;
        if (outcome == DNS_NO_ANSWER)
            snprintf(why, why_size, "the answer for %s NS is not a DNS message", zone);
    } else if (st.res_h_errno == HOST_NOT_FOUND) {
        outcome = DNS_NO_SUCH_NAME;
    } else if (st.res_h_errno == NO_DATA) {
        outcome = DNS_ANSWERED;
    } else {
        snprintf(why, why_size, "%s", hstrerror(st.res_h_errno));
    }
    free(answer);
    res_nclose(&st);
    return outcome;
}

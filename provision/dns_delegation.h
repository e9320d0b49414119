/*
 * dns_delegation.h - the name servers public DNS gives for a zone (its NS
 * records), asked through glibc's resolver (libresolv) as the system is
 * set up, or through the server SCRIBBLE_DNS_SERVER names ("IPv4:port");
 * doctor compares them with the hosted zone's. Reading an answer is apart
 * from asking, so it can be fuzzed.
 */
#ifndef SCRIBBLE_PROVISION_DNS_DELEGATION_H
#define SCRIBBLE_PROVISION_DNS_DELEGATION_H

#include <stdbool.h>
#include <stddef.h>

#define DNS_MAX_SERVERS 16
#define DNS_NAME_SIZE 256

typedef enum dns_outcome {
    DNS_ANSWERED,     /* servers holds the answer's NS records (perhaps none) */
    DNS_NO_SUCH_NAME, /* NXDOMAIN: the name is not in public DNS */
    DNS_NO_ANSWER,    /* no server answered, or not understandably: why says */
} dns_outcome;

typedef struct dns_name_servers {
    char names[DNS_MAX_SERVERS][DNS_NAME_SIZE]; /* without the trailing dot */
    int count;
} dns_name_servers;

/* The NS records for zone in the answer section of a DNS message; false
 * when the bytes are not a DNS message. */
bool dns_read_name_servers(const unsigned char *message, size_t len, const char *zone,
                           dns_name_servers *out);

/* Asks public DNS for zone's NS records. */
dns_outcome dns_ask_name_servers(const char *zone, dns_name_servers *out, char *why,
                                 size_t why_size);

#endif

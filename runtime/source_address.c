/*
 * source_address.c - a client's address as a limit key (source_address.h).
 */
#include "runtime/source_address.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const unsigned char ipv4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool source_address_key(const char *ip, char out[SOURCE_ADDRESS_SIZE])
{
    out[0] = '\0';
    if (!ip || strlen(ip) >= INET6_ADDRSTRLEN)
        return false;
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, ip, &v4) == 1)
        return inet_ntop(AF_INET, &v4, out, SOURCE_ADDRESS_SIZE) != NULL;
    if (inet_pton(AF_INET6, ip, &v6) != 1)
        return false;
    if (memcmp(v6.s6_addr, ipv4_mapped_prefix, sizeof ipv4_mapped_prefix) == 0) {
        memcpy(&v4, v6.s6_addr + 12, 4);
        return inet_ntop(AF_INET, &v4, out, SOURCE_ADDRESS_SIZE) != NULL;
    }
    memset(v6.s6_addr + 8, 0, 8);
    char prefix[INET6_ADDRSTRLEN];
    if (!inet_ntop(AF_INET6, &v6, prefix, sizeof prefix))
        return false;
    snprintf(out, SOURCE_ADDRESS_SIZE, "%s/64", prefix);
    return true;
}

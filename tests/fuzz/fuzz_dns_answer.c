/*
 * fuzz_dns_answer.c - reading a zone's NS records from a DNS answer
 * (provision/dns_delegation.c), as doctor reads what a resolver returns:
 * never more servers than fit, each a NUL-terminated name without its
 * trailing dot, and nothing when the bytes are not a DNS message.
 */
#include "fuzz.h"
#include "provision/dns_delegation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dns_name_servers out;
    memset(&out, 0x5a, sizeof out);
    bool read = dns_read_name_servers(data, size, "example.com", &out);
    if (out.count < 0 || out.count > DNS_MAX_SERVERS)
        abort();
    for (int i = 0; read && i < out.count; i++) {
        size_t n = strnlen(out.names[i], DNS_NAME_SIZE);
        if (n == DNS_NAME_SIZE || (n && out.names[i][n - 1] == '.'))
            abort();
    }
    return 0;
}

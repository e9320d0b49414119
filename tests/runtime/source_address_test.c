/*
 * source_address_test.c - the address a limit is kept under: IPv4 as
 * itself, IPv6 by its /64 whatever its spelling, IPv4-mapped IPv6 as the
 * IPv4 address, and anything else refused with an empty key.
 */
#include "runtime/source_address.h"
#include "test.h"

static void check_key(const char *ip, const char *want)
{
    char key[SOURCE_ADDRESS_SIZE] = "unset";
    bool ok = source_address_key(ip, key);
    CHECK_INT_EQ(ok, want[0] != '\0');
    CHECK_STR_EQ(key, want);
}

int main(void)
{
    check_key("198.51.100.7", "198.51.100.7");
    check_key("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64");
    check_key("2001:0db8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64");
    check_key("2001:db8:1:3::1", "2001:db8:1:3::/64");
    check_key("::ffff:198.51.100.7", "198.51.100.7");
    check_key("::1", "::/64");
    check_key(NULL, "");
    check_key("", "");
    check_key("198.51.100.256", "");
    check_key("198.51.100.7:443", "");
    check_key("fe80::1%eth0", "");
    check_key("2001:db8::1/64", "");
    check_key("{stack}", "");
    return TEST_EXIT();
}

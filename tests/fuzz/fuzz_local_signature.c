/*
 * fuzz_local_signature.c - the local AWS endpoint's SigV4 check
 * (local/local_signature.c). The input is tried as an
 * Authorization value: a parse that succeeds must leave every part inside
 * the input, the signature 64 bytes long, the scope's date 8. It is also
 * tried as a request head: one local_request_head.c passes is checked
 * whole, and, signed with no known key, must never be accepted.
 */
#include "fuzz.h"
#include "base/cursor.h"
#include "local/local_request_head.h"
#include "local/local_signature.h"

static bool inside(base_cursor c, const char *start, size_t size)
{
    return c.ptr >= start && c.ptr + c.len <= start + size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    local_authorization a;
    if (!local_authorization_parse(text, size, &a)) {
        if (!inside(a.access_key_id, text, size) || !inside(a.date, text, size) ||
            !inside(a.region, text, size) || !inside(a.service, text, size) ||
            !inside(a.signed_headers, text, size) || !inside(a.signature, text, size) ||
            a.signature.len != 64 || a.date.len != 8 || a.access_key_id.len == 0)
            abort();
    }
    local_head_verdict v = local_head_check(text, size);
    if (v.result == LOCAL_HEAD_PASS) {
        local_signature_key key = {.access_key_id = "LOCALFUZZ", .secret_access_key = "fuzz"};
        const char *body = text + v.length;
        local_signature_verdict got = local_signature_check(text, v.length, body, size - v.length,
                                                            "s3", &key, 1700000000);
        if (got.result == LOCAL_SIGNATURE_OK || !got.message[0])
            abort();
    }
    return 0;
}

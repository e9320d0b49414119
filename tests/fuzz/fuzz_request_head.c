/*
 * fuzz_request_head.c - the request-head check of scribblectl local's
 * listeners (local/local_request_head.c). Besides not crashing,
 * the verdict on any prefix that has one must be the verdict on the whole
 * input (what local_server.c relies on when it judges a head while it
 * arrives), a refusal must carry a status and a reason, and a pass must say
 * how long the head is, within the input.
 */
#include "fuzz.h"
#include "local/local_request_head.h"

static bool same(local_head_verdict a, local_head_verdict b)
{
    return a.result == b.result && a.length == b.length && a.status == b.status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    local_head_verdict whole = local_head_check(text, size);
    if (whole.result == LOCAL_HEAD_REFUSE &&
        (!whole.reason || !local_head_status_text(whole.status)))
        abort();
    if (whole.result == LOCAL_HEAD_PASS && (whole.length == 0 || whole.length > size))
        abort();
    if (whole.result == LOCAL_HEAD_INCOMPLETE && size > LOCAL_MAX_HEAD)
        abort();
    for (size_t cut = size / 2; cut < size; cut += 1 + (size - cut) / 2) {
        local_head_verdict part = local_head_check(text, cut);
        if (part.result != LOCAL_HEAD_INCOMPLETE && !same(part, whole))
            abort();
    }
    local_target_escapes_error(text, size);
    local_websocket_key_valid(text, size);
    return 0;
}

/*
 * fuzz_resp.c - RESP2 replies (runtime/cache_reply.c): the bytes a cache
 * server sends, read as a stream of replies as the client reads them (a
 * reply may be split over reads), each one checked with cache_reply_error.
 * Built twice: with AddressSanitizer + UBSan, and alone (only cache_reply.c,
 * buf.c and error.c) with MemorySanitizer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cache_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct source {
    const uint8_t *data;
    size_t size, pos, step;
} source;

static int read_source(void *ctx, char *dst, size_t cap, size_t *got, base_error *err)
{
    source *s = ctx;
    size_t n = s->size - s->pos;
    if (n == 0)
        return base_error_set(err, BASE_ERROR_TRANSPORT, "CacheTransport", "connection closed");
    if (n > s->step)
        n = s->step;
    if (n > cap)
        n = cap;
    memcpy(dst, s->data + s->pos, n);
    s->pos += n;
    *got = n;
    return 0;
}

static size_t tree_size(const cache_reply *r)
{
    size_t n = 1;
    for (size_t i = 0; i < r->count; i++)
        n += tree_size(&r->elements[i]);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* The first byte: how many bytes each read delivers (1..256). */
    source s = {.data = data + 1, .size = size - 1, .step = (size_t)data[0] + 1};
    cache_reply_reader r = {.source = read_source, .source_ctx = &s, .max_reply_bytes = 1 << 16, .max_depth = 8};
    for (;;) {
        cache_reply *reply = NULL;
        base_error err = {0};
        if (cache_reply_read(&r, &reply, &err) != 0) {
            if (reply || !err.code[0])
                abort();
            break;
        }
        if (tree_size(reply) > s.size)
            abort(); /* every element needs at least one byte */
        base_error reply_err = {0};
        if (cache_reply_error(reply, &reply_err) != 0 && reply_err.kind != BASE_ERROR_SERVICE)
            abort();
        if (reply->str && reply->str[reply->len] != '\0')
            abort();
        cache_reply_free(reply);
    }
    cache_reply_reader_free(&r);
    return 0;
}

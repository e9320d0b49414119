/*
 * cache_reply.c - the RESP2 reader: a buffer filled through the caller's
 * source, lines and bulk strings taken from cursors over it, never past what
 * was received; each reply tree charged against a byte budget and a depth
 * limit before anything is allocated for it. No sockets, no TLS and no other
 * library but libc here, so the reader can be fuzzed alone (also under
 * MemorySanitizer, which needs every byte's path instrumented).
 */
#include "base/cursor.h"
#include "runtime/cache_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

#define READ_CHUNK 16384
/* A simple string, error, integer, bulk or array header line; Redis keeps them short. */
#define MAX_LINE 65536

static int parse_error(base_error *err, const char *message)
{
    return base_error_set(err, BASE_ERROR_PARSE, "CacheProtocol", "%s", message);
}

/* Reads at least one more byte into the buffer. */
static int fill(cache_reply_reader *r, base_error *err)
{
    if (r->pos > 0) {
        memmove(r->in, r->in + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->cap - r->len < READ_CHUNK) {
        r->cap = r->len + READ_CHUNK;
        r->in = base_xrealloc(r->in, r->cap);
    }
    size_t got = 0;
    TRY(r->source(r->source_ctx, r->in + r->len, READ_CHUNK, &got, err));
    if (got == 0 || got > READ_CHUNK)
        return base_error_set(err, BASE_ERROR_TRANSPORT, "CacheTransport", "the source read %zu bytes",
                             got);
    r->len += got;
    return 0;
}

/* The bytes received and not yet parsed (empty, never NULL + 0, before the first fill). */
static base_cursor unparsed(const cache_reply_reader *r)
{
    return r->in ? base_cursor_of(r->in + r->pos, r->len - r->pos) : base_cursor_of("", 0);
}

/* The next line (without CRLF) as a cursor, consumed from the buffer. The
 * cursor stays valid until the next fill. */
static int next_line(cache_reply_reader *r, base_cursor *line, base_error *err)
{
    size_t scanned = 0;
    for (;;) {
        base_cursor rest = unparsed(r);
        for (size_t i = scanned; i + 1 < rest.len && i <= MAX_LINE; i++) {
            if (rest.ptr[i] == '\r' && rest.ptr[i + 1] == '\n') {
                *line = base_cursor_of(rest.ptr, i);
                r->pos += i + 2;
                return 0;
            }
        }
        if (rest.len > MAX_LINE + 2)
            return parse_error(err, "a line longer than 64 KiB");
        scanned = rest.len ? rest.len - 1 : 0;
        TRY(fill(r, err));
    }
}

static int need_bytes(cache_reply_reader *r, size_t n, base_error *err)
{
    while (r->len - r->pos < n)
        TRY(fill(r, err));
    return 0;
}

/* A RESP integer: an optional '-' and 1..18 digits, nothing else. */
static bool parse_integer(base_cursor text, long long *out)
{
    bool negative = text.len > 0 && text.ptr[0] == '-';
    if (negative) {
        text.ptr++;
        text.len--;
    }
    if (text.len == 0 || text.len > 18)
        return false;
    long long value = 0;
    for (size_t i = 0; i < text.len; i++) {
        if (text.ptr[i] < '0' || text.ptr[i] > '9')
            return false;
        value = value * 10 + (text.ptr[i] - '0');
    }
    *out = negative ? -value : value;
    return true;
}

typedef struct parse_limits {
    size_t budget; /* bytes the rest of this reply may still allocate */
    int max_depth;
} parse_limits;

static bool charge(parse_limits *limits, size_t bytes)
{
    if (bytes > limits->budget)
        return false;
    limits->budget -= bytes;
    return true;
}

static void free_contents(cache_reply *reply)
{
    free(reply->str);
    for (size_t i = 0; i < reply->count; i++)
        free_contents(&reply->elements[i]);
    free(reply->elements);
}

static int parse_reply(cache_reply_reader *r, cache_reply *reply, int depth, parse_limits *limits,
                       base_error *err)
{
    base_cursor line;
    TRY(next_line(r, &line, err));
    if (line.len == 0)
        return parse_error(err, "empty reply line");
    char kind = line.ptr[0];
    base_cursor rest = base_cursor_of(line.ptr + 1, line.len - 1);
    long long n = 0;
    switch (kind) {
    case '+':
    case '-':
        if (!charge(limits, rest.len + 1))
            return parse_error(err, "reply exceeds the size cap");
        reply->type = kind == '+' ? CACHE_REPLY_STRING : CACHE_REPLY_ERROR;
        reply->str = base_xstrndup(rest.ptr, rest.len);
        reply->len = rest.len;
        return 0;
    case ':':
        if (!parse_integer(rest, &n))
            return parse_error(err, "malformed integer");
        reply->type = CACHE_REPLY_INTEGER;
        reply->integer = n;
        return 0;
    case '$':
        if (!parse_integer(rest, &n) || n < -1)
            return parse_error(err, "malformed bulk string length");
        if (n == -1) {
            reply->type = CACHE_REPLY_NIL;
            return 0;
        }
        if (!charge(limits, (size_t)n + 1))
            return parse_error(err, "bulk string exceeds the size cap");
        TRY(need_bytes(r, (size_t)n + 2, err));
        {
            base_cursor data = unparsed(r);
            if (data.ptr[n] != '\r' || data.ptr[n + 1] != '\n')
                return parse_error(err, "bulk string not followed by CRLF");
            reply->type = CACHE_REPLY_BULK;
            reply->str = base_xstrndup(data.ptr, (size_t)n);
            reply->len = (size_t)n;
            r->pos += (size_t)n + 2;
        }
        return 0;
    case '*':
        if (!parse_integer(rest, &n) || n < -1)
            return parse_error(err, "malformed array length");
        if (n == -1) {
            reply->type = CACHE_REPLY_NIL_ARRAY;
            return 0;
        }
        if (depth >= limits->max_depth)
            return parse_error(err, "arrays nested deeper than the cap");
        if ((unsigned long long)n > limits->budget / sizeof(cache_reply) ||
            !charge(limits, (size_t)n * sizeof(cache_reply)))
            return parse_error(err, "array exceeds the size cap");
        reply->type = CACHE_REPLY_ARRAY;
        reply->count = (size_t)n;
        reply->elements = n ? base_xcalloc((size_t)n, sizeof(cache_reply)) : NULL;
        for (size_t i = 0; i < reply->count; i++)
            TRY(parse_reply(r, &reply->elements[i], depth + 1, limits, err));
        return 0;
    default:
        return parse_error(err, "unknown RESP type byte");
    }
}

int cache_reply_read(cache_reply_reader *r, cache_reply **out, base_error *err)
{
    parse_limits limits = {.budget = r->max_reply_bytes, .max_depth = r->max_depth};
    cache_reply *reply = base_xcalloc(1, sizeof *reply);
    if (parse_reply(r, reply, 0, &limits, err) != 0) {
        cache_reply_free(reply);
        *out = NULL;
        return -1;
    }
    *out = reply;
    return 0;
}

size_t cache_reply_reader_pending(const cache_reply_reader *r)
{
    return r->len - r->pos;
}

void cache_reply_reader_reset(cache_reply_reader *r)
{
    r->len = r->pos = 0;
}

void cache_reply_reader_free(cache_reply_reader *r)
{
    free(r->in);
    r->in = NULL;
    r->len = r->pos = r->cap = 0;
}

void cache_reply_free(cache_reply *reply)
{
    if (!reply)
        return;
    free_contents(reply);
    free(reply);
}

int cache_reply_error(const cache_reply *reply, base_error *err)
{
    if (!reply || reply->type != CACHE_REPLY_ERROR)
        return 0;
    /* "WRONGTYPE Operation against a key ..." -> code WRONGTYPE; "-\r\n" has none. */
    base_cursor text = base_cursor_of(reply->str, reply->len), prefix = base_cursor_of("", 0);
    base_cursor_next_token(&text, ' ', &prefix);
    char code[64];
    snprintf(code, sizeof code, "%.*s", (int)(prefix.len < 63 ? prefix.len : 63), prefix.ptr);
    return base_error_set(err, BASE_ERROR_SERVICE, code, "%.*s", (int)(reply->len < 1000 ? reply->len : 1000),
                         reply->str);
}

/*
 * cache_reply_test.c - the RESP2 reader driven from memory: replies read the
 * same whether the bytes come at once or one at a time; an error reply with
 * no text ("-\r\n", found by fuzzing: its code was formatted from an
 * uninitialised pointer) is an error with an empty code; malformed bytes and
 * replies over the caps are PARSE errors; a source that runs dry is its
 * error, not a reply.
 */
#include <stdlib.h>

#include "runtime/cache_reply.h"
#include "test.h"

typedef struct memory_source {
    const char *data;
    size_t len, pos;
    size_t step; /* at most this many bytes per read; 0: all */
} memory_source;

static int read_memory(void *ctx, char *dst, size_t cap, size_t *got, base_error *err)
{
    memory_source *m = ctx;
    size_t n = m->len - m->pos;
    if (n == 0)
        return base_error_set(err, BASE_ERROR_TRANSPORT, "CacheTransport", "connection closed");
    if (m->step && n > m->step)
        n = m->step;
    if (n > cap)
        n = cap;
    memcpy(dst, m->data + m->pos, n);
    m->pos += n;
    *got = n;
    return 0;
}

/* Reads one reply from text (len bytes), step bytes per read. */
static int read_one(const char *text, size_t len, size_t step, cache_reply **out, base_error *err)
{
    memory_source m = {.data = text, .len = len, .step = step};
    cache_reply_reader r = {.source = read_memory, .source_ctx = &m, .max_reply_bytes = 1024, .max_depth = 3};
    int rc = cache_reply_read(&r, out, err);
    cache_reply_reader_free(&r);
    return rc;
}

static void test_empty_error_reply(void)
{
    for (size_t step = 0; step < 3; step++) {
        cache_reply *reply = NULL;
        base_error err = {0};
        CHECK_INT_EQ(read_one("-\r\n", 3, step, &reply, &err), 0);
        CHECK(reply && reply->type == CACHE_REPLY_ERROR);
        base_error got = {0};
        CHECK_INT_EQ(cache_reply_error(reply, &got), -1);
        CHECK_INT_EQ(got.kind, BASE_ERROR_SERVICE);
        CHECK_STR_EQ(got.code, "");
        CHECK_STR_EQ(got.message, "");
        cache_reply_free(reply);
    }
}

static void test_error_reply_code(void)
{
    cache_reply *reply = NULL;
    base_error err = {0};
    static const char text[] = "-WRONGTYPE Operation against a key\r\n";
    CHECK_INT_EQ(read_one(text, sizeof text - 1, 1, &reply, &err), 0);
    CHECK_INT_EQ(cache_reply_error(reply, &err), -1);
    CHECK_STR_EQ(err.code, "WRONGTYPE");
    CHECK_STR_EQ(err.message, "WRONGTYPE Operation against a key");
    cache_reply_free(reply);
}

static void test_nested_reply(void)
{
    static const char text[] = "*3\r\n:42\r\n$3\r\na\0c\r\n*2\r\n+OK\r\n$-1\r\n";
    for (size_t step = 0; step < 3; step++) {
        cache_reply *reply = NULL;
        base_error err = {0};
        CHECK_INT_EQ(read_one(text, sizeof text - 1, step, &reply, &err), 0);
        if (!reply)
            continue;
        CHECK_INT_EQ(reply->type, CACHE_REPLY_ARRAY);
        CHECK_INT_EQ(reply->count, 3);
        CHECK_INT_EQ(reply->elements[0].integer, 42);
        CHECK_INT_EQ(reply->elements[1].len, 3);
        CHECK(memcmp(reply->elements[1].str, "a\0c", 3) == 0);
        CHECK_STR_EQ(reply->elements[2].elements[0].str, "OK");
        CHECK_INT_EQ(reply->elements[2].elements[1].type, CACHE_REPLY_NIL);
        CHECK_INT_EQ(cache_reply_error(reply, &err), 0);
        cache_reply_free(reply);
    }
}

static void test_malformed(void)
{
    static const char *const cases[] = {
        "\r\n",                    /* empty line */
        "?x\r\n",                  /* unknown type */
        ":12a\r\n",                /* not an integer */
        ":1234567890123456789\r\n", /* 19 digits */
        "$-2\r\n",                 /* bad length */
        "$3\r\nabcd\r\n",          /* no CRLF after the bulk */
        "$2000\r\n",               /* over the size cap */
        "*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", /* deeper than the cap */
        "*1000\r\n",               /* over the size cap */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cache_reply *reply = (cache_reply *)1;
        base_error err = {0};
        CHECK_INT_EQ(read_one(cases[i], strlen(cases[i]), 0, &reply, &err), -1);
        CHECK(reply == NULL);
        if (err.kind != BASE_ERROR_PARSE)
            fprintf(stderr, "case %zu: kind %s: %s\n", i, base_error_kind_name(err.kind), err.message);
        CHECK_INT_EQ(err.kind, BASE_ERROR_PARSE);
    }
}

static void test_source_runs_dry(void)
{
    static const char *const cases[] = {"", "+OK", "$5\r\nab", "*2\r\n:1\r\n"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cache_reply *reply = (cache_reply *)1;
        base_error err = {0};
        CHECK_INT_EQ(read_one(cases[i], strlen(cases[i]), 1, &reply, &err), -1);
        CHECK(reply == NULL);
        CHECK_INT_EQ(err.kind, BASE_ERROR_TRANSPORT);
        CHECK_STR_EQ(err.message, "connection closed");
    }
}

int main(void)
{
    test_empty_error_reply();
    test_error_reply_code();
    test_nested_reply();
    test_malformed();
    test_source_runs_dry();
    return TEST_EXIT();
}

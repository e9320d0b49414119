/*
 * cache_reply.h - RESP2 replies: the reply tree, and the reader that parses
 * it from bytes a transport supplies.
 *
 * The reader owns a read buffer and calls its transport for more bytes only
 * when a reply needs them; it knows nothing of sockets or TLS, so it can be
 * driven from memory (tests, fuzzing) as well as by cache_client.c. Replies
 * are parsed from bounds-checked cursors over the buffer into a tree whose
 * total size and depth are capped, so a broken or hostile server yields an
 * error, never an unbounded allocation. Nothing here prints.
 */
#ifndef SCRIBBLE_RUNTIME_CACHE_REPLY_H
#define SCRIBBLE_RUNTIME_CACHE_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

typedef enum cache_reply_type {
    CACHE_REPLY_STRING,  /* +OK */
    CACHE_REPLY_ERROR,   /* -ERR ... */
    CACHE_REPLY_INTEGER, /* :42 */
    CACHE_REPLY_BULK,    /* $3 abc */
    CACHE_REPLY_NIL,     /* $-1 */
    CACHE_REPLY_ARRAY,   /* *2 ... */
    CACHE_REPLY_NIL_ARRAY, /* *-1 */
} cache_reply_type;

typedef struct cache_reply {
    cache_reply_type type;
    long long integer;              /* INTEGER */
    char *str;                      /* STRING, ERROR, BULK: NUL-terminated */
    size_t len;                     /* ... and its length (may hold NULs) */
    struct cache_reply *elements;   /* ARRAY */
    size_t count;                   /* ARRAY */
} cache_reply;

/* Reads up to cap more bytes into dst: 0 with *got > 0, or -1 with err
 * filled (a closed connection is an error too). */
typedef int (*cache_reply_source)(void *ctx, char *dst, size_t cap, size_t *got, base_error *err);

typedef struct cache_reply_reader {
    cache_reply_source source;
    void *source_ctx;
    size_t max_reply_bytes; /* the cap on one reply tree */
    int max_depth;          /* the cap on array nesting */
    char *in;               /* bytes received, [pos, len) not yet parsed */
    size_t len, pos, cap;
} cache_reply_reader;

/* Reads one reply into *out (caller frees with cache_reply_free). -1 with
 * the source's error, or with kind PARSE for bytes that are not RESP2 or a
 * reply over the caps; the buffered bytes can then no longer be trusted and
 * the caller should drop them (cache_reply_reader_reset). */
int cache_reply_read(cache_reply_reader *r, cache_reply **out, base_error *err);
/* Bytes received and not yet parsed. */
size_t cache_reply_reader_pending(const cache_reply_reader *r);
/* Drops the buffered bytes (a new connection starts empty). */
void cache_reply_reader_reset(cache_reply_reader *r);
/* Frees the buffer. */
void cache_reply_reader_free(cache_reply_reader *r);

void cache_reply_free(cache_reply *reply);
/* 0 if reply is not an error reply; otherwise fills err (SERVICE, the prefix
 * as the code, "" when the reply has none) and returns -1. */
int cache_reply_error(const cache_reply *reply, base_error *err);

#endif

/*
 * cache_client.h - a small RESP2 client for the cache (ElastiCache serverless,
 * or redis-server in tests).
 *
 * TLS by default, verified against the system CAs (or a CA file) with the
 * host name checked, because ElastiCache serverless only speaks TLS; plain
 * TCP only when the caller asks for it. One connection, blocking I/O with
 * timeouts, commands as arrays of binary-safe arguments, pipelines of many
 * commands per round trip. Replies are read by cache_reply.h's reader, into
 * a tree whose total size and depth are capped, so a broken or hostile
 * server yields an error, never an unbounded allocation.
 *
 * Reconnection rule: a connection found closed before anything is written
 * (the server dropped an idle connection, a previous command failed) is
 * reopened and the command sent, always. A failure once writing has begun
 * means the server may have applied the command: it (or
 * the whole pipeline) is then resent once on a new connection only when the
 * caller passed idempotent = true; otherwise the TRANSPORT error is returned
 * and the next call reconnects.
 *
 * Errors: BASE_ERROR_TRANSPORT for connect, TLS, timeout and dropped
 * connections; BASE_ERROR_PARSE for a reply that is not RESP2 or exceeds the
 * caps (the connection is closed, as the stream can no longer be trusted);
 * BASE_ERROR_SERVICE for an error reply, with its prefix ("ERR", "WRONGTYPE",
 * "NOAUTH") as the code. Nothing here prints.
 *
 * Every key of a stack goes through cache_key(), which wraps the stack name
 * in a hash tag, so all keys share one cluster hash slot and multi-key
 * commands work on cluster-mode endpoints.
 */
#ifndef SCRIBBLE_RUNTIME_CACHE_CLIENT_H
#define SCRIBBLE_RUNTIME_CACHE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "runtime/cache_reply.h"

typedef struct cache_config {
    const char *host;
    int port;
    const char *username;   /* NULL: AUTH <password> (the default user) */
    const char *password;   /* NULL: no AUTH */
    const char *ca_file;    /* NULL: the system's CAs */
    bool plaintext;         /* true: no TLS at all (local tests only) */
    int connect_timeout_ms; /* 0: 5000; covers TCP, TLS handshake and AUTH */
    int io_timeout_ms;      /* 0: 5000; per read or write */
    size_t max_reply_bytes; /* 0: 64 MiB; the cap on one reply tree */
    int max_depth;          /* 0: 8; the cap on array nesting */
} cache_config;

/* One command: argc arguments, each argv[i] of argv_len[i] bytes. */
typedef struct cache_command {
    size_t argc;
    const char *const *argv;
    const size_t *argv_len;
} cache_command;

typedef struct cache_client cache_client;

/* Copies the configuration and connects (with AUTH when configured). */
int cache_client_open(cache_client **out, const cache_config *config, base_error *err);
void cache_client_close(cache_client *client);
/* Connections opened so far, the first one included (for tests and logs). */
unsigned long cache_client_connections(const cache_client *client);

/* Sends one command and reads its reply into *reply (caller frees with
 * cache_reply_free). An error reply is returned as -1 with kind SERVICE,
 * and *reply is then left NULL. */
int cache_command_run(cache_client *client, const cache_command *command, bool idempotent,
                      cache_reply **reply, base_error *err);
/* The same for NUL-terminated arguments, argv[argc]. */
int cache_command_argv(cache_client *client, int argc, const char *const *argv, bool idempotent,
                       cache_reply **reply, base_error *err);

/* Sends count commands in one write, then reads count replies into
 * replies[0..count-1]. Error replies stay in the array as CACHE_REPLY_ERROR
 * (cache_reply_error turns one into an base_error); -1 only for transport or
 * parse failures, in which case no reply is returned. */
int cache_pipeline(cache_client *client, const cache_command *commands, size_t count,
                   bool idempotent, cache_reply **replies, base_error *err);

/* cache_reply_free and cache_reply_error are in cache_reply.h. */

/* Writes "{<stack>}:<name>" into out. -1 if it does not fit, or if stack is
 * empty or holds a brace (the hash tag would then not be the stack name). */
int cache_key(char *out, size_t size, const char *stack, const char *name);
/* The cluster hash slot (0..16383) of a key, honouring a {hash tag}. */
unsigned cache_key_slot(const char *key, size_t len);

#endif

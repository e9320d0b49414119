/*
 * local_function.h - one handler run as Lambda runs a function: the handler
 * binary as a child process that asks its own Runtime API (2018-06-01),
 * served on the local server's loop, for invocations; one at a time, with
 * the function's timeout, restarted when it exits.
 */
#ifndef SCRIBBLE_LOCAL_FUNCTION_H
#define SCRIBBLE_LOCAL_FUNCTION_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "local/local_server.h"

typedef struct local_function local_function;

/* An invocation's end: ok with the handler's response, or not with the
 * error it posted (or one describing a timeout, crash or init error). */
typedef void (*local_invoke_done)(void *ctx, bool ok, const char *body, size_t len);
/* Where the function reports what a person should see (crashes, timeouts). */
typedef void (*local_function_report)(const char *function, const char *message);

typedef struct local_function_options {
    const char *name;                /* the handler: connect, send, ... (static) */
    const char *binary;              /* scribble-handler; outlives the function */
    const char *log_path;            /* the process's stdout and stderr are appended here (copied) */
    int timeout_s;
    const char *const *environment;  /* "NAME=value" pairs, NULL-terminated */
    local_function_report report;
} local_function_options;

int local_function_new(struct lws_context *ctx, const local_function_options *options,
                       local_function **out, base_error *err);
int local_function_start(local_function *f, base_error *err);
/* Queues an invocation; done is always called, exactly once. */
void local_function_invoke(local_function *f, const char *event, local_invoke_done done, void *ctx);
/* Notices an exited process: fails its invocation and restarts it (with backoff). */
void local_function_check(local_function *f);
/* Fails what is queued, stops the process (SIGTERM, then SIGKILL). */
void local_function_stop(local_function *f);
void local_function_free(local_function *f);

#endif

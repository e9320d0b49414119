/*
 * lambda_runtime.h - the client of Lambda's Runtime API (version 2018-06-01)
 * at $AWS_LAMBDA_RUNTIME_API: fetch the next invocation, post its response or
 * its error, report an initialisation error; and the loop that serves
 * invocations with one handler until the Runtime API goes away.
 *
 * Everything here returns 0/-1 with base_error and never prints, except the
 * serve loop, which logs each invocation's outcome through log.h.
 */
#ifndef SCRIBBLE_RUNTIME_LAMBDA_RUNTIME_H
#define SCRIBBLE_RUNTIME_LAMBDA_RUNTIME_H

#include "base/buf.h"
#include "base/error.h"
#include "runtime/handler.h"

typedef struct lambda_runtime lambda_runtime;

typedef struct lambda_invocation {
    char *request_id;           /* never NULL after a successful next */
    char *trace_id;             /* "" when absent */
    char *invoked_function_arn; /* "" when absent */
    long long deadline_ms;      /* 0 when absent */
    base_buf event;              /* the event document, NUL-terminated */
} lambda_invocation;

/* api is "host:port", as Lambda sets AWS_LAMBDA_RUNTIME_API. */
int lambda_runtime_new(const char *api, lambda_runtime **out, base_error *err);
void lambda_runtime_free(lambda_runtime *rt);

/* Blocks until Lambda has an invocation for this process. */
int lambda_runtime_next(lambda_runtime *rt, lambda_invocation *inv, base_error *err);
int lambda_runtime_respond(lambda_runtime *rt, const char *request_id, const char *body,
                           size_t len, base_error *err);
/* Posts {"errorMessage", "errorType"} as the invocation's error. */
int lambda_runtime_fail(lambda_runtime *rt, const char *request_id, const char *error_type,
                        const char *message, base_error *err);
/* Posts the same document to /runtime/init/error: the process cannot serve
 * at all, and should exit afterwards. */
int lambda_runtime_init_error(lambda_runtime *rt, const char *error_type, const char *message,
                              base_error *err);
void lambda_invocation_free(lambda_invocation *inv);

/* Serves invocations with handler for as long as the Runtime API answers:
 * sets _X_AMZN_TRACE_ID and the log's request id for each, posts the
 * handler's response or error. Every invocation's context carries app. Returns -1 only when the Runtime API itself
 * fails (the process should then exit; Lambda starts a new one). */
int lambda_runtime_serve(lambda_runtime *rt, const char *handler_name, handler_fn handler,
                         struct app *app, base_error *err);

#endif

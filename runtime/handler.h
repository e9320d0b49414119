/*
 * handler.h - the shape every Lambda handler of the runtime has, and the
 * handlers themselves. One binary serves every function; handlers.c's table
 * maps Lambda's handler setting (_HANDLER, e.g. "send") to one of these.
 *
 * A handler gets the invocation's context and its event (JSON, as Lambda
 * delivered it), appends its answer to `response` and returns 0, or returns
 * -1 with err filled: the runtime reports err's code as the errorType and its
 * message as the errorMessage. Handlers never print; they log through log.h.
 * Each handler's file says what its event is and what it answers.
 */
#ifndef SCRIBBLE_RUNTIME_HANDLER_H
#define SCRIBBLE_RUNTIME_HANDLER_H

#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"
#include "stack/description.h"

struct app;
struct cJSON;

typedef struct handler_ctx {
    struct app *app;                  /* what the process keeps between invocations */
    const char *request_id;           /* Lambda-Runtime-Aws-Request-Id */
    const char *trace_id;             /* Lambda-Runtime-Trace-Id, "" when absent */
    const char *invoked_function_arn; /* Lambda-Runtime-Invoked-Function-Arn, "" when absent */
    long long deadline_ms;            /* Lambda-Runtime-Deadline-Ms: Unix time in ms, 0 when absent */
    struct cJSON *counts;             /* what the invocation counted (handler_count); may be NULL */
} handler_ctx;

typedef int (*handler_fn)(const handler_ctx *ctx, const char *event_json, size_t len,
                          base_buf *response, base_error *err);

/* Milliseconds left before the invocation's deadline (negative once past it;
 * a large value when Lambda gave no deadline). */
long long handler_remaining_ms(const handler_ctx *ctx);

/* Adds n to the invocation's count `name` ("pixels", "posts", "records"),
 * which its summary log line carries (log_invocation). */
void handler_count(const handler_ctx *ctx, const char *name, double n);

/* handler_<name> for each described handler: handler_connect, handler_send, ... */
#define HANDLER_DECLARE_(name)                                                              \
    int handler_##name(const handler_ctx *ctx, const char *event_json, size_t len,         \
                       base_buf *response, base_error *err);
STACK_HANDLERS(HANDLER_DECLARE_)
#undef HANDLER_DECLARE_

/* The code of the described handler `name`, or NULL (runtime/handlers.c). */
handler_fn runtime_handler_find(const char *name);

#endif

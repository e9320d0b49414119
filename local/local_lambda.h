/*
 * local_lambda.h - Lambda's Invoke (2015-03-31) on the local AWS endpoint,
 * so that a program signed with the run's credentials can invoke any of the
 * app's functions as it would on AWS: POST /2015-03-31/functions/
 * <FunctionName>/invocations, synchronously (InvocationType RequestResponse),
 * the function's answer as the body (docs/local.md).
 *
 * The functions are the app's local functions, each by the name `up` gives
 * it; this file names none itself. The invocation ends later on the loop, so
 * its request is held (local_server.h) until the function answers.
 */
#ifndef SCRIBBLE_LOCAL_LAMBDA_H
#define SCRIBBLE_LOCAL_LAMBDA_H

#include <stdbool.h>
#include <stddef.h>

#include "local/local_function.h"
#include "local/local_server.h"

#define LOCAL_LAMBDA_PATH "/2015-03-31/functions/" /* where every Lambda request's path starts */

/* A function Invoke reaches: its name as `up` names it, and what runs it. */
typedef struct local_lambda_function {
    const char *name; /* <stack>-<handler>-function */
    local_function *function;
} local_lambda_function;

typedef struct local_lambda {
    const char *region;  /* of the functions' ARNs */
    const char *account; /* of the functions' ARNs */
    const local_lambda_function *functions;
    size_t function_count;
} local_lambda;

/* Refuses what Invoke would refuse, in the order Lambda checks (true, the
 * refusal in reply); else sets *out to the function to invoke. Reads only
 * req's method, head (as sent) and body. */
bool local_lambda_refused(const local_lambda *lambda, const local_request *req, local_reply *reply,
                          const local_lambda_function **out);
/* Serves a request whose path starts with LOCAL_LAMBDA_PATH, its signature
 * checked. true: the answer is in s->reply now. false: the request is held
 * (s->waiting set) and local_session_reply(wsi, s) is called once the
 * function answers, unless the connection closed first
 * (local_lambda_abandoned). */
bool local_lambda_handle(const local_lambda *lambda, struct lws *wsi, local_session *s);
/* A held request's connection closed: the function's answer is dropped when
 * it comes, without touching the session. */
void local_lambda_abandoned(local_session *s);

#endif

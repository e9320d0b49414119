/*
 * fanout.h - posting messages to WebSocket connections through API Gateway's
 * management API (POST /@connections/{id}), to many connections at once.
 *
 * A fanout owns a fixed number of AWS clients, one per worker, created on
 * first use and kept for the life of the process, so their HTTPS
 * connections are reused from one invocation to the next. A broadcast runs
 * one thread per worker, each taking the next connection from a shared
 * counter: a slow or throttled connection holds up one worker, not the rest.
 *
 * Not to be used from two threads at once; nothing here prints.
 */
#ifndef SCRIBBLE_RUNTIME_FANOUT_H
#define SCRIBBLE_RUNTIME_FANOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "runtime/server_message.h"

typedef struct fanout fanout;

typedef enum fanout_outcome {
    FANOUT_SENT,   /* every message was accepted */
    FANOUT_GONE,   /* HTTP 410: API Gateway has no such open connection */
    FANOUT_FAILED, /* another error, after the client's retries */
} fanout_outcome;

/* endpoint: the management API's URL, stage included
 * (https://<api>.execute-api.<region>.amazonaws.com/<stage>). */
int fanout_new(const char *endpoint, int workers, fanout **out, base_error *err);
void fanout_free(fanout *f);

/* One message to one connection. A 410 answer is -1 with err->http_status 410. */
int fanout_post(fanout *f, const char *connection_id, const char *data, size_t len,
                base_error *err);
/* The same for every message of a list, in order; stops at the first failure. */
int fanout_post_all(fanout *f, const char *connection_id, const message_list *messages,
                    base_error *err);

/* Every message, in order, to every connection, connections concurrently.
 * outcomes[i] receives connection i's outcome. */
void fanout_broadcast(fanout *f, char *const *connection_ids, size_t count,
                      const message_list *messages, fanout_outcome *outcomes);

bool fanout_is_gone(const base_error *err);

#endif

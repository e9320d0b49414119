/*
 * local_server.h - scribblectl local's HTTP and WebSocket server, over
 * libwebsockets: one event loop, several listeners (the page and its
 * WebSocket, the local AWS endpoints, one Lambda Runtime API per handler).
 *
 * Each listener is a local_endpoint: its ops get whole HTTP requests (body
 * read) and WebSocket events, and answer through the session. Everything
 * runs on the loop's one thread, so nothing here locks. Request heads over
 * the limits of local_request_head.h, with a bad %-escape or a bad
 * Sec-WebSocket-Key, and upgrades from an Origin the endpoint does not
 * allow, are answered before any endpoint sees them.
 */
#ifndef SCRIBBLE_LOCAL_SERVER_H
#define SCRIBBLE_LOCAL_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <libwebsockets.h>

#include "base/buf.h"
#include "base/error.h"
#include "local/local_reply.h"
#include "local/local_request_head.h"

#define LOCAL_MAX_BODY (16u << 20)        /* the largest HTTP body read */
#define LOCAL_MAX_WS_MESSAGE (128u << 10) /* API Gateway's WebSocket message limit */

typedef struct local_request {
    char method[8];
    char path[LOCAL_MAX_TARGET + 1]; /* decoded, without the query */
    char target[160]; /* X-Amz-Target */
    char content_type[160];
    char host[256];
    char error_type[160]; /* Lambda-Runtime-Function-Error-Type */
    base_buf body;
    base_buf head; /* the head as it came (request line and headers), when the endpoint keeps it */
    bool expect_body;
    bool too_large;
    bool dispatched; /* handed to the endpoint (each request is, once) */
} local_request;

typedef struct local_connection local_connection;

/* One client connection's state (libwebsockets' per-session data). */
typedef struct local_session {
    local_request req;
    local_reply reply;
    bool reply_ready;
    bool head;            /* answer without a body */
    void *waiting;        /* what a held request waits on (the Runtime API's next) */
    base_buf message;      /* a WebSocket message being received */
    bool message_too_big;
    local_connection *connection; /* a WebSocket's API Gateway connection */
} local_session;

typedef struct local_endpoint_ops {
    /* A new connection (fd), before anything is read from it: false closes
     * it at once, and the endpoint says why. NULL: every one is let in. */
    bool (*admit)(void *owner, int fd);
    /* A whole request: fill s->reply and call local_session_reply now or later. */
    void (*request)(void *owner, struct lws *wsi, local_session *s);
    /* An HTTP connection closed while its request was held (s->waiting set). */
    void (*abandoned)(void *owner, local_session *s);
    void (*ws_open)(void *owner, struct lws *wsi, local_session *s);
    void (*ws_message)(void *owner, local_session *s, const char *data, size_t len);
    /* Writes what is queued for the WebSocket; -1 closes it. */
    int (*ws_writable)(void *owner, struct lws *wsi, local_session *s);
    void (*ws_closed)(void *owner, local_session *s);
} local_endpoint_ops;

typedef struct local_endpoint {
    const local_endpoint_ops *ops;
    void *owner;
    const char *port_setting; /* how to choose another port, for "in use" errors */
    int port; /* the port it listens on, once listening */
    /* The origins (scheme://host[:port], separated by spaces) whose pages may
     * open a WebSocket here; NULL: any. A request asking to upgrade with
     * another Origin, or with Origin twice, is answered 403 before
     * libwebsockets sees it; one without Origin passes (docs/local.md). */
    const char *origins;
    bool keep_head; /* requests carry their head as sent (req.head), for checking signatures */
} local_endpoint;

int local_server_new(struct lws_context **out, base_error *err);
/* Whether listening on bind keeps a listener to this machine: localhost or
 * an address in 127.0.0.0/8. 0.0.0.0 is every interface, so not. */
bool local_bind_is_loopback(const char *bind);
/* Listens on bind:port (0: a free port, stored in ep->port). A port in use
 * is an error naming it ("PortInUse"). */
int local_server_listen(struct lws_context *ctx, const char *bind, int port, local_endpoint *ep,
                        base_error *err);

/* Sends s->reply once the connection can be written. */
void local_session_reply(struct lws *wsi, local_session *s);
/* Sets s->reply to a JSON or text answer. */
void local_reply_set(local_reply *r, int status, const char *content_type, const char *body);

#endif

/*
 * local_gateway.h - the WebSocket API as API Gateway runs it, on the local
 * server: each connection gets an id; the routes of the stack's description
 * ($connect, $disconnect, sendMessage, $default) invoke their functions with
 * API Gateway's event shapes; the management API's @connections (POST,
 * GET, DELETE) reaches the connections by id.
 *
 * As on API Gateway: the route selection expression $request.body.action
 * picks sendMessage for a JSON object whose action is exactly that string,
 * and $default (the send function too) for any other text frame, so the
 * handler answers it with the protocol's errors; a binary frame closes the
 * connection with 1003, text that is not UTF-8 with 1007; a connection
 * whose $connect does not answer 2xx is closed without $disconnect; a route
 * whose function fails gets {"message": "Internal server error", ...}; a
 * message over 128 KiB closes the connection (1009). Unlike it, posts to a
 * connection whose $connect is still running are held and sent once it
 * succeeds.
 */
#ifndef SCRIBBLE_LOCAL_GATEWAY_H
#define SCRIBBLE_LOCAL_GATEWAY_H

#include "local/local_function.h"
#include "local/local_server.h"

typedef struct local_gateway local_gateway;

/* functions[i] answers the stack's described_routes[i] (stack/description.h). */
local_gateway *local_gateway_new(local_function *const *functions);
/* Frees the gateway and its connections; call once the server (and so every
 * WebSocket) is gone. */
void local_gateway_free(local_gateway *gw);

/* The WebSocket side, called by the site endpoint's ops. */
void local_gateway_open(local_gateway *gw, struct lws *wsi, local_session *s);
void local_gateway_message(local_gateway *gw, local_session *s, const char *data, size_t len);
int local_gateway_writable(local_gateway *gw, struct lws *wsi, local_session *s);
void local_gateway_closed(local_gateway *gw, local_session *s);

/* The management API: path is /@connections/<id>. */
void local_gateway_manage(local_gateway *gw, const local_request *req, local_reply *reply);

#endif

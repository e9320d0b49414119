/*
 * local_gateway.c - the local WebSocket API (local_gateway.h).
 *
 * Route selection is the runtime's own reading of $request.body.action
 * (client_message_route), so it cannot disagree with the handler about
 * what a frame says; a frame's bytes reach the event whole, NULs included.
 */
#include "local/local_gateway.h"
#include "local/local_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "local/local_json.h"
#include "runtime/client_message.h"
#include "runtime/strict_json.h"
#include "stack/description.h"

#define CONNECTIONS_PATH "/@connections/"
#define MAX_POST (128u << 10)

typedef enum connection_state { CONNECTING, OPEN, CLOSING, CLOSED } connection_state;

typedef struct frame {
    struct frame *next;
    base_buf data;
    bool binary;
} frame;

typedef struct frame_queue {
    frame *head, *tail;
} frame_queue;

struct local_connection {
    local_connection *next;
    local_gateway *gw;
    struct lws *wsi;  /* NULL once closed */
    char id[24];
    connection_state state;
    bool connect_ok;  /* $connect answered 2xx */
    int close_status; /* CLOSING: the close code to send; 0: by connect_ok */
    int refs;         /* invocations still to report back */
    long long connected_at_ms, last_active_ms;
    char source_ip[64];
    char user_agent[256];
    cJSON *headers;   /* the upgrade request's, for $connect and $disconnect */
    cJSON *query;
    frame_queue out;  /* to the client */
    frame_queue in;   /* from the client, held until $connect succeeds */
};

struct local_gateway {
    local_function **routes; /* described_routes[i]'s function */
    local_connection *connections;
};

/* An id as API Gateway makes them: 16 characters of base64 (URL-safe here). */
static void random_id(char out[24])
{
    unsigned char raw[11];
    if (RAND_bytes(raw, sizeof raw) != 1)
        abort();
    EVP_EncodeBlock((unsigned char *)out, raw, sizeof raw);
    for (char *c = out; *c; c++)
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
}

static void frames_push(frame_queue *q, const char *data, size_t len, bool binary)
{
    frame *f = base_xcalloc(1, sizeof *f);
    base_buf_append(&f->data, data, len);
    f->binary = binary;
    if (q->tail)
        q->tail->next = f;
    else
        q->head = f;
    q->tail = f;
}

static frame *frames_pop(frame_queue *q)
{
    frame *f = q->head;
    if (f) {
        q->head = f->next;
        if (!q->head)
            q->tail = NULL;
    }
    return f;
}

static void frame_free(frame *f)
{
    base_buf_free(&f->data);
    free(f);
}

static void frames_clear(frame_queue *q)
{
    frame *f;
    while ((f = frames_pop(q)))
        frame_free(f);
}

local_gateway *local_gateway_new(local_function *const *functions)
{
    local_gateway *gw = base_xcalloc(1, sizeof *gw);
    gw->routes = base_xcalloc(described_route_count, sizeof *gw->routes);
    memcpy(gw->routes, functions, described_route_count * sizeof *gw->routes);
    return gw;
}

/* The function of the route, or of $default when no route has that key. */
static local_function *route_function(const local_gateway *gw, const char *route_key)
{
    const described_route *route = described_route_find(route_key);
    if (!route)
        route = described_route_find("$default");
    return route ? gw->routes[route - described_routes] : NULL;
}

static local_connection *find(local_gateway *gw, const char *id)
{
    for (local_connection *c = gw->connections; c; c = c->next)
        if (strcmp(c->id, id) == 0 && c->state != CLOSED)
            return c;
    return NULL;
}

static void unlink_connection(local_gateway *gw, local_connection *conn)
{
    for (local_connection **p = &gw->connections; *p; p = &(*p)->next)
        if (*p == conn) {
            *p = conn->next;
            return;
        }
}

static void connection_free(local_connection *conn)
{
    frames_clear(&conn->out);
    frames_clear(&conn->in);
    cJSON_Delete(conn->headers);
    cJSON_Delete(conn->query);
    free(conn);
}

/* Frees a closed connection once no invocation will report back to it. */
static void release(local_connection *conn)
{
    if (conn->state == CLOSED && conn->refs == 0) {
        unlink_connection(conn->gw, conn);
        connection_free(conn);
    }
}

void local_gateway_free(local_gateway *gw)
{
    if (!gw)
        return;
    local_connection *c = gw->connections;
    while (c) {
        local_connection *next = c->next;
        connection_free(c);
        c = next;
    }
    free(gw->routes);
    free(gw);
}

/* -- events ------------------------------------------------------------------------ */

static cJSON *request_context(const local_connection *conn, const char *route, const char *type,
                              char request_id[24])
{
    long long now = local_now_ms();
    time_t secs = (time_t)(now / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char when[64];
    strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    random_id(request_id);
    cJSON *ctx = cJSON_CreateObject();
    cJSON_AddStringToObject(ctx, "routeKey", route);
    cJSON_AddStringToObject(ctx, "eventType", type);
    if (strcmp(type, "MESSAGE") == 0) {
        char message_id[24];
        random_id(message_id);
        cJSON_AddStringToObject(ctx, "messageId", message_id);
    }
    cJSON_AddStringToObject(ctx, "extendedRequestId", request_id);
    cJSON_AddStringToObject(ctx, "requestTime", when);
    cJSON_AddStringToObject(ctx, "messageDirection", "IN");
    cJSON_AddStringToObject(ctx, "stage", "local");
    cJSON_AddNumberToObject(ctx, "connectedAt", (double)conn->connected_at_ms);
    cJSON_AddNumberToObject(ctx, "requestTimeEpoch", (double)now);
    cJSON *identity = cJSON_AddObjectToObject(ctx, "identity");
    cJSON_AddStringToObject(identity, "sourceIp", conn->source_ip);
    if (strcmp(type, "MESSAGE") != 0)
        cJSON_AddStringToObject(identity, "userAgent", conn->user_agent);
    cJSON_AddStringToObject(ctx, "requestId", request_id);
    cJSON_AddStringToObject(ctx, "domainName", "localhost");
    cJSON_AddStringToObject(ctx, "connectionId", conn->id);
    cJSON_AddStringToObject(ctx, "apiId", "local");
    return ctx;
}

/* headers and multiValueHeaders (and the query's two forms) of a $connect or $disconnect. */
static void add_request_parts(cJSON *event, const local_connection *conn, bool query)
{
    cJSON *multi = cJSON_CreateObject();
    cJSON *h;
    cJSON_ArrayForEach(h, conn->headers) {
        cJSON *list = cJSON_AddArrayToObject(multi, h->string);
        cJSON_AddItemToArray(list, cJSON_CreateString(h->valuestring));
    }
    cJSON_AddItemToObject(event, "headers", cJSON_Duplicate(conn->headers, true));
    cJSON_AddItemToObject(event, "multiValueHeaders", multi);
    if (query && cJSON_GetArraySize(conn->query) > 0) {
        cJSON *single = cJSON_CreateObject();
        cJSON *q;
        cJSON_ArrayForEach(q, conn->query) {
            cJSON *last = cJSON_GetArrayItem(q, cJSON_GetArraySize(q) - 1);
            cJSON_AddStringToObject(single, q->string, last->valuestring);
        }
        cJSON_AddItemToObject(event, "queryStringParameters", single);
        cJSON_AddItemToObject(event, "multiValueQueryStringParameters", cJSON_Duplicate(conn->query, true));
    }
}

static char *event_text(cJSON *event)
{
    char *text = cJSON_PrintUnformatted(event);
    cJSON_Delete(event);
    if (!text)
        abort();
    return text;
}

typedef struct pending {
    local_connection *conn;
    char request_id[24];
} pending;

static void invoke(local_function *f, char *event, local_connection *conn, local_invoke_done done,
                   const char *request_id)
{
    pending *p = base_xcalloc(1, sizeof *p);
    p->conn = conn;
    snprintf(p->request_id, sizeof p->request_id, "%s", request_id);
    conn->refs++;
    local_function_invoke(f, event, done, p);
    cJSON_free(event);
}

static void queue_frame(local_connection *conn, const char *data, size_t len)
{
    frames_push(&conn->out, data, len, false);
    if (conn->wsi && conn->state != CONNECTING)
        lws_callback_on_writable(conn->wsi);
}

/* What API Gateway tells a client about a message whose function failed. */
static void tell_client(local_connection *conn, const char *message, const char *request_id)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "message", message);
    cJSON_AddStringToObject(doc, "connectionId", conn->id);
    cJSON_AddStringToObject(doc, "requestId", request_id);
    char *text = event_text(doc);
    queue_frame(conn, text, strlen(text));
    cJSON_free(text);
}

/* Closes the connection with status (then $disconnect runs, as on AWS). */
static void close_with(local_connection *conn, int status)
{
    conn->state = CLOSING;
    conn->close_status = status;
    if (conn->wsi)
        lws_callback_on_writable(conn->wsi);
}

static void message_done(void *ctx, bool ok, const char *body, size_t len)
{
    (void)body, (void)len;
    pending *p = ctx;
    local_connection *conn = p->conn;
    conn->refs--;
    if (!ok && conn->state != CLOSED)
        tell_client(conn, "Internal server error", p->request_id);
    free(p);
    release(conn);
}

static void disconnect_done(void *ctx, bool ok, const char *body, size_t len)
{
    (void)ok, (void)body, (void)len;
    pending *p = ctx;
    p->conn->refs--;
    release(p->conn);
    free(p);
}

static void send_disconnect(local_connection *conn)
{
    char request_id[24];
    cJSON *event = cJSON_CreateObject();
    add_request_parts(event, conn, false);
    cJSON *ctx = request_context(conn, "$disconnect", "DISCONNECT", request_id);
    cJSON_AddNumberToObject(ctx, "disconnectStatusCode", 1001);
    cJSON_AddStringToObject(ctx, "disconnectReason", "");
    cJSON_AddItemToObject(event, "requestContext", ctx);
    cJSON_AddBoolToObject(event, "isBase64Encoded", false);
    invoke(route_function(conn->gw, "$disconnect"), event_text(event), conn, disconnect_done,
           request_id);
}

/* As API Gateway: a binary frame closes the connection with 1003 (it takes
 * text only), as does text that is not UTF-8 with 1007 (RFC 6455 requires
 * it); any other frame goes to the send function on the route
 * $request.body.action selects, sendMessage or $default. */
static void route_message(local_connection *conn, const char *data, size_t len, bool binary)
{
    conn->last_active_ms = local_now_ms();
    if (binary || !strict_json_utf8(data, len)) {
        close_with(conn, binary ? LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE
                                : LWS_CLOSE_STATUS_INVALID_PAYLOAD);
        return;
    }
    char request_id[24];
    cJSON *event = cJSON_CreateObject();
    const char *route = client_message_route(data, len);
    cJSON_AddItemToObject(event, "requestContext",
                          request_context(conn, route, "MESSAGE", request_id));
    /* cJSON's strings end at NUL; the frame's bytes go in whole. */
    base_buf body = {0};
    strict_json_quote(data, len, &body);
    cJSON_AddRawToObject(event, "body", base_buf_str(&body));
    base_buf_free(&body);
    cJSON_AddBoolToObject(event, "isBase64Encoded", false);
    invoke(route_function(conn->gw, route), event_text(event), conn, message_done, request_id);
}

static bool status_2xx(const char *body, size_t len)
{
    cJSON *doc = cJSON_ParseWithLength(body, len);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(doc, "statusCode");
    bool ok = !code || (cJSON_IsNumber(code) && code->valuedouble >= 200 && code->valuedouble < 300);
    cJSON_Delete(doc);
    return ok;
}

static void connect_done(void *ctx, bool ok, const char *body, size_t len)
{
    pending *p = ctx;
    local_connection *conn = p->conn;
    free(p);
    conn->connect_ok = ok && status_2xx(body, len);
    if (conn->state == CLOSED) {
        if (conn->connect_ok)
            send_disconnect(conn);
    } else if (!conn->connect_ok) {
        frames_clear(&conn->out);
        conn->state = CLOSING;
        lws_callback_on_writable(conn->wsi);
    } else {
        conn->state = OPEN;
        frame *f;
        while (conn->state == OPEN && (f = frames_pop(&conn->in))) {
            route_message(conn, f->data.data ? f->data.data : "", f->data.len, f->binary);
            frame_free(f);
        }
        if (conn->out.head && conn->wsi)
            lws_callback_on_writable(conn->wsi);
    }
    conn->refs--; /* held until here: the calls above may end in release() */
    release(conn);
}

/* -- the WebSocket side ------------------------------------------------------------ */

static void read_upgrade(local_connection *conn, struct lws *wsi)
{
    static const struct {
        enum lws_token_indexes token;
        const char *name;
    } wanted[] = {
        {WSI_TOKEN_HOST, "Host"},
        {WSI_TOKEN_ORIGIN, "Origin"},
        {WSI_TOKEN_EXTENSIONS, "Sec-WebSocket-Extensions"},
        {WSI_TOKEN_KEY, "Sec-WebSocket-Key"},
        {WSI_TOKEN_VERSION, "Sec-WebSocket-Version"},
        {WSI_TOKEN_HTTP_USER_AGENT, "User-Agent"},
    };
    conn->headers = cJSON_CreateObject();
    char value[512];
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
        if (lws_hdr_total_length(wsi, wanted[i].token) > 0 &&
            lws_hdr_copy(wsi, value, sizeof value, wanted[i].token) >= 0)
            cJSON_AddStringToObject(conn->headers, wanted[i].name, value);
    lws_get_peer_simple(wsi, conn->source_ip, sizeof conn->source_ip);
    cJSON_AddStringToObject(conn->headers, "X-Forwarded-For", conn->source_ip);
    cJSON_AddStringToObject(conn->headers, "X-Forwarded-Proto", "http");
    const char *agent = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(conn->headers, "User-Agent"));
    snprintf(conn->user_agent, sizeof conn->user_agent, "%s", agent ? agent : "");
    conn->query = cJSON_CreateObject();
    char arg[512];
    for (int n = 0; lws_hdr_copy_fragment(wsi, arg, sizeof arg, WSI_TOKEN_HTTP_URI_ARGS, n) > 0; n++) {
        char *eq = strchr(arg, '=');
        const char *v = eq ? eq + 1 : "";
        if (eq)
            *eq = '\0';
        cJSON *list = cJSON_GetObjectItemCaseSensitive(conn->query, arg);
        if (!list)
            list = cJSON_AddArrayToObject(conn->query, arg);
        cJSON_AddItemToArray(list, cJSON_CreateString(v));
    }
}

void local_gateway_open(local_gateway *gw, struct lws *wsi, local_session *s)
{
    local_connection *conn = base_xcalloc(1, sizeof *conn);
    conn->gw = gw;
    conn->wsi = wsi;
    do
        random_id(conn->id);
    while (find(gw, conn->id));
    conn->state = CONNECTING;
    conn->connected_at_ms = conn->last_active_ms = local_now_ms();
    read_upgrade(conn, wsi);
    conn->next = gw->connections;
    gw->connections = conn;
    s->connection = conn;
    char request_id[24];
    cJSON *event = cJSON_CreateObject();
    add_request_parts(event, conn, true);
    cJSON_AddItemToObject(event, "requestContext", request_context(conn, "$connect", "CONNECT", request_id));
    cJSON_AddBoolToObject(event, "isBase64Encoded", false);
    invoke(route_function(gw, "$connect"), event_text(event), conn, connect_done, request_id);
}

void local_gateway_message(local_gateway *gw, local_session *s, const char *data, size_t len)
{
    (void)gw;
    local_connection *conn = s->connection;
    if (!conn || conn->state == CLOSING)
        return;
    /* Called for the message's last fragment: the opcode is the message's. */
    bool binary = conn->wsi && lws_frame_is_binary(conn->wsi);
    if (conn->state == CONNECTING)
        frames_push(&conn->in, data, len, binary);
    else
        route_message(conn, data, len, binary);
}

int local_gateway_writable(local_gateway *gw, struct lws *wsi, local_session *s)
{
    (void)gw;
    local_connection *conn = s->connection;
    if (!conn)
        return -1;
    frame *f = frames_pop(&conn->out);
    if (f) {
        unsigned char *buf = base_xmalloc(LWS_PRE + f->data.len + 1);
        memcpy(buf + LWS_PRE, f->data.data ? f->data.data : "", f->data.len);
        int n = lws_write(wsi, buf + LWS_PRE, f->data.len, LWS_WRITE_TEXT);
        free(buf);
        frame_free(f);
        if (n < 0)
            return -1;
        if (conn->out.head)
            lws_callback_on_writable(wsi);
        else if (conn->state == CLOSING)
            lws_callback_on_writable(wsi);
        return 0;
    }
    if (conn->state == CLOSING) {
        const char *reason = conn->close_status == LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE
                                 ? "Binary frames are not supported"
                             : conn->close_status == LWS_CLOSE_STATUS_INVALID_PAYLOAD
                                 ? "Text frames must be UTF-8"
                                 : "Going away";
        int status = conn->close_status ? conn->close_status
                     : conn->connect_ok ? LWS_CLOSE_STATUS_NORMAL : LWS_CLOSE_STATUS_POLICY_VIOLATION;
        lws_close_reason(wsi, (enum lws_close_status)status, (unsigned char *)reason, strlen(reason));
        return -1;
    }
    return 0;
}

void local_gateway_closed(local_gateway *gw, local_session *s)
{
    (void)gw;
    local_connection *conn = s->connection;
    if (!conn)
        return;
    s->connection = NULL;
    bool connecting = conn->state == CONNECTING;
    conn->state = CLOSED;
    conn->wsi = NULL;
    frames_clear(&conn->out);
    frames_clear(&conn->in);
    conn->refs++; /* send_disconnect may end in release() */
    if (conn->connect_ok && !connecting)
        send_disconnect(conn);
    conn->refs--;
    release(conn);
}

/* -- @connections ------------------------------------------------------------------ */

#define CONNECTION_MESSAGE_SIZE 256

static void gone(local_reply *reply, const char *id)
{
    base_buf_printf(&reply->headers, "x-amzn-ErrorType: GoneException\r\n");
    reply->status = 410;
    reply->content_type = "application/json";
    char message[CONNECTION_MESSAGE_SIZE];
    snprintf(message, sizeof message, "connection %s is gone", id);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "message", message);
    char *text = local_json_print(doc);
    base_buf_append_str(&reply->body, text);
    free(text);
    cJSON_Delete(doc);
}

static void iso_time(long long ms, char out[32])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void local_gateway_manage(local_gateway *gw, const local_request *req, local_reply *reply)
{
    const char *id = req->path + strlen(CONNECTIONS_PATH);
    local_connection *conn = find(gw, id);
    if (!conn || conn->state == CLOSING) {
        gone(reply, id);
        return;
    }
    if (strcmp(req->method, "POST") == 0) {
        if (req->body.len > MAX_POST) {
            base_buf_printf(&reply->headers, "x-amzn-ErrorType: PayloadTooLargeException\r\n");
            local_reply_set(reply, 413, "application/json", "{\"message\":\"Message too long\"}");
            return;
        }
        queue_frame(conn, req->body.data ? req->body.data : "", req->body.len);
        local_reply_set(reply, 200, "application/json", NULL);
    } else if (strcmp(req->method, "DELETE") == 0) {
        conn->state = CLOSING;
        if (conn->wsi)
            lws_callback_on_writable(conn->wsi);
        local_reply_set(reply, 204, NULL, NULL);
    } else if (strcmp(req->method, "GET") == 0) {
        char connected[32], active[32];
        iso_time(conn->connected_at_ms, connected);
        iso_time(conn->last_active_ms, active);
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "connectedAt", connected);
        cJSON *identity = cJSON_AddObjectToObject(doc, "identity");
        cJSON_AddStringToObject(identity, "sourceIp", conn->source_ip);
        cJSON_AddStringToObject(identity, "userAgent", conn->user_agent);
        cJSON_AddStringToObject(doc, "lastActiveAt", active);
        char *text = event_text(doc);
        local_reply_set(reply, 200, "application/json", text);
        cJSON_free(text);
    } else {
        local_reply_set(reply, 405, "application/json", "{\"message\":\"method not allowed\"}");
    }
}

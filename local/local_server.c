/*
 * local_server.c - the libwebsockets side of scribblectl local (local_server.h):
 * reads requests and WebSocket messages into sessions, hands them to the
 * listener's endpoint, and writes the answers back.
 *
 * libwebsockets does not listen itself. Each listener is our socket, watched
 * by the loop as a raw descriptor (the "door"): a new connection's head is
 * peeked at (MSG_PEEK, so nothing is consumed) until local_request_head.c
 * gives a verdict. A head it refuses gets its answer here (414, 431, 400),
 * whatever its size, because libwebsockets would close without one (docs/
 * local.md, "Request limits"). A head asking to upgrade is also checked
 * against the endpoint's allowed origins here (403), since libwebsockets
 * would answer 101 to any Origin. A head that passes is handed to libwebsockets
 * on a duplicate of the descriptor, and reads the same bytes again. The
 * endpoint travels with the connection as its opaque user data: all
 * connections share one vhost, since libwebsockets picks a vhost by port
 * and Host, which a connection it did not accept has not got.
 *
 * Only a connection's first head passes the door, so every HTTP answer says
 * "Connection: close" and the connection closes after it; WebSocket
 * upgrades keep theirs. The door also keeps a copy of the head for an
 * endpoint that checks signatures over it (keep_head), since libwebsockets
 * hands on the path decoded and the headers one by one, and lets an
 * endpoint turn a connection away before reading it (admit).
 */
#include "base/cursor.h"
#include "local/local_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "local/local_request_head.h"

#define VHOST_NAME "scribble"
#define DOOR_PROTOCOL "scribble-door"
/* libwebsockets' header buffer: room for any head the door passes (our
 * limits, plus its own bookkeeping of a few bytes per header). */
#define LWS_HEADER_BUFFER (32u << 10)
#define HEAD_TIMEOUT_SECONDS 60   /* for a head to arrive whole */
#define DRAIN_TIMEOUT_SECONDS 10  /* reading what follows a refused head */

static const struct {
    enum lws_token_indexes token;
    const char *name;
} methods[] = {
    {WSI_TOKEN_GET_URI, "GET"},       {WSI_TOKEN_POST_URI, "POST"},
    {WSI_TOKEN_PUT_URI, "PUT"},       {WSI_TOKEN_DELETE_URI, "DELETE"},
    {WSI_TOKEN_HEAD_URI, "HEAD"},     {WSI_TOKEN_PATCH_URI, "PATCH"},
    {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
};

static local_endpoint *endpoint_of(struct lws *wsi)
{
    return lws_get_opaque_user_data(wsi);
}

/* Heads of connections handed to libwebsockets for endpoints that keep
 * them, by the descriptor libwebsockets got, until the connection's request
 * takes its own. One left behind by a connection that closed first is
 * replaced when its descriptor's number comes back, and freed with the
 * door protocol. */
typedef struct passed_head {
    struct passed_head *next;
    int fd;
    base_buf head;
} passed_head;

static passed_head *passed_heads; /* the loop has one thread */

static void drop_head(int fd, base_buf *into)
{
    for (passed_head **p = &passed_heads; *p; p = &(*p)->next) {
        if ((*p)->fd != fd)
            continue;
        passed_head *found = *p;
        *p = found->next;
        if (into)
            *into = found->head;
        else
            base_buf_free(&found->head);
        free(found);
        return;
    }
}

static void keep_head(int fd, const char *head, size_t len)
{
    passed_head *p = base_xcalloc(1, sizeof *p);
    p->fd = fd;
    base_buf_append(&p->head, head, len);
    p->next = passed_heads;
    passed_heads = p;
}

static void drop_all_heads(void)
{
    while (passed_heads)
        drop_head(passed_heads->fd, NULL);
}

static void session_clear(local_session *s)
{
    base_buf_free(&s->req.body);
    base_buf_free(&s->req.head);
    local_reply_free(&s->reply);
    base_buf_free(&s->message);
    memset(s, 0, sizeof *s);
}

static void copy_custom(struct lws *wsi, const char *name, char *out, int size)
{
    out[0] = '\0';
    int len = lws_hdr_custom_length(wsi, name, (int)strlen(name));
    if (len > 0 && len < size && lws_hdr_custom_copy(wsi, out, size, name, (int)strlen(name)) < 0)
        out[0] = '\0';
}

static void copy_header(struct lws *wsi, enum lws_token_indexes token, char *out, int size)
{
    out[0] = '\0';
    if (lws_hdr_total_length(wsi, token) < size && lws_hdr_copy(wsi, out, size, token) < 0)
        out[0] = '\0';
}

static void read_request(struct lws *wsi, const char *path, local_request *req)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (lws_hdr_total_length(wsi, methods[i].token) > 0) {
            snprintf(req->method, sizeof req->method, "%s", methods[i].name);
            break;
        }
    snprintf(req->path, sizeof req->path, "%s", path ? path : "/");
    copy_custom(wsi, "x-amz-target:", req->target, sizeof req->target);
    copy_custom(wsi, "lambda-runtime-function-error-type:", req->error_type, sizeof req->error_type);
    copy_header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, req->content_type, sizeof req->content_type);
    copy_header(wsi, WSI_TOKEN_HOST, req->host, sizeof req->host);
    char length[32];
    copy_header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, length, sizeof length);
    bool chunked = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
    req->expect_body = chunked || (length[0] && strtoul(length, NULL, 10) > 0);
}

void local_reply_set(local_reply *r, int status, const char *content_type, const char *body)
{
    local_reply_free(r);
    r->status = status;
    r->content_type = content_type;
    if (body)
        base_buf_append_str(&r->body, body);
}

void local_session_reply(struct lws *wsi, local_session *s)
{
    s->reply_ready = true;
    s->waiting = NULL;
    lws_callback_on_writable(wsi);
}

/* Hands the whole request to its endpoint, once: libwebsockets reports a
 * request without a body twice (as the request, then as its body's end). */
static void dispatch(struct lws *wsi, local_session *s)
{
    if (s->req.dispatched)
        return;
    s->req.dispatched = true;
    local_endpoint *ep = endpoint_of(wsi);
    if (s->req.too_large) {
        local_reply_set(&s->reply, 413, "text/plain", "request body too large\n");
        local_session_reply(wsi, s);
        return;
    }
    s->head = strcmp(s->req.method, "HEAD") == 0;
    ep->ops->request(ep->owner, wsi, s);
}

/* Adds the reply's "Name: value\r\n" lines as headers. */
static int add_extra_headers(struct lws *wsi, const base_buf *lines, unsigned char **p,
                             unsigned char *end)
{
    base_cursor rest = base_cursor_of(lines->data, lines->len), line;
    while (rest.len && base_cursor_next_token(&rest, '\n', &line)) {
        const char *colon = memchr(line.ptr, ':', line.len);
        if (!colon)
            continue;
        char name[128];
        size_t name_len = (size_t)(colon - line.ptr);
        if (name_len + 2 > sizeof name)
            continue;
        for (size_t i = 0; i < name_len; i++)
            name[i] = (char)(line.ptr[i] >= 'A' && line.ptr[i] <= 'Z' ? line.ptr[i] + 32 : line.ptr[i]);
        name[name_len] = ':';
        name[name_len + 1] = '\0';
        const char *value = colon + 1;
        size_t value_len = line.len - name_len - 1;
        while (value_len && *value == ' ')
            value++, value_len--;
        while (value_len && (value[value_len - 1] == '\r' || value[value_len - 1] == ' '))
            value_len--;
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                        (const unsigned char *)value, (int)value_len, p, end))
            return -1;
    }
    return 0;
}

static int write_reply(struct lws *wsi, local_session *s)
{
    local_reply *r = &s->reply;
    unsigned char headers[LWS_PRE + 8192];
    unsigned char *start = headers + LWS_PRE, *p = start, *end = headers + sizeof headers - 1;
    if (lws_add_http_common_headers(wsi, (unsigned)r->status, r->content_type, r->body.len, &p, end))
        return -1;
    if (r->etag[0] && lws_add_http_header_by_name(wsi, (const unsigned char *)"etag:",
                                                   (const unsigned char *)r->etag,
                                                   (int)strlen(r->etag), &p, end))
        return -1;
    static const char close_value[] = "close";
    if (lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)close_value,
                                     (int)sizeof close_value - 1, &p, end) ||
        add_extra_headers(wsi, &r->headers, &p, end) || lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    if (r->body.len && !s->head) {
        unsigned char *body = base_xmalloc(LWS_PRE + r->body.len);
        memcpy(body + LWS_PRE, r->body.data, r->body.len);
        int n = lws_write(wsi, body + LWS_PRE, r->body.len, LWS_WRITE_HTTP_FINAL);
        free(body);
        if (n < 0)
            return -1;
    }
    session_clear(s);
    return -1; /* "Connection: close": the next request comes through the door again */
}

static int on_ws_receive(struct lws *wsi, local_session *s, const void *in, size_t len)
{
    if (s->message.len + len > LOCAL_MAX_WS_MESSAGE)
        s->message_too_big = true;
    else
        base_buf_append(&s->message, in, len);
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
        return 0;
    if (s->message_too_big) {
        static const char reason[] = "Message too big";
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)reason,
                         sizeof reason - 1);
        return -1;
    }
    local_endpoint *ep = endpoint_of(wsi);
    ep->ops->ws_message(ep->owner, s, s->message.data ? s->message.data : "", s->message.len);
    base_buf_reset(&s->message);
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    local_session *s = user;
    local_endpoint *ep;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        session_clear(s);
        read_request(wsi, in, &s->req);
        drop_head(lws_get_socket_fd(wsi), &s->req.head);
        if (!s->req.expect_body)
            dispatch(wsi, s);
        return 0;
    case LWS_CALLBACK_HTTP_BODY:
        if (s->req.body.len + len > LOCAL_MAX_BODY)
            s->req.too_large = true;
        else
            base_buf_append(&s->req.body, in, len);
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        dispatch(wsi, s);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return s && s->reply_ready ? write_reply(wsi, s) : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
        if (s && s->waiting) {
            ep = endpoint_of(wsi);
            if (ep->ops->abandoned)
                ep->ops->abandoned(ep->owner, s);
        }
        if (s)
            session_clear(s);
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        ep = endpoint_of(wsi);
        memset(s, 0, sizeof *s);
        if (!ep->ops->ws_open)
            return -1;
        ep->ops->ws_open(ep->owner, wsi, s);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return on_ws_receive(wsi, s, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        ep = endpoint_of(wsi);
        return ep->ops->ws_writable(ep->owner, wsi, s);
    case LWS_CALLBACK_CLOSED:
        ep = endpoint_of(wsi);
        ep->ops->ws_closed(ep->owner, s);
        session_clear(s);
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

/* ------------------------------------------------------------------ door */

typedef struct door {
    bool listener;        /* the listening socket, else one new connection */
    local_endpoint *ep;
    struct lws_vhost *vhost;
    bool draining;        /* refused: reading what follows until the peer closes */
} door;

/* Asks poll to wake only once more than `seen` bytes have arrived, so a
 * head that is still coming does not spin the loop on MSG_PEEK. */
static void wake_after(int fd, size_t seen)
{
    int lowat = (int)seen + 1;
    setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat);
}

/* The answer to a refused head: written at once (a few hundred bytes into a
 * fresh socket's empty send buffer), then our side of the connection is
 * shut, and what the client still sends is read and dropped, so that the
 * kernel does not reset the connection before the client reads the answer. */
static int door_refuse(struct lws *wsi, door *d, int fd, const local_head_verdict *v)
{
    char answer[512];
    const char *text = v->status == 403 ? "Forbidden" : local_head_status_text(v->status);
    int n = snprintf(answer, sizeof answer,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s\n",
                     v->status, text, strlen(v->reason) + 1, v->reason);
    if (n <= 0 || write(fd, answer, (size_t)n) < 0)
        return -1; /* the peer is gone */
    shutdown(fd, SHUT_WR);
    wake_after(fd, 0);
    d->draining = true;
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, DRAIN_TIMEOUT_SECONDS);
    return 0;
}

/* Whether the space-separated list holds value (origins compare without
 * regard to case, as scheme and host do). */
static bool listed(const char *list, const char *value, size_t len)
{
    for (const char *p = list; *(p += strspn(p, " "));) {
        size_t n = strcspn(p, " ");
        if (n == len && strncasecmp(p, value, len) == 0)
            return true;
        p += n;
    }
    return false;
}

/* Why a passed head may not upgrade here (static), or NULL. The head is
 * whole and well formed (local_head_check passed it): lines end in LF,
 * perhaps after CR, and the blank line ends it. Any Upgrade header counts
 * as asking, whatever the protocol named. */
static const char *origin_refusal(const local_endpoint *ep, const char *head, size_t len)
{
    if (!ep->origins)
        return NULL;
    bool upgrade = false;
    int origins = 0;
    const char *origin = NULL;
    size_t origin_len = 0;
    const char *end = head + len;
    const char *line = memchr(head, '\n', len);
    while (line && ++line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        size_t n = (size_t)((eol ? eol : end) - line);
        if (n && line[n - 1] == '\r')
            n--;
        const char *colon = memchr(line, ':', n);
        if (colon) {
            size_t name = (size_t)(colon - line);
            const char *v = colon + 1, *v_end = line + n;
            while (v < v_end && (*v == ' ' || *v == '\t'))
                v++;
            while (v_end > v && (v_end[-1] == ' ' || v_end[-1] == '\t'))
                v_end--;
            if (name == 7 && strncasecmp(line, "Upgrade", 7) == 0)
                upgrade = true;
            if (name == 6 && strncasecmp(line, "Origin", 6) == 0) {
                origins++;
                origin = v;
                origin_len = (size_t)(v_end - v);
            }
        }
        line = eol;
    }
    if (!upgrade || origins == 0)
        return NULL;
    if (origins > 1)
        return "Origin given more than once";
    if (!listed(ep->origins, origin, origin_len))
        return "this Origin may not open the WebSocket: only the page's own origin and "
               "[local] allowed_origins may";
    return NULL;
}

/* Hands a passed head's connection to libwebsockets, on a duplicate of the
 * descriptor: the door's own closes with the door. */
static int door_pass(door *d, int fd, const char *head, size_t len)
{
    wake_after(fd, 0);
    int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0)
        return -1;
    drop_head(dup_fd, NULL);
    if (d->ep->keep_head)
        keep_head(dup_fd, head, len);
    lws_adopt_desc_t adopt = {
        .vh = d->vhost,
        .type = LWS_ADOPT_SOCKET | LWS_ADOPT_HTTP,
        .fd.sockfd = dup_fd,
        .opaque = d->ep,
    };
    if (!lws_adopt_descriptor_vhost_via_info(&adopt)) /* closes dup_fd when it fails */
        drop_head(dup_fd, NULL);
    return -1;
}

static int door_read(struct lws *wsi, door *d, int fd)
{
    static char head[LOCAL_MAX_HEAD + 1]; /* the loop has one thread */
    if (d->draining) {
        ssize_t n;
        while ((n = read(fd, head, sizeof head)) > 0)
            ;
        return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
    }
    ssize_t n = recv(fd, head, sizeof head, MSG_PEEK);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    local_head_verdict v = local_head_check(head, (size_t)n);
    switch (v.result) {
    case LOCAL_HEAD_PASS: {
        const char *refusal = origin_refusal(d->ep, head, v.length);
        if (refusal) {
            local_head_verdict forbidden = {.result = LOCAL_HEAD_REFUSE, .status = 403,
                                            .reason = refusal};
            return door_refuse(wsi, d, fd, &forbidden);
        }
        return door_pass(d, fd, head, v.length);
    }
    case LOCAL_HEAD_REFUSE:
        return door_refuse(wsi, d, fd, &v);
    case LOCAL_HEAD_INCOMPLETE:
        break;
    }
    if (n == 0)
        return -1; /* closed before a whole head */
    wake_after(fd, (size_t)n);
    return 0;
}

static void door_accept(door *listener, int listen_fd)
{
    for (;;) {
        int fd = accept(listen_fd, NULL, NULL);
        if (fd < 0)
            return; /* EAGAIN, or an error the next wake-up meets again */
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        if (listener->ep->ops->admit && !listener->ep->ops->admit(listener->ep->owner, fd)) {
            close(fd);
            continue;
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        door *d = base_xcalloc(1, sizeof *d);
        d->ep = listener->ep;
        d->vhost = listener->vhost;
        lws_adopt_desc_t adopt = {
            .vh = listener->vhost,
            .type = LWS_ADOPT_RAW_FILE_DESC,
            .fd.filefd = fd,
            .vh_prot_name = DOOR_PROTOCOL,
            .opaque = d,
        };
        struct lws *wsi = lws_adopt_descriptor_vhost_via_info(&adopt);
        if (!wsi) {
            free(d); /* lws closed fd */
            continue;
        }
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, HEAD_TIMEOUT_SECONDS);
    }
}

static int door_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    (void)user, (void)in, (void)len;
    if (reason == LWS_CALLBACK_PROTOCOL_DESTROY) {
        drop_all_heads();
        return 0;
    }
    door *d = wsi ? lws_get_opaque_user_data(wsi) : NULL;
    if (!d)
        return 0;
    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE:
        if (d->listener) {
            door_accept(d, lws_get_socket_fd(wsi));
            return 0;
        }
        return door_read(wsi, d, lws_get_socket_fd(wsi));
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        lws_set_opaque_user_data(wsi, NULL);
        free(d);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    {"scribble", callback, sizeof(local_session), 64 * 1024, 0, NULL, 0},
    {DOOR_PROTOCOL, door_callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

int local_server_new(struct lws_context **out, base_error *err)
{
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DISABLE_IPV6;
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.max_http_header_data2 = LWS_HEADER_BUFFER;
    *out = lws_create_context(&info);
    ENSURE(*out, err, BASE_ERROR_CONFIG, "ServerFailed", "the local server could not start");

    memset(&info, 0, sizeof info);
    info.vhost_name = VHOST_NAME;
    info.port = CONTEXT_PORT_NO_LISTEN_SERVER; /* the doors accept */
    info.protocols = protocols;
    info.keepalive_timeout = 60;
    info.timeout_secs = 60;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
    if (!lws_create_vhost(*out, &info)) {
        lws_context_destroy(*out);
        *out = NULL;
        ENSURE(false, err, BASE_ERROR_CONFIG, "ServerFailed", "the local server could not start");
    }
    return 0;
}

bool local_bind_is_loopback(const char *bind)
{
    struct in_addr a;
    if (strcmp(bind, "localhost") == 0)
        return true;
    return inet_pton(AF_INET, bind, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/* A listening socket on address:port, errors saying plainly why not. */
static int open_listener(const char *address, int port, const char *setting, int *out,
                         base_error *err)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    ENSURE(inet_pton(AF_INET, address, &sa.sin_addr) == 1, err, BASE_ERROR_CONFIG, "BadBind",
           "cannot listen on %s: not an IPv4 address", address);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ENSURE(fd >= 0, err, BASE_ERROR_CONFIG, "ListenFailed", "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    if (rc == 0)
        rc = listen(fd, SOMAXCONN);
    int saved = errno;
    if (rc != 0)
        close(fd);
    ENSURE(rc == 0 || saved != EADDRINUSE, err, BASE_ERROR_CONFIG, "PortInUse",
           "port %d on %s is in use (another scribblectl local?): stop that program, or choose "
           "another port with %s", port, address, setting ? setting : "another setting");
    ENSURE(rc == 0, err, BASE_ERROR_CONFIG, "ListenFailed", "cannot listen on %s:%d: %s", address,
           port, strerror(saved));
    *out = fd;
    return 0;
}

int local_server_listen(struct lws_context *ctx, const char *bind, int port, local_endpoint *ep,
                        base_error *err)
{
    const char *address = strcmp(bind, "localhost") == 0 ? "127.0.0.1" : bind;
    struct lws_vhost *vhost = lws_get_vhost_by_name(ctx, VHOST_NAME);
    ENSURE(vhost, err, BASE_ERROR_CONFIG, "ListenFailed", "cannot listen on %s:%d", address, port);
    int fd = -1;
    TRY(open_listener(address, port, ep->port_setting, &fd, err));
    struct sockaddr_in sa;
    socklen_t sa_len = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &sa_len);
    door *d = base_xcalloc(1, sizeof *d);
    d->listener = true;
    d->ep = ep;
    d->vhost = vhost;
    lws_adopt_desc_t adopt = {
        .vh = vhost,
        .type = LWS_ADOPT_RAW_FILE_DESC,
        .fd.filefd = fd,
        .vh_prot_name = DOOR_PROTOCOL,
        .opaque = d,
    };
    if (!lws_adopt_descriptor_vhost_via_info(&adopt)) {
        free(d);
        ENSURE(false, err, BASE_ERROR_CONFIG, "ListenFailed", "cannot listen on %s:%d", address, port);
    }
    ep->port = ntohs(sa.sin_port);
    return 0;
}


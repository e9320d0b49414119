/*
 * http.c - header lists, request/response values, percent-encoding, and the
 * libcurl transport.
 *
 * The transport sends exactly the headers the request holds (plus curl's
 * own Content-Length and Accept), so what was signed is what is sent; it
 * disables "Expect: 100-continue" and follows no redirects. --debug output
 * passes through debug_log.c's redaction before it reaches the caller.
 *
 * Calls and transfers are timed differently: a call (a small body) must be
 * answered within timeout_ms; a transfer (a body over
 * AWS_TRANSPORT_LARGE_BODY) has no such limit, since 30 MB on a 10 Mbit/s
 * uplink rightly takes most of a minute, and fails only when it stalls
 * (libcurl's low-speed limit).
 */
#include "http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ca_bundle.h"
#include "debug_log.h"
#include "http_transfer.h"
#include "base/cursor.h"

void aws_headers_add(aws_headers *h, const char *name, const char *value)
{
    if (h->count == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 8;
        h->items = base_xrealloc(h->items, h->cap * sizeof *h->items);
    }
    h->items[h->count].name = base_xstrdup(name);
    h->items[h->count].value = base_xstrdup(value);
    h->count++;
}

void aws_headers_remove(aws_headers *h, const char *name)
{
    size_t kept = 0;
    for (size_t i = 0; i < h->count; i++) {
        if (strcasecmp(h->items[i].name, name) == 0) {
            free(h->items[i].name);
            free(h->items[i].value);
        } else {
            h->items[kept++] = h->items[i];
        }
    }
    h->count = kept;
}

void aws_headers_set(aws_headers *h, const char *name, const char *value)
{
    aws_headers_remove(h, name);
    aws_headers_add(h, name, value);
}

const char *aws_headers_get(const aws_headers *h, const char *name)
{
    for (size_t i = 0; i < h->count; i++)
        if (strcasecmp(h->items[i].name, name) == 0)
            return h->items[i].value;
    return NULL;
}

void aws_headers_free(aws_headers *h)
{
    for (size_t i = 0; i < h->count; i++) {
        free(h->items[i].name);
        free(h->items[i].value);
    }
    free(h->items);
    memset(h, 0, sizeof *h);
}

void aws_http_request_init(aws_http_request *req, const char *method, const char *endpoint,
                           const char *path)
{
    memset(req, 0, sizeof *req);
    snprintf(req->method, sizeof req->method, "%s", method);
    size_t n = strlen(endpoint);
    while (n && endpoint[n - 1] == '/')
        n--;
    req->endpoint = base_xstrndup(endpoint, n);
    base_buf_append_str(&req->path, path && path[0] ? path : "/");
}

void aws_http_request_free(aws_http_request *req)
{
    free(req->endpoint);
    base_buf_free(&req->path);
    base_buf_free(&req->query);
    aws_headers_free(&req->headers);
    base_buf_free(&req->body);
    memset(req, 0, sizeof *req);
}

void aws_http_response_free(aws_http_response *resp)
{
    aws_headers_free(&resp->headers);
    base_buf_free(&resp->body);
    memset(resp, 0, sizeof *resp);
}

void aws_http_request_add_query(aws_http_request *req, const char *name, const char *value)
{
    if (req->query.len)
        base_buf_append_char(&req->query, '&');
    aws_uri_encode(&req->query, name, strlen(name), 0);
    base_buf_append_char(&req->query, '=');
    aws_uri_encode(&req->query, value, strlen(value), 0);
}

char *aws_http_request_host(const aws_http_request *req)
{
    const char *host = strstr(req->endpoint, "://");
    host = host ? host + 3 : req->endpoint;
    size_t n = strcspn(host, "/");
    return base_xstrndup(host, n);
}

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

void aws_uri_encode(base_buf *out, const char *s, size_t len, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            base_buf_append_char(out, (char)c);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            base_buf_append(out, esc, 3);
        }
    }
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool aws_uri_decode_strict(base_buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < len ? hex_value(s[i + 1]) : -1;
            int lo = i + 2 < len ? hex_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return false;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0')
            return false;
        base_buf_append_char(out, c);
    }
    return true;
}

void aws_uri_decode(base_buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < len && (hi = hex_value(s[i + 1])) >= 0 && (lo = hex_value(s[i + 2])) >= 0) {
            base_buf_append_char(out, (char)(hi * 16 + lo));
            i += 2;
        } else {
            base_buf_append_char(out, s[i]);
        }
    }
}

struct aws_transport {
    CURL *curl;
    aws_transport_options opts;
    char *no_proxy;
    const char *ca_bundle; /* aws_ca_bundle() at creation; NULL: libcurl's default */
};

/* Hosts that are never reached through a proxy, whatever http_proxy says: the
 * container and instance metadata endpoints (a proxy would see their tokens)
 * and loopback. The user's no_proxy list is kept. */
static char *build_no_proxy(void)
{
    static const char local_hosts[] = "169.254.169.254,169.254.170.2,169.254.170.23,fd00:ec2::23,"
                                      "localhost,127.0.0.1,::1";
    const char *user = getenv("no_proxy");
    if (!user || !user[0])
        user = getenv("NO_PROXY");
    base_buf b = {0};
    base_buf_printf(&b, "%s%s%s", local_hosts, user && user[0] ? "," : "", user ? user : "");
    return base_buf_detach(&b);
}

aws_transport *aws_transport_new(const aws_transport_options *opts)
{
    static int curl_ready;
    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = 1;
    }
    aws_transport *t = base_xcalloc(1, sizeof *t);
    if (opts)
        t->opts = *opts;
    if (!t->opts.connect_timeout_ms)
        t->opts.connect_timeout_ms = 3000;
    if (!t->opts.timeout_ms)
        t->opts.timeout_ms = 60000;
    if (!t->opts.stall_bytes_per_s)
        t->opts.stall_bytes_per_s = 1024;
    if (!t->opts.stall_seconds)
        t->opts.stall_seconds = 60;
    t->curl = curl_easy_init();
    if (!t->curl) {
        free(t);
        return NULL;
    }
    t->no_proxy = build_no_proxy();
    t->ca_bundle = aws_ca_bundle();
    return t;
}

void aws_transport_free(aws_transport *t)
{
    if (!t)
        return;
    curl_easy_cleanup(t->curl);
    free(t->no_proxy);
    free(t);
}

static size_t on_body(char *data, size_t size, size_t count, void *userdata)
{
    base_buf_append(userdata, data, size * count);
    return size * count;
}

static size_t on_header(char *data, size_t size, size_t count, void *userdata)
{
    aws_http_response *resp = userdata;
    size_t n = size * count;
    base_cursor line = base_cursor_trim(base_cursor_of(data, n));
    if (line.len >= 5 && memcmp(line.ptr, "HTTP/", 5) == 0) {
        /* A new status line (e.g. after 100 Continue): forget earlier headers. */
        aws_headers_free(&resp->headers);
        return n;
    }
    const char *colon = memchr(line.ptr, ':', line.len);
    if (!colon)
        return n;
    char *name = base_cursor_dup(base_cursor_trim(base_cursor_of(line.ptr, (size_t)(colon - line.ptr))));
    char *value = base_cursor_dup(
        base_cursor_trim(base_cursor_of(colon + 1, line.len - (size_t)(colon + 1 - line.ptr))));
    aws_headers_add(&resp->headers, name, value);
    free(name);
    free(value);
    return n;
}

static struct curl_slist *build_header_list(const aws_http_request *req)
{
    struct curl_slist *list = NULL;
    base_buf line = {0};
    for (size_t i = 0; i < req->headers.count; i++) {
        const aws_header *h = &req->headers.items[i];
        base_buf_reset(&line);
        /* "Name;" is curl's way of sending a header with an empty value. */
        base_buf_printf(&line, h->value[0] ? "%s: %s" : "%s;", h->name, h->value);
        list = curl_slist_append(list, base_buf_str(&line));
    }
    base_buf_free(&line);
    list = curl_slist_append(list, "Expect:");
    if (!aws_headers_get(&req->headers, "Content-Type"))
        list = curl_slist_append(list, "Content-Type:");
    return list;
}

/* Failures that happen before any byte of the request is sent. */
static bool before_sending(CURLcode rc)
{
    return rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_COULDNT_RESOLVE_HOST ||
           rc == CURLE_COULDNT_CONNECT || rc == CURLE_SSL_CONNECT_ERROR;
}

static int transport_error(base_error *err, CURLcode rc, bool stalled, const char *url,
                           const char *detail)
{
    const char *code = stalled                          ? "TransferStalled"
                       : before_sending(rc)              ? AWS_CONNECT_ERROR
                       : rc == CURLE_OPERATION_TIMEDOUT ? "RequestTimeout"
                                                        : "TransportError";
    base_error_set(err, BASE_ERROR_TRANSPORT, code, "%s: %s", url,
                  detail[0] ? detail : curl_easy_strerror(rc));
    err->retryable = true;
    return -1;
}

/* A call must be answered by its deadline; a transfer is watched for stalls
 * instead (http_transfer.h). Progress is watched whenever it is asked for. */
static void set_time_limits(aws_transport *t, CURL *curl, const aws_http_request *req,
                            aws_transfer_watch *watch)
{
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, t->opts.connect_timeout_ms);
    bool transfer = req->body.len > AWS_TRANSPORT_LARGE_BODY;
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, transfer ? 0L : t->opts.timeout_ms);
    if (transfer || req->progress)
        aws_transfer_watch_attach(watch, curl, req,
                                  transfer ? t->opts.stall_bytes_per_s : 0,
                                  transfer ? t->opts.stall_seconds : 0x7fffffffL);
}

int aws_transport_send(aws_transport *t, const aws_http_request *req, aws_http_response *resp,
                       base_error *err)
{
    memset(resp, 0, sizeof *resp);
    base_buf url = {0};
    base_buf_printf(&url, "%s%s%s%s", req->endpoint, base_buf_str(&req->path),
                   req->query.len ? "?" : "", base_buf_str(&req->query));
    CURL *curl = t->curl;
    curl_easy_reset(curl);
    char detail[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = build_header_list(req);
    curl_easy_setopt(curl, CURLOPT_URL, base_buf_str(&url));
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
    if (strcmp(req->method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    if (req->body.len || strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, base_buf_str(&req->body));
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.len);
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp->body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, resp);
    aws_transfer_watch watch = {0};
    set_time_limits(t, curl, req, &watch);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, t->no_proxy);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    if (t->ca_bundle)
        curl_easy_setopt(curl, CURLOPT_CAINFO, t->ca_bundle);

    aws_debug_log_request(t->opts.debug_log, t->opts.debug_ctx, req);
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    int result = 0;
    if (rc != CURLE_OK) {
        if (watch.stalled)
            snprintf(detail, sizeof detail, "stalled: fewer than %ld bytes a second arrived for %ld s",
                     watch.stall_bytes_per_s, watch.stall_seconds);
        result = transport_error(err, rc, watch.stalled, base_buf_str(&url), detail);
        aws_debug_log_line(t->opts.debug_log, t->opts.debug_ctx, "<< transport error: %s",
                           err->message);
    } else {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
        aws_debug_log_response(t->opts.debug_log, t->opts.debug_ctx, resp, req->secret_response);
    }
    base_buf_free(&url);
    return result;
}

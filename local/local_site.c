/*
 * local_site.c - the page's listener (local_site.h). Every answer carries
 * the page's security headers (local_settings.h), as CloudFront
 * adds its response headers policy to every answer of the distribution;
 * the CSP's connect-src names this listener's WebSocket URL. So static
 * files are read and sent as one reply rather than streamed by
 * libwebsockets, which could not add them.
 */
#include "local/local_site.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/cache_client.h"
#include "runtime/canvas_store.h"
#include "runtime/png_encode.h"

#define SNAPSHOTS "/snapshots/"
#define STATIC_FILE_LIMIT (16u << 20) /* static/ holds a page, not downloads */

/* The host the browser asked for, which config.json's URLs name. */
static const char *page_host(const local_session *s)
{
    return s->req.host[0] ? s->req.host : "localhost";
}

/* Sends s->reply with the page's security headers. A Host that cannot be
 * an origin (a browser never sends one) gets 400 instead. */
static void site_reply(local_site *site, struct lws *wsi, local_session *s)
{
    char websocket[300];
    snprintf(websocket, sizeof websocket, "ws://%s", page_host(s));
    base_buf lines = {0};
    base_error err = {0};
    if (site->page->security_headers(site->page->ctx, websocket, &lines, &err) != 0) {
        local_reply_set(&s->reply, 400, "text/plain", "the Host header is not a host and port\n");
        base_error_clear(&err);
    } else {
        base_buf_append(&s->reply.headers, lines.data, lines.len);
    }
    base_buf_free(&lines);
    local_session_reply(wsi, s);
}

static void not_found(local_site *site, struct lws *wsi, local_session *s)
{
    local_reply_set(&s->reply, 404, "text/plain", "not found\n");
    site_reply(site, wsi, s);
}

static void config_json(local_site *site, struct lws *wsi, local_session *s)
{
    const char *host = page_host(s);
    char websocket[300], snapshot[320];
    snprintf(websocket, sizeof websocket, "ws://%s/", host);
    snprintf(snapshot, sizeof snapshot, "http://%s/snapshots/latest.json", host);
    local_reply_set(&s->reply, 200, "application/json", NULL);
    site->page->config_json(site->page->ctx, websocket, snapshot, &s->reply.body);
    base_buf_append_str(&s->reply.headers, "Cache-Control: no-store\r\n");
    site_reply(site, wsi, s);
}

static void snapshot_object(local_site *site, struct lws *wsi, local_session *s)
{
    const char *key = s->req.path + 1; /* "snapshots/..." */
    local_object object = {0};
    bool found = false;
    base_error err = {0};
    if (local_store_get_object(site->store, site->bucket, key, true, &object, &found, &err) != 0) {
        local_reply_set(&s->reply, 500, "text/plain", err.message);
    } else if (!found) {
        local_reply_set(&s->reply, 404, "text/plain", "no such snapshot\n");
    } else {
        local_reply_set(&s->reply, 200, site->page->content_type(site->page->ctx, key), NULL);
        s->reply.body = object.body;
        object.body = (base_buf){0};
        snprintf(s->reply.etag, sizeof s->reply.etag, "%s", object.etag);
        base_buf_append_str(&s->reply.headers, "Cache-Control: no-cache\r\n");
    }
    local_object_free(&object);
    site_reply(site, wsi, s);
}

static int open_cache(local_site *site, base_error *err)
{
    if (site->cache)
        return 0;
    cache_config config = local_cache_config(site->cache_settings);
    cache_client *client;
    TRY(cache_client_open(&client, &config, err));
    site->cache = client;
    return 0;
}

static int read_canvas_png(local_site *site, base_buf *png, uint64_t *seq, bool *loaded, base_error *err)
{
    TRY(open_cache(site, err));
    canvas_store store = {.cache = site->cache, .stack = site->stack_name, .canvas = site->canvas};
    TRY(store_loaded(&store, loaded, err));
    if (!*loaded)
        return 0;
    base_buf bits = {0};
    int rc = store_read_canvas(&store, &bits, seq, err);
    if (rc == 0)
        rc = canvas_encode_png(&site->canvas, (const uint8_t *)bits.data, bits.len, png, err);
    base_buf_free(&bits);
    return rc;
}

static void canvas_png(local_site *site, struct lws *wsi, local_session *s)
{
    base_buf png = {0};
    uint64_t seq = 0;
    bool loaded = false;
    base_error err = {0};
    if (read_canvas_png(site, &png, &seq, &loaded, &err) != 0) {
        local_reply_set(&s->reply, 502, "text/plain", err.message);
        if (site->cache) {
            cache_client_close(site->cache); /* reconnect next time */
            site->cache = NULL;
        }
    } else if (!loaded) {
        local_reply_set(&s->reply, 503, "text/plain",
                        "no canvas is loaded yet: it is loaded when the first page connects\n");
    } else {
        local_reply_set(&s->reply, 200, "image/png", NULL);
        s->reply.body = png;
        png = (base_buf){0};
        base_buf_printf(&s->reply.headers, "X-Scribble-Seq: %" PRIu64 "\r\nCache-Control: no-store\r\n", seq);
    }
    base_buf_free(&png);
    site_reply(site, wsi, s);
}

static int read_file(const char *path, base_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && out->len <= STATIC_FILE_LIMIT)
        base_buf_append(out, chunk, n);
    int failed = ferror(f) || out->len > STATIC_FILE_LIMIT;
    fclose(f);
    return failed ? -1 : 0;
}

/* A file of static/; only plain paths below it. */
static void static_file(local_site *site, struct lws *wsi, local_session *s)
{
    const char *path = strcmp(s->req.path, "/") == 0 ? NULL : s->req.path + 1;
    const char *relative = path ? path : site->default_root_object;
    char full[PATH_MAX + sizeof s->req.path];
    struct stat st;
    int n = snprintf(full, sizeof full, "%s/%s", site->static_dir, relative);
    if (n < 0 || (size_t)n >= sizeof full || strstr(relative, "..") || relative[0] == '.' ||
        strstr(relative, "/.") ||
        stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
        not_found(site, wsi, s);
        return;
    }
    base_buf body = {0};
    if (read_file(full, &body) != 0) {
        local_reply_set(&s->reply, 500, "text/plain", "the file could not be read\n");
    } else {
        local_reply_set(&s->reply, 200, site->page->content_type(site->page->ctx, relative), NULL);
        s->reply.body = body;
        body = (base_buf){0};
        base_buf_append_str(&s->reply.headers, "Cache-Control: no-cache\r\n");
    }
    base_buf_free(&body);
    site_reply(site, wsi, s);
}

static void site_request(void *owner, struct lws *wsi, local_session *s)
{
    local_site *site = owner;
    bool read = strcmp(s->req.method, "GET") == 0 || strcmp(s->req.method, "HEAD") == 0;
    if (!read) {
        local_reply_set(&s->reply, 405, "text/plain", "method not allowed\n");
        site_reply(site, wsi, s);
    } else if (strcmp(s->req.path, "/config.json") == 0) {
        config_json(site, wsi, s);
    } else if (strncmp(s->req.path, SNAPSHOTS, strlen(SNAPSHOTS)) == 0) {
        snapshot_object(site, wsi, s);
    } else if (strcmp(s->req.path, "/_local/canvas.png") == 0) {
        canvas_png(site, wsi, s);
    } else {
        static_file(site, wsi, s);
    }
}

static void site_ws_open(void *owner, struct lws *wsi, local_session *s)
{
    local_site *site = owner;
    local_gateway_open(site->gateway, wsi, s);
}

static void site_ws_message(void *owner, local_session *s, const char *data, size_t len)
{
    local_site *site = owner;
    local_gateway_message(site->gateway, s, data, len);
}

static int site_ws_writable(void *owner, struct lws *wsi, local_session *s)
{
    local_site *site = owner;
    return site->stopping ? -1 : local_gateway_writable(site->gateway, wsi, s);
}

static void site_ws_closed(void *owner, local_session *s)
{
    local_site *site = owner;
    if (site->stopping)
        s->connection = NULL;
    else
        local_gateway_closed(site->gateway, s);
}

const local_endpoint_ops local_site_ops = {
    .request = site_request,
    .ws_open = site_ws_open,
    .ws_message = site_ws_message,
    .ws_writable = site_ws_writable,
    .ws_closed = site_ws_closed,
};

void local_site_free(local_site *site)
{
    if (site->cache)
        cache_client_close(site->cache);
    site->cache = NULL;
}

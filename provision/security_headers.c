/*
 * security_headers.c - the page's security headers as data (security_headers.h):
 * the header settings and the Content-Security-Policy's directives, one
 * table each; both the CloudFront policy and scribblectl local read them.
 */
#include "provision/security_headers.h"

#include <stddef.h>
#include <string.h>

const security_headers page_security_headers = {
    .hsts_max_age = 63072000, /* two years */
    .hsts_include_subdomains = true,
    .hsts_preload = false,    /* preloading is a commitment for the whole domain: not ours to make */
    .content_type_nosniff = true,
    .frame_option = "DENY",
    .referrer_policy = "no-referrer", /* the page links nowhere; nothing needs to know where it came from */
};

/* One directive per row; connect-src also gets the WebSocket origin. */
static const struct {
    const char *directive, *sources;
} csp_directives[] = {
    {"default-src", "'none'"},
    {"script-src", "'self'"},  /* protocol.js, scribble.js */
    {"style-src", "'self'"},   /* scribble.css */
    {"img-src", "data:"},      /* the empty icon (<link rel="icon" href="data:,">) */
    {"connect-src", "'self'"}, /* config.json, snapshots/ (fetched and decoded), + the WebSocket */
    {"base-uri", "'none'"},
    {"form-action", "'none'"},
    {"frame-ancestors", "'none'"},
};

static bool is_origin(const char *origin)
{
    size_t scheme = strncmp(origin, "wss://", 6) == 0 ? 6 : strncmp(origin, "ws://", 5) == 0 ? 5 : 0;
    if (!scheme || !origin[scheme])
        return false;
    for (const char *c = origin + scheme; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              strchr(".-:[]", *c)))
            return false;
    return true;
}

int security_headers_csp(const char *websocket_origin, base_buf *out, base_error *err)
{
    ENSURE(websocket_origin && is_origin(websocket_origin), err, BASE_ERROR_INVALID,
           "InvalidWebSocketOrigin",
           "the page's WebSocket origin \"%s\" is not ws:// or wss:// with a host and port only",
           websocket_origin ? websocket_origin : "");
    for (size_t i = 0; i < sizeof csp_directives / sizeof csp_directives[0]; i++) {
        base_buf_printf(out, "%s%s %s", i ? "; " : "", csp_directives[i].directive,
                       csp_directives[i].sources);
        if (strcmp(csp_directives[i].directive, "connect-src") == 0)
            base_buf_printf(out, " %s", websocket_origin);
    }
    return 0;
}

int security_headers_lines(const char *websocket_origin, base_buf *out, base_error *err)
{
    const security_headers *h = &page_security_headers;
    base_buf csp = {0};
    if (security_headers_csp(websocket_origin, &csp, err) != 0) {
        base_buf_free(&csp);
        return -1;
    }
    base_buf_printf(out, "Strict-Transport-Security: max-age=%ld%s%s\r\n", h->hsts_max_age,
                   h->hsts_include_subdomains ? "; includeSubDomains" : "",
                   h->hsts_preload ? "; preload" : "");
    if (h->content_type_nosniff)
        base_buf_append_str(out, "X-Content-Type-Options: nosniff\r\n");
    base_buf_printf(out, "X-Frame-Options: %s\r\n", h->frame_option);
    base_buf_printf(out, "Referrer-Policy: %s\r\n", h->referrer_policy);
    base_buf_printf(out, "Content-Security-Policy: %.*s\r\n", (int)csp.len, csp.data);
    base_buf_free(&csp);
    return 0;
}

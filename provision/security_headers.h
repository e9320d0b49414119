/*
 * security_headers.h - the security headers the page is served with,
 * described once. The CloudFront response headers policy
 * (response_headers_policy.c) is built from this description, and
 * scribblectl local's page listener (local/local_site.c) sends the same
 * headers from it, so the two cannot disagree.
 *
 * The Content-Security-Policy allows exactly what static/ uses: its own
 * scripts and style sheet, the data: icon, fetches of config.json and the
 * snapshots from its own origin, and the WebSocket URL, which differs per
 * deployment and is filled in by the caller.
 */
#ifndef SCRIBBLE_PROVISION_SECURITY_HEADERS_H
#define SCRIBBLE_PROVISION_SECURITY_HEADERS_H

#include <stdbool.h>

#include "base/buf.h"
#include "base/error.h"

typedef struct security_headers {
    long hsts_max_age;              /* Strict-Transport-Security max-age, seconds */
    bool hsts_include_subdomains;
    bool hsts_preload;
    bool content_type_nosniff;      /* X-Content-Type-Options: nosniff */
    const char *frame_option;       /* X-Frame-Options: "DENY" or "SAMEORIGIN" */
    const char *referrer_policy;    /* Referrer-Policy */
} security_headers;

extern const security_headers page_security_headers;

/* The Content-Security-Policy for a page whose WebSocket is at
 * websocket_origin ("wss://<api>.execute-api.<region>.amazonaws.com",
 * "ws://localhost:8080"): scheme, host and port only, no path. Anything
 * else (a path, spaces, ';', quotes) is refused, so a value taken from a
 * request cannot add directives. */
int security_headers_csp(const char *websocket_origin, base_buf *out, base_error *err);

/* Every header as "Name: value\r\n" lines, with the values CloudFront sends
 * for the policy built from the same description. */
int security_headers_lines(const char *websocket_origin, base_buf *out, base_error *err);

#endif

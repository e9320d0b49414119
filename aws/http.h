/*
 * http.h - the HTTP request and response values that the signer, the
 * protocols and the transport pass between them, and the libcurl transport.
 *
 * A request holds the path and query exactly as they go on the wire
 * (already percent-encoded); the signer derives its canonical forms from
 * them. Headers keep their insertion order and the case they were given.
 */
#ifndef SCRIBBLE_AWS_HTTP_H
#define SCRIBBLE_AWS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"

typedef struct aws_header {
    char *name;
    char *value;
} aws_header;

typedef struct aws_headers {
    aws_header *items;
    size_t count;
    size_t cap;
} aws_headers;

void aws_headers_add(aws_headers *h, const char *name, const char *value);
/* Replaces every header of that name (case-insensitive) with one. */
void aws_headers_set(aws_headers *h, const char *name, const char *value);
void aws_headers_remove(aws_headers *h, const char *name);
/* First value of that name (case-insensitive), or NULL. */
const char *aws_headers_get(const aws_headers *h, const char *name);
void aws_headers_free(aws_headers *h);

/* How much of a request's body has gone out: sent of total bytes. Called from
 * the sending thread, often; must be quick. */
typedef void (*aws_progress_fn)(void *ctx, size_t sent, size_t total);

typedef struct aws_http_request {
    char method[16];
    char *endpoint; /* scheme://host[:port], no trailing slash */
    base_buf path;   /* wire form, starts with '/' */
    base_buf query;  /* wire form, without '?'; may be empty */
    aws_headers headers;
    base_buf body;
    bool secret_response; /* the answer's body is itself a secret (an IMDS token):
                             --debug shows only its length */
    aws_progress_fn progress; /* upload progress of the body; NULL: not reported */
    void *progress_ctx;
} aws_http_request;

typedef struct aws_http_response {
    long status;
    aws_headers headers;
    base_buf body;
} aws_http_response;

void aws_http_request_init(aws_http_request *req, const char *method, const char *endpoint,
                           const char *path);
void aws_http_request_free(aws_http_request *req);
void aws_http_response_free(aws_http_response *resp);
/* Appends name=value to the query, percent-encoding both (RFC 3986 unreserved kept). */
void aws_http_request_add_query(aws_http_request *req, const char *name, const char *value);
/* "host[:port]" of the endpoint, as the Host header carries it. */
char *aws_http_request_host(const aws_http_request *req);

/* Percent-encodes s: unreserved characters (A-Z a-z 0-9 - _ . ~) stay; so does '/'
 * when keep_slash. Uppercase hex, as SigV4 requires. */
void aws_uri_encode(base_buf *out, const char *s, size_t len, int keep_slash);
/* Decodes %XX escapes (and nothing else) into out. */
void aws_uri_decode(base_buf *out, const char *s, size_t len);
/* The same for untrusted input: false (out then partly filled) when a '%' is
 * not followed by two hex digits or an escape decodes to NUL. */
bool aws_uri_decode_strict(base_buf *out, const char *s, size_t len);

/* Debug sink: the transport reports each request and response line by line,
 * with secrets already redacted. NULL means silent. */
typedef void (*aws_log_fn)(void *ctx, const char *line);

/* A body larger than this is a transfer, not a call: it has no whole-exchange
 * time limit (on a slow uplink it may rightly take many minutes); a stall
 * ends it instead. */
#define AWS_TRANSPORT_LARGE_BODY (1024 * 1024)

typedef struct aws_transport_options {
    long connect_timeout_ms; /* 0: default 3000 */
    long timeout_ms;         /* whole exchange of a call; 0: default 60000 */
    /* A transfer moving fewer than stall_bytes_per_s bytes a second for
     * stall_seconds in a row has stalled and fails (retryable). 0: 1024 B/s, 60 s. */
    long stall_bytes_per_s;
    long stall_seconds;
    aws_log_fn debug_log;
    void *debug_ctx;
} aws_transport_options;

typedef struct aws_transport aws_transport;

aws_transport *aws_transport_new(const aws_transport_options *opts);
void aws_transport_free(aws_transport *t);
/* The code of a transport failure before any byte of the request went out
 * (no name resolution, no connection, no TLS handshake): AWS cannot have
 * applied it. */
#define AWS_CONNECT_ERROR "ConnectError"

/* Sends req and fills resp (any HTTP status is success here). A transport
 * failure returns -1 with kind BASE_ERROR_TRANSPORT, retryable; a failure
 * before sending has the code AWS_CONNECT_ERROR, a stalled transfer
 * "TransferStalled". A call (body up to
 * AWS_TRANSPORT_LARGE_BODY) is cut at timeout_ms; a transfer only when it stalls. */
int aws_transport_send(aws_transport *t, const aws_http_request *req, aws_http_response *resp,
                       base_error *err);

#endif

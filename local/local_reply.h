/*
 * local_reply.h - what one of scribblectl local's AWS endpoints answers to
 * one HTTP request: status, content type, body and the few headers the AWS
 * protocols read. The services fill it; the HTTP server (local_server.c)
 * sends it. A service's error is an answer too, in its protocol's error
 * shape, never a failure of the server.
 */
#ifndef SCRIBBLE_LOCAL_REPLY_H
#define SCRIBBLE_LOCAL_REPLY_H

#include "base/buf.h"

typedef struct local_reply {
    int status;               /* HTTP status */
    const char *content_type; /* a static string; NULL: none */
    char etag[72];            /* ETag header value (quoted); "": none */
    base_buf headers;          /* any further headers, as "Name: value\r\n" lines */
    base_buf body;
} local_reply;

static inline void local_reply_free(local_reply *r)
{
    base_buf_free(&r->body);
    base_buf_free(&r->headers);
    r->status = 0;
    r->content_type = NULL;
    r->etag[0] = '\0';
}

#endif

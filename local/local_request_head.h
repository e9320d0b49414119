/*
 * local_request_head.h - the check every request head passes before
 * libwebsockets parses it, in scribblectl local (docs/local.md, "Request
 * limits").
 *
 * libwebsockets closes the connection without an answer when a head
 * overflows its buffer or a %-escape decodes to NUL, answers 403 to other
 * bad escapes, cuts header values at a raw NUL, and answers 101 to any
 * Sec-WebSocket-Key. So local_server.c peeks at each new connection's head
 * and hands it here first: what passes is within limits libwebsockets
 * handles, what does not gets its answer (414, 431 or 400) from us.
 *
 * Pure functions on a plain buffer (no socket, no allocation), so the
 * fuzzers can call them directly.
 */
#ifndef SCRIBBLE_LOCAL_REQUEST_HEAD_H
#define SCRIBBLE_LOCAL_REQUEST_HEAD_H

#include <stdbool.h>
#include <stddef.h>

#define LOCAL_MAX_TARGET 8192u        /* request target (path and query): else 414 */
#define LOCAL_MAX_URI_PARTS 32u       /* '&' or ';' separated parts of the target: else 414 */
#define LOCAL_MAX_HEADERS 16384u      /* header fields after the request line: else 431 */
#define LOCAL_MAX_HEADER_FIELDS 64u   /* header lines: else 431 */
#define LOCAL_MAX_METHOD 16u          /* a longer first word is not a method: 400 */
/* The most a head within these limits can take: the request line and the headers. */
#define LOCAL_MAX_HEAD (LOCAL_MAX_TARGET + LOCAL_MAX_HEADERS + 64u)

typedef enum local_head_result {
    LOCAL_HEAD_INCOMPLETE, /* no verdict yet: read more */
    LOCAL_HEAD_PASS,       /* whole, within limits: libwebsockets may parse it */
    LOCAL_HEAD_REFUSE,     /* answer status with reason, then close */
} local_head_result;

typedef struct local_head_verdict {
    local_head_result result;
    size_t length;      /* LOCAL_HEAD_PASS: bytes of the head, blank line included */
    int status;         /* LOCAL_HEAD_REFUSE: 400, 414 or 431 */
    const char *reason; /* LOCAL_HEAD_REFUSE: one line saying why (static) */
} local_head_verdict;

/* Judges the first len bytes a connection sent (len may be 0). A verdict
 * other than INCOMPLETE never changes as more bytes arrive; INCOMPLETE is
 * never the verdict once len exceeds LOCAL_MAX_HEAD. */
local_head_verdict local_head_check(const char *data, size_t len);

/* Checks a raw request target's %-escapes: each '%' is followed by two hex
 * digits, and none is %00. NULL when it is fine, else why not (static). */
const char *local_target_escapes_error(const char *target, size_t len);

/* Whether value is a Sec-WebSocket-Key RFC 6455 accepts: the base64
 * encoding (canonical, padded) of exactly 16 bytes. */
bool local_websocket_key_valid(const char *value, size_t len);

/* The reason phrase of the statuses local_head_check answers with. */
const char *local_head_status_text(int status);

#endif

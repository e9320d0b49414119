/*
 * debug_log.h - what --debug shows of each HTTP exchange, with every secret
 * redacted before it leaves this file: signatures, session tokens, IMDS and
 * container tokens, and any secret-looking field of a body.
 */
#ifndef SCRIBBLE_AWS_DEBUG_LOG_H
#define SCRIBBLE_AWS_DEBUG_LOG_H

#include "base/buf.h"
#include "http.h"

void aws_debug_log_line(aws_log_fn log, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void aws_debug_log_request(aws_log_fn log, void *ctx, const aws_http_request *req);
void aws_debug_log_response(aws_log_fn log, void *ctx, const aws_http_response *resp,
                            bool secret_body);

/* Redaction, exposed for tests. */
void aws_redact_header(base_buf *out, const char *name, const char *value);
void aws_redact_body(base_buf *out, const char *body, size_t len);

#endif

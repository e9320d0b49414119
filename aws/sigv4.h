/*
 * sigv4.h - AWS Signature Version 4, Authorization-header form.
 *
 * Signs an aws_http_request in place: adds X-Amz-Date, X-Amz-Security-Token
 * (with a session token), X-Amz-Content-Sha256 (when asked, as S3 requires)
 * and Authorization. The request must already carry its Host header.
 */
#ifndef SCRIBBLE_AWS_SIGV4_H
#define SCRIBBLE_AWS_SIGV4_H

#include <stdbool.h>
#include <time.h>

#include "base/buf.h"
#include "credentials.h"
#include "base/error.h"
#include "http.h"

#define AWS_SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

typedef struct aws_sign_params {
    const char *region;
    const char *service;       /* signing name, e.g. "sqs", "execute-api" */
    time_t now;
    bool normalize_path;       /* remove dot segments and empty segments (not S3) */
    bool double_encode_path;   /* encode the wire path once more (not S3) */
    bool add_content_sha256;   /* add x-amz-content-sha256 (S3) */
    const char *payload_hash;  /* NULL: SHA-256 of the body; or e.g. "UNSIGNED-PAYLOAD" */
} aws_sign_params;

/* What signing produced, for tests and --debug (the signature is redacted there). */
typedef struct aws_sign_trace {
    base_buf canonical_request;
    base_buf string_to_sign;
    char signature[65];
} aws_sign_trace;

int aws_sigv4_sign(aws_http_request *req, const aws_credentials *creds,
                   const aws_sign_params *params, aws_sign_trace *trace, base_error *err);
void aws_sign_trace_free(aws_sign_trace *t);

/* What a server checking a request recomputes: the signature of req as it
 * stands, every header of it signed but those signing leaves out (User-Agent,
 * Authorization, ...; so pass only the headers the request's SignedHeaders
 * names), at amz_date ("YYYYMMDDTHHMMSSZ") with payload_hash as the body's.
 * params->now and add_content_sha256 are not read. signed_names gets the
 * SignedHeaders list the signature covers. The secret is not kept. */
int aws_sigv4_signature(const aws_http_request *req, const char *secret,
                        const aws_sign_params *params, const char *amz_date, const char *payload_hash,
                        base_buf *signed_names, char signature[65]);

/* Lowercase hex SHA-256 of data into out[65]. */
void aws_sha256_hex(const void *data, size_t len, char out[65]);

#endif

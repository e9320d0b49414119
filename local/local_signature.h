/*
 * local_signature.h - the SigV4 check of the local AWS endpoint: every
 * request must be signed with the credentials made for this run (the
 * handlers' AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; docs/local.md,
 * "Who may call the local AWS endpoint").
 *
 * The request is read from its head as it came over the wire (method,
 * target and header lines, local_server.c keeps it), since the signature
 * covers the path and query as sent and the headers as written. The
 * canonical request is aws/sigv4.c's: the one the handlers sign with.
 * Pure functions on plain buffers, so the fuzzers can call the parser.
 */
#ifndef SCRIBBLE_LOCAL_SIGNATURE_H
#define SCRIBBLE_LOCAL_SIGNATURE_H

#include <stddef.h>
#include <time.h>

#include "base/buf.h"
#include "base/cursor.h"

#define LOCAL_SIGNATURE_MAX_SKEW_SECONDS (15 * 60) /* X-Amz-Date's distance from now, as AWS allows */

/* An Authorization header of SigV4's header form, its parts pointing into it. */
typedef struct local_authorization {
    base_cursor access_key_id, date, region, service; /* the credential scope, date YYYYMMDD */
    base_cursor signed_headers;                       /* lowercase names joined by ';' */
    base_cursor signature;                            /* 64 lowercase hex digits */
} local_authorization;

/* Reads "AWS4-HMAC-SHA256 Credential=<key id>/<YYYYMMDD>/<region>/<service>/
 * aws4_request, SignedHeaders=<a;b;c>, Signature=<64 hex>": the three parts
 * each exactly once, in any order, separated by a comma and optional
 * spaces. NULL when it is well formed, else why not (static). */
const char *local_authorization_parse(const char *value, size_t len, local_authorization *out);

typedef enum local_signature_result {
    LOCAL_SIGNATURE_OK,
    LOCAL_SIGNATURE_MISSING,     /* no Authorization header */
    LOCAL_SIGNATURE_INCOMPLETE,  /* malformed, or without what it must sign */
    LOCAL_SIGNATURE_UNKNOWN_KEY, /* not this run's access key id */
    LOCAL_SIGNATURE_MISMATCH,    /* does not match what the request says */
    LOCAL_SIGNATURE_EXPIRED,     /* X-Amz-Date too far from now */
} local_signature_result;

typedef struct local_signature_verdict {
    local_signature_result result;
    char message[256]; /* for the refusal; never holds the secret or the expected signature */
} local_signature_verdict;

/* What the local AWS endpoint accepts, and where. */
typedef struct local_signature_key {
    const char *access_key_id;
    const char *secret_access_key;
} local_signature_key;

/* Checks the head (a whole one local_request_head.c passed) and body of a
 * request meant for service (its signing name: "s3", "sqs", ...; NULL: the
 * scope may name any), at now. */
local_signature_verdict local_signature_check(const char *head, size_t head_len, const void *body,
                                              size_t body_len, const char *service,
                                              const local_signature_key *key, time_t now);

#endif

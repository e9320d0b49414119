/*
 * error.h - the one error convention of aws/ and everything built on it.
 *
 * A fallible function returns 0 on success and -1 on failure, filling the
 * caller's aws_error. TRY propagates a failure without nesting; ENSURE turns
 * a false condition into an error. Nothing here prints: only a main() turns
 * an aws_error into a message and an exit code.
 */
#ifndef SCRIBBLE_AWS_ERROR_H
#define SCRIBBLE_AWS_ERROR_H

#include <stdbool.h>

typedef enum aws_error_kind {
    AWS_ERROR_NONE = 0,
    AWS_ERROR_SERVICE,     /* AWS answered with an error document */
    AWS_ERROR_TRANSPORT,   /* DNS, connect, TLS, timeout, dropped connection */
    AWS_ERROR_CREDENTIALS, /* no credentials, or a provider failed */
    AWS_ERROR_CONFIG,      /* bad region, endpoint, profile, option */
    AWS_ERROR_PARSE,       /* a response or file we could not read */
    AWS_ERROR_INVALID,     /* a caller passed something unusable */
} aws_error_kind;

typedef struct aws_error {
    aws_error_kind kind;
    long http_status;       /* 0 when no HTTP response was received */
    char code[128];         /* AWS error code, e.g. "ThrottlingException" */
    char message[1024];
    char request_id[128];
    char call[128];         /* the call that failed, e.g. "EC2 DeleteSubnet" or, for the
                               rest protocols, "Lambda GET /2015-03-31/functions/x"; "" when
                               the failure was not a call's */
    bool retryable;
} aws_error;

/* Fills err (kind, code, printf-style message) and returns -1. err may be NULL. */
int aws_error_set(aws_error *err, aws_error_kind kind, const char *code,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void aws_error_clear(aws_error *err);
const char *aws_error_kind_name(aws_error_kind kind);
/* One line for people: "ThrottlingException: Rate exceeded (HTTP 400, request id ...)". */
void aws_error_format(const aws_error *err, char *out, unsigned long out_size);
/* The same, naming the call first when there is one:
 * "DynamoDB ListTables: ThrottlingException: Rate exceeded (HTTP 400, request id ...)". */
void aws_error_format_call(const aws_error *err, char *out, unsigned long out_size);
/* Records which call failed: the service's id and the operation ("EC2", "DeleteSubnet"). */
void aws_error_set_call(aws_error *err, const char *service_id, const char *operation);

#define TRY(expr)                                                                 \
    do {                                                                          \
        if ((expr) != 0)                                                          \
            return -1;                                                            \
    } while (0)

#define ENSURE(cond, err, kind, code, ...)                                        \
    do {                                                                          \
        if (!(cond))                                                              \
            return aws_error_set((err), (kind), (code), __VA_ARGS__);             \
    } while (0)

#endif

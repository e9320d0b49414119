/*
 * error.h - the one error convention of aws/ and everything built on it.
 *
 * A fallible function returns 0 on success and -1 on failure, filling the
 * caller's base_error. TRY propagates a failure without nesting; ENSURE turns
 * a false condition into an error. Nothing here prints: only a main() turns
 * an base_error into a message and an exit code.
 */
#ifndef SCRIBBLE_BASE_ERROR_H
#define SCRIBBLE_BASE_ERROR_H

#include <stdbool.h>

typedef enum base_error_kind {
    BASE_ERROR_NONE = 0,
    BASE_ERROR_SERVICE,     /* AWS answered with an error document */
    BASE_ERROR_TRANSPORT,   /* DNS, connect, TLS, timeout, dropped connection */
    BASE_ERROR_CREDENTIALS, /* no credentials, or a provider failed */
    BASE_ERROR_CONFIG,      /* bad region, endpoint, profile, option */
    BASE_ERROR_PARSE,       /* a response or file we could not read */
    BASE_ERROR_INVALID,     /* a caller passed something unusable */
} base_error_kind;

typedef struct base_error {
    base_error_kind kind;
    long http_status;       /* 0 when no HTTP response was received */
    char code[128];         /* AWS error code, e.g. "ThrottlingException" */
    char message[1024];
    char request_id[128];
    char call[128];         /* the call that failed, e.g. "EC2 DeleteSubnet" or, for the
                               rest protocols, "Lambda GET /2015-03-31/functions/x"; "" when
                               the failure was not a call's */
    bool retryable;
} base_error;

/* Fills err (kind, code, printf-style message) and returns -1. err may be NULL. */
int base_error_set(base_error *err, base_error_kind kind, const char *code,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void base_error_clear(base_error *err);
const char *base_error_kind_name(base_error_kind kind);
/* One line for people: "ThrottlingException: Rate exceeded (HTTP 400, request id ...)". */
void base_error_format(const base_error *err, char *out, unsigned long out_size);
/* The same, naming the call first when there is one:
 * "DynamoDB ListTables: ThrottlingException: Rate exceeded (HTTP 400, request id ...)". */
void base_error_format_call(const base_error *err, char *out, unsigned long out_size);
/* Records which call failed: the service's id and the operation ("EC2", "DeleteSubnet"). */
void base_error_set_call(base_error *err, const char *service_id, const char *operation);

#define TRY(expr)                                                                 \
    do {                                                                          \
        if ((expr) != 0)                                                          \
            return -1;                                                            \
    } while (0)

#define ENSURE(cond, err, kind, code, ...)                                        \
    do {                                                                          \
        if (!(cond))                                                              \
            return base_error_set((err), (kind), (code), __VA_ARGS__);             \
    } while (0)

#endif

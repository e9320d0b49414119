/*
 * error.c - building and describing aws_error values. Never prints.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int aws_error_set(aws_error *err, aws_error_kind kind, const char *code, const char *fmt, ...)
{
    if (!err)
        return -1;
    memset(err, 0, sizeof *err);
    err->kind = kind;
    snprintf(err->code, sizeof err->code, "%s", code ? code : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->retryable = (kind == AWS_ERROR_TRANSPORT);
    return -1;
}

void aws_error_clear(aws_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

const char *aws_error_kind_name(aws_error_kind kind)
{
    switch (kind) {
    case AWS_ERROR_NONE: return "none";
    case AWS_ERROR_SERVICE: return "service";
    case AWS_ERROR_TRANSPORT: return "transport";
    case AWS_ERROR_CREDENTIALS: return "credentials";
    case AWS_ERROR_CONFIG: return "config";
    case AWS_ERROR_PARSE: return "parse";
    case AWS_ERROR_INVALID: return "invalid";
    }
    return "unknown";
}

void aws_error_set_call(aws_error *err, const char *service_id, const char *operation)
{
    if (err)
        snprintf(err->call, sizeof err->call, "%s %s", service_id, operation);
}

void aws_error_format_call(const aws_error *err, char *out, unsigned long out_size)
{
    if (!err->call[0]) {
        aws_error_format(err, out, out_size);
        return;
    }
    int n = snprintf(out, out_size, "%s: ", err->call);
    if (n > 0 && (unsigned long)n < out_size)
        aws_error_format(err, out + n, out_size - (unsigned long)n);
}

void aws_error_format(const aws_error *err, char *out, unsigned long out_size)
{
    char status[32] = "", request[160] = "";
    if (err->http_status)
        snprintf(status, sizeof status, "HTTP %ld", err->http_status);
    if (err->request_id[0])
        snprintf(request, sizeof request, "%srequest id %s", status[0] ? ", " : "", err->request_id);
    bool detail = status[0] || request[0];
    snprintf(out, out_size, "%s%s%s%s%s%s%s", err->code, err->code[0] ? ": " : "", err->message,
             detail ? " (" : "", status, request, detail ? ")" : "");
}

/*
 * error.c - building and describing base_error values. Never prints.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int base_error_set(base_error *err, base_error_kind kind, const char *code, const char *fmt, ...)
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
    err->retryable = (kind == BASE_ERROR_TRANSPORT);
    return -1;
}

void base_error_clear(base_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

const char *base_error_kind_name(base_error_kind kind)
{
    switch (kind) {
    case BASE_ERROR_NONE: return "none";
    case BASE_ERROR_SERVICE: return "service";
    case BASE_ERROR_TRANSPORT: return "transport";
    case BASE_ERROR_CREDENTIALS: return "credentials";
    case BASE_ERROR_CONFIG: return "config";
    case BASE_ERROR_PARSE: return "parse";
    case BASE_ERROR_INVALID: return "invalid";
    }
    return "unknown";
}

void base_error_set_call(base_error *err, const char *service_id, const char *operation)
{
    if (err)
        snprintf(err->call, sizeof err->call, "%s %s", service_id, operation);
}

void base_error_format_call(const base_error *err, char *out, unsigned long out_size)
{
    if (!err->call[0]) {
        base_error_format(err, out, out_size);
        return;
    }
    int n = snprintf(out, out_size, "%s: ", err->call);
    if (n > 0 && (unsigned long)n < out_size)
        base_error_format(err, out + n, out_size - (unsigned long)n);
}

void base_error_format(const base_error *err, char *out, unsigned long out_size)
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

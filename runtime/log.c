/*
 * log.c - JSON log lines on stdout: {"timestamp", "level", "requestId",
 * "xrayTraceId", "message"[, "errorType"]}: the field names of Lambda's own
 * JSON log format where it has them, so CloudWatch Logs Insights reads them
 * without a parser.
 *
 * Each line is written and flushed under one lock: stdout is a pipe under
 * Lambda, and a line must reach it whole even if the process dies next.
 */
#include "runtime/log.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/buf.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char current_request_id[128];
static char current_trace_id[256];

void log_begin_invocation(const char *request_id)
{
    const char *trace_id = getenv("_X_AMZN_TRACE_ID");
    pthread_mutex_lock(&log_lock);
    snprintf(current_request_id, sizeof current_request_id, "%s", request_id);
    snprintf(current_trace_id, sizeof current_trace_id, "%s", trace_id ? trace_id : "");
    pthread_mutex_unlock(&log_lock);
}

void log_end_invocation(void)
{
    pthread_mutex_lock(&log_lock);
    current_request_id[0] = '\0';
    current_trace_id[0] = '\0';
    pthread_mutex_unlock(&log_lock);
}

static void format_timestamp(char *out, size_t size)
{
    struct timespec now;
    struct tm utc;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &utc);
    char seconds[32];
    strftime(seconds, sizeof seconds, "%Y-%m-%dT%H:%M:%S", &utc);
    snprintf(out, size, "%s.%03ldZ", seconds, now.tv_nsec / 1000000);
}

/* extra (may be NULL): fields added after the message; taken. */
static void write_line_with(const char *level, const char *error_type, const char *message,
                            cJSON *extra)
{
    char timestamp[48];
    format_timestamp(timestamp, sizeof timestamp);
    cJSON *line = cJSON_CreateObject();
    cJSON_AddStringToObject(line, "timestamp", timestamp);
    cJSON_AddStringToObject(line, "level", level);
    pthread_mutex_lock(&log_lock);
    if (current_request_id[0])
        cJSON_AddStringToObject(line, "requestId", current_request_id);
    if (current_trace_id[0])
        cJSON_AddStringToObject(line, "xrayTraceId", current_trace_id);
    cJSON_AddStringToObject(line, "message", message);
    if (error_type && error_type[0])
        cJSON_AddStringToObject(line, "errorType", error_type);
    cJSON *field = extra ? extra->child : NULL;
    while (field) {
        cJSON *next = field->next;
        cJSON_AddItemToObject(line, field->string, cJSON_DetachItemViaPointer(extra, field));
        field = next;
    }
    cJSON_Delete(extra);
    char *text = cJSON_PrintUnformatted(line);
    if (text) {
        fputs(text, stdout);
        fputc('\n', stdout);
        fflush(stdout);
    }
    pthread_mutex_unlock(&log_lock);
    cJSON_free(text);
    cJSON_Delete(line);
}

static void write_line(const char *level, const char *error_type, const char *message)
{
    write_line_with(level, error_type, message, NULL);
}

__attribute__((format(printf, 2, 0))) static void write_formatted(const char *level,
                                                                  const char *fmt, va_list args)
{
    va_list copy;
    va_copy(copy, args);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *text = base_xmalloc(n > 0 ? (size_t)n + 1 : 1);
    text[0] = '\0';
    if (n > 0)
        vsnprintf(text, (size_t)n + 1, fmt, args);
    write_line(level, NULL, text);
    free(text);
}

void log_info(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    write_formatted("INFO", fmt, args);
    va_end(args);
}

void log_warn(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    write_formatted("WARN", fmt, args);
    va_end(args);
}

void log_error(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    write_formatted("ERROR", fmt, args);
    va_end(args);
}

void log_failure(const char *what, const base_error *err)
{
    char detail[1400];
    base_error_format_call(err, detail, sizeof detail);
    base_buf message = {0};
    base_buf_printf(&message, "%s: %s", what, detail);
    write_line("ERROR", err->code, base_buf_str(&message));
    base_buf_free(&message);
}

void log_invocation(const char *handler, long long duration_ms, const char *error_type,
                    cJSON *counts)
{
    char message[160];
    snprintf(message, sizeof message, "%s %s in %lld ms", handler, error_type ? "failed" : "ok",
             duration_ms);
    cJSON *extra = cJSON_CreateObject();
    cJSON_AddStringToObject(extra, "handler", handler);
    cJSON_AddNumberToObject(extra, "durationMs", (double)duration_ms);
    cJSON_AddStringToObject(extra, "outcome", error_type ? "error" : "ok");
    cJSON_AddItemToObject(extra, "counts", counts ? counts : cJSON_CreateObject());
    write_line_with(error_type ? "ERROR" : "INFO", error_type, message, extra);
}

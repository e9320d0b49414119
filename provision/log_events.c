/*
 * log_events.c - reads the handlers' log events (log_events.h): every page
 * of FilterLogEvents for each handler's group, or each line of the local
 * log files, merged into one list by time.
 */
#include "provision/log_events.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/clock.h"
#include "aws/service.h"
#include "base/buf.h"

static void add_event(log_batch *b, size_t *cap, long long timestamp_ms, const char *handler,
                      const char *message, size_t message_len, const char *event_id)
{
    if (b->count == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        b->events = base_xrealloc(b->events, *cap * sizeof *b->events);
    }
    while (message_len && (message[message_len - 1] == '\n' || message[message_len - 1] == '\r'))
        message_len--;
    b->events[b->count++] = (log_event){
        .timestamp_ms = timestamp_ms,
        .handler = handler,
        .message = base_xstrndup(message, message_len),
        .event_id = base_xstrdup(event_id),
    };
}

/* Sorted by time; events of one millisecond keep the order they were read in
 * (source by source, each in its own order). */
typedef struct ordered {
    log_event event;
    size_t index;
} ordered;

static int compare_ordered(const void *a, const void *b)
{
    const ordered *x = a, *y = b;
    if (x->event.timestamp_ms != y->event.timestamp_ms)
        return x->event.timestamp_ms < y->event.timestamp_ms ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void sort_by_time(log_batch *b)
{
    ordered *tmp = base_xcalloc(b->count ? b->count : 1, sizeof *tmp);
    for (size_t i = 0; i < b->count; i++)
        tmp[i] = (ordered){b->events[i], i};
    qsort(tmp, b->count, sizeof *tmp, compare_ordered);
    for (size_t i = 0; i < b->count; i++)
        b->events[i] = tmp[i].event;
    free(tmp);
}

static bool error_is(const base_error *err, const char *code)
{
    return err->kind == BASE_ERROR_SERVICE && strcmp(err->code, code) == 0;
}

/* CloudWatch's filter syntax: the text as one quoted term, matched as written. */
static int quoted_term(const char *text, char *out, size_t size, base_error *err)
{
    ENSURE(!strchr(text, '"'), err, BASE_ERROR_CONFIG, "",
           "--filter %s: allowed: text without '\"'", text);
    snprintf(out, size, "\"%s\"", text);
    return 0;
}

/* Every page of one group's events; a group that does not exist yet is missing. */
/* Keeps FilterLogEvents calls LOG_EVENTS_CALLS_PER_SECOND apart; *last is the previous call's time. */
static void pace(long *last)
{
    const long gap = 1000 / LOG_EVENTS_CALLS_PER_SECOND;
    long now = aws_monotonic_ms();
    if (*last && now - *last < gap)
        aws_sleep_ms(gap - (now - *last));
    *last = aws_monotonic_ms();
}

static int read_group(aws_client *c, const log_query *q, const log_source *src, log_batch *b,
                      size_t *cap, long *last_call, base_error *err)
{
    char pattern[1100] = "";
    if (q->filter)
        TRY(quoted_term(q->filter, pattern, sizeof pattern, err));
    char *token = NULL;
    int rc = 0;
    do {
        cJSON *input = cJSON_CreateObject();
        cJSON_AddStringToObject(input, "logGroupName", src->location);
        cJSON_AddNumberToObject(input, "startTime", (double)q->start_ms);
        if (pattern[0])
            cJSON_AddStringToObject(input, "filterPattern", pattern);
        if (token)
            cJSON_AddStringToObject(input, "nextToken", token);
        cJSON *out = NULL;
        pace(last_call);
        rc = aws_json_call(c, &aws_service_logs, "FilterLogEvents", input, &out, err);
        cJSON_Delete(input);
        free(token);
        token = NULL;
        if (rc != 0) {
            if (error_is(err, "ResourceNotFoundException")) {
                base_error_clear(err);
                b->missing++;
                rc = 0;
            }
            break;
        }
        const cJSON *event;
        cJSON_ArrayForEach(event, cJSON_GetObjectItemCaseSensitive(out, "events")) {
            const cJSON *ts = cJSON_GetObjectItemCaseSensitive(event, "timestamp");
            const cJSON *message = cJSON_GetObjectItemCaseSensitive(event, "message");
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(event, "eventId");
            if (cJSON_IsNumber(ts) && cJSON_IsString(message))
                add_event(b, cap, (long long)ts->valuedouble, src->handler, message->valuestring,
                          strlen(message->valuestring), cJSON_IsString(id) ? id->valuestring : "");
        }
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(out, "nextToken");
        if (cJSON_IsString(next) && next->valuestring[0])
            token = base_xstrdup(next->valuestring);
        cJSON_Delete(out);
    } while (token);
    return rc;
}

int log_events_read_cloudwatch(aws_client *c, const log_query *q, log_batch *out, base_error *err)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    long last_call = 0;
    for (size_t i = 0; i < q->source_count; i++) {
        if (read_group(c, q, &q->sources[i], out, &cap, &last_call, err) != 0) {
            log_batch_free(out);
            return -1;
        }
    }
    sort_by_time(out);
    return 0;
}

/* "2026-12-04", "2026-12-04T10:00", "2026-12-04T10:00:00.123Z" (UTC) -> ms since the
 * epoch; -1 if it is not one. */
static long long parse_iso_time(const char *text)
{
    int y, mo, d, h = 0, mi = 0, s = 0, ms = 0, used = 0;
    if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &used) < 3)
        return -1;
    const char *p = text + used;
    if (*p == 'T') {
        int n = 0;
        if (sscanf(p, "T%2d:%2d%n", &h, &mi, &n) < 2 || !n)
            return -1;
        p += n;
    }
    if (*p == ':') {
        int n = 0;
        if (sscanf(p, ":%2d%n", &s, &n) < 1)
            return -1;
        p += n;
        if (*p == '.') {
            int digits = 0;
            for (p++; *p >= '0' && *p <= '9'; p++, digits++)
                if (digits < 3)
                    ms = ms * 10 + (*p - '0');
            for (; digits < 3; digits++)
                ms *= 10;
        }
    }
    if (*p == 'Z')
        p++;
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return -1;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    return (long long)timegm(&tm) * 1000 + ms;
}

long long log_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

long long log_parse_since(const char *text, long long now_ms)
{
    char *end;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (!errno && end != text && n >= 0 && end[0] && !end[1]) {
        long long unit = end[0] == 's'   ? 1000
                         : end[0] == 'm' ? 60000
                         : end[0] == 'h' ? 3600000
                         : end[0] == 'd' ? 86400000
                                         : 0;
        if (unit && n <= 3650LL * 86400000 / unit)
            return now_ms - n * unit;
    }
    return parse_iso_time(text);
}

/* The handlers' lines are JSON with an ISO "timestamp"; another line takes `previous`. */
static long long line_time(const char *line, size_t len, long long previous)
{
    cJSON *doc = cJSON_ParseWithLength(line, len);
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(doc, "timestamp");
    long long t = cJSON_IsString(ts) ? parse_iso_time(ts->valuestring) : -1;
    cJSON_Delete(doc);
    return t >= 0 ? t : previous;
}

static bool contains(const char *line, size_t len, const char *text)
{
    size_t n = strlen(text);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(line + i, text, n) == 0)
            return true;
    return false;
}

static int read_file(const log_query *q, const log_source *src, log_batch *b, size_t *cap,
                     base_error *err)
{
    FILE *f = fopen(src->location, "r");
    if (!f) {
        ENSURE(errno == ENOENT, err, BASE_ERROR_CONFIG, "", "%s: %s", src->location,
               strerror(errno));
        b->missing++;
        return 0;
    }
    base_buf text = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        base_buf_append(&text, chunk, n);
    fclose(f);
    long long time = 0;
    const char *all = base_buf_str(&text);
    for (size_t at = 0; at < text.len;) {
        const char *line = all + at;
        const char *nl = memchr(line, '\n', text.len - at);
        if (!nl)
            break; /* a line still being written */
        size_t len = (size_t)(nl - line);
        size_t shown = strnlen(line, len); /* a line is its text up to a NUL, if it has one */
        while (shown && line[shown - 1] == '\r')
            shown--;
        time = line_time(line, shown, time);
        if (time >= q->start_ms && shown && (!q->filter || contains(line, shown, q->filter))) {
            char id[300];
            snprintf(id, sizeof id, "%s:%zu", src->handler, at);
            add_event(b, cap, time, src->handler, line, shown, id);
        }
        at += len + 1;
    }
    base_buf_free(&text);
    return 0;
}

int log_events_read_files(const log_query *q, log_batch *out, base_error *err)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    for (size_t i = 0; i < q->source_count; i++) {
        if (read_file(q, &q->sources[i], out, &cap, err) != 0) {
            log_batch_free(out);
            return -1;
        }
    }
    sort_by_time(out);
    return 0;
}

static bool seen_before(const log_seen *seen, const log_event *e)
{
    if (seen->latest_ms < 0)
        return false;
    if (e->timestamp_ms < seen->latest_ms - seen->window_ms)
        return true;
    for (size_t i = 0; i < seen->count; i++)
        if (seen->items[i].timestamp_ms == e->timestamp_ms &&
            strcmp(seen->items[i].id, e->event_id) == 0)
            return true;
    return false;
}

static void forget_older_than(log_seen *seen, long long oldest_ms)
{
    size_t kept = 0;
    for (size_t i = 0; i < seen->count; i++) {
        if (seen->items[i].timestamp_ms < oldest_ms)
            free(seen->items[i].id);
        else
            seen->items[kept++] = seen->items[i];
    }
    seen->count = kept;
}

void log_events_drop_seen(log_batch *b, log_seen *seen)
{
    size_t kept = 0;
    for (size_t i = 0; i < b->count; i++) {
        log_event *e = &b->events[i];
        if (seen_before(seen, e)) {
            free(e->message);
            free(e->event_id);
            continue;
        }
        b->events[kept++] = *e;
        seen->items = base_xrealloc(seen->items, (seen->count + 1) * sizeof *seen->items);
        seen->items[seen->count++] = (log_seen_id){e->timestamp_ms, base_xstrdup(e->event_id)};
        if (e->timestamp_ms > seen->latest_ms)
            seen->latest_ms = e->timestamp_ms;
    }
    b->count = kept;
    forget_older_than(seen, seen->latest_ms - seen->window_ms);
}

void log_seen_free(log_seen *seen)
{
    forget_older_than(seen, LLONG_MAX);
    free(seen->items);
    seen->items = NULL;
}

void log_batch_free(log_batch *b)
{
    for (size_t i = 0; i < b->count; i++) {
        free(b->events[i].message);
        free(b->events[i].event_id);
    }
    free(b->events);
    memset(b, 0, sizeof *b);
}

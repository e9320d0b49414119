/*
 * log_events.h - the handlers' log events, read from CloudWatch Logs
 * (FilterLogEvents on each handler's group, every page) or from
 * `scribblectl local`'s log folder (<data_dir>/logs/<handler>.log), and
 * interleaved by time. `scribblectl logs` prints them; this reads only.
 */
#ifndef SCRIBBLE_PROVISION_LOG_EVENTS_H
#define SCRIBBLE_PROVISION_LOG_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/client.h"

typedef struct log_event {
    long long timestamp_ms; /* milliseconds since the epoch */
    const char *handler;    /* the query's handler name (not owned) */
    char *message;          /* as logged, without a trailing newline */
    char *event_id;         /* CloudWatch's eventId; for local, "<handler>:<byte offset>" */
} log_event;

typedef struct log_source {
    const char *handler;
    const char *location; /* the log group's name, or the local log file's path */
} log_source;

typedef struct log_query {
    const log_source *sources;
    size_t source_count;
    long long start_ms; /* events at or after */
    const char *filter; /* text the message must contain, or NULL */
} log_query;

/* FilterLogEvents calls a second at most: AWS allows 5 per account and Region
 * (a hard quota, shared with everyone reading the account's logs). */
#define LOG_EVENTS_CALLS_PER_SECOND 4

typedef struct log_batch {
    log_event *events; /* sorted by time, then by source order */
    size_t count;
    size_t missing; /* sources with no log group or file yet */
} log_batch;

/* From CloudWatch Logs: every event of every source group since start_ms
 * that contains the filter (a quoted term of CloudWatch's filter syntax).
 * A group that does not exist adds to `missing`. */
int log_events_read_cloudwatch(aws_client *c, const log_query *q, log_batch *out, base_error *err);

/* From local log files: each line is one event; its time is the line's
 * JSON "timestamp" (the handlers' format), or the time of the line before. */
int log_events_read_files(const log_query *q, log_batch *out, base_error *err);

/* What --follow has printed: the ids of the events of the last `window_ms`
 * before the latest one. CloudWatch Logs may take seconds to make an event
 * searchable, so each poll asks again from latest_ms - window_ms and drops
 * what it printed before. */
typedef struct log_seen_id {
    long long timestamp_ms;
    char *id;
} log_seen_id;
typedef struct log_seen {
    long long window_ms;
    long long latest_ms; /* -1: nothing yet */
    log_seen_id *items;
    size_t count;
} log_seen;
/* Drops from b what seen holds or what is older than its window, then adds the rest to seen. */
void log_events_drop_seen(log_batch *b, log_seen *seen);
void log_seen_free(log_seen *seen);

void log_batch_free(log_batch *b);

/* "15m", "2h", "3d", "90s" before now_ms; or an ISO 8601 UTC time
 * "2026-12-04T10:00:00Z" (the time, its seconds and Z optional). -1 if neither. */
long long log_parse_since(const char *text, long long now_ms);
/* The wall clock in ms since the epoch: the now_ms the verbs give log_parse_since. */
long long log_now_ms(void);

#endif

/*
 * log.h - the runtime's logs: one JSON object per line on stdout, which
 * Lambda forwards to CloudWatch Logs, each carrying the current invocation's
 * request id (and trace id) so a function's log can be filtered down to one
 * invocation.
 *
 * This module and main() are the only parts of the runtime that print.
 * Thread-safe: lines from concurrent threads never interleave.
 */
#ifndef SCRIBBLE_RUNTIME_LOG_H
#define SCRIBBLE_RUNTIME_LOG_H

#include "base/error.h"

struct cJSON;

/* From here on every line carries this invocation's request id, and the
 * X-Ray trace id that _X_AMZN_TRACE_ID holds (the one every library reading
 * the environment sees), so logs and traces can be joined. */
void log_begin_invocation(const char *request_id);
/* Lines between invocations carry neither. */
void log_end_invocation(void);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An ERROR line for a failure: "<what>: <err as one line>", with err's code
 * as errorType. */
void log_failure(const char *what, const base_error *err);

/* One line per invocation, written when it ends: "<handler> ok in 12 ms" (INFO)
 * or "<handler> failed in 12 ms" (ERROR, with errorType), and the fields
 * "handler", "durationMs", "outcome" ("ok" or "error") and "counts" (what
 * the handler counted: pixels, posts, records; may be empty), so a log can be
 * filtered by handler or outcome (docs/cli.md, "logs"). Takes counts. */
void log_invocation(const char *handler, long long duration_ms, const char *error_type,
                    struct cJSON *counts);

#endif

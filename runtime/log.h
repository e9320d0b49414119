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

#endif

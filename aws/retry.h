/*
 * retry.h - the SDKs' "standard" retry mode, as data and arithmetic.
 *
 * Attempts: max_attempts in all (default 3). Which failures retry:
 * transport errors, HTTP 500/502/503/504, and the throttling and transient
 * error codes the SDKs list; never a validation or other client error.
 * Delay before retry i (1-based): random in [0, min(base * 2^(i-1), 20 s)]
 * ("full jitter"). A retry quota (token bucket of 500; a retry costs 5, a
 * retry after a timeout 10; a success gives 1 back) stops retry storms.
 */
#ifndef SCRIBBLE_AWS_RETRY_H
#define SCRIBBLE_AWS_RETRY_H

#include <stdbool.h>

#include "base/error.h"

#define AWS_RETRY_DEFAULT_MAX_ATTEMPTS 3
#define AWS_RETRY_MAX_BACKOFF_MS 20000
#define AWS_RETRY_BASE_DELAY_MS 1000
#define AWS_RETRY_QUOTA 500

typedef struct aws_retry_state {
    int max_attempts;
    long base_delay_ms;
    int quota;
} aws_retry_state;

void aws_retry_init(aws_retry_state *r, int max_attempts);
/* Marks err->retryable from its kind, status and code. */
void aws_retry_classify(base_error *err);
bool aws_retry_is_throttling(const char *code);
/* Is err a fault rather than an answer: a transport error, a response that
 * could not be read (cut short), or what classify retries (5xx, throttling,
 * transient codes)? The client's attempts have already retried it; a caller
 * may try again later, within a budget. A refusal that a resource kind marks
 * retryable ("still in use") is not a fault. */
bool aws_error_is_fault(const base_error *err);
/* After failed attempt `attempt` (1-based): true and the delay to wait when
 * another attempt is allowed (takes from the quota). */
bool aws_retry_next(aws_retry_state *r, const base_error *err, int attempt, long *delay_ms);
void aws_retry_on_success(aws_retry_state *r);

#endif

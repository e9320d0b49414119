/*
 * retry.c - standard-mode retry decisions. See retry.h.
 */
#include "retry.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

static const char *const throttling_codes[] = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException",
};

static const char *const transient_codes[] = {
    "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
    "ServiceUnavailable", "IDPCommunicationError",
};

static bool in_list(const char *code, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(code, list[i]) == 0)
            return true;
    return false;
}

bool aws_retry_is_throttling(const char *code)
{
    return in_list(code, throttling_codes, sizeof throttling_codes / sizeof throttling_codes[0]);
}

void aws_retry_init(aws_retry_state *r, int max_attempts)
{
    r->max_attempts = max_attempts > 0 ? max_attempts : AWS_RETRY_DEFAULT_MAX_ATTEMPTS;
    r->base_delay_ms = AWS_RETRY_BASE_DELAY_MS;
    r->quota = AWS_RETRY_QUOTA;
}

static bool service_fault(const base_error *err)
{
    long s = err->http_status;
    return s == 500 || s == 502 || s == 503 || s == 504 || aws_retry_is_throttling(err->code) ||
           in_list(err->code, transient_codes, sizeof transient_codes / sizeof transient_codes[0]);
}

void aws_retry_classify(base_error *err)
{
    err->retryable = err->kind == BASE_ERROR_TRANSPORT ||
                     (err->kind == BASE_ERROR_SERVICE && service_fault(err));
}

bool aws_error_is_fault(const base_error *err)
{
    return err->kind == BASE_ERROR_TRANSPORT || err->kind == BASE_ERROR_PARSE ||
           (err->kind == BASE_ERROR_SERVICE && service_fault(err));
}

static double random_unit(void)
{
    unsigned int v;
    if (RAND_bytes((unsigned char *)&v, sizeof v) != 1)
        v = (unsigned int)rand();
    return (double)v / 4294967296.0;
}

bool aws_retry_next(aws_retry_state *r, const base_error *err, int attempt, long *delay_ms)
{
    if (!err->retryable || attempt >= r->max_attempts)
        return false;
    int cost = err->kind == BASE_ERROR_TRANSPORT && strcmp(err->code, "RequestTimeout") == 0 ? 10 : 5;
    if (r->quota < cost)
        return false;
    r->quota -= cost;
    double cap = (double)r->base_delay_ms * (double)(1L << (attempt - 1 < 20 ? attempt - 1 : 20));
    if (cap > AWS_RETRY_MAX_BACKOFF_MS)
        cap = AWS_RETRY_MAX_BACKOFF_MS;
    *delay_ms = (long)(random_unit() * cap);
    return true;
}

void aws_retry_on_success(aws_retry_state *r)
{
    if (r->quota < AWS_RETRY_QUOTA)
        r->quota++;
}

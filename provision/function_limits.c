/*
 * function_limits.c - each function's timeout and reserved concurrency,
 * and the account's room for the reservations (function_limits.h).
 */
#include "provision/function_limits.h"

#include <stdio.h>
#include <string.h>

#include "provision/kind_support.h"
#include "provision/kinds.h"
#include "stack/description.h"

/* The handlers a WebSocket route names (stack/description.h) answer
 * clients, and one scribblectl invokes answers a person waiting: both get
 * the route timeout. Only route handlers and workers reserve executions: an
 * invoked handler runs when an operator asks, and reserving for it would
 * take from the account's unreserved pool for nothing. */
int function_timeout(const scribble_config *cfg, const char *handler)
{
    return described_handler_answers_route(handler) || described_invoked_find(handler)
               ? cfg->functions.route_timeout
               : cfg->functions.worker_timeout;
}

int function_reserved_concurrency(const scribble_config *cfg, const char *handler)
{
    if (described_invoked_find(handler))
        return 0;
    return described_handler_answers_route(handler) ? cfg->limits.route_concurrency
                                                    : cfg->limits.worker_concurrency;
}

int account_concurrency_read(aws_client *client, account_concurrency *out, base_error *err)
{
    cJSON *answer = NULL;
    TRY(aws_rest_json_call(client, &aws_service_lambda, "GET", "/2016-08-19/account-settings",
                           NULL, NULL, &answer, err));
    const cJSON *limit = cJSON_GetObjectItemCaseSensitive(answer, "AccountLimit");
    out->limit = json_long_at(limit, "ConcurrentExecutions");
    out->unreserved = json_long_at(limit, "UnreservedConcurrentExecutions");
    cJSON_Delete(answer);
    ENSURE(out->limit >= 0 && out->unreserved >= 0, err, BASE_ERROR_PARSE, "MalformedResponse",
           "Lambda GetAccountSettings gave no AccountLimit concurrency");
    return 0;
}

/* GetFunctionConcurrency; 0 when none is reserved or the function does not exist. */
static int reserved_now(aws_client *client, const char *function, long *out, base_error *err)
{
    char path[256];
    snprintf(path, sizeof path, "/2019-09-30/functions/%s/concurrency", function);
    cJSON *answer = NULL;
    *out = 0;
    int rc = aws_rest_json_call(client, &aws_service_lambda, "GET", path, NULL, NULL, &answer, err);
    if (rc != 0)
        return allow_error(rc, err, "ResourceNotFoundException");
    long reserved = json_long_at(answer, "ReservedConcurrentExecutions");
    *out = reserved > 0 ? reserved : 0;
    cJSON_Delete(answer);
    return 0;
}

int stack_reservations(aws_client *client, const stack *s, long *now, long *wanted,
                       base_error *err)
{
    *now = *wanted = 0;
    for (size_t i = 0; i < stack_count(s); i++) {
        const resource *r = stack_at((stack *)s, i);
        if (r->ops != &function_ops)
            continue;
        long reserved;
        TRY(reserved_now(client, r->name, &reserved, err));
        *now += reserved;
        *wanted += function_reserved_concurrency(stack_config(s), r->variant);
    }
    return 0;
}

int reservations_fit(const scribble_config *cfg, const account_concurrency *account, long now,
                     long wanted, base_error *err)
{
    long room = account->unreserved + now - LAMBDA_MIN_UNRESERVED;
    ENSURE(wanted <= room, err, BASE_ERROR_CONFIG, "ReservedConcurrencyTooHigh",
           "limits.route_concurrency = %d and limits.worker_concurrency = %d reserve %ld Lambda "
           "executions for this stack's functions, but the account's limit in this region is %ld, "
           "%ld of them not reserved by other functions, and AWS keeps %d unreserved: at most %ld "
           "can be reserved here. Lower the settings, or ask AWS for a higher limit (Service "
           "Quotas: AWS Lambda, Concurrent executions)",
           cfg->limits.route_concurrency, cfg->limits.worker_concurrency, wanted, account->limit,
           account->unreserved + now, LAMBDA_MIN_UNRESERVED, room > 0 ? room : 0);
    return 0;
}

int function_limits_check(aws_client *client, const stack *s, base_error *err)
{
    const scribble_config *cfg = stack_config(s);
    if (!cfg->limits.route_concurrency && !cfg->limits.worker_concurrency)
        return 0; /* reservations there may be are removed, which always fits */
    long now, wanted;
    account_concurrency account;
    TRY(stack_reservations(client, s, &now, &wanted, err));
    TRY(account_concurrency_read(client, &account, err));
    return reservations_fit(cfg, &account, now, wanted, err);
}

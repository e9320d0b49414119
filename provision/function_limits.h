/*
 * function_limits.h - what each function may take: its timeout and its
 * reserved concurrency by class (the handlers answering a WebSocket route,
 * and the workers), and whether the account has room for the reservations
 * the config asks for.
 *
 * AWS refuses a reservation that would leave the account fewer than 100
 * unreserved executions in the region (new accounts may have a limit of
 * only 10, so no reservation at all). `up` and `plan` check before any
 * change, `doctor` reports it, from Lambda's GetAccountSettings.
 */
#ifndef SCRIBBLE_PROVISION_FUNCTION_LIMITS_H
#define SCRIBBLE_PROVISION_FUNCTION_LIMITS_H

#include <stdbool.h>

#include "aws/client.h"
#include "provision/config.h"
#include "provision/stack.h"

/* Executions AWS keeps unreserved in every account and region. */
#define LAMBDA_MIN_UNRESERVED 100

/* Seconds the handler may run: route_timeout or worker_timeout. */
int function_timeout(const scribble_config *cfg, const char *handler);
/* Executions to reserve for the handler; 0: none. */
int function_reserved_concurrency(const scribble_config *cfg, const char *handler);

typedef struct account_concurrency {
    long limit;      /* AccountLimit.ConcurrentExecutions */
    long unreserved; /* AccountLimit.UnreservedConcurrentExecutions */
} account_concurrency;

/* Lambda GetAccountSettings. */
int account_concurrency_read(aws_client *client, account_concurrency *out, base_error *err);

/* What the stack's functions reserve now and would reserve as configured. */
int stack_reservations(aws_client *client, const stack *s, long *now, long *wanted,
                       base_error *err);

/* Whether `wanted` fits the account, whose reservations include `now` of
 * this stack's; when not, an BASE_ERROR_CONFIG ReservedConcurrencyTooHigh
 * error saying why and what to do. */
int reservations_fit(const scribble_config *cfg, const account_concurrency *account, long now,
                     long wanted, base_error *err);

/* All of the above for up and plan: nothing when nothing is reserved now
 * or wanted, else reads the account and the functions and refuses what
 * AWS would refuse. */
int function_limits_check(aws_client *client, const stack *s, base_error *err);

#endif

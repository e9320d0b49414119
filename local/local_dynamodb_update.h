/*
 * local_dynamodb_update.h - the one UpdateItem form scribblectl local's
 * DynamoDB runs: `ADD <attribute> <:value>` on a whole number, which is how
 * the handlers raise the seq mark (runtime/seq_mark.h).
 *
 * Everything else an UpdateExpression can say (SET, REMOVE, DELETE, several
 * actions, nested paths) is refused with a ValidationException naming what
 * is not supported, never half-applied. Like local_dynamodb_value.h it reads
 * and rewrites cJSON trees only.
 */
#ifndef SCRIBBLE_LOCAL_DYNAMODB_UPDATE_H
#define SCRIBBLE_LOCAL_DYNAMODB_UPDATE_H

#include <cjson/cJSON.h>

#include "base/error.h"

typedef struct local_dynamodb_add {
    char attribute[256]; /* the attribute's name, after ExpressionAttributeNames */
    long long amount;
} local_dynamodb_add;

/* Reads UpdateExpression with ExpressionAttributeNames and
 * ExpressionAttributeValues from the request, refusing what DynamoDB
 * refuses (a missing or unused name or value, a non-number operand) and
 * what is not supported here. */
int local_dynamodb_update_parse(const cJSON *in, local_dynamodb_add *out, base_error *e);

/* Adds to the attribute of item (created at 0 when absent): refused when
 * the attribute holds something other than a number, or the sum leaves the
 * whole numbers this DynamoDB adds (64-bit). */
int local_dynamodb_update_apply(cJSON *item, const local_dynamodb_add *add, base_error *e);

#endif

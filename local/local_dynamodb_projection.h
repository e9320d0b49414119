/*
 * local_dynamodb_projection.h - the ProjectionExpression of GetItem and Scan
 * in scribblectl local's DynamoDB: which top-level attributes of an item to
 * answer.
 *
 * Apart from the operations (local_dynamodb.c) because it is an expression
 * language of its own, with its own errors, however little of it is kept:
 * top-level names and #placeholders from ExpressionAttributeNames, separated
 * by commas. Nested paths (a.b, a[0]) are refused with a ValidationException
 * that says so, never ignored.
 */
#ifndef SCRIBBLE_LOCAL_DYNAMODB_PROJECTION_H
#define SCRIBBLE_LOCAL_DYNAMODB_PROJECTION_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "base/error.h"

typedef struct local_dynamodb_projection {
    const char **names; /* the attributes to keep; NULL: every attribute */
    size_t count;
    char *tokens;       /* the expression's copy that names point into */
} local_dynamodb_projection;

/* Reads the request's ProjectionExpression and ExpressionAttributeNames
 * (members already checked to be a string and an object) into *p, which then
 * points into the request too: free it before the request. No expression is
 * a projection of every attribute. Free *p with local_dynamodb_projection_free,
 * whether this succeeded or not. */
int local_dynamodb_projection_parse(const cJSON *request, local_dynamodb_projection *p,
                                    base_error *e);
void local_dynamodb_projection_free(local_dynamodb_projection *p);

/* The item limited to the projection: a new object holding the item's
 * projected attributes (item is consumed), or item itself when p keeps
 * every attribute. */
cJSON *local_dynamodb_project(cJSON *item, const local_dynamodb_projection *p);

#endif

/*
 * local_dynamodb.h - scribblectl local's DynamoDB: the operations the
 * handlers and scribblectl call (BatchWriteItem, Scan, PutItem, GetItem,
 * DeleteItem, DescribeTable, ListTables), answered from a local_store in AWS
 * JSON 1.0 as botocore's model shapes them.
 *
 * Tables are not created through the API: they are the stack's, known from
 * scribble.ini, each with a number (N) partition key and an optional number
 * sort key. A request is a pure function of the store and its bytes; it
 * never prints.
 *
 * This is the whole public API. Behind it: the operations and their answers
 * (local_dynamodb.c), AttributeValues, numbers and keys
 * (local_dynamodb_value.h), ProjectionExpression
 * (local_dynamodb_projection.h) and the two request errors they share
 * (local_dynamodb_error.h), which only local_dynamodb*.c include.
 */
#ifndef SCRIBBLE_LOCAL_DYNAMODB_H
#define SCRIBBLE_LOCAL_DYNAMODB_H

#include <stddef.h>

#include "base/error.h"
#include "local/local_reply.h"
#include "local/local_store.h"

typedef struct local_table_schema {
    const char *name;
    const char *partition_key; /* attribute name, type N */
    const char *sort_key;      /* attribute name, type N; NULL: none */
} local_table_schema;

/*
 * Answers one request. operation is X-Amz-Target's value
 * ("DynamoDB_20120810.Scan") or just the operation's name ("Scan"); NULL or
 * unknown is an UnknownOperationException. reply (zeroed, or freed with
 * local_reply_free) receives the answer, an error document included.
 *
 * Returns 0 when reply holds the answer to the request, a success or the
 * request's error (HTTP 400). Returns -1 when the store failed: reply then
 * holds an InternalServerError (HTTP 500) and err says what failed, for the
 * server's log.
 */
int local_dynamodb_handle(local_store *store, const local_table_schema *tables,
                          size_t table_count, const char *operation, const char *body,
                          size_t len, local_reply *reply, base_error *err);

#endif

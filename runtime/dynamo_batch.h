/*
 * dynamo_batch.h - writing many items to DynamoDB with BatchWriteItem: 25
 * per request (its limit), and the items DynamoDB hands back unprocessed
 * (throttling, a partition at capacity) resubmitted with exponential backoff
 * until they are all in or the deadline passes.
 */
#ifndef SCRIBBLE_RUNTIME_DYNAMO_BATCH_H
#define SCRIBBLE_RUNTIME_DYNAMO_BATCH_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "aws/client.h"
#include "base/error.h"

/* Puts items[0..count) (each an item in DynamoDB's attribute-value form; the
 * caller keeps ownership) into table. No two items may share a key. Fails
 * with code "UnprocessedItems" when some are still unwritten at deadline_ms
 * (Unix ms). *requests (optional) counts the BatchWriteItem calls made. */
int dynamo_batch_put(aws_client *aws, const char *table, cJSON *const *items, size_t count,
                     long long deadline_ms, size_t *requests, base_error *err);

#endif

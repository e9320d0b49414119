/*
 * local_dynamodb_value.h - DynamoDB's AttributeValues as scribblectl local's
 * DynamoDB reads them: checking items and keys from a request, normalising
 * their numbers, and turning a key into the store's canonical key string.
 *
 * Kept apart from the operations (local_dynamodb.c) because it is DynamoDB's
 * data model, not its API: what a valid value, number, key and item are, the
 * same whichever operation carries them. It reads and rewrites cJSON trees
 * only; it never touches the store.
 */
#ifndef SCRIBBLE_LOCAL_DYNAMODB_VALUE_H
#define SCRIBBLE_LOCAL_DYNAMODB_VALUE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "base/buf.h"
#include "base/error.h"
#include "local/local_dynamodb.h"

/* The table's key attributes: the partition key, then the sort key if any. */
static inline size_t local_dynamodb_key_count(const local_table_schema *t)
{
    return t->sort_key ? 2 : 1;
}

static inline const char *local_dynamodb_key_name(const local_table_schema *t, size_t i)
{
    return i == 0 ? t->partition_key : t->sort_key;
}

/*
 * A Key (GetItem, DeleteItem, a DeleteRequest, ExclusiveStartKey): checks
 * attributes as AttributeValues (numbers normalised in place) holding exactly
 * the table's key attributes, each a number, and appends the canonical key to
 * key. what names the member in messages ("Key", "ExclusiveStartKey").
 */
int local_dynamodb_key_of(const local_table_schema *t, cJSON *attributes, const char *what,
                          base_buf *key, base_error *e);

/*
 * An Item (PutItem, a PutRequest): checks it as local_dynamodb_key_of does
 * (key attributes present and numbers; other attributes allowed), appends its
 * canonical key to key and sets *text to the normalised item's JSON, to
 * store (caller frees with cJSON_free; NULL on failure). Refuses an item over
 * DynamoDB's 400 KB, measured on that text.
 */
int local_dynamodb_item_of(const local_table_schema *t, cJSON *item, base_buf *key, char **text,
                           base_error *e);

/* The key attributes of a stored item, as a new object: a LastEvaluatedKey. */
cJSON *local_dynamodb_key_attributes(const local_table_schema *t, const cJSON *item);

/* A stored item's text, parsed into *item (caller frees); a store failure
 * (BASE_ERROR_SERVICE, LocalStoreError) when the store holds something else. */
int local_dynamodb_stored_item(const char *text, cJSON **item, base_error *e);

#endif

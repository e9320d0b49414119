/*
 * local_store_test.c - scribblectl local's store and the DynamoDB and S3
 * answered from it, called as the local endpoint calls them: batches
 * written whole or not at all, duplicate keys refused, Scan pages that
 * return every item exactly once in key order, data that survives closing
 * and reopening the file, DynamoDB's and S3's errors for unknown tables,
 * buckets and keys, malformed or mistyped requests (answered, never
 * crashing, nothing written), and percent-encoded object keys.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "local/local_dynamodb.h"
#include "local/local_s3.h"
#include "local/local_store.h"
#include "test.h"

static const local_table_schema tables[] = {
    {.name = "pixels", .partition_key = "idx"},
    {.name = "history", .partition_key = "minute", .sort_key = "seq"},
};
static const char *const buckets[] = {"site-bucket"};

static char dir[64];
static char db_path[128];

/* ------------------------------------------------------------- helpers */

static local_store *open_store(void)
{
    local_store *store = NULL;
    base_error err = {0};
    if (local_store_open(db_path, &store, &err) != 0) {
        fprintf(stderr, "opening %s: %s\n", db_path, err.message);
        exit(1);
    }
    return store;
}

/* The error's name without its namespace: "ValidationException". */
static const char *error_name(const cJSON *doc)
{
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "__type"));
    const char *hash = type ? strchr(type, '#') : NULL;
    return hash ? hash + 1 : type;
}

/* Sends one DynamoDB request (its body in a buffer of exactly its length, so
 * a read past the end is caught by ASan) and checks the status and, for an
 * error, its name. Returns the parsed answer (caller frees). */
static cJSON *dynamodb(local_store *store, const char *operation, const char *body,
                       int want_status, const char *want_error)
{
    size_t len = strlen(body);
    char *exact = malloc(len ? len : 1);
    memcpy(exact, body, len);
    local_reply reply = {0};
    base_error err = {0};
    int rc = local_dynamodb_handle(store, tables, 2, operation, exact, len, &reply, &err);
    free(exact);
    if (rc != 0)
        fprintf(stderr, "%s: store failed: %s\n", operation, err.message);
    CHECK_INT_EQ(rc, 0);
    CHECK_STR_EQ(reply.content_type, "application/x-amz-json-1.0");
    if (reply.status != want_status)
        fprintf(stderr, "%s %.200s answered %d: %s\n", operation, body, reply.status,
                base_buf_str(&reply.body));
    CHECK_INT_EQ(reply.status, want_status);
    cJSON *doc = cJSON_Parse(base_buf_str(&reply.body));
    CHECK(doc != NULL);
    if (want_error)
        CHECK_STR_EQ(error_name(doc), want_error);
    local_reply_free(&reply);
    return doc;
}

static void dynamodb_ok(local_store *store, const char *operation, const char *body)
{
    cJSON_Delete(dynamodb(store, operation, body, 200, NULL));
}

static void dynamodb_error(local_store *store, const char *operation, const char *body,
                           const char *want_error)
{
    cJSON_Delete(dynamodb(store, operation, body, 400, want_error));
}

static long long item_count(local_store *store, const char *table)
{
    long long count = -1, bytes = 0;
    base_error err = {0};
    CHECK_INT_EQ(local_store_count_items(store, table, &count, &bytes, &err), 0);
    return count;
}

static const char *number_of(const cJSON *item, const char *name)
{
    return cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, name), "N"));
}

/* GetItem pixels idx: the item's colour, or NULL when there is no item. */
static char *pixel_colour(local_store *store, const char *idx)
{
    char body[160];
    snprintf(body, sizeof body, "{\"TableName\":\"pixels\",\"Key\":{\"idx\":{\"N\":\"%s\"}}}", idx);
    cJSON *out = dynamodb(store, "GetItem", body, 200, NULL);
    const char *colour = number_of(cJSON_GetObjectItemCaseSensitive(out, "Item"), "colour");
    char *copy = colour ? strdup(colour) : NULL;
    cJSON_Delete(out);
    return copy;
}

static void check_colour(local_store *store, const char *idx, const char *want)
{
    char *got = pixel_colour(store, idx);
    if (want)
        CHECK_STR_EQ(got, want);
    else if (got)
        fprintf(stderr, "pixel %s has colour %s, want no item\n", idx, got), test_failures++;
    free(got);
}

static void append_put(base_buf *body, int idx, int colour)
{
    base_buf_printf(body,
                   "%s{\"PutRequest\":{\"Item\":{\"idx\":{\"N\":\"%d\"},\"colour\":{\"N\":\"%d\"},"
                   "\"seq\":{\"N\":\"%d\"}}}}",
                   body->len && body->data[body->len - 1] != '[' ? "," : "", idx, colour, idx);
}

/* Writes pixels first..last (colour idx % 16) in batches of 25, last first. */
static void put_pixels(local_store *store, int first, int last)
{
    for (int hi = last; hi >= first; hi -= 25) {
        base_buf body = {0};
        base_buf_append_str(&body, "{\"RequestItems\":{\"pixels\":[");
        for (int idx = hi; idx > hi - 25 && idx >= first; idx--)
            append_put(&body, idx, idx % 16);
        base_buf_append_str(&body, "]}}");
        cJSON *out = dynamodb(store, "DynamoDB_20120810.BatchWriteItem", base_buf_str(&body), 200,
                              NULL);
        const cJSON *unprocessed = cJSON_GetObjectItemCaseSensitive(out, "UnprocessedItems");
        CHECK(cJSON_IsObject(unprocessed) && unprocessed->child == NULL);
        cJSON_Delete(out);
        base_buf_free(&body);
    }
}

/* ------------------------------------------------------------ DynamoDB */

static void test_batch_write(local_store *store)
{
    dynamodb_ok(store, "BatchWriteItem",
                "{\"RequestItems\":{\"pixels\":["
                "{\"PutRequest\":{\"Item\":{\"idx\":{\"N\":\"1\"},\"colour\":{\"N\":\"4\"}}}},"
                "{\"PutRequest\":{\"Item\":{\"idx\":{\"N\":\"2\"},\"colour\":{\"N\":\"5\"}}}},"
                "{\"PutRequest\":{\"Item\":{\"idx\":{\"N\":\"3\"},\"colour\":{\"N\":\"6\"}}}}]}}");
    check_colour(store, "1", "4");
    check_colour(store, "2", "5");
    check_colour(store, "3", "6");
    /* overwrite one, delete another, in one batch */
    dynamodb_ok(store, "BatchWriteItem",
                "{\"RequestItems\":{\"pixels\":["
                "{\"PutRequest\":{\"Item\":{\"idx\":{\"N\":\"2\"},\"colour\":{\"N\":\"9\"}}}},"
                "{\"DeleteRequest\":{\"Key\":{\"idx\":{\"N\":\"3\"}}}}]}}");
    check_colour(store, "1", "4");
    check_colour(store, "2", "9");
    check_colour(store, "3", NULL);
    CHECK_INT_EQ(item_count(store, "pixels"), 2);
    /* deleting what is absent is fine */
    dynamodb_ok(store, "BatchWriteItem",
                "{\"RequestItems\":{\"pixels\":[{\"DeleteRequest\":{\"Key\":{\"idx\":{\"N\":\"1\"}}}},"
                "{\"DeleteRequest\":{\"Key\":{\"idx\":{\"N\":\"2\"}}}},"
                "{\"DeleteRequest\":{\"Key\":{\"idx\":{\"N\":\"3\"}}}}]}}");
    CHECK_INT_EQ(item_count(store, "pixels"), 0);
}

static void test_batch_refusals(local_store *store)
{
    /* "7" and "7.0" are one number, so one key */
    dynamodb_error(store, "BatchWriteItem",
                   "{\"RequestItems\":{\"pixels\":["
                   "{\"PutRequest\":{\"Item\":{\"idx\":{\"N\":\"7\"},\"colour\":{\"N\":\"1\"}}}},"
                   "{\"PutRequest\":{\"Item\":{\"idx\":{\"N\":\"7.0\"},\"colour\":{\"N\":\"2\"}}}}]}}",
                   "ValidationException");
    dynamodb_error(store, "BatchWriteItem",
                   "{\"RequestItems\":{\"history\":["
                   "{\"PutRequest\":{\"Item\":{\"minute\":{\"N\":\"1\"},\"seq\":{\"N\":\"2\"}}}},"
                   "{\"DeleteRequest\":{\"Key\":{\"minute\":{\"N\":\"1\"},\"seq\":{\"N\":\"2\"}}}}]}}",
                   "ValidationException");
    /* the first write is fine, the second is not: neither is written */
    dynamodb_error(store, "BatchWriteItem",
                   "{\"RequestItems\":{\"pixels\":["
                   "{\"PutRequest\":{\"Item\":{\"idx\":{\"N\":\"8\"},\"colour\":{\"N\":\"1\"}}}},"
                   "{\"PutRequest\":{\"Item\":{\"idx\":{\"S\":\"9\"},\"colour\":{\"N\":\"2\"}}}}]}}",
                   "ValidationException");
    /* an unknown table anywhere in the batch: nothing is written */
    dynamodb_error(store, "BatchWriteItem",
                   "{\"RequestItems\":{\"pixels\":["
                   "{\"PutRequest\":{\"Item\":{\"idx\":{\"N\":\"8\"}}}}],"
                   "\"nope\":[{\"PutRequest\":{\"Item\":{\"idx\":{\"N\":\"1\"}}}}]}}",
                   "ResourceNotFoundException");
    dynamodb_error(store, "BatchWriteItem", "{\"RequestItems\":{}}", "ValidationException");
    dynamodb_error(store, "BatchWriteItem",
                   "{\"RequestItems\":{\"pixels\":[{\"PutRequest\":{\"Item\":{\"idx\":{\"N\":\"1\"}}},"
                   "\"DeleteRequest\":{\"Key\":{\"idx\":{\"N\":\"1\"}}}}]}}",
                   "ValidationException");
    base_buf body = {0};
    base_buf_append_str(&body, "{\"RequestItems\":{\"pixels\":[");
    for (int i = 0; i < 26; i++)
        append_put(&body, 100 + i, 1);
    base_buf_append_str(&body, "]}}");
    dynamodb_error(store, "BatchWriteItem", base_buf_str(&body), "ValidationException");
    base_buf_free(&body);
    CHECK_INT_EQ(item_count(store, "pixels"), 0);
    CHECK_INT_EQ(item_count(store, "history"), 0);
}

/* Scans `table` in pages of `limit`, checking each page, and returns every
 * item's `name` attribute in the order received (caller frees). */
static cJSON *scan_all(local_store *store, const char *table, int limit, int *pages)
{
    cJSON *seen = cJSON_CreateArray();
    cJSON *start = NULL;
    *pages = 0;
    for (;;) {
        cJSON *in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "TableName", table);
        cJSON_AddNumberToObject(in, "Limit", limit);
        if (start)
            cJSON_AddItemToObject(in, "ExclusiveStartKey", start);
        char *body = cJSON_PrintUnformatted(in);
        cJSON_Delete(in);
        cJSON *out = dynamodb(store, "Scan", body, 200, NULL);
        free(body);
        (*pages)++;
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(out, "Items");
        int count = cJSON_GetArraySize(items);
        CHECK(count <= limit);
        CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(out, "Count")->valueint, count);
        CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(out, "ScannedCount")->valueint, count);
        const cJSON *item;
        cJSON_ArrayForEach(item, items)
            cJSON_AddItemToArray(seen, cJSON_Duplicate(item, 1));
        start = cJSON_DetachItemFromObjectCaseSensitive(out, "LastEvaluatedKey");
        cJSON_Delete(out);
        if (!start || *pages > 1000)
            break;
    }
    cJSON_Delete(start);
    return seen;
}

static void test_scan_pages(local_store *store)
{
    put_pixels(store, 0, 102);
    int pages;
    cJSON *seen = scan_all(store, "pixels", 10, &pages);
    CHECK_INT_EQ(pages, 11);
    CHECK_INT_EQ(cJSON_GetArraySize(seen), 103);
    int expected = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, seen) { /* every item once, in key order */
        char want[16];
        snprintf(want, sizeof want, "%d", expected++);
        CHECK_STR_EQ(number_of(item, "idx"), want);
    }
    cJSON_Delete(seen);
    /* a Limit that divides the count: the last full page says nothing more */
    seen = scan_all(store, "pixels", 103, &pages);
    CHECK_INT_EQ(pages, 1);
    CHECK_INT_EQ(cJSON_GetArraySize(seen), 103);
    cJSON_Delete(seen);
    /* no Limit: one page */
    cJSON *out = dynamodb(store, "Scan", "{\"TableName\":\"pixels\"}", 200, NULL);
    CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(out, "Count")->valueint, 103);
    CHECK(!cJSON_GetObjectItemCaseSensitive(out, "LastEvaluatedKey"));
    cJSON_Delete(out);
    /* Select COUNT, as restore's emptiness check might */
    out = dynamodb(store, "Scan", "{\"TableName\":\"pixels\",\"Select\":\"COUNT\",\"Limit\":1}", 200,
                   NULL);
    CHECK(!cJSON_GetObjectItemCaseSensitive(out, "Items"));
    CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(out, "Count")->valueint, 1);
    CHECK(cJSON_GetObjectItemCaseSensitive(out, "LastEvaluatedKey") != NULL);
    cJSON_Delete(out);
}

/* The history table's two number keys sort as numbers: negatives, decimals
 * and exponents included. */
static void test_composite_order(local_store *store)
{
    static const char *const minutes[] = {"10", "-1.5", "1e0", "0", "-2", "0.25", "-10"};
    static const char *const sorted[] = {"-10", "-2", "-1.5", "0", "0.25", "1", "10"};
    base_buf body = {0};
    base_buf_append_str(&body, "{\"RequestItems\":{\"history\":[");
    for (size_t m = 0; m < 7; m++)
        for (int seq = 2; seq >= 1; seq--)
            base_buf_printf(&body,
                           "%s{\"PutRequest\":{\"Item\":{\"minute\":{\"N\":\"%s\"},\"seq\":{\"N\":\"%d\"},"
                           "\"x\":{\"N\":\"1\"}}}}",
                           m || seq == 1 ? "," : "", minutes[m], seq * 100);
    base_buf_append_str(&body, "]}}");
    dynamodb_ok(store, "BatchWriteItem", base_buf_str(&body));
    base_buf_free(&body);
    int pages;
    cJSON *seen = scan_all(store, "history", 3, &pages);
    CHECK_INT_EQ(cJSON_GetArraySize(seen), 14);
    CHECK_INT_EQ(pages, 5);
    int i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, seen) {
        CHECK_STR_EQ(number_of(item, "minute"), sorted[i / 2]);
        CHECK_STR_EQ(number_of(item, "seq"), i % 2 ? "200" : "100");
        i++;
    }
    cJSON_Delete(seen);
}

static void test_item_operations(local_store *store)
{
    /* numbers come back in DynamoDB's normal form */
    dynamodb_ok(store, "PutItem",
                "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"15.0e1\"},"
                "\"colour\":{\"N\":\"003\"},\"big\":{\"N\":\"1.5E+3\"},\"small\":{\"N\":\"-0.0500\"},"
                "\"set\":{\"NS\":[\"1\",\"2e0\"]},\"m\":{\"M\":{\"a\":{\"L\":[{\"NULL\":true},"
                "{\"BOOL\":false},{\"S\":\"x\"},{\"B\":\"AAE=\"}]}}}}}");
    cJSON *out = dynamodb(store, "GetItem",
                          "{\"TableName\":\"pixels\",\"Key\":{\"idx\":{\"N\":\"150\"}}}", 200, NULL);
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(out, "Item");
    CHECK_STR_EQ(number_of(item, "idx"), "150");
    CHECK_STR_EQ(number_of(item, "colour"), "3");
    CHECK_STR_EQ(number_of(item, "big"), "1500");
    CHECK_STR_EQ(number_of(item, "small"), "-0.05");
    const cJSON *set = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, "set"), "NS");
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetArrayItem(set, 1)), "2");
    cJSON_Delete(out);
    /* a projection with a placeholder, as restore.c sends */
    out = dynamodb(store, "GetItem",
                   "{\"TableName\":\"pixels\",\"Key\":{\"idx\":{\"N\":\"150\"}},"
                   "\"ProjectionExpression\":\"#i, colour\",\"ExpressionAttributeNames\":{\"#i\":\"idx\"}}",
                   200, NULL);
    item = cJSON_GetObjectItemCaseSensitive(out, "Item");
    CHECK_INT_EQ(cJSON_GetArraySize(item), 2);
    CHECK_STR_EQ(number_of(item, "colour"), "3");
    cJSON_Delete(out);
    /* ReturnValues ALL_OLD on put and delete */
    out = dynamodb(store, "PutItem",
                   "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"150\"},\"colour\":{\"N\":\"4\"}},"
                   "\"ReturnValues\":\"ALL_OLD\"}",
                   200, NULL);
    CHECK_STR_EQ(number_of(cJSON_GetObjectItemCaseSensitive(out, "Attributes"), "colour"), "3");
    cJSON_Delete(out);
    out = dynamodb(store, "DeleteItem",
                   "{\"TableName\":\"pixels\",\"Key\":{\"idx\":{\"N\":\"150\"}},\"ReturnValues\":\"ALL_OLD\"}",
                   200, NULL);
    CHECK_STR_EQ(number_of(cJSON_GetObjectItemCaseSensitive(out, "Attributes"), "colour"), "4");
    cJSON_Delete(out);
    out = dynamodb(store, "GetItem", "{\"TableName\":\"pixels\",\"Key\":{\"idx\":{\"N\":\"150\"}}}",
                   200, NULL);
    CHECK(!cJSON_GetObjectItemCaseSensitive(out, "Item"));
    cJSON_Delete(out);
}

static void test_scan_projection(local_store *store)
{
    cJSON *out = dynamodb(store, "Scan",
                          "{\"TableName\":\"pixels\",\"Limit\":2,\"ProjectionExpression\":\"#idx, #colour, #seq\","
                          "\"ExpressionAttributeNames\":{\"#idx\":\"idx\",\"#colour\":\"colour\",\"#seq\":\"seq\"}}",
                          200, NULL);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(out, "Items"), 0);
    CHECK_STR_EQ(number_of(first, "idx"), "0");
    CHECK_INT_EQ(cJSON_GetArraySize(first), 3);
    const cJSON *last = cJSON_GetObjectItemCaseSensitive(out, "LastEvaluatedKey");
    CHECK_INT_EQ(cJSON_GetArraySize(last), 1);
    CHECK_STR_EQ(number_of(last, "idx"), "1");
    cJSON_Delete(out);
    dynamodb_error(store, "Scan",
                   "{\"TableName\":\"pixels\",\"ProjectionExpression\":\"idx\","
                   "\"ExpressionAttributeNames\":{\"#unused\":\"colour\"}}",
                   "ValidationException");
    dynamodb_error(store, "Scan", "{\"TableName\":\"pixels\",\"ProjectionExpression\":\"#nope\"}",
                   "ValidationException");
    dynamodb_error(store, "Scan", "{\"TableName\":\"pixels\",\"ProjectionExpression\":\"a.b\"}",
                   "ValidationException");
}

static void test_describe(local_store *store)
{
    cJSON *out = dynamodb(store, "DescribeTable", "{\"TableName\":\"history\"}", 200, NULL);
    const cJSON *table = cJSON_GetObjectItemCaseSensitive(out, "Table");
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(table, "TableStatus")), "ACTIVE");
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(table, "KeySchema");
    CHECK_INT_EQ(cJSON_GetArraySize(schema), 2);
    const cJSON *hash = cJSON_GetArrayItem(schema, 0), *range = cJSON_GetArrayItem(schema, 1);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(hash, "AttributeName")), "minute");
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(hash, "KeyType")), "HASH");
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(range, "AttributeName")), "seq");
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(range, "KeyType")), "RANGE");
    const cJSON *definition =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(table, "AttributeDefinitions"), 1);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(definition, "AttributeType")), "N");
    CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(table, "ItemCount")->valueint, 14);
    cJSON_Delete(out);
    dynamodb_error(store, "DescribeTable", "{\"TableName\":\"nope\"}", "ResourceNotFoundException");
    out = dynamodb(store, "ListTables", "{\"Limit\":1}", 200, NULL);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(out, "TableNames"), 0)),
                 "history");
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out, "LastEvaluatedTableName")),
                 "history");
    cJSON_Delete(out);
}

static void test_unknown_table(local_store *store)
{
    dynamodb_error(store, "Scan", "{\"TableName\":\"nope\"}", "ResourceNotFoundException");
    dynamodb_error(store, "GetItem", "{\"TableName\":\"nope\",\"Key\":{\"idx\":{\"N\":\"1\"}}}",
                   "ResourceNotFoundException");
    dynamodb_error(store, "PutItem", "{\"TableName\":\"nope\",\"Item\":{\"idx\":{\"N\":\"1\"}}}",
                   "ResourceNotFoundException");
    cJSON *out = dynamodb(store, "Scan", "{\"TableName\":\"nope\"}", 400, NULL);
    const char *message = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out, "message"));
    CHECK(message && strstr(message, "nope"));
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out, "__type")),
                 "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
    cJSON_Delete(out);
}

static void test_malformed(local_store *store)
{
    long long pixels = item_count(store, "pixels");
    static const char *const not_json[] = {"", "{", "not json", "[]", "{\"TableName\":\"pixels\"} x",
                                           "{\"TableName\":\"pix", "\"pixels\"", "null"};
    for (size_t i = 0; i < sizeof not_json / sizeof not_json[0]; i++)
        dynamodb_error(store, "Scan", not_json[i], "SerializationException");
    /* members of the wrong JSON type */
    dynamodb_error(store, "Scan", "{\"TableName\":5}", "SerializationException");
    dynamodb_error(store, "Scan", "{\"TableName\":\"pixels\",\"Limit\":\"10\"}", "SerializationException");
    dynamodb_error(store, "PutItem", "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":5}}}",
                   "SerializationException");
    dynamodb_error(store, "PutItem", "{\"TableName\":\"pixels\",\"Item\":{\"idx\":\"5\"}}",
                   "SerializationException");
    dynamodb_error(store, "PutItem", "{\"TableName\":\"pixels\",\"Item\":[1]}", "SerializationException");
    dynamodb_error(store, "BatchWriteItem", "{\"RequestItems\":{\"pixels\":{}}}", "SerializationException");
    /* well-formed JSON that DynamoDB refuses */
    static const char *const refused[] = {
        "{\"TableName\":\"pixels\",\"Item\":{\"colour\":{\"N\":\"1\"}}}",           /* no key */
        "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"S\":\"1\"}}}",              /* key type */
        "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"abc\"}}}",            /* number */
        "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"\"}}}",
        "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"1e200\"}}}",          /* range */
        "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"1234567890123456789012345678901234567891\"}}}",
        "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"1\",\"S\":\"1\"}}}",  /* two types */
        "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"1\"},\"c\":{}}}",     /* no type */
        "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"1\"},\"c\":{\"NULL\":false}}}",
        "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"1\"},\"c\":{\"SS\":[]}}}",
        "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"1\"},\"c\":{\"NS\":[\"1\",\"1.0\"]}}}",
        "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"1\"},\"c\":{\"X\":\"1\"}}}",
        "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"1\"},\"\":{\"S\":\"1\"}}}",
        "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"1\"}},\"ConditionExpression\":\"x\"}",
        "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"1\"}},\"ReturnValues\":\"ALL_NEW\"}",
        "{\"Item\":{\"idx\":{\"N\":\"1\"}}}",
        "{\"TableName\":\"pixels\"}",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        dynamodb_error(store, "PutItem", refused[i], "ValidationException");
    dynamodb_error(store, "GetItem", "{\"TableName\":\"pixels\",\"Key\":{\"idx\":{\"N\":\"1\"},\"x\":{\"N\":\"1\"}}}",
                   "ValidationException");
    dynamodb_error(store, "GetItem", "{\"TableName\":\"history\",\"Key\":{\"minute\":{\"N\":\"1\"}}}",
                   "ValidationException");
    dynamodb_error(store, "Scan", "{\"TableName\":\"pixels\",\"Limit\":0}", "ValidationException");
    dynamodb_error(store, "Scan", "{\"TableName\":\"pixels\",\"FilterExpression\":\"a = b\"}",
                   "ValidationException");
    dynamodb_error(store, "Scan", "{\"TableName\":\"pixels\",\"ExclusiveStartKey\":{\"idx\":{\"S\":\"1\"}}}",
                   "ValidationException");
    /* deep nesting */
    base_buf deep = {0};
    base_buf_append_str(&deep, "{\"TableName\":\"pixels\",\"Item\":{\"idx\":{\"N\":\"1\"},\"d\":");
    for (int i = 0; i < 40; i++)
        base_buf_append_str(&deep, "{\"L\":[");
    base_buf_append_str(&deep, "{\"S\":\"x\"}");
    for (int i = 0; i < 40; i++)
        base_buf_append_str(&deep, "]}");
    base_buf_append_str(&deep, "}}");
    dynamodb_error(store, "PutItem", base_buf_str(&deep), "ValidationException");
    base_buf_free(&deep);
    /* operations */
    dynamodb_error(store, "DynamoDB_20120810.Query", "{}", "UnknownOperationException");
    dynamodb_error(store, "Nope", "{}", "UnknownOperationException");
    dynamodb_error(store, NULL, "{}", "UnknownOperationException");
    CHECK_INT_EQ(item_count(store, "pixels"), pixels);
}

/* Every proper prefix of a valid request is answered 400, never a crash. */
static void test_truncated(local_store *store)
{
    static const char body[] =
        "{\"RequestItems\":{\"history\":[{\"PutRequest\":{\"Item\":{\"minute\":{\"N\":\"5\"},"
        "\"seq\":{\"N\":\"1.5e3\"},\"l\":{\"L\":[{\"M\":{\"a\":{\"BS\":[\"AA==\"]}}}]}}}},"
        "{\"DeleteRequest\":{\"Key\":{\"minute\":{\"N\":\"-4\"},\"seq\":{\"N\":\"0\"}}}}]}}";
    long long history = item_count(store, "history");
    for (size_t n = 0; n < sizeof body - 1; n++) {
        char *prefix = strndup(body, n);
        cJSON_Delete(dynamodb(store, "BatchWriteItem", prefix, 400, NULL));
        free(prefix);
    }
    CHECK_INT_EQ(item_count(store, "history"), history);
    dynamodb_ok(store, "BatchWriteItem", body);
    CHECK_INT_EQ(item_count(store, "history"), history + 1);
}

/* ------------------------------------------------------------------- S3 */

static local_reply s3(local_store *store, const char *method, const char *path,
                      const char *content_type, const void *body, size_t len, int want_status)
{
    local_reply reply = {0};
    base_error err = {0};
    char *exact = malloc(len ? len : 1);
    memcpy(exact, body ? body : "", len);
    int rc = local_s3_handle(store, buckets, 1, method, path, content_type, exact, len, &reply,
                             &err);
    free(exact);
    if (rc != 0)
        fprintf(stderr, "%s %s: store failed: %s\n", method, path, err.message);
    CHECK_INT_EQ(rc, 0);
    if (reply.status != want_status)
        fprintf(stderr, "%s %s answered %d: %s\n", method, path, reply.status,
                base_buf_str(&reply.body));
    CHECK_INT_EQ(reply.status, want_status);
    return reply;
}

static void check_contains(const local_reply *reply, const char *needle)
{
    if (!strstr(base_buf_str(&reply->body), needle)) {
        fprintf(stderr, "reply lacks %s: %s\n", needle, base_buf_str(&reply->body));
        test_failures++;
    }
}

static void s3_error(local_store *store, const char *method, const char *path, int status,
                     const char *code)
{
    local_reply reply = s3(store, method, path, NULL, NULL, 0, status);
    char element[96];
    snprintf(element, sizeof element, "<Code>%s</Code>", code);
    check_contains(&reply, element);
    check_contains(&reply, "<RequestId>");
    CHECK_STR_EQ(reply.content_type, "application/xml");
    local_reply_free(&reply);
}

static void test_s3_objects(local_store *store)
{
    local_reply r = s3(store, "PUT", "/site-bucket/snapshots/1.png", "image/png", "hello", 5, 200);
    CHECK_STR_EQ(r.etag, "\"5d41402abc4b2a76b9719d911017c592\"");
    local_reply_free(&r);

    r = s3(store, "GET", "/site-bucket/snapshots/1.png", NULL, NULL, 0, 200);
    CHECK_STR_EQ(r.content_type, "image/png");
    CHECK_STR_EQ(r.etag, "\"5d41402abc4b2a76b9719d911017c592\"");
    CHECK_STR_EQ(base_buf_str(&r.body), "hello");
    CHECK(strstr(base_buf_str(&r.headers), "Last-Modified: ") != NULL);
    local_reply_free(&r);

    r = s3(store, "HEAD", "/site-bucket/snapshots/1.png?x-id=HeadObject", NULL, NULL, 0, 200);
    CHECK_STR_EQ(r.content_type, "image/png");
    CHECK_INT_EQ(r.body.len, 5); /* for Content-Length; the server sends no body to HEAD */
    local_reply_free(&r);

    /* bytes with NULs, and the default content type */
    static const unsigned char binary[] = {0, 1, 2, 0, 255};
    r = s3(store, "PUT", "/site-bucket/bin", NULL, binary, sizeof binary, 200);
    local_reply_free(&r);
    r = s3(store, "GET", "/site-bucket/bin", NULL, NULL, 0, 200);
    CHECK_STR_EQ(r.content_type, "binary/octet-stream");
    CHECK(r.body.len == sizeof binary && memcmp(r.body.data, binary, sizeof binary) == 0);
    local_reply_free(&r);

    r = s3(store, "DELETE", "/site-bucket/snapshots/1.png", NULL, NULL, 0, 204);
    local_reply_free(&r);
    r = s3(store, "DELETE", "/site-bucket/snapshots/1.png", NULL, NULL, 0, 204);
    local_reply_free(&r);

    r = s3(store, "GET", "/site-bucket/snapshots/1.png", NULL, NULL, 0, 404);
    check_contains(&r, "<Code>NoSuchKey</Code>");
    check_contains(&r, "<Key>snapshots/1.png</Key>");
    local_reply_free(&r);
    r = s3(store, "HEAD", "/site-bucket/snapshots/1.png", NULL, NULL, 0, 404);
    CHECK_INT_EQ(r.body.len, 0);
    local_reply_free(&r);
}

static void test_s3_errors(local_store *store)
{
    local_reply r = s3(store, "GET", "/other-bucket/x", NULL, NULL, 0, 404);
    check_contains(&r, "<Code>NoSuchBucket</Code>");
    check_contains(&r, "<BucketName>other-bucket</BucketName>");
    local_reply_free(&r);
    s3_error(store, "PUT", "/other-bucket/x", 404, "NoSuchBucket");
    s3_error(store, "PATCH", "/site-bucket/x", 405, "MethodNotAllowed");
    s3_error(store, "POST", "/site-bucket/x", 405, "MethodNotAllowed");
    s3_error(store, "GET", "/site-bucket/a%zzb", 400, "InvalidURI");
    s3_error(store, "GET", "/site-bucket/a%4", 400, "InvalidURI");
    s3_error(store, "GET", "/site-bucket/a%00b", 400, "InvalidURI");
    s3_error(store, "GET", "site-bucket/x", 400, "InvalidURI");
    s3_error(store, "GET", "/site-bucket/x?acl", 501, "NotImplemented");
    s3_error(store, "GET", "/site-bucket", 501, "NotImplemented");
    s3_error(store, "GET", "/", 501, "NotImplemented");
    r = s3(store, "HEAD", "/site-bucket", NULL, NULL, 0, 200);
    local_reply_free(&r);
    r = s3(store, "PUT", "/site-bucket/x", "text/plain\r\nX-Evil: 1", "x", 1, 400);
    check_contains(&r, "<Code>InvalidArgument</Code>");
    local_reply_free(&r);
    char long_path[1100];
    snprintf(long_path, sizeof long_path, "/site-bucket/%01030d", 0);
    s3_error(store, "PUT", long_path, 400, "KeyTooLongError");
}

static void test_s3_encoded_keys(local_store *store)
{
    local_reply r = s3(store, "PUT", "/site-bucket/snapshots/a%20b%2Bc+%26%C3%A9.json",
                       "application/json", "{}", 2, 200);
    local_reply_free(&r);
    local_object object;
    bool found = false;
    base_error err = {0};
    CHECK_INT_EQ(local_store_get_object(store, "site-bucket", "snapshots/a b+c+&\xc3\xa9.json", true,
                                        &object, &found, &err), 0);
    CHECK(found);
    CHECK_STR_EQ(object.content_type, "application/json");
    CHECK_STR_EQ(base_buf_str(&object.body), "{}");
    CHECK_INT_EQ(object.size, 2);
    CHECK_STR_EQ(object.etag, "\"99914b932bd37a50b983c5e7c90ae93b\"");
    local_object_free(&object);
    r = s3(store, "GET", "/site-bucket/snapshots/a%20b%2bc%2B&%c3%a9.json", NULL, NULL, 0, 200);
    CHECK_STR_EQ(base_buf_str(&r.body), "{}");
    local_reply_free(&r);
    /* the key in an error document is decoded and escaped */
    r = s3(store, "GET", "/site-bucket/x%26%3Cy", NULL, NULL, 0, 404);
    check_contains(&r, "<Key>x&amp;&lt;y</Key>");
    local_reply_free(&r);
    CHECK_INT_EQ(local_store_get_object(store, "site-bucket", "missing", false, &object, &found,
                                        &err), 0);
    CHECK(!found);
    local_object_free(&object);
}

/* ------------------------------------------------------------- the file */

static void test_reopen(local_store **store)
{
    long long pixels = item_count(*store, "pixels"), history = item_count(*store, "history");
    local_reply r = s3(*store, "PUT", "/site-bucket/snapshots/latest.json", "application/json",
                       "{\"seq\":1}", 9, 200);
    local_reply_free(&r);
    local_store_close(*store);
    *store = open_store();
    CHECK_INT_EQ(item_count(*store, "pixels"), pixels);
    CHECK_INT_EQ(item_count(*store, "history"), history);
    check_colour(*store, "42", "10");
    int pages;
    cJSON *seen = scan_all(*store, "pixels", 50, &pages);
    CHECK_INT_EQ(cJSON_GetArraySize(seen), pixels);
    cJSON_Delete(seen);
    r = s3(*store, "GET", "/site-bucket/snapshots/latest.json", NULL, NULL, 0, 200);
    CHECK_STR_EQ(base_buf_str(&r.body), "{\"seq\":1}");
    CHECK_STR_EQ(r.content_type, "application/json");
    local_reply_free(&r);
}

static void test_open_failure(void)
{
    local_store *store = NULL;
    base_error err = {0};
    char path[160];
    snprintf(path, sizeof path, "%s/no-such-dir/scribble.db", dir);
    CHECK_INT_EQ(local_store_open(path, &store, &err), -1);
    CHECK(store == NULL);
    CHECK_STR_EQ(err.code, "LocalStoreError");
    /* a file that is not a database */
    snprintf(path, sizeof path, "%s/not-a-db", dir);
    FILE *f = fopen(path, "w");
    fputs("this is not an SQLite database, not even close to one at all........................"
          "...................................................................................",
          f);
    fclose(f);
    CHECK_INT_EQ(local_store_open(path, &store, &err), -1);
    CHECK(store == NULL);
    unlink(path);
}

static void remove_dir(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char path[160];
        snprintf(path, sizeof path, "%s%s", db_path, suffixes[i]);
        unlink(path);
    }
    rmdir(dir);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/local_store_test.XXXXXX", tmp && tmp[0] && strlen(tmp) < 30 ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(db_path, sizeof db_path, "%s/scribble.db", dir);
    local_store *store = open_store();
    test_batch_write(store);
    test_batch_refusals(store);
    test_scan_pages(store);
    test_composite_order(store);
    test_item_operations(store);
    test_scan_projection(store);
    test_describe(store);
    test_unknown_table(store);
    test_malformed(store);
    test_truncated(store);
    test_s3_objects(store);
    test_s3_errors(store);
    test_s3_encoded_keys(store);
    test_reopen(&store);
    test_open_failure();
    local_store_close(store);
    remove_dir();
    return TEST_EXIT();
}

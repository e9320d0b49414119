/*
 * dynamo_batch.c - BatchWriteItem with resubmission (dynamo_batch.h).
 */
#include "runtime/dynamo_batch.h"

#include <time.h>

#define BATCH_LIMIT 25
#define FIRST_BACKOFF_MS 50
#define MAX_BACKOFF_MS 2000

static long long now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void pause_ms(long long ms)
{
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&t, NULL);
}

/* {"RequestItems": {table: [{"PutRequest": {"Item": item}}, ...]}} */
static cJSON *request_for(const char *table, cJSON *const *items, size_t count)
{
    cJSON *in = cJSON_CreateObject();
    cJSON *writes = cJSON_AddArrayToObject(cJSON_AddObjectToObject(in, "RequestItems"), table);
    for (size_t i = 0; i < count; i++) {
        cJSON *write = cJSON_CreateObject();
        cJSON *put = cJSON_AddObjectToObject(write, "PutRequest");
        cJSON_AddItemToObject(put, "Item", cJSON_Duplicate(items[i], 1));
        cJSON_AddItemToArray(writes, write);
    }
    return in;
}

/* Sends one request, then what comes back unprocessed, until none is left. */
static int write_all(aws_client *aws, cJSON *in, long long deadline_ms, size_t *requests,
                     base_error *err)
{
    long long backoff = FIRST_BACKOFF_MS;
    for (;;) {
        cJSON *out = NULL;
        TRY(aws_json_call(aws, &aws_service_dynamodb, "BatchWriteItem", in, &out, err));
        if (requests)
            (*requests)++;
        cJSON *unprocessed = cJSON_DetachItemFromObjectCaseSensitive(out, "UnprocessedItems");
        cJSON_Delete(out);
        if (!unprocessed || !unprocessed->child) {
            cJSON_Delete(unprocessed);
            return 0;
        }
        if (now_ms() + backoff >= deadline_ms) {
            cJSON_Delete(unprocessed);
            return base_error_set(err, BASE_ERROR_SERVICE, "UnprocessedItems",
                                 "DynamoDB left items unwritten until the deadline");
        }
        pause_ms(backoff);
        backoff = backoff * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : backoff * 2;
        cJSON_ReplaceItemInObjectCaseSensitive(in, "RequestItems", unprocessed);
    }
}

int dynamo_batch_put(aws_client *aws, const char *table, cJSON *const *items, size_t count,
                     long long deadline_ms, size_t *requests, base_error *err)
{
    for (size_t start = 0; start < count; start += BATCH_LIMIT) {
        size_t n = count - start < BATCH_LIMIT ? count - start : BATCH_LIMIT;
        cJSON *in = request_for(table, items + start, n);
        int rc = write_all(aws, in, deadline_ms, requests, err);
        cJSON_Delete(in);
        TRY(rc);
    }
    return 0;
}

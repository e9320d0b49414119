/*
 * fuzz_local_dynamodb.c - scribblectl local's DynamoDB (local/
 * local_dynamodb*.c): the first line is X-Amz-Target's value, the rest the
 * request's JSON, answered against the stack's two tables in a store of the
 * fuzzer's own. Every answer is a status and a JSON body.
 */
#include "fuzz.h"
#include "local/local_dynamodb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static local_store *store;
    static const local_table_schema tables[] = {
        {.name = "pixels", .partition_key = "idx"},
        {.name = "history", .partition_key = "minute", .sort_key = "seq"},
    };
    base_error err = {0};
    if (!store) {
        char path[96];
        snprintf(path, sizeof path, "%s/store.db", fuzz_temp_dir());
        if (local_store_open(path, &store, &err) != 0)
            abort();
    }
    char *operation = fuzz_take_line(&data, &size);
    local_reply reply;
    memset(&reply, 0, sizeof reply);
    int rc = local_dynamodb_handle(store, tables, 2, operation, (const char *)data, size, &reply, &err);
    if (rc != 0 && reply.status != 500)
        abort();
    if (reply.status < 200 || reply.status > 599)
        abort();
    local_reply_free(&reply);
    free(operation);
    return 0;
}

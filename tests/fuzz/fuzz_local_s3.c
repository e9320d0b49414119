/*
 * fuzz_local_s3.c - scribblectl local's S3 (local/local_s3.c): the
 * first three lines are the method, the request target (percent-encoded, as
 * received) and the Content-Type (empty: none); the rest is the body.
 */
#include "fuzz.h"
#include "local/local_s3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static local_store *store;
    static const char *const buckets[] = {"site", "artifacts"};
    base_error err = {0};
    if (!store) {
        char path[96];
        snprintf(path, sizeof path, "%s/store.db", fuzz_temp_dir());
        if (local_store_open(path, &store, &err) != 0)
            abort();
    }
    char *method = fuzz_take_line(&data, &size);
    char *target = fuzz_take_line(&data, &size);
    char *content_type = fuzz_take_line(&data, &size);
    local_reply reply;
    memset(&reply, 0, sizeof reply);
    int rc = local_s3_handle(store, buckets, 2, method, target, content_type[0] ? content_type : NULL,
                             (const char *)data, size, &reply, &err);
    if ((rc != 0 && reply.status != 500) || reply.status < 200 || reply.status > 599)
        abort();
    local_reply_free(&reply);
    free(method);
    free(target);
    free(content_type);
    return 0;
}

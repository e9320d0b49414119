/*
 * fuzz_local_sqs.c - scribblectl local's SQS (local/local_sqs.c):
 * the first line is the operation (X-Amz-Target), the rest the JSON request,
 * against a standard and a FIFO queue. The queues are made anew for each
 * input, so no input depends on the ones before it.
 */
#include "fuzz.h"
#include "local/local_sqs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int64_t now_ms = 1700000000000;
    local_queue *queues[2] = {
        local_queue_new("stack-catchup", "http://127.0.0.1:4566/000000000000/stack-catchup",
                        "arn:aws:sqs:us-east-1:000000000000:stack-catchup", false, 30),
        local_queue_new("stack-broadcast.fifo", "http://127.0.0.1:4566/000000000000/stack-broadcast.fifo",
                        "arn:aws:sqs:us-east-1:000000000000:stack-broadcast.fifo", true, 30),
    };
    if (!queues[0] || !queues[1])
        abort();
    char *operation = fuzz_take_line(&data, &size);
    local_reply reply;
    memset(&reply, 0, sizeof reply);
    /* Twice: the second send of a message meets the first (deduplication, purge intervals). */
    for (int i = 0; i < 2; i++) {
        if (local_sqs_handle(queues, 2, operation, (const char *)data, size, now_ms, &reply) != 0)
            abort();
        if (reply.status < 200 || reply.status > 599)
            abort();
        now_ms += 1000;
    }
    local_reply_free(&reply);
    free(operation);
    local_queue_free(queues[0]);
    local_queue_free(queues[1]);
    return 0;
}

/*
 * fuzz_local_lambda.c - scribblectl local's Lambda Invoke (local/local_lambda.c):
 * the input up to the first blank line is the request head as sent (request
 * line and headers), the rest the payload. The app has one function. Besides
 * not crashing: a refusal is a 4xx with Lambda's error type and a body, and
 * only a request naming that function (by name or ARN) gets through.
 */
#include "fuzz.h"
#include "local/local_lambda.h"

static const local_lambda_function functions[] = {{"st-figures-function", NULL}};
static const local_lambda lambda = {"us-east-1", "000000000000", functions, 1};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t head = size;
    for (size_t i = 0; i + 4 <= size; i++)
        if (memcmp(data + i, "\r\n\r\n", 4) == 0) {
            head = i + 4;
            break;
        }
    local_request req;
    memset(&req, 0, sizeof req);
    snprintf(req.method, sizeof req.method, "POST");
    base_buf_append(&req.head, data, head);
    base_buf_append(&req.body, data + head, size - head);
    local_reply reply;
    memset(&reply, 0, sizeof reply);
    const local_lambda_function *f = NULL;
    if (local_lambda_refused(&lambda, &req, &reply, &f)) {
        if (reply.status < 400 || reply.status > 499 || reply.body.len == 0 ||
            !strstr(reply.headers.data ? reply.headers.data : "", "x-amzn-ErrorType: "))
            abort();
    } else if (f != &functions[0]) {
        abort();
    }
    local_reply_free(&reply);
    base_buf_free(&req.head);
    base_buf_free(&req.body);
    return 0;
}

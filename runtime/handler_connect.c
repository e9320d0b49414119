/*
 * handler_connect.c - the connect handler, for the $connect route of the
 * WebSocket API: registers the connection in the cache and queues a catch-
 * up request for it.
 *
 * A stub until the runtime issue (4) fills it in: it keeps the handler's
 * shape (handler.h) and answers every invocation with a NotImplemented
 * error, so a deployed function fails loudly rather than pretending to work.
 */
#include "runtime/handler.h"

int handler_connect(const handler_ctx *ctx, const char *event_json, size_t len, aws_buf *response,
                    aws_error *err)
{
    (void)ctx;
    (void)event_json;
    (void)len;
    (void)response;
    return aws_error_set(err, AWS_ERROR_INVALID, "NotImplemented",
                         "the connect handler is not implemented yet");
}

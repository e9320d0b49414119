/*
 * handler_send.c - the send handler, for the sendMessage route of the
 * WebSocket API: validates and places pixels, enforces the cooldown and
 * queues accepted pixels for broadcast.
 *
 * A stub until the runtime issue (4) fills it in: it keeps the handler's
 * shape (handler.h) and answers every invocation with a NotImplemented
 * error, so a deployed function fails loudly rather than pretending to work.
 */
#include "runtime/handler.h"

int handler_send(const handler_ctx *ctx, const char *event_json, size_t len, aws_buf *response,
                 aws_error *err)
{
    (void)ctx;
    (void)event_json;
    (void)len;
    (void)response;
    return aws_error_set(err, AWS_ERROR_INVALID, "NotImplemented",
                         "the send handler is not implemented yet");
}

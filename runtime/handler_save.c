/*
 * handler_save.c - the save handler, for the every-minute schedule: writes
 * placements and colours to DynamoDB, then trims what it saved from the
 * cache.
 *
 * A stub until the runtime issue (4) fills it in: it keeps the handler's
 * shape (handler.h) and answers every invocation with a NotImplemented
 * error, so a deployed function fails loudly rather than pretending to work.
 */
#include "runtime/handler.h"

int handler_save(const handler_ctx *ctx, const char *event_json, size_t len, aws_buf *response,
                 aws_error *err)
{
    (void)ctx;
    (void)event_json;
    (void)len;
    (void)response;
    return aws_error_set(err, AWS_ERROR_INVALID, "NotImplemented",
                         "the save handler is not implemented yet");
}

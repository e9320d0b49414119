/*
 * handler_connect.c - the $connect route: registers the connection and
 * queues its catch-up, from the ?since= it passed when that is a valid seq.
 *
 * On a new stack's first connection the cache holds no canvas yet: a blank
 * one is loaded at once when the pixels table is empty (restore.h).
 * Otherwise the snapshot handler loads it, and placements wait for that.
 *
 * Failing here refuses the connection (API Gateway answers the browser's
 * handshake with an error), which is right: a client that could not be
 * registered would never receive a pixel.
 */
#include "runtime/app.h"
#include "runtime/event.h"
#include "runtime/handler.h"
#include "runtime/queue.h"
#include "runtime/restore.h"

int handler_connect(const handler_ctx *ctx, const char *event_json, size_t len, aws_buf *response,
                    aws_error *err)
{
    app *a = ctx->app;
    canvas_store *store;
    aws_client *aws;
    TRY(settings_require(a->settings.catchup_queue_url, "SCRIBBLE_CATCHUP_QUEUE_URL", err));
    TRY(app_store(a, &store, err));
    TRY(app_aws(a, &aws, err));
    websocket_event ev;
    TRY(websocket_event_parse(event_json, len, &ev, err));
    bool loaded = false;
    int rc = a->settings.pixels_table
                 ? restore_if_new(store, aws, a->settings.pixels_table, &loaded, err)
                 : 0;
    if (rc == 0)
        rc = store_connection_add(store, ev.connection_id, app_now_ms(), err);
    if (rc == 0)
        rc = queue_send_catchup(aws, a->settings.catchup_queue_url, ev.connection_id,
                                ev.has_since, ev.since, ctx->request_id, err);
    websocket_event_free(&ev);
    TRY(rc);
    aws_buf_append_str(response, "{\"statusCode\":200}");
    return 0;
}

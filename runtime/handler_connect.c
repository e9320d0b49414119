/*
 * handler_connect.c - the $connect route: registers the connection and
 * queues its catch-up, from the ?since= it passed when that is a valid seq.
 *
 * A cache that holds no canvas (a new stack, or a lost cache) is loaded
 * here (load.h), so the first page to connect finds the canvas ready to
 * place on; when another invocation is loading it, the connection is
 * registered all the same and its catch-up waits for the canvas.
 *
 * Failing here refuses the connection (API Gateway answers the browser's
 * handshake with an error), which is right: a client that could not be
 * registered would never receive a pixel.
 */
#include "runtime/app.h"
#include "runtime/event.h"
#include "runtime/handler.h"
#include "runtime/load.h"
#include "runtime/queue.h"

int handler_connect(const handler_ctx *ctx, const char *event_json, size_t len, base_buf *response,
                    base_error *err)
{
    app *a = ctx->app;
    canvas_store *store;
    aws_client *aws;
    TRY(settings_require(a->settings.catchup_queue_url, STACK_ENV_CATCHUP_QUEUE_URL, err));
    TRY(app_store(a, &store, err));
    TRY(app_aws(a, &aws, err));
    websocket_event ev;
    TRY(websocket_event_parse(event_json, len, &ev, err));
    bool loaded = false;
    int rc = load_canvas(ctx, &loaded, err);
    if (rc == 0)
        rc = store_connection_add(store, ev.connection_id, app_now_ms(), err);
    if (rc == 0)
        rc = queue_send_catchup(aws, a->settings.catchup_queue_url, ev.connection_id,
                                ev.has_since, ev.since, ctx->request_id, err);
    websocket_event_free(&ev);
    TRY(rc);
    base_buf_append_str(response, "{\"statusCode\":200}");
    return 0;
}

/*
 * handler_disconnect.c - the $disconnect route: forgets the connection and
 * its cooldown. API Gateway calls it on a best-effort basis; broadcast also
 * drops connections API Gateway reports gone.
 */
#include "runtime/app.h"
#include "runtime/event.h"
#include "runtime/handler.h"

int handler_disconnect(const handler_ctx *ctx, const char *event_json, size_t len,
                       base_buf *response, base_error *err)
{
    canvas_store *store;
    TRY(app_store(ctx->app, &store, err));
    websocket_event ev;
    TRY(websocket_event_parse(event_json, len, &ev, err));
    int rc = store_connection_remove(store, ev.connection_id, err);
    websocket_event_free(&ev);
    TRY(rc);
    base_buf_append_str(response, "{\"statusCode\":200}");
    return 0;
}

/*
 * placing.c - placing pixels whatever state the cache is in (placing.h).
 */
#include "runtime/placing.h"

#include "runtime/app.h"

int placing_place(const handler_ctx *ctx, const char *connection_id, const pixel_request *pixels,
                  size_t count, long long now_ms, place_outcome *out, aws_error *err)
{
    app *a = ctx->app;
    canvas_store *store;
    TRY(app_store(a, &store, err));
    return store_place(store, connection_id, pixels, count, a->settings.cooldown_ms, now_ms, out,
                       err);
}

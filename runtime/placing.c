/*
 * placing.c - placing pixels whatever state the cache is in (placing.h).
 *
 * The placing script refuses, changing nothing, when the canvas is not
 * loaded or its seqs are not reserved; each is put right here and the
 * placement tried again. Two rounds cover both, and a third a cache lost
 * in between; past that the cache is changing faster than it can be used.
 * A connection that places is alive: the placing script registers it
 * again if a lost cache forgot it.
 */
#include "runtime/placing.h"

#include "runtime/app.h"
#include "runtime/load.h"
#include "runtime/seq_mark.h"

#define MAX_ROUNDS 4

static int reserve(const handler_ctx *ctx, canvas_store *store, uint64_t up_to, base_error *err)
{
    app *a = ctx->app;
    aws_client *aws;
    uint64_t before, after;
    TRY(settings_require(a->settings.pixels_table, STACK_ENV_PIXELS_TABLE, err));
    TRY(app_aws(a, &aws, err));
    TRY(seq_mark_reserve(aws, a->settings.pixels_table, up_to, &before, &after, err));
    return store_reserved_raise(store, after, err);
}

int placing_place(const handler_ctx *ctx, const char *connection_id, const char *source_address,
                  const pixel_request *pixels, size_t count, long long now_ms, place_outcome *out,
                  base_error *err)
{
    app *a = ctx->app;
    const runtime_settings *s = &a->settings;
    canvas_store *store;
    TRY(app_store(a, &store, err));
    /* The connections of one address share address_allowance pixels per cooldown. */
    address_limit address = {
        .address = source_address,
        .step_ms = s->address_allowance ? (double)s->cooldown_ms / s->address_allowance : 0,
        .tolerance_ms = s->cooldown_ms,
    };
    for (int round = 1;; round++) {
        TRY(store_place(store, connection_id, &address, pixels, count, s->cooldown_ms, now_ms, out,
                        err));
        if (!out->not_loaded && !out->reserve_up_to)
            return 0;
        ENSURE(round < MAX_ROUNDS, err, BASE_ERROR_SERVICE, "CanvasChanging",
               "the cache kept losing the canvas or its seq reservation while placing");
        if (out->reserve_up_to) {
            TRY(reserve(ctx, store, out->reserve_up_to, err));
            continue;
        }
        bool loaded = false;
        TRY(load_canvas(ctx, &loaded, err));
        if (!loaded)
            return 0; /* out->not_loaded: another invocation is loading it */
    }
}

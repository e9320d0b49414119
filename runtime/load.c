/*
 * load.c - loading the canvas on the first request that needs it (load.h).
 *
 * One invocation loads, holding the save lock (so no save runs meanwhile):
 * it restores the canvas from the pixels table (restore.h), publishes it as
 * a snapshot when it is not blank (snapshot_publish.h), so a catch-up has
 * somewhere to start, and only then marks it loaded. The others wait for
 * that, a bounded time, polling the cache: the load takes as long as the
 * scan of the pixels table, typically well under a second.
 */
#include "runtime/load.h"

#include <inttypes.h>

#include "aws/clock.h"

#include "runtime/app.h"
#include "runtime/log.h"
#include "runtime/restore.h"
#include "runtime/snapshot_publish.h"

#define WAIT_STEP_MS 100
#define WAIT_LIMIT_MS 10000
#define DEADLINE_MARGIN_MS 1000

static int load_locked(const handler_ctx *ctx, canvas_store *store, aws_client *aws,
                       base_error *err)
{
    const runtime_settings *s = &ctx->app->settings;
    restore_outcome restored;
    TRY(restore_canvas(store, aws, s->pixels_table, &restored, err));
    if (!restored.restored)
        return 0; /* loaded meanwhile: nothing to do */
    if (!restored.blank) {
        snapshot_outcome published;
        TRY(settings_require(s->bucket, STACK_ENV_BUCKET, err));
        TRY(snapshot_publish(store, aws, s->bucket, &published, err));
    }
    TRY(store_loaded_set(store, err));
    log_info("loaded the canvas from %s: %zu pixels, at seq %" PRIu64, s->pixels_table,
             restored.pixels, restored.seq);
    return 0;
}

/* Waits for the invocation holding the lock to load the canvas. */
static int wait_for_load(const handler_ctx *ctx, canvas_store *store, bool *loaded,
                         base_error *err)
{
    for (long long waited = 0; waited < WAIT_LIMIT_MS; waited += WAIT_STEP_MS) {
        if (handler_remaining_ms(ctx) < WAIT_STEP_MS + DEADLINE_MARGIN_MS)
            return 0;
        aws_sleep_ms(WAIT_STEP_MS);
        TRY(store_loaded(store, loaded, err));
        if (*loaded)
            return 0;
    }
    return 0;
}

int load_canvas(const handler_ctx *ctx, bool *loaded, base_error *err)
{
    app *a = ctx->app;
    canvas_store *store;
    aws_client *aws;
    TRY(app_store(a, &store, err));
    TRY(store_loaded(store, loaded, err));
    if (*loaded)
        return 0;
    TRY(settings_require(a->settings.pixels_table, STACK_ENV_PIXELS_TABLE, err));
    TRY(app_aws(a, &aws, err));
    bool locked = false;
    TRY(store_lock_take(store, ctx->request_id, store_lock_ttl(handler_remaining_ms(ctx)),
                        &locked, err));
    if (!locked)
        return wait_for_load(ctx, store, loaded, err);
    int rc = load_locked(ctx, store, aws, err);
    base_error release_err = {0};
    if (store_lock_release(store, ctx->request_id, &release_err) != 0)
        log_failure("releasing the save lock", &release_err); /* it expires by itself */
    TRY(rc);
    *loaded = true;
    return 0;
}

/*
 * handler_figures.c - invoked by `scribblectl status` (Lambda Invoke): the
 * canvas's figures that only the cache holds, which scribblectl cannot read
 * itself from outside the VPC. It reads and changes nothing else, and does
 * not load an empty cache.
 *
 * Event: anything (it is not read). Answer:
 * {"connections", "seq", "placedLastMinute", "placedLastHour"}: connections
 * registered now, the last seq given out, and pixels placed in the last
 * minute and hour (in steps of STORE_PLACED_STEP_MS, canvas_store.h).
 */
#include <cjson/cJSON.h>

#include "aws/protocol.h"
#include "runtime/app.h"
#include "runtime/handler.h"

int handler_figures(const handler_ctx *ctx, const char *event_json, size_t len, base_buf *response,
                    base_error *err)
{
    (void)event_json;
    (void)len;
    canvas_store *store;
    TRY(app_store(ctx->app, &store, err));
    store_figures_out figures;
    TRY(store_figures(store, app_now_ms(), &figures, err));
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "connections", (double)figures.connections);
    cJSON_AddNumberToObject(doc, "seq", (double)figures.seq);
    cJSON_AddNumberToObject(doc, "placedLastMinute", (double)figures.placed_last_minute);
    cJSON_AddNumberToObject(doc, "placedLastHour", (double)figures.placed_last_hour);
    int rc = aws_json_append_body(response, doc, err);
    cJSON_Delete(doc);
    return rc;
}

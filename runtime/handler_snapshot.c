/*
 * handler_snapshot.c - run every minute: publishes the canvas as a PNG
 * (snapshot_publish.h), unless nothing was placed since the last snapshot.
 * An empty cache is first loaded from the pixels table (load.h).
 */
#include <inttypes.h>

#include <cjson/cJSON.h>

#include "aws/protocol.h"
#include "runtime/app.h"
#include "runtime/handler.h"
#include "runtime/load.h"
#include "runtime/log.h"
#include "runtime/snapshot_publish.h"

static int answer(const snapshot_outcome *outcome, base_buf *response, base_error *err)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "seq", (double)outcome->seq);
    if (outcome->published) {
        cJSON_AddStringToObject(doc, "url", outcome->url);
        cJSON_AddNumberToObject(doc, "bytes", (double)outcome->bytes);
    } else {
        cJSON_AddBoolToObject(doc, "skipped", true);
    }
    int rc = aws_json_append_body(response, doc, err);
    cJSON_Delete(doc);
    return rc;
}

int handler_snapshot(const handler_ctx *ctx, const char *event_json, size_t len,
                     base_buf *response, base_error *err)
{
    (void)event_json; /* the schedule's event carries nothing the snapshot needs */
    (void)len;
    app *a = ctx->app;
    canvas_store *store;
    aws_client *aws;
    TRY(settings_require(a->settings.bucket, STACK_ENV_BUCKET, err));
    TRY(app_store(a, &store, err));
    TRY(app_aws(a, &aws, err));
    bool loaded = false;
    TRY(load_canvas(ctx, &loaded, err));
    ENSURE(loaded, err, BASE_ERROR_SERVICE, "CanvasLoading",
           "another invocation is loading the canvas; the next run publishes it");
    snapshot_outcome outcome;
    TRY(snapshot_publish(store, aws, a->settings.bucket, &outcome, err));
    if (outcome.published) {
        log_info("published %s (%zu bytes)", outcome.url, outcome.bytes);
        handler_count(ctx, "bytes", (double)outcome.bytes);
    }
    return answer(&outcome, response, err);
}

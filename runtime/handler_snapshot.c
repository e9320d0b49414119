/*
 * handler_snapshot.c - run every minute: publishes the canvas as a PNG.
 *
 * The canvas and its seq are read in one atomic step, so the PNG is exactly
 * the canvas at that seq. Nothing is uploaded when no pixel was placed since
 * the last snapshot. An empty cache is first loaded from the pixels table
 * (restore.h), under the save lock so no save runs meanwhile. The PNG goes to snapshots/<seq>.png (immutable, cached
 * for a year), then snapshots/latest.json points at it, and only then is
 * the snapshot recorded in the cache, where catch-ups read it: a failure
 * half-way leaves the previous snapshot in force.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "runtime/app.h"
#include "runtime/handler.h"
#include "runtime/log.h"
#include "runtime/png_encode.h"
#include "runtime/restore.h"

static int put_object(aws_client *aws, const char *bucket, const char *key,
                      const char *content_type, const char *cache_control, const aws_buf *body,
                      aws_error *err)
{
    aws_buf path = {0};
    aws_buf_append_char(&path, '/');
    aws_uri_encode(&path, bucket, strlen(bucket), 0);
    aws_buf_append_char(&path, '/');
    aws_uri_encode(&path, key, strlen(key), 1);
    aws_headers headers = {0};
    aws_headers_add(&headers, "Content-Type", content_type);
    aws_headers_add(&headers, "Cache-Control", cache_control);
    int rc = aws_rest_xml_call(aws, &aws_service_s3, "PUT", aws_buf_str(&path), NULL, &headers,
                               body->data ? body->data : "", body->len, NULL, NULL, err);
    aws_headers_free(&headers);
    aws_buf_free(&path);
    return rc;
}

static void pointer_document(const canvas_geometry *g, uint64_t seq, const char *url,
                             long long now_ms, aws_buf *out)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "seq", (double)seq);
    cJSON_AddStringToObject(doc, "url", url);
    cJSON_AddNumberToObject(doc, "width", g->width);
    cJSON_AddNumberToObject(doc, "height", g->height);
    cJSON_AddNumberToObject(doc, "depth", g->depth);
    cJSON_AddNumberToObject(doc, "createdAt", (double)now_ms);
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!text)
        abort();
    aws_buf_append_str(out, text);
    cJSON_free(text);
}

static int publish(app *a, canvas_store *store, uint64_t seq, const aws_buf *bits,
                   aws_buf *response, aws_error *err)
{
    const runtime_settings *s = &a->settings;
    aws_client *aws;
    TRY(settings_require(s->bucket, "SCRIBBLE_BUCKET", err));
    TRY(app_aws(a, &aws, err));
    aws_buf png = {0}, pointer = {0};
    char url[64];
    snprintf(url, sizeof url, "snapshots/%" PRIu64 ".png", seq);
    int rc = canvas_encode_png(&s->canvas, (const uint8_t *)bits->data, bits->len, &png, err);
    if (rc == 0)
        rc = put_object(aws, s->bucket, url, "image/png", "public, max-age=31536000, immutable",
                        &png, err);
    if (rc == 0) {
        pointer_document(&s->canvas, seq, url, app_now_ms(), &pointer);
        rc = put_object(aws, s->bucket, "snapshots/latest.json", "application/json",
                        "public, max-age=5", &pointer, err);
    }
    if (rc == 0)
        rc = store_snapshot_set(store, seq, url, err);
    if (rc == 0) {
        aws_buf_printf(response, "{\"seq\":%" PRIu64 ",\"url\":\"%s\",\"bytes\":%zu}", seq, url,
                       png.len);
        log_info("published %s (%zu bytes)", url, png.len);
    }
    aws_buf_free(&png);
    aws_buf_free(&pointer);
    return rc;
}

/* Loads the canvas from the pixels table when the cache holds none. */
static int load_if_needed(const handler_ctx *ctx, canvas_store *store, aws_error *err)
{
    app *a = ctx->app;
    bool loaded = false, locked = false;
    TRY(store_loaded(store, &loaded, err));
    if (loaded)
        return 0;
    aws_client *aws;
    TRY(settings_require(a->settings.pixels_table, "SCRIBBLE_PIXELS_TABLE", err));
    TRY(app_aws(a, &aws, err));
    TRY(store_lock_take(store, ctx->request_id, store_lock_ttl(handler_remaining_ms(ctx)), &locked, err));
    ENSURE(locked, err, AWS_ERROR_SERVICE, "SaveRunning",
           "the canvas is not loaded and a save holds the lock; the next run loads it");
    restore_outcome outcome;
    int rc = restore_canvas(store, aws, a->settings.pixels_table, &outcome, err);
    aws_error release_err = {0};
    if (store_lock_release(store, ctx->request_id, &release_err) != 0)
        log_aws_error("releasing the save lock", &release_err);
    TRY(rc);
    if (outcome.restored)
        log_info("loaded the canvas from %s: %zu pixels, at seq %" PRIu64,
                 a->settings.pixels_table, outcome.pixels, outcome.seq);
    return 0;
}

int handler_snapshot(const handler_ctx *ctx, const char *event_json, size_t len,
                     aws_buf *response, aws_error *err)
{
    (void)event_json; /* the schedule's event carries nothing the snapshot needs */
    (void)len;
    app *a = ctx->app;
    canvas_store *store;
    TRY(app_store(a, &store, err));
    TRY(load_if_needed(ctx, store, err));
    aws_buf bits = {0};
    uint64_t seq = 0, latest = 0;
    bool found = false;
    char url[256];
    int rc = store_read_canvas(store, &bits, &seq, err);
    if (rc == 0)
        rc = store_snapshot_get(store, &found, &latest, url, err);
    if (rc == 0) {
        if (seq == 0 || (found && latest >= seq))
            aws_buf_printf(response, "{\"seq\":%" PRIu64 ",\"skipped\":true}", seq);
        else
            rc = publish(a, store, seq, &bits, response, err);
    }
    aws_buf_free(&bits);
    return rc;
}

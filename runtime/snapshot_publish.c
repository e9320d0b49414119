/*
 * snapshot_publish.c - the canvas as a PNG in the bucket (snapshot_publish.h).
 */
#include "runtime/snapshot_publish.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/protocol.h"
#include "runtime/app.h"
#include "runtime/png_encode.h"
#include "stack/description.h"

static int put_object(aws_client *aws, const char *bucket, const char *key,
                      const char *content_type, const char *cache_control, const base_buf *body,
                      base_error *err)
{
    base_buf path = {0};
    base_buf_append_char(&path, '/');
    aws_uri_encode(&path, bucket, strlen(bucket), 0);
    base_buf_append_char(&path, '/');
    aws_uri_encode(&path, key, strlen(key), 1);
    aws_headers headers = {0};
    aws_headers_add(&headers, "Content-Type", content_type);
    aws_headers_add(&headers, "Cache-Control", cache_control);
    int rc = aws_rest_xml_call(aws, &aws_service_s3, "PUT", base_buf_str(&path), NULL, &headers,
                               body->data ? body->data : "", body->len, NULL, NULL, err);
    aws_headers_free(&headers);
    base_buf_free(&path);
    return rc;
}

static int pointer_document(const canvas_geometry *g, uint64_t seq, const char *url,
                            long long now_ms, base_buf *out, base_error *err)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "seq", (double)seq);
    cJSON_AddStringToObject(doc, "url", url);
    cJSON_AddNumberToObject(doc, "width", g->width);
    cJSON_AddNumberToObject(doc, "height", g->height);
    cJSON_AddNumberToObject(doc, "depth", g->depth);
    cJSON_AddNumberToObject(doc, "createdAt", (double)now_ms);
    int rc = aws_json_append_body(out, doc, err);
    cJSON_Delete(doc);
    return rc;
}

static int upload(canvas_store *store, aws_client *aws, const char *bucket, uint64_t seq,
                  const base_buf *bits, snapshot_outcome *out, base_error *err)
{
    const canvas_geometry *g = &store->canvas;
    base_buf png = {0}, pointer = {0};
    snprintf(out->url, sizeof out->url, "snapshots/%" PRIu64 ".png", seq);
    int rc = canvas_encode_png(g, (const uint8_t *)bits->data, bits->len, &png, err);
    if (rc == 0)
        rc = put_object(aws, bucket, out->url, "image/png", "public, max-age=31536000, immutable",
                        &png, err);
    if (rc == 0)
        rc = pointer_document(g, seq, out->url, app_now_ms(), &pointer, err);
    if (rc == 0)
        rc = put_object(aws, bucket, STACK_SNAPSHOT_LATEST_KEY, "application/json",
                        "public, max-age=5", &pointer, err);
    if (rc == 0)
        rc = store_snapshot_set(store, seq, out->url, err);
    out->published = rc == 0;
    out->bytes = png.len;
    base_buf_free(&png);
    base_buf_free(&pointer);
    return rc;
}

int snapshot_publish(canvas_store *store, aws_client *aws, const char *bucket,
                     snapshot_outcome *out, base_error *err)
{
    memset(out, 0, sizeof *out);
    base_buf bits = {0};
    uint64_t latest = 0;
    bool found = false;
    char url[256];
    int rc = store_read_canvas(store, &bits, &out->seq, err);
    if (rc == 0)
        rc = store_snapshot_get(store, &found, &latest, url, err);
    if (rc == 0 && out->seq != 0 && !(found && latest >= out->seq))
        rc = upload(store, aws, bucket, out->seq, &bits, out, err);
    base_buf_free(&bits);
    return rc;
}

/*
 * restore.c - rebuilds the canvas from the pixels table (restore.h).
 */
#include "runtime/restore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/paginate.h"

/* A loaded canvas continues at the tables' highest seq plus this. Seqs the
 * lost cache gave out after the last save may still be in flight (queued
 * broadcasts, clients' own canvases); numbering on above them, and loading
 * at a seq above them, makes every such pixel older than the loaded canvas,
 * so the protocol's rules discard it. No cache gives out a billion seqs
 * between two saves. */
#define RESTORE_SEQ_GAP 1000000000ULL

typedef struct restore_scan {
    const canvas_geometry *canvas;
    uint8_t *bits;
    size_t pixels;
    uint64_t seq;
} restore_scan;

/* An attribute {"N": "123"} as a whole number. */
static bool number_attribute(const cJSON *item, const char *name, uint64_t *out)
{
    const char *text = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, name), "N"));
    if (!text || !text[0] || strspn(text, "0123456789") != strlen(text))
        return false;
    errno = 0;
    unsigned long long v = strtoull(text, NULL, 10);
    *out = v;
    return errno == 0;
}

static int on_page(void *ctx, const cJSON *page, bool *stop, aws_error *err)
{
    (void)stop;
    (void)err;
    restore_scan *scan = ctx;
    const cJSON *item;
    uint64_t cells = (uint64_t)scan->canvas->width * (uint64_t)scan->canvas->height;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(page, "Items")) {
        uint64_t idx, colour, seq;
        if (!number_attribute(item, "idx", &idx) || !number_attribute(item, "colour", &colour) ||
            !number_attribute(item, "seq", &seq) || idx >= cells ||
            colour >= canvas_colour_count(scan->canvas))
            continue;
        canvas_set(scan->canvas, scan->bits, (int)(idx % (uint64_t)scan->canvas->width),
                   (int)(idx / (uint64_t)scan->canvas->width), (uint32_t)colour);
        scan->pixels++;
        if (seq > scan->seq)
            scan->seq = seq;
    }
    return 0;
}

int restore_canvas(canvas_store *store, aws_client *aws, const char *table,
                   restore_outcome *out, aws_error *err)
{
    memset(out, 0, sizeof *out);
    size_t size = canvas_byte_count(&store->canvas);
    restore_scan scan = {.canvas = &store->canvas, .bits = aws_xcalloc(size ? size : 1, 1)};
    cJSON *input = cJSON_CreateObject();
    cJSON_AddStringToObject(input, "TableName", table);
    cJSON_AddStringToObject(input, "ProjectionExpression", "#idx, #colour, #seq");
    cJSON *names = cJSON_AddObjectToObject(input, "ExpressionAttributeNames");
    cJSON_AddStringToObject(names, "#idx", "idx"); /* names, not reserved words, whatever they are */
    cJSON_AddStringToObject(names, "#colour", "colour");
    cJSON_AddStringToObject(names, "#seq", "seq");
    int rc = aws_json_paginate(aws, &aws_service_dynamodb, "Scan", input, "ExclusiveStartKey",
                               "LastEvaluatedKey", on_page, &scan, err);
    cJSON_Delete(input);
    uint64_t seq = scan.seq + RESTORE_SEQ_GAP;
    if (rc == 0)
        rc = store_restore(store, scan.bits, size, seq, scan.pixels == 0, &out->restored, err);
    free(scan.bits);
    TRY(rc);
    out->pixels = scan.pixels;
    out->seq = seq;
    return 0;
}

int restore_if_new(canvas_store *store, aws_client *aws, const char *table, bool *loaded,
                   aws_error *err)
{
    TRY(store_loaded(store, loaded, err));
    if (*loaded)
        return 0;
    cJSON *input = cJSON_CreateObject();
    cJSON_AddStringToObject(input, "TableName", table);
    cJSON_AddNumberToObject(input, "Limit", 1);
    cJSON *out = NULL;
    int rc = aws_json_call(aws, &aws_service_dynamodb, "Scan", input, &out, err);
    cJSON_Delete(input);
    TRY(rc);
    bool empty = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(out, "Items")) == 0 &&
                 !cJSON_GetObjectItemCaseSensitive(out, "LastEvaluatedKey");
    cJSON_Delete(out);
    if (!empty)
        return 0;
    size_t size = canvas_byte_count(&store->canvas);
    uint8_t *blank = aws_xcalloc(size ? size : 1, 1);
    bool restored = false;
    rc = store_restore(store, blank, size, RESTORE_SEQ_GAP, true, &restored, err);
    free(blank);
    TRY(rc);
    *loaded = true; /* by this call or, if it lost a race, by another */
    return 0;
}

/*
 * restore.c - rebuilds the canvas from the pixels table (restore.h).
 */
#include "runtime/restore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/paginate.h"
#include "runtime/seq_mark.h"

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

static int on_page(void *ctx, const cJSON *page, bool *stop, base_error *err)
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

/* The seq a loaded canvas stands at: above every seq the mark let a lost
 * cache give out and every seq saved; 0 for a stack that never gave out
 * one. */
static uint64_t loaded_seq(uint64_t mark_before, uint64_t highest_saved)
{
    uint64_t top = mark_before > highest_saved ? mark_before : highest_saved;
    return top ? top + 1 : 0;
}

int restore_canvas(canvas_store *store, aws_client *aws, const char *table,
                   restore_outcome *out, base_error *err)
{
    memset(out, 0, sizeof *out);
    /* The mark first: any seq given out before this point is at most
     * mark_before, whatever happens to the cache that gave it out. */
    uint64_t mark_before, mark_after;
    TRY(seq_mark_reserve(aws, table, 0, &mark_before, &mark_after, err));
    size_t size = canvas_byte_count(&store->canvas);
    restore_scan scan = {.canvas = &store->canvas, .bits = base_xcalloc(size ? size : 1, 1)};
    cJSON *input = cJSON_CreateObject();
    cJSON_AddStringToObject(input, "TableName", table);
    cJSON_AddStringToObject(input, "ProjectionExpression", "#idx, #colour, #seq");
    cJSON *names = cJSON_AddObjectToObject(input, "ExpressionAttributeNames");
    cJSON_AddStringToObject(names, "#idx", "idx"); /* names, not reserved words, whatever they are */
    cJSON_AddStringToObject(names, "#colour", "colour");
    cJSON_AddStringToObject(names, "#seq", "seq");
    /* The last save may have written just now: an eventually consistent read
     * could miss it and load a canvas older than its seq says. */
    cJSON_AddBoolToObject(input, "ConsistentRead", true);
    int rc = aws_json_paginate(aws, &aws_service_dynamodb, "Scan", input, "ExclusiveStartKey",
                               "LastEvaluatedKey", on_page, &scan, err);
    cJSON_Delete(input);
    uint64_t seq = loaded_seq(mark_before, scan.seq);
    if (rc == 0 && seq >= mark_after)
        rc = seq_mark_reserve(aws, table, seq + 1, &mark_before, &mark_after, err);
    if (rc == 0)
        rc = store_restore(store, scan.bits, size, seq, scan.pixels == 0, mark_after,
                           &out->restored, err);
    free(scan.bits);
    TRY(rc);
    out->pixels = scan.pixels;
    out->blank = scan.pixels == 0;
    out->seq = seq;
    return 0;
}


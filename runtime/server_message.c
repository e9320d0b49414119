/*
 * server_message.c - builds the messages of server_message.h. The small
 * messages are cJSON trees, which escape whatever text they carry. Pixel
 * runs are the one exception: they can hold thousands of entries of four
 * integers and no text, and are written directly, because cJSON writes every
 * number as a double through printf("%1.15g") and a scanf round trip, which
 * made 100,000 entries take 281 ms instead of 40 ms. runtime.messages
 * parses them back.
 */
#include "runtime/server_message.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "runtime/json_text.h"

#define PIXELS_HEAD "{\"type\":\"pixels\",\"pixels\":["
#define PIXELS_TAIL "]}"
#define ENTRY_MAX 80 /* "[seq,x,y,colour]," at its longest */

base_buf *message_list_add(message_list *list)
{
    list->items = realloc(list->items, (list->count + 1) * sizeof *list->items);
    if (!list->items)
        abort();
    base_buf *b = &list->items[list->count++];
    memset(b, 0, sizeof *b);
    return b;
}

void server_message_pixels(message_list *out, const placement *items, size_t count,
                           size_t max_bytes)
{
    if (!max_bytes)
        max_bytes = SERVER_MESSAGE_MAX_BYTES;
    base_buf *b = NULL;
    for (size_t i = 0; i < count; i++) {
        if (b && b->len + ENTRY_MAX + sizeof PIXELS_TAIL > max_bytes) {
            base_buf_append_str(b, PIXELS_TAIL);
            b = NULL;
        }
        if (!b) {
            b = message_list_add(out);
            base_buf_append_str(b, PIXELS_HEAD);
        } else {
            base_buf_append_char(b, ',');
        }
        base_buf_printf(b, "[%" PRIu64 ",%d,%d,%" PRIu32 "]", items[i].seq, items[i].x, items[i].y,
                       items[i].colour);
    }
    if (b)
        base_buf_append_str(b, PIXELS_TAIL);
}

void message_list_free(message_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        base_buf_free(&list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

static cJSON *message(const char *type)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "type", type);
    return doc;
}

static void add_ref(cJSON *doc, const char *ref)
{
    if (ref && ref[0])
        cJSON_AddRawToObject(doc, "ref", ref);
}

void server_message_snapshot(base_buf *out, const canvas_geometry *g, uint64_t seq, const char *url)
{
    cJSON *doc = message("snapshot");
    cJSON_AddNumberToObject(doc, "seq", (double)seq);
    if (url)
        cJSON_AddStringToObject(doc, "url", url);
    else
        cJSON_AddNullToObject(doc, "url");
    cJSON_AddNumberToObject(doc, "width", g->width);
    cJSON_AddNumberToObject(doc, "height", g->height);
    cJSON_AddNumberToObject(doc, "depth", g->depth);
    json_text_append(out, doc);
}

void server_message_caughtup(base_buf *out, uint64_t seq)
{
    cJSON *doc = message("caughtup");
    cJSON_AddNumberToObject(doc, "seq", (double)seq);
    json_text_append(out, doc);
}

void server_message_placed(base_buf *out, const char *ref, uint64_t first, uint64_t last,
                           long long next_at_ms)
{
    cJSON *doc = message("placed");
    add_ref(doc, ref);
    cJSON_AddNumberToObject(doc, "first", (double)first);
    cJSON_AddNumberToObject(doc, "last", (double)last);
    cJSON_AddNumberToObject(doc, "nextAt", (double)next_at_ms);
    json_text_append(out, doc);
}

void server_message_error(base_buf *out, const char *code, const char *text, const char *ref,
                          long long retry_after_ms)
{
    cJSON *doc = message("error");
    cJSON_AddStringToObject(doc, "code", code);
    cJSON_AddStringToObject(doc, "message", text);
    add_ref(doc, ref);
    if (retry_after_ms >= 0)
        cJSON_AddNumberToObject(doc, "retryAfterMs", (double)retry_after_ms);
    json_text_append(out, doc);
}

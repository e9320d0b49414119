/*
 * server_message.c - builds the messages of server_message.h, each as a
 * cJSON tree. Pixel runs, which can hold thousands of entries, are cut into
 * messages of at most max_bytes: the framing is fixed text and each entry is
 * written by cJSON into a stack buffer.
 */
#include "runtime/server_message.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/fatal.h"
#include "runtime/json_text.h"

#define PIXELS_HEAD "{\"type\":\"pixels\",\"pixels\":["
#define PIXELS_TAIL "]}"
#define ENTRY_MAX 96 /* "[seq,x,y,colour]" at its longest, and cJSON's 5 spare bytes */

base_buf *message_list_add(message_list *list)
{
    list->items = realloc(list->items, (list->count + 1) * sizeof *list->items);
    if (!list->items)
        abort();
    base_buf *b = &list->items[list->count++];
    memset(b, 0, sizeof *b);
    return b;
}

/* One reusable [seq, x, y, colour] entry: a run of thousands of pixels is
 * written entry by entry into a stack buffer, with no allocation per pixel. */
typedef struct pixel_entry {
    cJSON *array;
    cJSON *field[4];
} pixel_entry;

static void pixel_entry_init(pixel_entry *e)
{
    e->array = cJSON_CreateArray();
    for (int i = 0; i < 4; i++) {
        e->field[i] = cJSON_CreateNumber(0);
        cJSON_AddItemToArray(e->array, e->field[i]);
    }
}

static void pixel_entry_write(pixel_entry *e, const placement *p, char out[ENTRY_MAX])
{
    cJSON_SetNumberValue(e->field[0], (double)p->seq);
    cJSON_SetNumberValue(e->field[1], p->x);
    cJSON_SetNumberValue(e->field[2], p->y);
    cJSON_SetNumberValue(e->field[3], p->colour);
    if (!json_text_into(e->array, out, ENTRY_MAX))
        base_fatal("a pixel entry does not fit %d bytes", ENTRY_MAX);
}

void server_message_pixels(message_list *out, const placement *items, size_t count,
                           size_t max_bytes)
{
    if (!max_bytes)
        max_bytes = SERVER_MESSAGE_MAX_BYTES;
    pixel_entry entry;
    pixel_entry_init(&entry);
    char text[ENTRY_MAX];
    base_buf *b = NULL;
    for (size_t i = 0; i < count; i++) {
        pixel_entry_write(&entry, &items[i], text);
        size_t len = strlen(text);
        if (b && b->len + 1 + len + sizeof PIXELS_TAIL > max_bytes) {
            base_buf_append_str(b, PIXELS_TAIL);
            b = NULL;
        }
        if (!b) {
            b = message_list_add(out);
            base_buf_append_str(b, PIXELS_HEAD);
        } else {
            base_buf_append_char(b, ',');
        }
        base_buf_append(b, text, len);
    }
    if (b)
        base_buf_append_str(b, PIXELS_TAIL);
    cJSON_Delete(entry.array);
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

/*
 * handler_save.c - run every minute: persists placements to DynamoDB.
 *
 * Under the cache's save lock (saves never overlap, so the pixels table is
 * written in seq order), it reads the recent placements after the saved
 * seq a page at a time and, per page: puts each placement in the history
 * table, puts the latest colour of each pixel touched in the pixels table,
 * and only then records the page's last seq as saved, which lets the cache
 * trim it once a snapshot holds it too. Every write is keyed (minute and
 * seq; idx), so a save that dies anywhere and runs again rewrites the same
 * items: every placement is stored exactly once, and no pixel gets a colour
 * it did not have.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "runtime/app.h"
#include "runtime/dynamo_batch.h"
#include "runtime/handler.h"
#include "runtime/json_text.h"
#include "runtime/log.h"

#define PAGE_SIZE 5000
#define DEADLINE_MARGIN_MS 3000

static void add_number(cJSON *item, const char *name, unsigned long long value)
{
    char text[24];
    snprintf(text, sizeof text, "%llu", value);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(item, name), "N", text);
}

static cJSON *history_item(const placement *p)
{
    cJSON *item = cJSON_CreateObject();
    add_number(item, "minute", (unsigned long long)(p->placed_at_ms / 60000));
    add_number(item, "seq", p->seq);
    add_number(item, "x", (unsigned long long)p->x);
    add_number(item, "y", (unsigned long long)p->y);
    add_number(item, "colour", p->colour);
    add_number(item, "placedAt", (unsigned long long)p->placed_at_ms);
    return item;
}

static cJSON *pixel_item(const canvas_geometry *g, const placement *p)
{
    cJSON *item = cJSON_CreateObject();
    add_number(item, "idx", canvas_index(g, p->x, p->y));
    add_number(item, "colour", p->colour);
    add_number(item, "seq", p->seq);
    return item;
}

/* The page's pixel items: one per pixel, its latest placement (BatchWriteItem
 * refuses two writes of one key in a request). */
static size_t latest_per_pixel(const canvas_geometry *g, const recent_page *page, cJSON **items)
{
    size_t count = 0;
    for (size_t i = page->count; i-- > 0;) {
        size_t idx = canvas_index(g, page->items[i].x, page->items[i].y);
        bool newer_seen = false;
        for (size_t j = i + 1; j < page->count && !newer_seen; j++)
            newer_seen = canvas_index(g, page->items[j].x, page->items[j].y) == idx;
        if (!newer_seen)
            items[count++] = pixel_item(g, &page->items[i]);
    }
    return count;
}

typedef struct save_totals {
    size_t placements, pixels, requests;
    uint64_t saved, floor;
} save_totals;

static void free_items(cJSON **items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        cJSON_Delete(items[i]);
}

static int save_page(app *a, aws_client *aws, const recent_page *page, long long deadline,
                     save_totals *t, base_error *err)
{
    const runtime_settings *s = &a->settings;
    cJSON **items = base_xcalloc(page->count, sizeof *items);
    for (size_t i = 0; i < page->count; i++)
        items[i] = history_item(&page->items[i]);
    int rc = dynamo_batch_put(aws, s->history_table, items, page->count, deadline, &t->requests, err);
    free_items(items, page->count);
    size_t pixels = 0;
    if (rc == 0) {
        pixels = latest_per_pixel(&s->canvas, page, items);
        rc = dynamo_batch_put(aws, s->pixels_table, items, pixels, deadline, &t->requests, err);
        free_items(items, pixels);
    }
    free(items);
    TRY(rc);
    t->placements += page->count;
    t->pixels += pixels;
    return 0;
}

static int save_all(const handler_ctx *ctx, canvas_store *store, aws_client *aws, save_totals *t,
                    base_error *err)
{
    long long deadline = app_now_ms() + handler_remaining_ms(ctx) - DEADLINE_MARGIN_MS;
    TRY(store_saved_get(store, &t->saved, err));
    for (;;) {
        recent_page page;
        TRY(store_recent_after(store, t->saved, PAGE_SIZE, &page, err));
        int rc = page.count ? save_page(ctx->app, aws, &page, deadline, t, err) : 0;
        uint64_t last = page.count ? page.items[page.count - 1].seq : t->saved;
        bool full = page.count == PAGE_SIZE;
        free(page.items);
        TRY(rc);
        TRY(store_saved_set(store, last, &t->floor, err));
        t->saved = last;
        if (!full || app_now_ms() >= deadline)
            return 0;
    }
}

int handler_save(const handler_ctx *ctx, const char *event_json, size_t len, base_buf *response,
                 base_error *err)
{
    (void)event_json; /* the schedule's event carries nothing the save needs */
    (void)len;
    app *a = ctx->app;
    canvas_store *store;
    aws_client *aws;
    TRY(settings_require(a->settings.history_table, STACK_ENV_HISTORY_TABLE, err));
    TRY(settings_require(a->settings.pixels_table, STACK_ENV_PIXELS_TABLE, err));
    TRY(app_store(a, &store, err));
    TRY(app_aws(a, &aws, err));
    bool taken = false, loaded = false;
    TRY(store_loaded(store, &loaded, err));
    if (!loaded) { /* nothing to save: the snapshot handler loads the canvas first */
        base_buf_append_str(response, "{\"skipped\":\"the canvas is not loaded yet\"}");
        return 0;
    }
    TRY(store_lock_take(store, ctx->request_id, store_lock_ttl(handler_remaining_ms(ctx)), &taken, err));
    if (!taken) {
        base_buf_append_str(response, "{\"skipped\":\"another save is running\"}");
        return 0;
    }
    save_totals t = {0};
    int rc = save_all(ctx, store, aws, &t, err);
    base_error release_err = {0};
    if (store_lock_release(store, ctx->request_id, &release_err) != 0)
        log_failure("releasing the save lock", &release_err);
    TRY(rc);
    cJSON *answer = cJSON_CreateObject();
    cJSON_AddNumberToObject(answer, "placements", (double)t.placements);
    cJSON_AddNumberToObject(answer, "pixels", (double)t.pixels);
    cJSON_AddNumberToObject(answer, "requests", (double)t.requests);
    cJSON_AddNumberToObject(answer, "saved", (double)t.saved);
    cJSON_AddNumberToObject(answer, "floor", (double)t.floor);
    json_text_append(response, answer);
    log_info("saved %zu placements and %zu pixels up to seq %" PRIu64, t.placements, t.pixels,
             t.saved);
    handler_count(ctx, "placements", (double)t.placements);
    handler_count(ctx, "pixels", (double)t.pixels);
    return 0;
}

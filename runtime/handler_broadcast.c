/*
 * handler_broadcast.c - the pixel queue's consumer: sends new pixels to every
 * connection.
 *
 * All records of a batch become one run of pixels in seq order (split only
 * at the message size limit), posted to all connections concurrently
 * (fanout.h), each message in its own slot of the stack's broadcast clock
 * (limits.broadcast_rate messages a second to each connection; the wait is
 * the invocation's count "waitMs"): pixels placed while a broadcast waits
 * gather in the queue and go together in the next one. A connection API
 * Gateway calls gone is forgotten, unless it registered within
 * SCRIBBLE_CONNECT_GRACE_MS: API Gateway answers 410 to a connection whose
 * $connect has not finished yet. A record that is not a
 * pixels document is logged and skipped; failed posts are logged, not
 * retried: the batch's other connections have their pixels already, and a
 * client that missed some sees the gap in seqs and catches up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "runtime/app.h"
#include "runtime/event.h"
#include "runtime/handler.h"
#include "runtime/json_text.h"
#include "runtime/log.h"

typedef struct pixel_run {
    placement *items;
    size_t count, cap;
} pixel_run;

static bool read_entry(const canvas_geometry *g, const cJSON *entry, placement *out)
{
    double v[4];
    if (!cJSON_IsArray(entry) || cJSON_GetArraySize(entry) != 4)
        return false;
    for (int i = 0; i < 4; i++) {
        const cJSON *n = cJSON_GetArrayItem(entry, i);
        if (!cJSON_IsNumber(n) || n->valuedouble < 0 || n->valuedouble > 9007199254740992.0 ||
            (double)(uint64_t)n->valuedouble != n->valuedouble)
            return false;
        v[i] = n->valuedouble;
    }
    if (v[1] >= g->width || v[2] >= g->height || v[3] >= (double)canvas_colour_count(g))
        return false;
    *out = (placement){.seq = (uint64_t)v[0], .x = (int)v[1], .y = (int)v[2],
                       .colour = (uint32_t)v[3]};
    return true;
}

static void add_record(const canvas_geometry *g, const char *body, pixel_run *run)
{
    cJSON *doc = body ? cJSON_Parse(body) : NULL;
    const cJSON *pixels = cJSON_GetObjectItemCaseSensitive(doc, "pixels");
    const cJSON *entry;
    const cJSON *list = cJSON_IsArray(pixels) ? pixels : NULL;
    size_t skipped = list ? 0 : 1;
    cJSON_ArrayForEach(entry, list) {
        placement p;
        if (!read_entry(g, entry, &p)) {
            skipped++;
            continue;
        }
        if (run->count == run->cap) {
            run->cap = run->cap ? run->cap * 2 : 256;
            run->items = realloc(run->items, run->cap * sizeof *run->items);
            if (!run->items)
                abort();
        }
        run->items[run->count++] = p;
    }
    if (skipped)
        log_warn("skipped %zu malformed entries of a pixel queue message", skipped);
    cJSON_Delete(doc);
}

static int by_seq(const void *a, const void *b)
{
    uint64_t x = ((const placement *)a)->seq, y = ((const placement *)b)->seq;
    return (x > y) - (x < y);
}

/* Sorted by seq, each seq once (SQS may deliver a message twice). */
static void order(pixel_run *run)
{
    if (run->count == 0)
        return;
    qsort(run->items, run->count, sizeof *run->items, by_seq);
    size_t kept = 0;
    for (size_t i = 0; i < run->count; i++)
        if (kept == 0 || run->items[kept - 1].seq != run->items[i].seq)
            run->items[kept++] = run->items[i];
    run->count = kept;
}

/* Forgets the connections that are gone, except new ones. Returns how many. */
static size_t forget_gone(app *a, canvas_store *store, const connection_list *connections,
                          const fanout_outcome *outcomes)
{
    long long now = app_now_ms();
    size_t forgotten = 0;
    for (size_t i = 0; i < connections->count; i++) {
        if (outcomes[i] != FANOUT_GONE ||
            now - connections->connected_ms[i] < a->settings.connect_grace_ms)
            continue;
        base_error err = {0};
        if (store_connection_remove(store, connections->ids[i], &err) == 0)
            forgotten++;
        else
            log_failure("forgetting a gone connection", &err);
    }
    return forgotten;
}

/* Sleeps until the message's slot: its reserved wait from `reserved_at`,
 * never past half of what the invocation has left. */
static void wait_for_slot(const handler_ctx *ctx, long long reserved_at, long long wait_ms)
{
    long long left = reserved_at + wait_ms - app_now_ms();
    long long most = handler_remaining_ms(ctx) / 2;
    if (left > most) {
        log_warn("the broadcast slot is %lld ms away; waiting %lld ms", left, most);
        left = most;
    }
    if (left <= 0)
        return;
    struct timespec pause = {.tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000L};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
        ;
}

/* Posts each message to every connection in its own slot of the broadcast
 * clock (limits.broadcast_rate a second), so each connection is sent at
 * most that many pixel messages a second whatever the placement rate.
 * outcomes[i] is connection i's worst. */
static int post_paced(const handler_ctx *ctx, canvas_store *store, fanout *f,
                      const connection_list *connections, const message_list *messages,
                      fanout_outcome *outcomes, base_error *err)
{
    if (connections->count == 0)
        return 0;
    /* Rounded up: 3 a second is 334 ms apart, so no second holds a fourth. */
    int rate = ctx->app->settings.broadcast_rate;
    long long step_ms = (1000 + rate - 1) / rate;
    long long reserved_at = app_now_ms(), wait_ms = 0;
    TRY(store_broadcast_slots(store, messages->count, step_ms, reserved_at, &wait_ms, err));
    handler_count(ctx, "waitMs", (double)wait_ms);
    fanout_outcome *each = base_xcalloc(connections->count ? connections->count : 1, sizeof *each);
    for (size_t m = 0; m < messages->count; m++) {
        wait_for_slot(ctx, reserved_at, wait_ms + (long long)m * step_ms);
        message_list one = {.items = &messages->items[m], .count = 1};
        fanout_broadcast(f, connections->ids, connections->count, &one, each);
        for (size_t i = 0; i < connections->count; i++)
            if (each[i] > outcomes[i])
                outcomes[i] = each[i];
    }
    free(each);
    return 0;
}

static int fan_out(const handler_ctx *ctx, const pixel_run *run, base_buf *response,
                   base_error *err)
{
    app *a = ctx->app;
    canvas_store *store;
    fanout *f;
    TRY(app_store(a, &store, err));
    TRY(app_fanout(a, &f, err));
    connection_list connections;
    TRY(store_connections(store, &connections, err));
    message_list messages = {0};
    server_message_pixels(&messages, run->items, run->count, 0);
    fanout_outcome *outcomes = base_xcalloc(connections.count ? connections.count : 1,
                                           sizeof *outcomes);
    int rc = post_paced(ctx, store, f, &connections, &messages, outcomes, err);
    if (rc == 0) {
        size_t tally[3] = {0};
        for (size_t i = 0; i < connections.count; i++)
            tally[outcomes[i]]++;
        size_t forgotten = forget_gone(a, store, &connections, outcomes);
        if (tally[FANOUT_FAILED])
            log_warn("%zu of %zu connections could not be sent the pixels", tally[FANOUT_FAILED],
                     connections.count);
        cJSON *answer = cJSON_CreateObject();
        cJSON_AddNumberToObject(answer, "pixels", (double)run->count);
        cJSON_AddNumberToObject(answer, "messages", (double)messages.count);
        cJSON_AddNumberToObject(answer, "connections", (double)connections.count);
        cJSON_AddNumberToObject(answer, "sent", (double)tally[FANOUT_SENT]);
        cJSON_AddNumberToObject(answer, "gone", (double)tally[FANOUT_GONE]);
        cJSON_AddNumberToObject(answer, "forgotten", (double)forgotten);
        cJSON_AddNumberToObject(answer, "failed", (double)tally[FANOUT_FAILED]);
        json_text_append(response, answer);
    }
    free(outcomes);
    message_list_free(&messages);
    connection_list_free(&connections);
    return rc;
}

int handler_broadcast(const handler_ctx *ctx, const char *event_json, size_t len,
                      base_buf *response, base_error *err)
{
    app *a = ctx->app;
    cJSON *doc;
    const cJSON *records, *record;
    TRY(sqs_event_records(event_json, len, &doc, &records, err));
    pixel_run run = {0};
    cJSON_ArrayForEach(record, records)
        add_record(&a->settings.canvas, sqs_record_body(record), &run);
    handler_count(ctx, "records", cJSON_GetArraySize(records));
    cJSON_Delete(doc);
    handler_count(ctx, "pixels", (double)run.count);
    order(&run);
    int rc = 0;
    if (run.count == 0)
        base_buf_append_str(response, "{\"pixels\":0}");
    else
        rc = fan_out(ctx, &run, response, err);
    free(run.items);
    return rc;
}

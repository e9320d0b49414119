/*
 * handler_send.c - the sendMessage and $default routes: a browser's place
 * or catchup message, or a frame no route matched, which gets the
 * protocol's error (docs/protocol.md, "Client to server").
 *
 * A message is checked whole before the cache is touched; a refused one is
 * answered with an error message to that connection and changes nothing.
 * An accepted placement is one atomic step in the cache (cooldown, seqs,
 * bits, recent placements), then queued for broadcast and acknowledged.
 * If queueing fails the pixels are placed all the same: clients see the gap
 * in seqs and catch up, so the invocation still succeeds.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "runtime/app.h"
#include "runtime/client_message.h"
#include "runtime/event.h"
#include "runtime/handler.h"
#include "runtime/log.h"
#include "runtime/placing.h"
#include "runtime/queue.h"

static void answer(app *a, const char *connection_id, const base_buf *message)
{
    fanout *f;
    base_error err = {0};
    if (app_fanout(a, &f, &err) != 0 ||
        fanout_post(f, connection_id, base_buf_str(message), message->len, &err) != 0)
        log_failure("answering the connection", &err);
}

static void refuse(app *a, const char *connection_id, const char *code, const char *text,
                   const char *ref, long long retry_after_ms)
{
    base_buf message = {0};
    server_message_error(&message, code, text, ref, retry_after_ms);
    answer(a, connection_id, &message);
    base_buf_free(&message);
}

static void place(const handler_ctx *ctx, const char *connection_id, const char *source_address,
                  const client_message *m)
{
    app *a = ctx->app;
    const runtime_settings *s = &a->settings;
    aws_client *aws;
    base_error err = {0};
    long long now = app_now_ms();
    place_outcome outcome;
    if (placing_place(ctx, connection_id, source_address, m->pixels, m->count, now, &outcome,
                      &err) != 0) {
        log_failure("placing pixels", &err);
        refuse(a, connection_id, "Unavailable", "the canvas could not be reached; nothing was placed",
               m->ref, -1);
        return;
    }
    if (outcome.not_loaded) {
        refuse(a, connection_id, "Unavailable",
               "the canvas is being loaded; nothing was placed, try again in a second", m->ref,
               1000);
        return;
    }
    if (!outcome.accepted) {
        char text[96];
        snprintf(text, sizeof text, "wait %.1f s before placing again",
                 (double)outcome.retry_after_ms / 1000.0);
        refuse(a, connection_id, "Cooldown", text, m->ref, outcome.retry_after_ms);
        return;
    }
    placement *placed = base_xcalloc(m->count, sizeof *placed);
    for (size_t i = 0; i < m->count; i++)
        placed[i] = (placement){.seq = outcome.first_seq + i, .x = m->pixels[i].x,
                                .y = m->pixels[i].y, .colour = m->pixels[i].colour,
                                .placed_at_ms = now};
    if (settings_require(s->pixel_queue_url, STACK_ENV_PIXEL_QUEUE_URL, &err) != 0 ||
        app_aws(a, &aws, &err) != 0 ||
        queue_send_pixels(aws, s->pixel_queue_url, placed, m->count, &err) != 0)
        log_failure("queueing pixels for broadcast", &err);
    free(placed);
    base_buf message = {0};
    server_message_placed(&message, m->ref, outcome.first_seq, outcome.last_seq, outcome.next_at_ms);
    answer(a, connection_id, &message);
    base_buf_free(&message);
    log_info("placed %zu pixels, seq %" PRIu64 " to %" PRIu64, m->count, outcome.first_seq,
             outcome.last_seq);
    handler_count(ctx, "pixels", (double)m->count);
}

/* One catch-up a connection asks for per this many ms; the connections of
 * one address share address_catchups per minute. */
#define CATCHUP_INTERVAL_MS 2000
#define ADDRESS_CATCHUPS_PERIOD_MS 60000

static void catch_up(const handler_ctx *ctx, const char *connection_id, const char *source_address,
                     const client_message *m)
{
    app *a = ctx->app;
    aws_client *aws;
    canvas_store *store;
    base_error err = {0};
    int per_minute = a->settings.address_catchups;
    address_limit address = {
        .address = source_address,
        .step_ms = per_minute ? (double)ADDRESS_CATCHUPS_PERIOD_MS / per_minute : 0,
        .tolerance_ms = ADDRESS_CATCHUPS_PERIOD_MS,
    };
    long long wait_ms = 0;
    if (app_store(a, &store, &err) != 0 ||
        store_catchup_allowed(store, connection_id, &address, CATCHUP_INTERVAL_MS, app_now_ms(),
                              &wait_ms, &err) != 0) {
        log_failure("checking the catch-up limit", &err);
        refuse(a, connection_id, "Unavailable", "the catch-up could not be queued; try again",
               m->ref, -1);
        return;
    }
    if (wait_ms > 0) {
        char text[96];
        snprintf(text, sizeof text, "too many catch-ups; wait %.1f s before asking again",
                 (double)wait_ms / 1000.0);
        refuse(a, connection_id, "Throttled", text, m->ref, wait_ms);
        return;
    }
    if (settings_require(a->settings.catchup_queue_url, STACK_ENV_CATCHUP_QUEUE_URL, &err) != 0 ||
        app_aws(a, &aws, &err) != 0 ||
        queue_send_catchup(aws, a->settings.catchup_queue_url, connection_id, m->has_since,
                           m->since, ctx->request_id, &err) != 0) {
        log_failure("queueing a catch-up", &err);
        refuse(a, connection_id, "Unavailable", "the catch-up could not be queued; try again",
               m->ref, -1);
    }
}

int handler_send(const handler_ctx *ctx, const char *event_json, size_t len, base_buf *response,
                 base_error *err)
{
    app *a = ctx->app;
    websocket_event ev;
    TRY(websocket_event_parse(event_json, len, &ev, err));
    client_message m;
    base_error refusal = {0};
    if (ev.binary) {
        refuse(a, ev.connection_id, "InvalidJson", "messages are JSON text, not binary", "", -1);
    } else if (client_message_parse(ev.body ? ev.body : "", ev.body_len, &a->settings.canvas,
                                    a->settings.max_batch, &m, &refusal) != 0) {
        log_info("refused a message: %s: %s", refusal.code, refusal.message);
        handler_count(ctx, "refused", 1);
        refuse(a, ev.connection_id, refusal.code, refusal.message, m.ref, -1);
    } else {
        if (m.type == CLIENT_PLACE)
            place(ctx, ev.connection_id, ev.source_address, &m);
        else
            catch_up(ctx, ev.connection_id, ev.source_address, &m);
        client_message_free(&m);
    }
    websocket_event_free(&ev);
    base_buf_append_str(response, "{\"statusCode\":200}");
    return 0;
}

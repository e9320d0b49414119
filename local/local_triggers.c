/*
 * local_triggers.c - queue mappings and schedules (local_triggers.h).
 */
#include "local/local_triggers.h"
#include "local/local_clock.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_TRIGGERS 8

typedef struct mapping {
    local_triggers *owner;
    local_queue *queue;
    local_function *function;
    queue_batching batching;
    int64_t gathering_since; /* when the window began gathering (-1: not gathering) */
    local_batch *in_flight;
    lws_sorted_usec_list_t timer;
} mapping;

typedef struct schedule {
    local_triggers *owner;
    local_function *function;
    int interval_s;
    bool running;
    bool *done; /* set when the run under way ends (local_triggers_run_now) */
    lws_sorted_usec_list_t timer;
} schedule;

struct local_triggers {
    struct lws_context *ctx;
    mapping mappings[MAX_TRIGGERS];
    size_t mapping_count;
    schedule schedules[MAX_TRIGGERS];
    size_t schedule_count;
    bool stopped;
};

local_triggers *local_triggers_new(struct lws_context *ctx)
{
    local_triggers *t = base_xcalloc(1, sizeof *t);
    t->ctx = ctx;
    return t;
}

/* -- queues ------------------------------------------------------------------------- */

static void pump(lws_sorted_usec_list_t *sul);

static void batch_done(void *ctx, bool ok, const char *body, size_t len)
{
    mapping *m = ctx;
    base_buf response = {0};
    if (ok)
        base_buf_append(&response, body, len);
    local_queue_finish_batch(m->queue, m->in_flight, ok ? base_buf_str(&response) : NULL, local_now_ms());
    base_buf_free(&response);
    m->in_flight = NULL;
    if (!m->owner->stopped)
        lws_sul_schedule(m->owner->ctx, 0, &m->timer, pump, 0);
}

static void pump_at(mapping *m, int64_t at, int64_t now)
{
    lws_sul_schedule(m->owner->ctx, 0, &m->timer, pump, (lws_usec_t)(at > now ? at - now : 0) * 1000);
}

/* Whether the window is still gathering: fewer messages than a batch are
 * ready, and the first of them has waited less than the window. */
static bool still_gathering(mapping *m, int64_t now)
{
    if (m->batching.window_s <= 0 ||
        local_queue_count(m->queue, now).visible >= (size_t)m->batching.batch_size)
        return false;
    if (m->gathering_since < 0)
        m->gathering_since = now;
    int64_t until = m->gathering_since + (int64_t)m->batching.window_s * 1000;
    if (now >= until)
        return false;
    pump_at(m, until, now);
    return true;
}

static void pump(lws_sorted_usec_list_t *sul)
{
    mapping *m = (mapping *)((char *)sul - offsetof(mapping, timer));
    if (m->in_flight || m->owner->stopped)
        return;
    int64_t now = local_now_ms();
    int64_t next = local_queue_next_ready_ms(m->queue, now);
    if (next != now) {
        if (next >= 0)
            pump_at(m, next, now);
        return;
    }
    if (still_gathering(m, now))
        return;
    local_batch *batch = NULL;
    char *event = NULL;
    if (local_queue_take_batch(m->queue, m->batching.batch_size, now, &batch, &event) != 0 || !batch) {
        free(event);
        return;
    }
    m->gathering_since = -1;
    m->in_flight = batch;
    local_function_invoke(m->function, event, batch_done, m);
    free(event);
}

void local_triggers_add_queue(local_triggers *t, local_queue *q, local_function *f,
                              queue_batching batching)
{
    if (t->mapping_count == MAX_TRIGGERS)
        abort();
    mapping *m = &t->mappings[t->mapping_count++];
    *m = (mapping){.owner = t, .queue = q, .function = f, .batching = batching, .gathering_since = -1};
}

void local_triggers_kick(local_triggers *t)
{
    for (size_t i = 0; i < t->mapping_count && !t->stopped; i++)
        if (!t->mappings[i].in_flight)
            lws_sul_schedule(t->ctx, 0, &t->mappings[i].timer, pump, 0);
}

/* -- schedules ---------------------------------------------------------------------- */

static void run_done(void *ctx, bool ok, const char *body, size_t len)
{
    (void)ok, (void)body, (void)len;
    schedule *s = ctx;
    s->running = false;
    if (s->done)
        *s->done = true;
    s->done = NULL;
}

static void start_run(schedule *s)
{
    if (s->running)
        return;
    s->running = true;
    local_function_invoke(s->function, "{}", run_done, s);
}

static void tick(lws_sorted_usec_list_t *sul)
{
    schedule *s = (schedule *)((char *)sul - offsetof(schedule, timer));
    if (s->owner->stopped)
        return;
    start_run(s);
    lws_sul_schedule(s->owner->ctx, 0, &s->timer, tick, (lws_usec_t)s->interval_s * LWS_US_PER_SEC);
}

void local_triggers_add_schedule(local_triggers *t, local_function *f, int interval_s)
{
    if (t->schedule_count == MAX_TRIGGERS)
        abort();
    schedule *s = &t->schedules[t->schedule_count++];
    *s = (schedule){.owner = t, .function = f, .interval_s = interval_s};
    lws_sul_schedule(t->ctx, 0, &s->timer, tick, (lws_usec_t)interval_s * LWS_US_PER_SEC);
}

void local_triggers_run_now(local_triggers *t, local_function *f, bool *done)
{
    for (size_t i = 0; i < t->schedule_count; i++) {
        schedule *s = &t->schedules[i];
        if (s->function != f)
            continue;
        if (done)
            *done = false;
        if (s->running) { /* the run under way will do */
            s->done = done;
            return;
        }
        s->done = done;
        start_run(s);
        return;
    }
    if (done)
        *done = true;
}

void local_triggers_stop(local_triggers *t)
{
    t->stopped = true;
    for (size_t i = 0; i < t->mapping_count; i++)
        lws_sul_cancel(&t->mappings[i].timer);
    for (size_t i = 0; i < t->schedule_count; i++)
        lws_sul_cancel(&t->schedules[i].timer);
}

void local_triggers_free(local_triggers *t)
{
    if (!t)
        return;
    local_triggers_stop(t);
    for (size_t i = 0; i < t->mapping_count; i++)
        if (t->mappings[i].in_flight)
            local_batch_free(t->mappings[i].in_flight);
    free(t);
}

/*
 * description.c - the rows of the stack's description (description.h) and
 * the look-ups every reader shares.
 */
#include "stack/description.h"

#include <stddef.h>
#include <string.h>

#define COUNT(rows) (sizeof rows / sizeof rows[0])

#define STACK_ENV_NAME_(id, name) [STACK_ENV_##id] = name,
const char *const stack_env_names[STACK_ENV_COUNT] = {STACK_ENVIRONMENT(STACK_ENV_NAME_)};
#undef STACK_ENV_NAME_

#define HANDLER_ROW_(name) {#name},
const described_handler described_handlers[] = {STACK_HANDLERS(HANDLER_ROW_)};
#undef HANDLER_ROW_
const size_t described_handler_count = COUNT(described_handlers);

/* $default takes every frame no other route matches (route selection is
 * $request.body.action): send answers those with the protocol's errors. */
const described_route described_routes[] = {
    {"$connect", "connect"},
    {"$disconnect", "disconnect"},
    {"sendMessage", "send"},
    {"$default", "send"},
};
const size_t described_route_count = COUNT(described_routes);

const described_queue described_queues[] = {
    {"catchup", "catchup", STACK_ENV_CATCHUP_QUEUE_URL, .coalescing = false},
    {"pixel", "broadcast", STACK_ENV_PIXEL_QUEUE_URL, .coalescing = true},
};
const size_t described_queue_count = COUNT(described_queues);

const described_schedule described_schedules[] = {
    {"snapshot", "snapshot"},
    {"save", "save"},
};
const size_t described_schedule_count = COUNT(described_schedules);

/* pixels: one item per pixel, its current colour, by its index y * width + x.
 * history: every placement, by its time in whole minutes since the Unix
 * epoch and its sequence number (docs/protocol.md), unique and in placement
 * order: replaying placements between two times is one Query per minute,
 * each already in order; adaptive capacity splits a busy minute on seq. */
const described_table described_tables[] = {
    {"pixels", STACK_ENV_PIXELS_TABLE, {"idx", "N"}, {NULL, NULL}},
    {"history", STACK_ENV_HISTORY_TABLE, {"minute", "N"}, {"seq", "N"}},
};
const size_t described_table_count = COUNT(described_tables);

/* The row of `rows` whose string at `key` is `wanted`, or NULL. */
static const void *row_with(const void *rows, size_t count, size_t size, size_t key,
                            const char *wanted)
{
    for (size_t i = 0; wanted && i < count; i++) {
        const char *row = (const char *)rows + i * size;
        if (strcmp(*(const char *const *)(row + key), wanted) == 0)
            return row;
    }
    return NULL;
}

#define FIND(rows, field, wanted) \
    row_with(rows, COUNT(rows), sizeof rows[0], offsetof(__typeof__(rows[0]), field), wanted)

const described_handler *described_handler_find(const char *name)
{
    return FIND(described_handlers, name, name);
}

bool described_handler_answers_route(const char *handler)
{
    for (size_t i = 0; handler && i < described_route_count; i++)
        if (strcmp(described_routes[i].handler, handler) == 0)
            return true;
    return false;
}

const described_route *described_route_find(const char *route_key)
{
    return FIND(described_routes, route_key, route_key);
}

queue_batching described_queue_batching(const described_queue *q, bool fifo, int batch_size)
{
    if (!q->coalescing)
        return (queue_batching){.batch_size = batch_size};
    if (fifo)
        return (queue_batching){.batch_size = batch_size,
                                .max_concurrency = STACK_COALESCED_CONCURRENCY};
    return (queue_batching){.batch_size = STACK_COALESCED_BATCH,
                            .window_s = STACK_COALESCED_WINDOW_S,
                            .max_concurrency = STACK_COALESCED_CONCURRENCY};
}

const described_invoked described_invoked_handlers[] = {
    {"figures", "scribblectl status"},
};
const size_t described_invoked_count = COUNT(described_invoked_handlers);

const described_invoked *described_invoked_find(const char *handler)
{
    return FIND(described_invoked_handlers, handler, handler);
}

const described_queue *described_queue_find(const char *name)
{
    return FIND(described_queues, name, name);
}

const described_schedule *described_schedule_find(const char *name)
{
    return FIND(described_schedules, name, name);
}

const described_table *described_table_find(const char *name)
{
    return FIND(described_tables, name, name);
}

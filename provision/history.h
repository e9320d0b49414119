/*
 * history.h - the canvas's history as scribblectl reads it for a timelapse:
 * every placement the history table holds (runtime/handler_save.c writes
 * one item per placement: minute, seq, x, y, colour, placedAt), read with
 * DynamoDB Scan, every page, and sorted by seq. Reads only; prints nothing.
 */
#ifndef SCRIBBLE_PROVISION_HISTORY_H
#define SCRIBBLE_PROVISION_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "aws/client.h"

typedef struct history_placement {
    uint64_t seq;
    int x, y;
    uint32_t colour;
    long long placed_at_ms;
} history_placement;

typedef struct history {
    history_placement *items; /* by seq */
    size_t count;
} history;

/* Called after each page with the number of placements read so far. */
typedef void (*history_progress_fn)(void *ctx, size_t read);

int history_read(aws_client *c, const char *table, history *out, history_progress_fn progress,
                 void *progress_ctx, base_error *err);
void history_free(history *h);

#endif

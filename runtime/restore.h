/*
 * restore.h - loading the canvas from the pixels table into an empty cache.
 *
 * A cache starts empty: for a new stack, after ElastiCache replaced or
 * flushed it, and on every start of `scribblectl local`. The pixels table
 * holds each pixel's colour as of the last save and the seq it came from, so
 * the canvas at the highest of those seqs can be rebuilt exactly; placements
 * the cache held but no save had written yet are lost with it. The loaded
 * canvas's seq is above every seq the lost cache may have given out (the
 * durable mark, seq_mark.h), so nothing from its previous life can pass for
 * newer. load.h decides when to load, and holds the save lock meanwhile.
 */
#ifndef SCRIBBLE_RUNTIME_RESTORE_H
#define SCRIBBLE_RUNTIME_RESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/client.h"
#include "base/error.h"
#include "runtime/canvas_store.h"

typedef struct restore_outcome {
    bool restored;   /* false: a canvas was loaded meanwhile */
    bool blank;      /* the table held no pixel */
    size_t pixels;   /* items read from the table */
    uint64_t seq;    /* the seq the canvas is at */
} restore_outcome;

/* Scans table and writes what it holds into the cache, which does not count
 * as loaded until store_loaded_set. Items whose idx or colour do not fit
 * the canvas (it was made smaller, or has fewer colours) are skipped, and
 * so is the seq mark's item. */
int restore_canvas(canvas_store *store, aws_client *aws, const char *table,
                   restore_outcome *out, base_error *err);

#endif

/*
 * restore.h - loading the canvas from the pixels table into an empty cache.
 *
 * A cache starts empty: for a new stack, after ElastiCache replaced or
 * flushed it, and on every start of `scribblectl local`. The pixels table
 * holds each pixel's colour as of the last save and the seq it came from, so
 * the canvas at the highest of those seqs can be rebuilt exactly; placements
 * the cache held but no save had written yet are lost with it. The loaded
 * canvas's seq is set well above every seq the lost cache may have given
 * out (restore.c), so nothing from its previous life can pass for newer. The snapshot
 * handler runs this, under the save lock, before anything else; $connect
 * loads a new stack's blank canvas at once (restore_if_new).
 */
#ifndef SCRIBBLE_RUNTIME_RESTORE_H
#define SCRIBBLE_RUNTIME_RESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/client.h"
#include "aws/error.h"
#include "runtime/canvas_store.h"

typedef struct restore_outcome {
    bool restored;   /* false: a canvas was loaded meanwhile */
    size_t pixels;   /* items read from the table */
    uint64_t seq;    /* the seq the canvas is at */
} restore_outcome;

/* Scans table and loads what it holds. Items whose idx or colour do not fit
 * the canvas (it was made smaller, or has fewer colours) are skipped. */
int restore_canvas(canvas_store *store, aws_client *aws, const char *table,
                   restore_outcome *out, aws_error *err);

/* The cheap case, for the route handlers: when the table holds no item at
 * all (a new stack) loads a blank canvas with one small Scan;
 * otherwise leaves the loading to restore_canvas. *loaded tells whether
 * the cache now holds a canvas. */
int restore_if_new(canvas_store *store, aws_client *aws, const char *table, bool *loaded,
                   aws_error *err);

#endif

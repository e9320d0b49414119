/*
 * snapshot_publish.h - publishing the canvas as a PNG (docs/protocol.md,
 * "Snapshots"): the snapshot handler does it every minute, and the loader
 * (load.h) right after loading a drawn canvas, so catch-ups have a snapshot
 * to start from at once.
 *
 * The canvas and its seq are read in one atomic step, so the PNG is exactly
 * the canvas at that seq. The PNG goes to snapshots/<seq>.png (immutable,
 * cached for a year), then snapshots/latest.json points at it, and only then
 * is the snapshot recorded in the cache, where catch-ups read it: a failure
 * half-way leaves the previous snapshot in force.
 */
#ifndef SCRIBBLE_RUNTIME_SNAPSHOT_PUBLISH_H
#define SCRIBBLE_RUNTIME_SNAPSHOT_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/client.h"
#include "base/error.h"
#include "runtime/canvas_store.h"

typedef struct snapshot_outcome {
    bool published; /* false: nothing was placed since the latest snapshot */
    uint64_t seq;   /* the canvas's seq */
    char url[64];   /* when published: its key in the bucket */
    size_t bytes;   /* when published: the PNG's size */
} snapshot_outcome;

/* Publishes the canvas to bucket unless the latest snapshot is at its seq
 * already (or it is a new stack's blank canvas at 0). */
int snapshot_publish(canvas_store *store, aws_client *aws, const char *bucket,
                     snapshot_outcome *out, base_error *err);

#endif

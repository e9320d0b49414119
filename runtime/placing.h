/*
 * placing.h - placing pixels for a connection, whatever state the cache is
 * in: loads the canvas first when the cache lost it (restore.h), and
 * reserves more seqs in the durable mark when the cache's reservation is
 * used up (seq_mark.h), then places them in one atomic step (canvas_store.h).
 */
#ifndef SCRIBBLE_RUNTIME_PLACING_H
#define SCRIBBLE_RUNTIME_PLACING_H

#include <stddef.h>

#include "base/error.h"
#include "runtime/canvas_store.h"
#include "runtime/handler.h"

/* store_place's outcome; out->not_loaded only when another invocation is
 * loading the canvas right now. */
int placing_place(const handler_ctx *ctx, const char *connection_id, const char *source_address,
                  const pixel_request *pixels, size_t count, long long now_ms, place_outcome *out,
                  base_error *err);

#endif

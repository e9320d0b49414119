/*
 * load.h - the handlers' way to make sure the cache holds the canvas: the
 * first request that needs it after the cache was lost loads it from the
 * pixels table (restore.h), once, under the save lock, and logs that it did.
 */
#ifndef SCRIBBLE_RUNTIME_LOAD_H
#define SCRIBBLE_RUNTIME_LOAD_H

#include <stdbool.h>

#include "base/error.h"
#include "runtime/handler.h"

/* *loaded false: another invocation is loading it right now. */
int load_canvas(const handler_ctx *ctx, bool *loaded, base_error *err);

#endif

/*
 * catchup.h - what a joining client lacks (docs/protocol.md, "Connecting"):
 * the pixels after its seq, or the latest snapshot and the pixels after
 * that, then "caughtup". Reads the cache only; the catchup handler posts.
 */
#ifndef SCRIBBLE_RUNTIME_CATCHUP_H
#define SCRIBBLE_RUNTIME_CATCHUP_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "runtime/canvas_store.h"
#include "runtime/server_message.h"

/* Appends the catch-up's messages to out. page_size: placements read per
 * cache call (0: a default). */
int catchup_messages(canvas_store *s, bool has_since, uint64_t since, size_t page_size,
                     message_list *out, base_error *err);

#endif

/*
 * server_message.h - what the handlers send to browsers (docs/protocol.md,
 * "Server to client"). Each function appends one JSON message to a buffer;
 * pixel runs are split so no message exceeds SERVER_MESSAGE_MAX_BYTES, well
 * under API Gateway's 128 KB frame limit.
 */
#ifndef SCRIBBLE_RUNTIME_SERVER_MESSAGE_H
#define SCRIBBLE_RUNTIME_SERVER_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "runtime/canvas.h"
#include "runtime/canvas_store.h"

#define SERVER_MESSAGE_MAX_BYTES (96 * 1024)

typedef struct message_list {
    base_buf *items;
    size_t count;
} message_list;

/* Appends {"type":"pixels",...} messages holding items[0..count) in order,
 * as many as needed to stay under max_bytes each (0: the default). */
void server_message_pixels(message_list *out, const placement *items, size_t count,
                           size_t max_bytes);
/* A new empty message at the end of list. */
base_buf *message_list_add(message_list *list);
void message_list_free(message_list *list);

/* url NULL: a blank canvas. */
void server_message_snapshot(base_buf *out, const canvas_geometry *g, uint64_t seq, const char *url);
void server_message_caughtup(base_buf *out, uint64_t seq);
/* ref is the client's ref as JSON text ("" for none). */
void server_message_placed(base_buf *out, const char *ref, uint64_t first, uint64_t last,
                           long long next_at_ms);
/* retry_after_ms < 0: none. */
void server_message_error(base_buf *out, const char *code, const char *message, const char *ref,
                          long long retry_after_ms);

#endif

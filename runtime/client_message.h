/*
 * client_message.h - what a browser may send over the WebSocket
 * (docs/protocol.md, "Client to server"), parsed and checked before anything
 * touches the canvas.
 *
 * Nothing a client sends can make this crash or allocate without bound: the
 * message's size is checked first, then the text is checked whole as strict
 * JSON (strict_json.h: UTF-8, no NUL in any string, nesting at most
 * CLIENT_MESSAGE_MAX_DEPTH) so cJSON's C strings are the strings sent, and
 * then every field for type and range. A refused message yields the
 * protocol's error code (err->code) and a message for people that quotes
 * the value refused.
 */
#ifndef SCRIBBLE_RUNTIME_CLIENT_MESSAGE_H
#define SCRIBBLE_RUNTIME_CLIENT_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "runtime/canvas.h"
#include "runtime/canvas_store.h"

#define CLIENT_MESSAGE_MAX_BYTES 65536
#define CLIENT_REF_MAX_BYTES 64
/* A ref as written: a string of 64 bytes, each escaped as \u00XX, plus quotes. */
#define CLIENT_REF_MAX_TEXT (6 * CLIENT_REF_MAX_BYTES + 2)
/* Arrays and objects in a message nest at most this deep (a place message: 3). */
#define CLIENT_MESSAGE_MAX_DEPTH 16
/* The one action API Gateway routes to the send handler by name; anything
 * else reaches it through $default and is refused. */
#define CLIENT_ACTION "sendMessage"

typedef enum client_message_type {
    CLIENT_PLACE,
    CLIENT_CATCHUP,
} client_message_type;

typedef struct client_message {
    client_message_type type;
    pixel_request *pixels; /* CLIENT_PLACE: count entries; free with client_message_free */
    size_t count;
    bool has_since;        /* CLIENT_CATCHUP */
    uint64_t since;
    char ref[CLIENT_REF_MAX_TEXT + 1]; /* the ref exactly as written, "" when none: echoed */
} client_message;

/* Parses body[0..len) (NUL bytes in it are part of it). On refusal returns
 * -1 with err's code one of the protocol's (InvalidJson, UnknownType,
 * InvalidPixels, TooManyPixels, PixelOutOfRange, ColourOutOfRange,
 * InvalidRef, InvalidSince, MessageTooLarge); out->ref is filled whenever
 * the ref itself was valid, so the error can echo it. */
int client_message_parse(const char *body, size_t len, const canvas_geometry *canvas,
                         int max_batch, client_message *out, base_error *err);
void client_message_free(client_message *m);

/* A catch-up position from text (the ?since= query parameter): a whole
 * number from 0 to 2^53, digits only. */
bool client_since_parse(const char *text, uint64_t *out);

/* The route API Gateway selects for a text frame with the route selection
 * expression $request.body.action: CLIENT_ACTION when the frame is a JSON
 * object whose first "action" is exactly that string (a NUL in it makes it
 * another string), "$default" for anything else. */
const char *client_message_route(const char *frame, size_t len);

#endif

/*
 * json_text.h - a cJSON document written out as compact text: every JSON
 * the handlers send or answer is built as a cJSON tree and written here
 * (pixel runs aside: server_message.c says why).
 */
#ifndef SCRIBBLE_RUNTIME_JSON_TEXT_H
#define SCRIBBLE_RUNTIME_JSON_TEXT_H

#include <cjson/cJSON.h>

#include "base/buf.h"

/* Appends doc as compact JSON to out, then deletes doc. cJSON fails only
 * when memory runs out, and then this stops the process as base_xmalloc does. */
void json_text_append(base_buf *out, cJSON *doc);

#endif

/*
 * json_text.h - a cJSON document written out as compact text: every JSON
 * the handlers send or answer is built as a cJSON tree and written here.
 */
#ifndef SCRIBBLE_RUNTIME_JSON_TEXT_H
#define SCRIBBLE_RUNTIME_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "base/buf.h"

/* Appends doc as compact JSON to out, then deletes doc. cJSON fails only
 * when memory runs out, and then this stops the process as base_xmalloc does. */
void json_text_append(base_buf *out, cJSON *doc);
/* Writes doc as compact JSON into out[size], without allocating; false when
 * it does not fit. doc stays the caller's. */
bool json_text_into(const cJSON *doc, char *out, size_t size);

#endif

/*
 * strict_json.h - JSON text from the network, checked whole before cJSON
 * reads it.
 *
 * cJSON is lenient where a browser's message must not be: it skips any byte
 * up to 0x20 as white space, takes raw control characters and invalid UTF-8
 * inside strings, and keeps a string holding U+0000 cut short at it, so a
 * field compared with strcmp would match on a prefix. This checks RFC 8259's
 * grammar with a bounded cursor (never past len, recursion limited by
 * max_depth), so that once text passes, cJSON's strings are the whole
 * strings. It also finds a top-level member's value as written, for what
 * must be echoed or decoded exactly (a ref, a Lambda event's body that may
 * hold NULs), and writes a JSON string literal of any bytes.
 */
#ifndef SCRIBBLE_RUNTIME_STRICT_JSON_H
#define SCRIBBLE_RUNTIME_STRICT_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"

typedef enum strict_json_nul {
    STRICT_JSON_REFUSE_NUL, /* a \u0000 escape is an error: the reader keeps C strings */
    STRICT_JSON_ALLOW_NUL,  /* allowed: the reader decodes strings with strict_json_string */
} strict_json_nul;

/* 0 when text[0..len) is one JSON value (RFC 8259: UTF-8, strings without
 * raw control characters or lone surrogates, numbers in JSON's grammar,
 * nesting at most max_depth arrays and objects) with only JSON white space
 * around it. Otherwise -1 with err's code "InvalidJson" and a message naming
 * the byte offset and what is wrong. */
int strict_json_check(const char *text, size_t len, int max_depth, strict_json_nul nul,
                      base_error *err);

/* For text that passed strict_json_check and is an object: how many of its
 * top-level members are called name (compared whole, escapes decoded), and
 * the first one's value as written (*value, *value_len; untouched when none). */
size_t strict_json_member(const char *text, size_t len, const char *name, const char **value,
                          size_t *value_len);

/* Appends the bytes a checked string literal (quotes included) stands for,
 * U+0000 included; false when token is not one. */
bool strict_json_string(const char *token, size_t len, base_buf *out);

/* Appends data[0..len) as a JSON string literal: quotes, \" \\ and control
 * characters (NUL included) escaped, other bytes as they are. For bytes cJSON
 * cannot hold (it ends strings at NUL); the result goes in with
 * cJSON_AddRawToObject. */
void strict_json_quote(const char *data, size_t len, base_buf *out);

/* True when data[0..len) is UTF-8 (no overlong forms, surrogates or code
 * points past U+10FFFF). */
bool strict_json_utf8(const char *data, size_t len);

#endif

/*
 * cursor.h - bounds-checked read cursors over bytes we do not own.
 *
 * Everything read from the network or a file is read through a base_cursor,
 * which never reads past its end.
 */
#ifndef SCRIBBLE_BASE_CURSOR_H
#define SCRIBBLE_BASE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>

typedef struct base_cursor {
    const char *ptr;
    size_t len;
} base_cursor;

base_cursor base_cursor_from(const char *s);
base_cursor base_cursor_of(const void *data, size_t len);
bool base_cursor_eq_str(base_cursor c, const char *s);
bool base_cursor_eq_str_ignore_case(base_cursor c, const char *s);
/* Splits off everything before the first `sep` into *token and advances past sep.
 * Without sep, takes the whole rest. Returns false when c is already empty. */
bool base_cursor_next_token(base_cursor *c, char sep, base_cursor *token);
base_cursor base_cursor_trim(base_cursor c);
/* A NUL-terminated copy (base_xmalloc: aborts when memory runs out). */
char *base_cursor_dup(base_cursor c);

#endif

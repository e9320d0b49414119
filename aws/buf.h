/*
 * buf.h - growable byte buffers, bounds-checked read cursors, small helpers.
 *
 * Allocation failure aborts (as git's xmalloc does): a CLI or a Lambda
 * handler cannot do anything useful without memory, and checking every
 * append would bury the logic. Everything read from the network is read
 * through an aws_cursor, which never reads past its end.
 */
#ifndef SCRIBBLE_AWS_BUF_H
#define SCRIBBLE_AWS_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct aws_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
} aws_buf;

void *aws_xmalloc(size_t size);
void *aws_xcalloc(size_t count, size_t size);
void *aws_xrealloc(void *ptr, size_t size);
char *aws_xstrdup(const char *s);
char *aws_xstrndup(const char *s, size_t n);

void aws_buf_append(aws_buf *b, const void *data, size_t len);
void aws_buf_append_str(aws_buf *b, const char *s);
void aws_buf_append_char(aws_buf *b, char c);
void aws_buf_printf(aws_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "" for an empty buffer, never NULL. */
const char *aws_buf_str(const aws_buf *b);
void aws_buf_reset(aws_buf *b);
void aws_buf_free(aws_buf *b);
/* Frees a secret (a key, a token) after overwriting it. */
void aws_free_secret(char *s);
void aws_buf_free_secret(aws_buf *b);
/* Hands over the data (caller frees) and leaves b empty. */
char *aws_buf_detach(aws_buf *b);

typedef struct aws_cursor {
    const char *ptr;
    size_t len;
} aws_cursor;

aws_cursor aws_cursor_from(const char *s);
aws_cursor aws_cursor_of(const void *data, size_t len);
bool aws_cursor_eq_str(aws_cursor c, const char *s);
bool aws_cursor_eq_str_ignore_case(aws_cursor c, const char *s);
/* Splits off everything before the first `sep` into *token and advances past sep.
 * Without sep, takes the whole rest. Returns false when c is already empty. */
bool aws_cursor_next_token(aws_cursor *c, char sep, aws_cursor *token);
aws_cursor aws_cursor_trim(aws_cursor c);
char *aws_cursor_dup(aws_cursor c);

#endif

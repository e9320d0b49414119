/*
 * buf.h - growable byte buffers and the allocation helpers under them.
 *
 * Allocation failure aborts (as git's xmalloc does): a CLI or a Lambda
 * handler cannot do anything useful without memory, and checking every
 * append would bury the logic. Reading is the cursor's (cursor.h).
 */
#ifndef SCRIBBLE_BASE_BUF_H
#define SCRIBBLE_BASE_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct base_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
} base_buf;

void *base_xmalloc(size_t size);
void *base_xcalloc(size_t count, size_t size);
void *base_xrealloc(void *ptr, size_t size);
char *base_xstrdup(const char *s);
char *base_xstrndup(const char *s, size_t n);

void base_buf_append(base_buf *b, const void *data, size_t len);
void base_buf_append_str(base_buf *b, const char *s);
void base_buf_append_char(base_buf *b, char c);
void base_buf_printf(base_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "" for an empty buffer, never NULL. */
const char *base_buf_str(const base_buf *b);
void base_buf_reset(base_buf *b);
void base_buf_free(base_buf *b);
/* Frees a secret (a key, a token) after overwriting it. */
void base_free_secret(char *s);
void base_buf_free_secret(base_buf *b);
/* Hands over the data (caller frees) and leaves b empty. */
char *base_buf_detach(base_buf *b);

#endif

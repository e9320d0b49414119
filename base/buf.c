/*
 * buf.c - growable buffers. See buf.h for the allocation policy.
 */
#include "buf.h"
#include "fatal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void out_of_memory(size_t size)
{
    base_fatal("out of memory allocating %zu bytes", size);
}

void *base_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *base_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *base_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

char *base_xstrdup(const char *s)
{
    return base_xstrndup(s, strlen(s));
}

char *base_xstrndup(const char *s, size_t n)
{
    char *p = base_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void reserve(base_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = base_xrealloc(b->data, cap);
    b->cap = cap;
}

void base_buf_append(base_buf *b, const void *data, size_t len)
{
    reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void base_buf_append_str(base_buf *b, const char *s)
{
    base_buf_append(b, s, strlen(s));
}

void base_buf_append_char(base_buf *b, char c)
{
    base_buf_append(b, &c, 1);
}

void base_buf_printf(base_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *base_buf_str(const base_buf *b)
{
    return b->data ? b->data : "";
}

void base_buf_reset(base_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void base_buf_free(base_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void base_free_secret(char *s)
{
    if (s)
        explicit_bzero(s, strlen(s));
    free(s);
}

void base_buf_free_secret(base_buf *b)
{
    if (b->data)
        explicit_bzero(b->data, b->cap);
    base_buf_free(b);
}

char *base_buf_detach(base_buf *b)
{
    char *d = b->data ? b->data : base_xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

/*
 * buf.c - growable buffers and cursors. See buf.h for the allocation policy.
 */
#include "buf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void out_of_memory(size_t size)
{
    fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", size);
    abort();
}

void *aws_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *aws_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *aws_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

char *aws_xstrdup(const char *s)
{
    return aws_xstrndup(s, strlen(s));
}

char *aws_xstrndup(const char *s, size_t n)
{
    char *p = aws_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void reserve(aws_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = aws_xrealloc(b->data, cap);
    b->cap = cap;
}

void aws_buf_append(aws_buf *b, const void *data, size_t len)
{
    reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void aws_buf_append_str(aws_buf *b, const char *s)
{
    aws_buf_append(b, s, strlen(s));
}

void aws_buf_append_char(aws_buf *b, char c)
{
    aws_buf_append(b, &c, 1);
}

void aws_buf_printf(aws_buf *b, const char *fmt, ...)
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

const char *aws_buf_str(const aws_buf *b)
{
    return b->data ? b->data : "";
}

void aws_buf_reset(aws_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void aws_buf_free(aws_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void aws_free_secret(char *s)
{
    if (s)
        explicit_bzero(s, strlen(s));
    free(s);
}

void aws_buf_free_secret(aws_buf *b)
{
    if (b->data)
        explicit_bzero(b->data, b->cap);
    aws_buf_free(b);
}

char *aws_buf_detach(aws_buf *b)
{
    char *d = b->data ? b->data : aws_xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

aws_cursor aws_cursor_from(const char *s)
{
    return (aws_cursor){s, s ? strlen(s) : 0};
}

aws_cursor aws_cursor_of(const void *data, size_t len)
{
    return (aws_cursor){data, len};
}

bool aws_cursor_eq_str(aws_cursor c, const char *s)
{
    return strlen(s) == c.len && memcmp(c.ptr, s, c.len) == 0;
}

bool aws_cursor_eq_str_ignore_case(aws_cursor c, const char *s)
{
    return strlen(s) == c.len && strncasecmp(c.ptr, s, c.len) == 0;
}

bool aws_cursor_next_token(aws_cursor *c, char sep, aws_cursor *token)
{
    if (!c->ptr || c->len == 0)
        return false;
    const char *hit = memchr(c->ptr, sep, c->len);
    size_t n = hit ? (size_t)(hit - c->ptr) : c->len;
    *token = (aws_cursor){c->ptr, n};
    size_t skip = hit ? n + 1 : n;
    c->ptr += skip;
    c->len -= skip;
    return true;
}

aws_cursor aws_cursor_trim(aws_cursor c)
{
    while (c.len && isspace((unsigned char)c.ptr[0])) {
        c.ptr++;
        c.len--;
    }
    while (c.len && isspace((unsigned char)c.ptr[c.len - 1]))
        c.len--;
    return c;
}

char *aws_cursor_dup(aws_cursor c)
{
    return aws_xstrndup(c.ptr ? c.ptr : "", c.len);
}

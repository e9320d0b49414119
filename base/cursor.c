/*
 * cursor.c - bounds-checked read cursors.
 */
#include "cursor.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

base_cursor base_cursor_from(const char *s)
{
    return (base_cursor){s, s ? strlen(s) : 0};
}

base_cursor base_cursor_of(const void *data, size_t len)
{
    return (base_cursor){data, len};
}

bool base_cursor_eq_str(base_cursor c, const char *s)
{
    return strlen(s) == c.len && memcmp(c.ptr, s, c.len) == 0;
}

bool base_cursor_eq_str_ignore_case(base_cursor c, const char *s)
{
    return strlen(s) == c.len && strncasecmp(c.ptr, s, c.len) == 0;
}

bool base_cursor_next_token(base_cursor *c, char sep, base_cursor *token)
{
    if (!c->ptr || c->len == 0)
        return false;
    const char *hit = memchr(c->ptr, sep, c->len);
    size_t n = hit ? (size_t)(hit - c->ptr) : c->len;
    *token = (base_cursor){c->ptr, n};
    size_t skip = hit ? n + 1 : n;
    c->ptr += skip;
    c->len -= skip;
    return true;
}

base_cursor base_cursor_trim(base_cursor c)
{
    while (c.len && isspace((unsigned char)c.ptr[0])) {
        c.ptr++;
        c.len--;
    }
    while (c.len && isspace((unsigned char)c.ptr[c.len - 1]))
        c.len--;
    return c;
}

char *base_cursor_dup(base_cursor c)
{
    return base_xstrndup(c.ptr ? c.ptr : "", c.len);
}

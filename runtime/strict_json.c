/*
 * strict_json.c - RFC 8259 checked with a bounded cursor (strict_json.h).
 *
 * Every read goes through the cursor, which never moves past its end; each
 * scan_* function consumes one piece of grammar or fails naming the byte.
 * Nothing is allocated while checking. strict_json_member and
 * strict_json_string reuse the same scanners on text already checked, so
 * they cannot disagree with the check about where a value ends.
 */
#include "runtime/strict_json.h"

#include <string.h>

typedef struct cursor {
    const unsigned char *start, *p, *end;
    int depth, max_depth;
    strict_json_nul nul;
    base_error *err;
} cursor;

static int fail(cursor *c, const char *what)
{
    return base_error_set(c->err, BASE_ERROR_INVALID, "InvalidJson", "the message is not JSON: %s at byte %zu",
                         what, (size_t)(c->p - c->start));
}

static bool at_end(const cursor *c)
{
    return c->p >= c->end;
}

static void skip_space(cursor *c)
{
    while (!at_end(c) && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int expect(cursor *c, char wanted, const char *what)
{
    if (at_end(c) || *c->p != (unsigned char)wanted)
        return fail(c, what);
    c->p++;
    return 0;
}

static int hex_digit(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* The four hex digits after \u; the cursor is on the first. */
static int scan_hex4(cursor *c, unsigned *out)
{
    if (c->end - c->p < 4)
        return fail(c, "a \\u escape is cut short");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(c->p[i]);
        if (d < 0)
            return fail(c, "a \\u escape has a character that is not hex");
        v = v * 16 + (unsigned)d;
    }
    c->p += 4;
    *out = v;
    return 0;
}

/* One escape; the cursor is on the backslash. *code: the code point. */
static int scan_escape(cursor *c, unsigned *code)
{
    c->p++;
    if (at_end(c))
        return fail(c, "a string ends inside an escape");
    static const char simple[] = "\"\\/bfnrt";
    static const char meaning[] = "\"\\/\b\f\n\r\t";
    const char *which = *c->p ? strchr(simple, *c->p) : NULL;
    if (which) {
        *code = (unsigned char)meaning[which - simple];
        c->p++;
        return 0;
    }
    if (*c->p != 'u')
        return fail(c, "a string has an unknown escape");
    c->p++;
    unsigned first;
    TRY(scan_hex4(c, &first));
    if (first >= 0xDC00 && first <= 0xDFFF)
        return fail(c, "a string has a lone low surrogate");
    if (first >= 0xD800 && first <= 0xDBFF) {
        unsigned second;
        if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
            return fail(c, "a string has a lone high surrogate");
        c->p += 2;
        TRY(scan_hex4(c, &second));
        if (second < 0xDC00 || second > 0xDFFF)
            return fail(c, "a string has a lone high surrogate");
        first = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
    }
    if (first == 0 && c->nul == STRICT_JSON_REFUSE_NUL)
        return fail(c, "a string holds U+0000 (NUL)");
    *code = first;
    return 0;
}

/* One UTF-8 sequence of two or more bytes; the cursor is on its lead byte. */
static bool scan_utf8(const unsigned char **p, const unsigned char *end)
{
    const unsigned char *s = *p;
    unsigned char lead = s[0];
    int more;
    unsigned char low = 0x80, high = 0xBF; /* the second byte's range */
    if (lead >= 0xC2 && lead <= 0xDF)
        more = 1;
    else if (lead >= 0xE0 && lead <= 0xEF) {
        more = 2;
        if (lead == 0xE0)
            low = 0xA0; /* not overlong */
        if (lead == 0xED)
            high = 0x9F; /* not a surrogate */
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        more = 3;
        if (lead == 0xF0)
            low = 0x90;
        if (lead == 0xF4)
            high = 0x8F; /* not past U+10FFFF */
    } else {
        return false;
    }
    if (end - s <= more)
        return false;
    if (s[1] < low || s[1] > high)
        return false;
    for (int i = 2; i <= more; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return false;
    *p = s + 1 + more;
    return true;
}

static int scan_string(cursor *c)
{
    TRY(expect(c, '"', "a string was expected"));
    for (;;) {
        if (at_end(c))
            return fail(c, "a string is not closed");
        unsigned char ch = *c->p;
        if (ch == '"') {
            c->p++;
            return 0;
        }
        if (ch == '\\') {
            unsigned code;
            TRY(scan_escape(c, &code));
        } else if (ch == 0) {
            return fail(c, "a string holds a raw NUL byte");
        } else if (ch < 0x20) {
            return fail(c, "a string holds a raw control character");
        } else if (ch < 0x80) {
            c->p++;
        } else if (!scan_utf8(&c->p, c->end)) {
            return fail(c, "a string is not UTF-8");
        }
    }
}

static bool is_digit(const cursor *c)
{
    return !at_end(c) && *c->p >= '0' && *c->p <= '9';
}

static int scan_digits(cursor *c, const char *what)
{
    if (!is_digit(c))
        return fail(c, what);
    while (is_digit(c))
        c->p++;
    return 0;
}

static int scan_number(cursor *c)
{
    if (*c->p == '-')
        c->p++;
    if (!at_end(c) && *c->p == '0')
        c->p++;
    else
        TRY(scan_digits(c, "a number has no digits"));
    if (!at_end(c) && *c->p == '.') {
        c->p++;
        TRY(scan_digits(c, "a number has no digits after its point"));
    }
    if (!at_end(c) && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (!at_end(c) && (*c->p == '+' || *c->p == '-'))
            c->p++;
        TRY(scan_digits(c, "a number has no digits in its exponent"));
    }
    return 0;
}

static int scan_literal(cursor *c, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
        return fail(c, "an unexpected character");
    c->p += n;
    return 0;
}

static int scan_value(cursor *c);

static int enter(cursor *c)
{
    if (c->depth >= c->max_depth) {
        base_error_set(c->err, BASE_ERROR_INVALID, "InvalidJson",
                      "the message is not JSON we read: arrays and objects nest more than %d "
                      "deep at byte %zu",
                      c->max_depth, (size_t)(c->p - c->start));
        return -1;
    }
    c->depth++;
    c->p++;
    skip_space(c);
    return 0;
}

static int scan_object(cursor *c)
{
    TRY(enter(c));
    if (!at_end(c) && *c->p == '}') {
        c->p++;
        c->depth--;
        return 0;
    }
    for (;;) {
        skip_space(c);
        TRY(scan_string(c));
        skip_space(c);
        TRY(expect(c, ':', "a ':' was expected after a member's name"));
        TRY(scan_value(c));
        skip_space(c);
        if (!at_end(c) && *c->p == ',') {
            c->p++;
            continue;
        }
        TRY(expect(c, '}', "a ',' or '}' was expected in an object"));
        c->depth--;
        return 0;
    }
}

static int scan_array(cursor *c)
{
    TRY(enter(c));
    if (!at_end(c) && *c->p == ']') {
        c->p++;
        c->depth--;
        return 0;
    }
    for (;;) {
        TRY(scan_value(c));
        skip_space(c);
        if (!at_end(c) && *c->p == ',') {
            c->p++;
            continue;
        }
        TRY(expect(c, ']', "a ',' or ']' was expected in an array"));
        c->depth--;
        return 0;
    }
}

/* One value and the white space before it. */
static int scan_value(cursor *c)
{
    skip_space(c);
    if (at_end(c))
        return fail(c, "the text ends where a value was expected");
    switch (*c->p) {
    case '{':
        return scan_object(c);
    case '[':
        return scan_array(c);
    case '"':
        return scan_string(c);
    case 't':
        return scan_literal(c, "true");
    case 'f':
        return scan_literal(c, "false");
    case 'n':
        return scan_literal(c, "null");
    default:
        if (*c->p == '-' || (*c->p >= '0' && *c->p <= '9'))
            return scan_number(c);
        return fail(c, *c->p == 0 ? "a NUL byte" : "an unexpected character");
    }
}

static cursor cursor_of(const char *text, size_t len, int max_depth, strict_json_nul nul,
                        base_error *err)
{
    const unsigned char *start = (const unsigned char *)(text ? text : "");
    return (cursor){.start = start, .p = start, .end = start + (text ? len : 0),
                    .max_depth = max_depth, .nul = nul, .err = err};
}

int strict_json_check(const char *text, size_t len, int max_depth, strict_json_nul nul,
                      base_error *err)
{
    cursor c = cursor_of(text, len, max_depth, nul, err);
    TRY(scan_value(&c));
    skip_space(&c);
    if (!at_end(&c))
        return fail(&c, *c.p == 0 ? "a NUL byte follows the JSON value" : "text follows the JSON value");
    return 0;
}

bool strict_json_string(const char *token, size_t len, base_buf *out)
{
    base_error ignored = {0};
    cursor c = cursor_of(token, len, 0, STRICT_JSON_ALLOW_NUL, &ignored);
    if (expect(&c, '"', "") != 0)
        return false;
    for (;;) {
        if (at_end(&c))
            return false;
        const unsigned char *from = c.p;
        if (*c.p == '"')
            return c.p + 1 == c.end;
        if (*c.p != '\\') {
            if (*c.p < 0x20 || (*c.p >= 0x80 && !scan_utf8(&c.p, c.end)))
                return false;
            if (c.p == from)
                c.p++;
            base_buf_append(out, from, (size_t)(c.p - from));
            continue;
        }
        unsigned code;
        if (scan_escape(&c, &code) != 0)
            return false;
        char utf8[4];
        size_t n;
        if (code < 0x80) {
            utf8[0] = (char)code;
            n = 1;
        } else if (code < 0x800) {
            utf8[0] = (char)(0xC0 | (code >> 6));
            utf8[1] = (char)(0x80 | (code & 0x3F));
            n = 2;
        } else if (code < 0x10000) {
            utf8[0] = (char)(0xE0 | (code >> 12));
            utf8[1] = (char)(0x80 | ((code >> 6) & 0x3F));
            utf8[2] = (char)(0x80 | (code & 0x3F));
            n = 3;
        } else {
            utf8[0] = (char)(0xF0 | (code >> 18));
            utf8[1] = (char)(0x80 | ((code >> 12) & 0x3F));
            utf8[2] = (char)(0x80 | ((code >> 6) & 0x3F));
            utf8[3] = (char)(0x80 | (code & 0x3F));
            n = 4;
        }
        base_buf_append(out, utf8, n);
    }
}

size_t strict_json_member(const char *text, size_t len, const char *name, const char **value,
                          size_t *value_len)
{
    base_error ignored = {0};
    /* Depth is bounded by the check text already passed; any limit will do. */
    cursor c = cursor_of(text, len, 1 << 20, STRICT_JSON_ALLOW_NUL, &ignored);
    size_t found = 0, name_len = strlen(name);
    base_buf key = {0};
    skip_space(&c);
    if (expect(&c, '{', "") != 0)
        return 0;
    skip_space(&c);
    while (!at_end(&c) && *c.p != '}') {
        skip_space(&c);
        const unsigned char *key_start = c.p;
        if (scan_string(&c) != 0)
            break;
        base_buf_reset(&key);
        bool decoded = strict_json_string((const char *)key_start, (size_t)(c.p - key_start), &key);
        skip_space(&c);
        if (expect(&c, ':', "") != 0)
            break;
        skip_space(&c);
        const unsigned char *value_start = c.p;
        if (scan_value(&c) != 0)
            break;
        if (decoded && key.len == name_len && memcmp(base_buf_str(&key), name, name_len) == 0 &&
            found++ == 0) {
            *value = (const char *)value_start;
            *value_len = (size_t)(c.p - value_start);
        }
        skip_space(&c);
        if (at_end(&c) || *c.p != ',')
            break;
        c.p++;
    }
    base_buf_free(&key);
    return found;
}

void strict_json_quote(const char *data, size_t len, base_buf *out)
{
    static const char hex[] = "0123456789abcdef";
    base_buf_append_char(out, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)data[i];
        if (ch == '"' || ch == '\\') {
            base_buf_append_char(out, '\\');
            base_buf_append_char(out, (char)ch);
        } else if (ch < 0x20) {
            char escape[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 0xF]};
            base_buf_append(out, escape, sizeof escape);
        } else {
            base_buf_append_char(out, (char)ch);
        }
    }
    base_buf_append_char(out, '"');
}

bool strict_json_utf8(const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data, *end = p + len;
    while (p < end) {
        if (*p < 0x80)
            p++;
        else if (!scan_utf8(&p, end))
            return false;
    }
    return true;
}

/*
 * local_request_head.c - the check of a request head before libwebsockets
 * parses it (local_request_head.h).
 *
 * Only whole lines are judged, in order, and a size limit is judged the same
 * whether the line that crosses it has ended or not, so a verdict given on
 * a prefix of the head is the verdict on the whole head.
 */
#include "local/local_request_head.h"

#include <string.h>
#include <strings.h>

#define VERSION_LINE 10 /* "HTTP/1.1\r\n" */

static local_head_verdict incomplete(void)
{
    return (local_head_verdict){.result = LOCAL_HEAD_INCOMPLETE};
}

static local_head_verdict refuse(int status, const char *reason)
{
    return (local_head_verdict){.result = LOCAL_HEAD_REFUSE, .status = status, .reason = reason};
}

const char *local_head_status_text(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    default: return "Error";
    }
}

/* RFC 9110's tchar. */
static bool is_token_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

const char *local_target_escapes_error(const char *target, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (target[i] != '%')
            continue;
        if (len - i < 3 || !is_hex(target[i + 1]) || !is_hex(target[i + 2]))
            return "the request target has a '%' not followed by two hex digits";
        if (target[i + 1] == '0' && target[i + 2] == '0')
            return "the request target has %00, which would decode to NUL";
        i += 2;
    }
    return NULL;
}

static int base64_index(char c)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(alphabet, c) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

bool local_websocket_key_valid(const char *value, size_t len)
{
    /* 16 bytes are 22 base64 digits, the last carrying 2 bits, then "==". */
    if (len != 24 || value[22] != '=' || value[23] != '=')
        return false;
    for (size_t i = 0; i < 22; i++)
        if (base64_index(value[i]) < 0)
            return false;
    return (base64_index(value[21]) & 0x0f) == 0;
}

static local_head_verdict check_target(const char *target, size_t len)
{
    if (len == 0)
        return refuse(400, "the request line has no request target");
    size_t parts = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)target[i];
        if (c <= ' ' || c >= 0x7f)
            return refuse(400, "the request target holds a byte that is not printable ASCII; "
                               "%-encode it");
        parts += c == '&' || c == ';';
    }
    const char *escapes = local_target_escapes_error(target, len);
    if (escapes)
        return refuse(400, escapes);
    if (parts > LOCAL_MAX_URI_PARTS)
        return refuse(414, "the request target has more than 32 parts separated by '&' or ';'");
    return (local_head_verdict){.result = LOCAL_HEAD_PASS};
}

/* The request line: *end is set past its line break when it is whole. */
static local_head_verdict check_request_line(const char *data, size_t len, size_t *end)
{
    size_t method = 0;
    while (method < len && method <= LOCAL_MAX_METHOD && is_token_char((unsigned char)data[method]))
        method++;
    if (method == len && method <= LOCAL_MAX_METHOD)
        return incomplete();
    if (method == 0 || method > LOCAL_MAX_METHOD || data[method] != ' ')
        return refuse(400, "the request does not start with a method and a space");

    size_t start = method + 1, stop = start;
    while (stop < len && stop - start <= LOCAL_MAX_TARGET && data[stop] != ' ' &&
           data[stop] != '\r' && data[stop] != '\n')
        stop++;
    if (stop - start > LOCAL_MAX_TARGET)
        return refuse(414, "the request target is longer than 8192 bytes");
    if (stop == len)
        return incomplete();
    if (data[stop] != ' ')
        return refuse(400, "the request line has no HTTP version");
    local_head_verdict target = check_target(data + start, stop - start);
    if (target.result != LOCAL_HEAD_PASS)
        return target;

    size_t version = stop + 1, eol = version;
    while (eol < len && eol - version < VERSION_LINE && data[eol] != '\n')
        eol++;
    if (eol == len && eol - version < VERSION_LINE)
        return incomplete();
    size_t version_len = eol - version;
    if (version_len && data[eol - 1] == '\r')
        version_len--;
    if (eol == len || data[eol] != '\n' || version_len != 8 ||
        (memcmp(data + version, "HTTP/1.1", 8) != 0 && memcmp(data + version, "HTTP/1.0", 8) != 0))
        return refuse(400, "the request line does not end with HTTP/1.0 or HTTP/1.1");
    *end = eol + 1;
    return (local_head_verdict){.result = LOCAL_HEAD_PASS};
}

static bool name_is(const char *name, size_t len, const char *wanted)
{
    return len == strlen(wanted) && strncasecmp(name, wanted, len) == 0;
}

/* Whether a comma-separated header value lists the token (any case). */
static bool lists_token(const char *value, size_t len, const char *token)
{
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && value[i] != ',')
            i++;
        size_t stop = i++;
        while (start < stop && (value[start] == ' ' || value[start] == '\t'))
            start++;
        while (stop > start && (value[stop - 1] == ' ' || value[stop - 1] == '\t'))
            stop--;
        if (name_is(value + start, stop - start, token))
            return true;
    }
    return false;
}

/* What the header lines say that the verdict depends on. */
typedef struct head_fields {
    size_t count;
    bool websocket;   /* an Upgrade header lists websocket */
    size_t keys;      /* Sec-WebSocket-Key lines */
    const char *key;  /* the last one's value, trimmed */
    size_t key_len;
} head_fields;

/* One whole header line, without its line break. */
static local_head_verdict check_field(const char *line, size_t len, head_fields *f)
{
    if (++f->count > LOCAL_MAX_HEADER_FIELDS)
        return refuse(431, "the request has more than 64 header fields");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < ' ' && c != '\t') || c == 0x7f)
            return refuse(400, "a header field holds a control character");
    }
    size_t name = 0;
    while (name < len && is_token_char((unsigned char)line[name]))
        name++;
    if (name == 0 || name == len || line[name] != ':')
        return refuse(400, "a header line is not \"Name: value\"");
    const char *value = line + name + 1;
    size_t value_len = len - name - 1;
    while (value_len && (*value == ' ' || *value == '\t'))
        value++, value_len--;
    while (value_len && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
        value_len--;
    if (name_is(line, name, "upgrade") && lists_token(value, value_len, "websocket"))
        f->websocket = true;
    if (name_is(line, name, "sec-websocket-key")) {
        f->keys++;
        f->key = value;
        f->key_len = value_len;
    }
    return (local_head_verdict){.result = LOCAL_HEAD_PASS};
}

local_head_verdict local_head_check(const char *data, size_t len)
{
    size_t fields_start = 0;
    local_head_verdict line = check_request_line(data, len, &fields_start);
    if (line.result != LOCAL_HEAD_PASS)
        return line;

    head_fields f = {0};
    size_t pos = fields_start;
    for (;;) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t line_end = nl ? (size_t)(nl - data) + 1 : len;
        if (line_end - fields_start > LOCAL_MAX_HEADERS)
            return refuse(431, "the request's header fields are longer than 16384 bytes");
        if (!nl)
            return incomplete();
        size_t line_len = (size_t)(nl - (data + pos));
        if (line_len && data[pos + line_len - 1] == '\r')
            line_len--;
        if (line_len == 0) {
            pos = line_end;
            break;
        }
        if (data[pos] == ' ' || data[pos] == '\t')
            return refuse(400, "a header field is folded over lines (obs-fold)");
        local_head_verdict field = check_field(data + pos, line_len, &f);
        if (field.result != LOCAL_HEAD_PASS)
            return field;
        pos = line_end;
    }
    if (f.websocket && (f.keys != 1 || !local_websocket_key_valid(f.key, f.key_len)))
        return refuse(400, "Sec-WebSocket-Key must be given once, as the base64 encoding of "
                           "16 bytes (RFC 6455, 4.2.1)");
    return (local_head_verdict){.result = LOCAL_HEAD_PASS, .length = pos};
}

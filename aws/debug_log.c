/*
 * debug_log.c - redacted rendering of HTTP exchanges for --debug.
 *
 * Headers: Authorization keeps its algorithm, credential scope and signed
 * header list but loses the signature (and the key id's tail); token headers
 * lose their value. Bodies: the value of any JSON member, XML element or
 * form parameter whose name mentions a secret, token, password or
 * credential-bearing key is replaced, whatever the service.
 */
#include "debug_log.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define REDACTED "<redacted>"
#define BODY_LIMIT 4096

static const char *const secret_words[] = {"secret", "token", "password", "signature", "authorization"};

static int mentions_secret(const char *name, size_t len)
{
    for (size_t w = 0; w < sizeof secret_words / sizeof secret_words[0]; w++) {
        size_t wl = strlen(secret_words[w]);
        for (size_t i = 0; i + wl <= len; i++)
            if (strncasecmp(name + i, secret_words[w], wl) == 0)
                return 1;
    }
    return 0;
}

/* The length of the run at s of characters from set (a credential scope, a
 * signed-header list): nothing else of an Authorization value is shown, so
 * no separator a fuzzer leaves out can carry the signature along (found by
 * fuzzing: "SignedHeaders=host\nSignature=..." once showed it). */
static size_t run_of(const char *s, const char *set)
{
    size_t n = 0;
    while (s[n] && (isalnum((unsigned char)s[n]) || strchr(set, s[n])))
        n++;
    return n;
}

void aws_redact_header(base_buf *out, const char *name, const char *value)
{
    if (strcasecmp(name, "Authorization") == 0 && strncmp(value, "AWS4-HMAC-SHA256 ", 17) == 0) {
        const char *credential = strstr(value, "Credential=");
        const char *signed_headers = strstr(value, "SignedHeaders=");
        base_buf_append_str(out, "AWS4-HMAC-SHA256 Credential=");
        if (credential) {
            credential += strlen("Credential=");
            size_t key_len = strcspn(credential, "/");
            size_t shown = key_len > 4 ? 4 : key_len;
            base_buf_append(out, credential, run_of(credential, "") < shown ? 0 : shown);
            base_buf_append_str(out, "****");
            const char *scope = credential + key_len;
            base_buf_append(out, scope, *scope == '/' ? run_of(scope, "/_-") : 0);
        }
        if (signed_headers) {
            signed_headers += strlen("SignedHeaders=");
            base_buf_append_str(out, ", SignedHeaders=");
            base_buf_append(out, signed_headers, run_of(signed_headers, ";-"));
        }
        base_buf_append_str(out, ", Signature=" REDACTED);
    } else if (mentions_secret(name, strlen(name))) {
        base_buf_append_str(out, REDACTED);
    } else {
        base_buf_append_str(out, value);
    }
}

/* Length of a name-like run (letters, digits, '_', '-', '.', ':') ending just before end. */
static size_t name_before(const char *start, const char *end)
{
    size_t n = 0;
    while (end - n > start) {
        char c = end[-(long)n - 1];
        if (!(isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == ':'))
            break;
        n++;
    }
    return n;
}

/* JSON: "name" : "value"  -> redacts value when name mentions a secret. */
static size_t redact_json_value(base_buf *out, const char *body, size_t len, size_t i)
{
    /* body[i] is ':'; look back over spaces for a closing quote and the name. */
    size_t j = i;
    while (j > 0 && isspace((unsigned char)body[j - 1]))
        j--;
    if (j == 0 || body[j - 1] != '"')
        return 0;
    size_t name_len = name_before(body, body + j - 1);
    if (!mentions_secret(body + j - 1 - name_len, name_len))
        return 0;
    size_t k = i + 1;
    while (k < len && isspace((unsigned char)body[k]))
        k++;
    if (k >= len || body[k] != '"')
        return 0;
    size_t e = k + 1;
    while (e < len && body[e] != '"')
        e += body[e] == '\\' ? 2 : 1;
    base_buf_append(out, body + i, k + 1 - i);
    base_buf_append_str(out, REDACTED);
    return (e < len ? e : len) - i;
}

/* The element name of the start tag whose '>' is body[i]: "<Name attr=\"x\">" is
 * Name, attributes and spaces skipped (found by fuzzing: an xmlns once hid
 * the name and left the value shown). */
static size_t xml_tag_name(const char *body, size_t i, const char **name)
{
    size_t open = i;
    while (open > 0 && body[open - 1] != '<' && body[open - 1] != '>')
        open--;
    if (open == 0 || body[open - 1] != '<')
        return 0;
    size_t n = 0;
    while (open + n < i && !isspace((unsigned char)body[open + n]) && body[open + n] != '/')
        n++;
    *name = body + open;
    return n;
}

/* XML: <Name ...>value</  or form: name=value& -> redacts value when name mentions a secret. */
static size_t redact_delimited_value(base_buf *out, const char *body, size_t len, size_t i,
                                     char stop)
{
    const char *name = NULL;
    size_t name_len = stop == '<' ? xml_tag_name(body, i, &name) : 0;
    if (!name) {
        name_len = name_before(body, body + i);
        name = body + i - name_len;
    }
    if (!mentions_secret(name, name_len))
        return 0;
    size_t e = i + 1;
    while (e < len && body[e] != stop)
        e++;
    base_buf_append_char(out, body[i]);
    base_buf_append_str(out, REDACTED);
    return e - i;
}

void aws_redact_body(base_buf *out, const char *body, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t skip = 0;
        if (body[i] == ':')
            skip = redact_json_value(out, body, len, i);
        else if (body[i] == '>' && i > 0 && body[i - 1] != '/')
            skip = redact_delimited_value(out, body, len, i, '<');
        else if (body[i] == '=')
            skip = redact_delimited_value(out, body, len, i, '&');
        if (skip) {
            i += skip;
        } else {
            base_buf_append_char(out, body[i]);
            i++;
        }
    }
}

void aws_debug_log_line(aws_log_fn log, void *ctx, const char *fmt, ...)
{
    if (!log)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log(ctx, line);
}

static void log_headers(aws_log_fn log, void *ctx, const char *prefix, const aws_headers *h)
{
    base_buf line = {0};
    for (size_t i = 0; i < h->count; i++) {
        base_buf_reset(&line);
        base_buf_printf(&line, "%s%s: ", prefix, h->items[i].name);
        aws_redact_header(&line, h->items[i].name, h->items[i].value);
        log(ctx, base_buf_str(&line));
    }
    base_buf_free(&line);
}

static void log_body(aws_log_fn log, void *ctx, const char *prefix, const base_buf *body)
{
    if (!body->len)
        return;
    size_t shown = body->len > BODY_LIMIT ? BODY_LIMIT : body->len;
    base_buf redacted = {0};
    aws_redact_body(&redacted, body->data, shown);
    base_buf line = {0};
    base_buf_printf(&line, "%s", prefix);
    for (size_t i = 0; i < redacted.len; i++) {
        unsigned char c = (unsigned char)redacted.data[i];
        base_buf_append_char(&line, (char)(c == '\n' || c == '\r' || (c < 32 && c != '\t') ? ' ' : c));
    }
    if (shown < body->len)
        base_buf_printf(&line, " ... (%zu bytes in all)", body->len);
    log(ctx, base_buf_str(&line));
    base_buf_free(&line);
    base_buf_free(&redacted);
}

void aws_debug_log_request(aws_log_fn log, void *ctx, const aws_http_request *req)
{
    if (!log)
        return;
    base_buf query = {0};
    aws_redact_body(&query, base_buf_str(&req->query), req->query.len);
    aws_debug_log_line(log, ctx, ">> %s %s%s%s%s", req->method, req->endpoint,
                       base_buf_str(&req->path), query.len ? "?" : "", base_buf_str(&query));
    base_buf_free(&query);
    log_headers(log, ctx, ">> ", &req->headers);
    log_body(log, ctx, ">> ", &req->body);
}

void aws_debug_log_response(aws_log_fn log, void *ctx, const aws_http_response *resp,
                            bool secret_body)
{
    if (!log)
        return;
    aws_debug_log_line(log, ctx, "<< HTTP %ld", resp->status);
    log_headers(log, ctx, "<< ", &resp->headers);
    if (secret_body)
        aws_debug_log_line(log, ctx, "<< " REDACTED " (%zu bytes)", resp->body.len);
    else
        log_body(log, ctx, "<< ", &resp->body);
}

/*
 * local_signature.c - the local AWS endpoint's SigV4 check
 * (local_signature.h).
 *
 * Everything read from the request goes through bounded cursors over the
 * head and the Authorization value; nothing is copied before it is judged
 * well formed. The checks come in the order AWS makes them, so a request
 * wrong in two ways is refused for the same one as there: no signature,
 * a malformed one, an unknown key, a stale date, the scope, the body's
 * hash, and last the signature itself, compared in constant time. The
 * expected signature is never put into a message: it would let a caller
 * without the secret sign whatever it sends next.
 */
#include "base/cursor.h"
#include "local/local_signature.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "aws/http.h"
#include "aws/sigv4.h"

#define SCOPE_TERMINATOR "aws4_request"
#define KEY_ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define SCOPE_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-"
#define HEADER_NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-_.!#$%&'*+^`|~"
#define HEX_CHARS "0123456789abcdef"
#define DIGITS "0123456789"
#define UNSIGNED_PAYLOADS {"UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}

/* ---- the Authorization header ---- */

static bool only(base_cursor c, const char *allowed)
{
    for (size_t i = 0; i < c.len; i++)
        if (!c.ptr[i] || !strchr(allowed, c.ptr[i]))
            return false;
    return true;
}

static bool take_prefix(base_cursor *c, const char *prefix)
{
    size_t n = strlen(prefix);
    if (c->len < n || memcmp(c->ptr, prefix, n) != 0)
        return false;
    c->ptr += n;
    c->len -= n;
    return true;
}

static const char *parse_credential(base_cursor value, local_authorization *out)
{
    base_cursor parts[5], extra;
    for (size_t i = 0; i < 5; i++)
        if (!base_cursor_next_token(&value, '/', &parts[i]))
            return "Credential has fewer than five parts: <key id>/<date>/<region>/<service>/aws4_request";
    if (base_cursor_next_token(&value, '/', &extra))
        return "Credential has more than five parts: <key id>/<date>/<region>/<service>/aws4_request";
    if (!parts[0].len || !only(parts[0], KEY_ID_CHARS))
        return "Credential's access key id is empty or not letters and digits";
    if (parts[1].len != 8 || !only(parts[1], DIGITS))
        return "Credential's date is not YYYYMMDD";
    if (!parts[2].len || !only(parts[2], SCOPE_CHARS) || !parts[3].len || !only(parts[3], SCOPE_CHARS))
        return "Credential's region or service is empty or not lowercase letters, digits and '-'";
    if (!base_cursor_eq_str(parts[4], SCOPE_TERMINATOR))
        return "Credential does not end in aws4_request";
    out->access_key_id = parts[0];
    out->date = parts[1];
    out->region = parts[2];
    out->service = parts[3];
    return NULL;
}

static const char *parse_signed_headers(base_cursor value)
{
    base_cursor name;
    if (!value.len)
        return "SignedHeaders is empty";
    while (base_cursor_next_token(&value, ';', &name))
        if (!name.len || !only(name, HEADER_NAME_CHARS))
            return "SignedHeaders holds a name that is empty or not a lowercase header name";
    return NULL;
}

static const char *parse_part(base_cursor part, local_authorization *out, unsigned *seen)
{
    static const char *const names[] = {"Credential=", "SignedHeaders=", "Signature="};
    for (unsigned i = 0; i < 3; i++) {
        if (!take_prefix(&part, names[i]))
            continue;
        if (*seen & (1u << i))
            return "Credential, SignedHeaders or Signature is given twice";
        *seen |= 1u << i;
        if (i == 0)
            return parse_credential(part, out);
        if (i == 1) {
            out->signed_headers = part;
            return parse_signed_headers(part);
        }
        out->signature = part;
        return part.len == 64 && only(part, HEX_CHARS)
                   ? NULL
                   : "Signature is not 64 lowercase hex digits";
    }
    return "a part other than Credential=, SignedHeaders= and Signature=";
}

const char *local_authorization_parse(const char *value, size_t len, local_authorization *out)
{
    memset(out, 0, sizeof *out);
    base_cursor rest = base_cursor_trim(base_cursor_of(value, len)), part;
    if (!take_prefix(&rest, AWS_SIGV4_ALGORITHM " "))
        return "Authorization does not start with " AWS_SIGV4_ALGORITHM;
    unsigned seen = 0;
    while (base_cursor_next_token(&rest, ',', &part)) {
        const char *why = parse_part(base_cursor_trim(part), out, &seen);
        if (why)
            return why;
    }
    return seen == 7 ? NULL : "Authorization lacks Credential, SignedHeaders or Signature";
}

/* ---- the request's head ---- */

typedef struct head_view {
    base_cursor method, target;
    base_cursor headers; /* the header lines, up to the blank line */
} head_view;

static bool read_head(const char *head, size_t len, head_view *out)
{
    base_cursor rest = base_cursor_of(head, len), line;
    if (!base_cursor_next_token(&rest, '\n', &line))
        return false;
    if (!base_cursor_next_token(&line, ' ', &out->method) ||
        !base_cursor_next_token(&line, ' ', &out->target) || !out->method.len || !out->target.len)
        return false;
    out->headers = rest;
    return true;
}

/* The next header line's name and trimmed value; false at the blank line or the end. */
static bool next_header(base_cursor *lines, base_cursor *name, base_cursor *value)
{
    base_cursor line;
    if (!base_cursor_next_token(lines, '\n', &line))
        return false;
    if (line.len && line.ptr[line.len - 1] == '\r')
        line.len--;
    const char *colon = line.len ? memchr(line.ptr, ':', line.len) : NULL;
    if (!colon)
        return false;
    *name = base_cursor_of(line.ptr, (size_t)(colon - line.ptr));
    *value = base_cursor_trim(base_cursor_of(colon + 1, line.len - name->len - 1));
    return true;
}

/* How many times the head has header `name`; *value is the first. */
static size_t find_header(base_cursor lines, const char *name, base_cursor *value)
{
    size_t count = 0;
    base_cursor n, v;
    while (next_header(&lines, &n, &v))
        if (base_cursor_eq_str_ignore_case(n, name) && count++ == 0)
            *value = v;
    return count;
}

static bool listed(base_cursor list, base_cursor name)
{
    base_cursor item;
    while (base_cursor_next_token(&list, ';', &item))
        if (item.len == name.len && strncasecmp(item.ptr, name.ptr, name.len) == 0)
            return true;
    return false;
}

/* The request as signed: method, path and query as sent, the signed headers. */
static void signed_request(const head_view *h, base_cursor signed_headers, aws_http_request *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->method, sizeof out->method, "%.*s", (int)h->method.len, h->method.ptr);
    base_cursor target = h->target, path;
    base_cursor_next_token(&target, '?', &path);
    base_buf_append(&out->path, path.ptr, path.len);
    base_buf_append(&out->query, target.ptr, target.len);
    base_cursor lines = h->headers, name, value;
    while (next_header(&lines, &name, &value)) {
        if (!listed(signed_headers, name))
            continue;
        char *n = base_cursor_dup(name), *v = base_cursor_dup(value);
        aws_headers_add(&out->headers, n, v);
        free(n);
        free(v);
    }
}

/* ---- the verdict ---- */

__attribute__((format(printf, 3, 4))) static local_signature_verdict
verdict(local_signature_verdict *v, local_signature_result result, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    v->result = result;
    vsnprintf(v->message, sizeof v->message, fmt, ap);
    va_end(ap);
    return *v;
}

/* "YYYYMMDDTHHMMSSZ" as seconds since the epoch. */
static bool parse_amz_date(base_cursor c, time_t *out)
{
    if (c.len != 16 || c.ptr[8] != 'T' || c.ptr[15] != 'Z' ||
        !only(base_cursor_of(c.ptr, 8), DIGITS) || !only(base_cursor_of(c.ptr + 9, 6), DIGITS))
        return false;
    struct tm tm = {0};
    int fields[6], widths[6] = {4, 2, 2, 2, 2, 2}, at = 0;
    for (int i = 0; i < 6; i++) {
        at += i == 3;
        fields[i] = 0;
        for (int d = 0; d < widths[i]; d++)
            fields[i] = fields[i] * 10 + (c.ptr[at++] - '0');
    }
    tm.tm_year = fields[0] - 1900;
    tm.tm_mon = fields[1] - 1;
    tm.tm_mday = fields[2];
    tm.tm_hour = fields[3];
    tm.tm_min = fields[4];
    tm.tm_sec = fields[5];
    if (fields[1] < 1 || fields[1] > 12 || fields[2] < 1 || fields[2] > 31 || fields[3] > 23 ||
        fields[4] > 59 || fields[5] > 60)
        return false;
    *out = timegm(&tm);
    return true;
}

static void format_amz_date(time_t t, char out[17])
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
        snprintf(out, 17, "?");
}

static bool check_date(base_cursor amz_date, time_t now, local_signature_verdict *v)
{
    time_t when;
    if (!parse_amz_date(amz_date, &when)) {
        verdict(v, LOCAL_SIGNATURE_INCOMPLETE, "X-Amz-Date is not YYYYMMDDTHHMMSSZ");
        return false;
    }
    char given[17], bound[17], at[17];
    format_amz_date(when, given);
    format_amz_date(now, at);
    if (when < now - LOCAL_SIGNATURE_MAX_SKEW_SECONDS) {
        format_amz_date(now - LOCAL_SIGNATURE_MAX_SKEW_SECONDS, bound);
        verdict(v, LOCAL_SIGNATURE_EXPIRED, "Signature expired: %s is now earlier than %s (%s - 15 min.)",
                given, bound, at);
        return false;
    }
    if (when > now + LOCAL_SIGNATURE_MAX_SKEW_SECONDS) {
        format_amz_date(now + LOCAL_SIGNATURE_MAX_SKEW_SECONDS, bound);
        verdict(v, LOCAL_SIGNATURE_EXPIRED, "Signature not yet current: %s is still later than %s (%s + 15 min.)",
                given, bound, at);
        return false;
    }
    return true;
}

/* The payload hash the request signed: x-amz-content-sha256 when given
 * (the body's hash, or a literal saying it is not signed), else the body's. */
static bool payload_hash(base_cursor lines, const void *body, size_t body_len, char out[65],
                         local_signature_verdict *v)
{
    static const char *const unsigned_payloads[] = UNSIGNED_PAYLOADS;
    char body_hash[65];
    aws_sha256_hex(body_len ? body : "", body_len, body_hash);
    base_cursor given = {0};
    size_t count = find_header(lines, "x-amz-content-sha256", &given);
    snprintf(out, 65, "%s", body_hash);
    if (count == 0)
        return true;
    for (size_t i = 0; i < sizeof unsigned_payloads / sizeof unsigned_payloads[0]; i++)
        if (count == 1 && base_cursor_eq_str(given, unsigned_payloads[i])) {
            snprintf(out, 65, "%s", unsigned_payloads[i]);
            return true;
        }
    if (count == 1 && base_cursor_eq_str(given, body_hash))
        return true;
    verdict(v, LOCAL_SIGNATURE_MISMATCH, "The provided 'x-amz-content-sha256' header does not "
                                         "match what was computed.");
    return false;
}

static bool check_scope(const local_authorization *a, base_cursor amz_date, const char *service,
                        local_signature_verdict *v)
{
    if (a->date.len != 8 || memcmp(a->date.ptr, amz_date.ptr, 8) != 0) {
        verdict(v, LOCAL_SIGNATURE_MISMATCH, "Date in Credential scope does not match YYYYMMDD "
                                             "from ISO-8601 version of date from HTTP");
        return false;
    }
    if (service && !base_cursor_eq_str(a->service, service)) {
        verdict(v, LOCAL_SIGNATURE_MISMATCH, "Credential should be scoped to correct service: '%s'",
                service);
        return false;
    }
    return true;
}

static bool signature_matches(const head_view *h, const local_authorization *a, const char *secret,
                              const char *hash)
{
    char region[64], service[64], amz_date[17], signature[65];
    base_cursor date_value = {0};
    find_header(h->headers, "x-amz-date", &date_value);
    snprintf(region, sizeof region, "%.*s", (int)a->region.len, a->region.ptr);
    snprintf(service, sizeof service, "%.*s", (int)a->service.len, a->service.ptr);
    snprintf(amz_date, sizeof amz_date, "%.*s", (int)date_value.len, date_value.ptr);
    bool s3 = strcmp(service, "s3") == 0; /* S3 signs the path as sent; the others normalise it and encode it again */
    aws_sign_params params = {.region = region, .service = service, .normalize_path = !s3,
                              .double_encode_path = !s3};
    aws_http_request req;
    base_buf names = {0};
    signed_request(h, a->signed_headers, &req);
    aws_sigv4_signature(&req, secret, &params, amz_date, hash, &names, signature);
    bool same_names = names.len == a->signed_headers.len &&
                      memcmp(base_buf_str(&names), a->signed_headers.ptr, names.len) == 0;
    bool same = same_names && CRYPTO_memcmp(signature, a->signature.ptr, 64) == 0;
    OPENSSL_cleanse(signature, sizeof signature);
    base_buf_free(&names);
    aws_http_request_free(&req);
    return same;
}

local_signature_verdict local_signature_check(const char *head, size_t head_len, const void *body,
                                              size_t body_len, const char *service,
                                              const local_signature_key *key, time_t now)
{
    local_signature_verdict v = {.result = LOCAL_SIGNATURE_OK};
    head_view h;
    base_cursor value = {0}, amz_date = {0};
    local_authorization a;
    if (!head || !read_head(head, head_len, &h) || find_header(h.headers, "authorization", &value) == 0)
        return verdict(&v, LOCAL_SIGNATURE_MISSING, "Missing Authentication Token");
    const char *why = local_authorization_parse(value.ptr, value.len, &a);
    if (why)
        return verdict(&v, LOCAL_SIGNATURE_INCOMPLETE, "%s", why);
    if (find_header(h.headers, "authorization", &value) > 1)
        return verdict(&v, LOCAL_SIGNATURE_INCOMPLETE, "Authorization is given more than once");
    base_cursor host = base_cursor_from("host"), date = base_cursor_from("x-amz-date");
    if (!listed(a.signed_headers, host) || !listed(a.signed_headers, date))
        return verdict(&v, LOCAL_SIGNATURE_INCOMPLETE, "SignedHeaders must include host and x-amz-date");
    if (!base_cursor_eq_str(a.access_key_id, key->access_key_id))
        return verdict(&v, LOCAL_SIGNATURE_UNKNOWN_KEY, "The security token included in the request "
                                                        "is invalid: not this run's access key id");
    if (find_header(h.headers, "x-amz-date", &amz_date) != 1)
        return verdict(&v, LOCAL_SIGNATURE_INCOMPLETE, "X-Amz-Date must be given once");
    char hash[65];
    if (!check_date(amz_date, now, &v) || !check_scope(&a, amz_date, service, &v) ||
        !payload_hash(h.headers, body, body_len, hash, &v))
        return v;
    if (!signature_matches(&h, &a, key->secret_access_key, hash))
        return verdict(&v, LOCAL_SIGNATURE_MISMATCH,
                       "The request signature we calculated does not match the signature you "
                       "provided. Check your AWS Secret Access Key and signing method.");
    return v;
}

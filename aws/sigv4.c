/*
 * sigv4.c - AWS Signature Version 4, Authorization-header form.
 *
 * Owns the canonical request (derived from the request's wire-form path and
 * query and its headers), the string to sign, the signing key and the
 * headers AWS reads the signature from. Hashing and HMAC are OpenSSL's;
 * nothing here is hand-written crypto. The secret and every key derived from
 * it live only in local arrays that are wiped before returning, and never
 * reach the trace: the trace holds only what AWS itself would echo back in a
 * SignatureDoesNotMatch error. Nothing here prints.
 */
#include "sigv4.h"
#include "base/cursor.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#define SHA256_LEN 32

/* Headers that proxies and the transport may add, drop or rewrite, so signing
 * them would break the signature (the AWS SDKs skip the same ones). */
static const char *const unsigned_headers[] = {
    "authorization", "user-agent", "x-amzn-trace-id", "connection", "expect", "transfer-encoding",
};

/* ---- hashing ---- */

static void hex_encode(const unsigned char *in, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * len] = '\0';
}

void aws_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[SHA256_LEN];
    unsigned int digest_len = 0;
    if (!EVP_Digest(data, len, digest, &digest_len, EVP_sha256(), NULL))
        abort(); /* only on a broken OpenSSL: as fatal as running out of memory */
    hex_encode(digest, SHA256_LEN, out);
}

static void hmac_sha256(const unsigned char *key, size_t key_len, const char *data, size_t len,
                        unsigned char out[SHA256_LEN])
{
    unsigned int out_len = 0;
    if (!HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data, len, out, &out_len))
        abort();
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request") */
static void derive_signing_key(const char *secret, const char *date, const char *region,
                               const char *service, unsigned char key[SHA256_LEN])
{
    size_t secret_len = strlen(secret);
    unsigned char *seed = base_xmalloc(secret_len + 4);
    memcpy(seed, "AWS4", 4);
    memcpy(seed + 4, secret, secret_len);
    unsigned char date_key[SHA256_LEN], region_key[SHA256_LEN], service_key[SHA256_LEN];
    hmac_sha256(seed, secret_len + 4, date, strlen(date), date_key);
    OPENSSL_cleanse(seed, secret_len + 4);
    free(seed);
    hmac_sha256(date_key, SHA256_LEN, region, strlen(region), region_key);
    hmac_sha256(region_key, SHA256_LEN, service, strlen(service), service_key);
    hmac_sha256(service_key, SHA256_LEN, "aws4_request", 12, key);
    OPENSSL_cleanse(date_key, sizeof date_key);
    OPENSSL_cleanse(region_key, sizeof region_key);
    OPENSSL_cleanse(service_key, sizeof service_key);
}

/* ---- canonical path ---- */

static bool is_dot_segment(base_cursor seg)
{
    return base_cursor_eq_str(seg, ".") || base_cursor_eq_str(seg, "..");
}

/* Removes "." and ".." segments and empty segments (duplicate slashes), as
 * every AWS service but S3 expects. A trailing slash survives unless nothing
 * is left but the root. */
static void append_normalized_path(base_buf *out, base_cursor path)
{
    base_cursor *kept = base_xcalloc(path.len + 1, sizeof *kept);
    size_t count = 0;
    base_cursor rest = path, seg = {0};
    bool ends_in_directory = false;
    while (base_cursor_next_token(&rest, '/', &seg)) {
        ends_in_directory = seg.len == 0 || is_dot_segment(seg);
        if (base_cursor_eq_str(seg, "..")) {
            if (count)
                count--;
        } else if (seg.len && !base_cursor_eq_str(seg, ".")) {
            kept[count++] = seg;
        }
    }
    if (path.len && path.ptr[path.len - 1] == '/')
        ends_in_directory = true;
    for (size_t i = 0; i < count; i++) {
        base_buf_append_char(out, '/');
        base_buf_append(out, kept[i].ptr, kept[i].len);
    }
    if (count == 0 || ends_in_directory)
        base_buf_append_char(out, '/');
    free(kept);
}

static void append_canonical_path(base_buf *out, const aws_http_request *req,
                                  const aws_sign_params *params)
{
    base_buf path = {0};
    if (req->path.len == 0)
        base_buf_append_char(&path, '/');
    else if (params->normalize_path)
        append_normalized_path(&path, base_cursor_of(req->path.data, req->path.len));
    else
        base_buf_append(&path, req->path.data, req->path.len);

    if (params->double_encode_path)
        aws_uri_encode(out, path.data, path.len, 1);
    else
        base_buf_append(out, path.data, path.len);
    base_buf_free(&path);
}

/* ---- canonical query ---- */

typedef struct query_param {
    char *name;  /* strictly re-encoded */
    char *value; /* strictly re-encoded */
} query_param;

static char *reencode(base_cursor c)
{
    base_buf decoded = {0}, encoded = {0};
    aws_uri_decode(&decoded, c.ptr, c.len);
    aws_uri_encode(&encoded, base_buf_str(&decoded), decoded.len, 0);
    base_buf_free(&decoded);
    return base_buf_detach(&encoded);
}

static int compare_params(const void *a, const void *b)
{
    const query_param *x = a, *y = b;
    int by_name = strcmp(x->name, y->name);
    return by_name ? by_name : strcmp(x->value, y->value);
}

static size_t split_query(base_cursor query, query_param *params)
{
    size_t count = 0;
    base_cursor pair = {0};
    while (base_cursor_next_token(&query, '&', &pair)) {
        if (pair.len == 0)
            continue;
        base_cursor name = {0}, value = {0};
        base_cursor_next_token(&pair, '=', &name);
        value = pair; /* the rest after the first '=', possibly empty */
        params[count].name = reencode(name);
        params[count].value = reencode(value);
        count++;
    }
    return count;
}

/* Every name=value pair decoded and re-encoded strictly, sorted by name then
 * value; a parameter without '=' signs as "name=". */
static void append_canonical_query(base_buf *out, const base_buf *query)
{
    size_t most = 1;
    for (size_t i = 0; i < query->len; i++)
        most += query->data[i] == '&';
    query_param *params = base_xcalloc(most, sizeof *params);
    size_t count = split_query(base_cursor_of(query->data, query->len), params);
    qsort(params, count, sizeof *params, compare_params);
    for (size_t i = 0; i < count; i++) {
        base_buf_printf(out, "%s%s=%s", i ? "&" : "", params[i].name, params[i].value);
        free(params[i].name);
        free(params[i].value);
    }
    free(params);
}

/* ---- canonical headers ---- */

typedef struct canonical_header {
    char *name;    /* lowercase */
    base_buf value; /* trimmed, whitespace runs collapsed */
    size_t order;  /* position in the request, to keep duplicates in order */
} canonical_header;

static bool is_unsigned_header(const char *lower_name)
{
    for (size_t i = 0; i < sizeof unsigned_headers / sizeof unsigned_headers[0]; i++)
        if (strcmp(lower_name, unsigned_headers[i]) == 0)
            return true;
    return false;
}

static char *lowercase_name(const char *name)
{
    char *lower = base_cursor_dup(base_cursor_trim(base_cursor_from(name)));
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return lower;
}

/* Trims the value and turns every run of whitespace, folded line breaks
 * included, into one space. */
static void append_trimmed_value(base_buf *out, const char *value)
{
    base_cursor v = base_cursor_trim(base_cursor_from(value));
    bool in_space = false;
    for (size_t i = 0; i < v.len; i++) {
        if (isspace((unsigned char)v.ptr[i])) {
            in_space = true;
            continue;
        }
        if (in_space)
            base_buf_append_char(out, ' ');
        in_space = false;
        base_buf_append_char(out, v.ptr[i]);
    }
}

static int compare_headers(const void *a, const void *b)
{
    const canonical_header *x = a, *y = b;
    int by_name = strcmp(x->name, y->name);
    if (by_name)
        return by_name;
    return x->order < y->order ? -1 : x->order > y->order;
}

static size_t collect_headers(const aws_headers *headers, canonical_header *out)
{
    size_t count = 0;
    for (size_t i = 0; i < headers->count; i++) {
        char *name = lowercase_name(headers->items[i].name);
        if (is_unsigned_header(name)) {
            free(name);
            continue;
        }
        out[count] = (canonical_header){.name = name, .order = i};
        append_trimmed_value(&out[count].value, headers->items[i].value);
        count++;
    }
    qsort(out, count, sizeof *out, compare_headers);
    return count;
}

/* Appends the canonical header lines ("name:v1,v2\n", sorted, duplicates
 * joined in request order) to out and the SignedHeaders list to names. */
static void append_canonical_headers(base_buf *out, base_buf *names, const aws_headers *headers)
{
    canonical_header *sorted = base_xcalloc(headers->count + 1, sizeof *sorted);
    size_t count = collect_headers(headers, sorted);
    for (size_t i = 0; i < count; i++) {
        bool same_as_previous = i > 0 && strcmp(sorted[i].name, sorted[i - 1].name) == 0;
        if (same_as_previous) {
            base_buf_printf(out, ",%s", base_buf_str(&sorted[i].value));
        } else {
            base_buf_printf(out, "%s%s:%s", i ? "\n" : "", sorted[i].name,
                           base_buf_str(&sorted[i].value));
            base_buf_printf(names, "%s%s", names->len ? ";" : "", sorted[i].name);
        }
    }
    if (count)
        base_buf_append_char(out, '\n');
    for (size_t i = 0; i < count; i++) {
        free(sorted[i].name);
        base_buf_free(&sorted[i].value);
    }
    free(sorted);
}

/* ---- the request ---- */

static int check_inputs(const aws_http_request *req, const aws_credentials *creds,
                        const aws_sign_params *params, base_error *err)
{
    ENSURE(creds && creds->access_key_id && creds->access_key_id[0] && creds->secret_access_key &&
               creds->secret_access_key[0],
           err, BASE_ERROR_CREDENTIALS, "MissingCredentials",
           "cannot sign: no access key id or secret access key");
    ENSURE(params && params->region && params->region[0] && params->service && params->service[0],
           err, BASE_ERROR_INVALID, "InvalidSigningParams", "cannot sign: no region or service");
    ENSURE(aws_headers_get(&req->headers, "Host"), err, BASE_ERROR_INVALID, "MissingHost",
           "cannot sign %s %s: the request has no Host header", req->method,
           base_buf_str(&req->path));
    return 0;
}

/* amz_date "YYYYMMDDTHHMMSSZ", date "YYYYMMDD", both UTC. */
static int format_dates(time_t now, char amz_date[17], char date[9], base_error *err)
{
    struct tm tm;
    ENSURE(gmtime_r(&now, &tm), err, BASE_ERROR_INVALID, "InvalidSigningTime",
           "cannot sign: time %lld is not representable", (long long)now);
    ENSURE(strftime(amz_date, 17, "%Y%m%dT%H%M%SZ", &tm) == 16, err, BASE_ERROR_INVALID,
           "InvalidSigningTime", "cannot sign: time %lld is out of range", (long long)now);
    memcpy(date, amz_date, 8);
    date[8] = '\0';
    return 0;
}

/* Adds the headers that take part in the signature, replacing any left from
 * an earlier signing, in the order the AWS SDKs add them. */
static void add_signing_headers(aws_http_request *req, const aws_credentials *creds,
                                const aws_sign_params *params, const char *amz_date,
                                const char *payload_hash)
{
    aws_headers_remove(&req->headers, "Authorization");
    aws_headers_remove(&req->headers, "X-Amz-Security-Token");
    if (creds->session_token && creds->session_token[0])
        aws_headers_add(&req->headers, "X-Amz-Security-Token", creds->session_token);
    aws_headers_set(&req->headers, "X-Amz-Date", amz_date);
    if (params->add_content_sha256)
        aws_headers_set(&req->headers, "x-amz-content-sha256", payload_hash);
}

static void build_canonical_request(base_buf *out, base_buf *signed_names,
                                    const aws_http_request *req, const aws_sign_params *params,
                                    const char *payload_hash)
{
    base_buf_printf(out, "%s\n", req->method);
    append_canonical_path(out, req, params);
    base_buf_append_char(out, '\n');
    append_canonical_query(out, &req->query);
    base_buf_append_char(out, '\n');
    append_canonical_headers(out, signed_names, &req->headers);
    base_buf_printf(out, "\n%s\n%s", base_buf_str(signed_names), payload_hash);
}

static void build_string_to_sign(base_buf *out, const char *amz_date, const char *scope,
                                 const base_buf *canonical_request)
{
    char hash[65];
    aws_sha256_hex(canonical_request->data, canonical_request->len, hash);
    base_buf_printf(out, AWS_SIGV4_ALGORITHM "\n%s\n%s\n%s", amz_date, scope, hash);
}

static void compute_signature(const char *secret, const char *date, const aws_sign_params *params,
                              const base_buf *string_to_sign, char signature[65])
{
    unsigned char key[SHA256_LEN], mac[SHA256_LEN];
    derive_signing_key(secret, date, params->region, params->service, key);
    hmac_sha256(key, SHA256_LEN, string_to_sign->data, string_to_sign->len, mac);
    hex_encode(mac, SHA256_LEN, signature);
    OPENSSL_cleanse(key, sizeof key);
}

static void fill_trace(aws_sign_trace *trace, const base_buf *canonical_request,
                       const base_buf *string_to_sign, const char *signature)
{
    if (!trace)
        return;
    base_buf_reset(&trace->canonical_request);
    base_buf_append(&trace->canonical_request, base_buf_str(canonical_request), canonical_request->len);
    base_buf_reset(&trace->string_to_sign);
    base_buf_append(&trace->string_to_sign, base_buf_str(string_to_sign), string_to_sign->len);
    memcpy(trace->signature, signature, 65);
}

/* The canonical request, the string to sign and the signature of req as it
 * stands: what signing sends and what a server recomputes. */
static void sign_parts(const aws_http_request *req, const char *secret,
                       const aws_sign_params *params, const char *amz_date, const char *payload_hash,
                       base_buf *canonical, base_buf *signed_names, base_buf *scope, base_buf *to_sign,
                       char signature[65])
{
    char date[9];
    memcpy(date, amz_date, 8);
    date[8] = '\0';
    build_canonical_request(canonical, signed_names, req, params, payload_hash);
    base_buf_printf(scope, "%s/%s/%s/aws4_request", date, params->region, params->service);
    build_string_to_sign(to_sign, amz_date, base_buf_str(scope), canonical);
    compute_signature(secret, date, params, to_sign, signature);
}

int aws_sigv4_signature(const aws_http_request *req, const char *secret,
                        const aws_sign_params *params, const char *amz_date, const char *payload_hash,
                        base_buf *signed_names, char signature[65])
{
    base_buf canonical = {0}, scope = {0}, to_sign = {0};
    sign_parts(req, secret, params, amz_date, payload_hash, &canonical, signed_names, &scope,
               &to_sign, signature);
    base_buf_free(&canonical);
    base_buf_free(&scope);
    base_buf_free(&to_sign);
    return 0;
}

int aws_sigv4_sign(aws_http_request *req, const aws_credentials *creds,
                   const aws_sign_params *params, aws_sign_trace *trace, base_error *err)
{
    char amz_date[17], date[9], body_hash[65], signature[65];
    TRY(check_inputs(req, creds, params, err));
    TRY(format_dates(params->now, amz_date, date, err));
    const char *payload_hash = params->payload_hash;
    if (!payload_hash) {
        aws_sha256_hex(base_buf_str(&req->body), req->body.len, body_hash);
        payload_hash = body_hash;
    }
    add_signing_headers(req, creds, params, amz_date, payload_hash);

    base_buf canonical = {0}, signed_names = {0}, scope = {0}, to_sign = {0}, auth = {0};
    sign_parts(req, creds->secret_access_key, params, amz_date, payload_hash, &canonical,
               &signed_names, &scope, &to_sign, signature);

    base_buf_printf(&auth, AWS_SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                   creds->access_key_id, base_buf_str(&scope), base_buf_str(&signed_names), signature);
    aws_headers_add(&req->headers, "Authorization", base_buf_str(&auth));
    fill_trace(trace, &canonical, &to_sign, signature);

    base_buf_free(&canonical);
    base_buf_free(&signed_names);
    base_buf_free(&scope);
    base_buf_free(&to_sign);
    base_buf_free(&auth);
    return 0;
}

void aws_sign_trace_free(aws_sign_trace *t)
{
    if (!t)
        return;
    base_buf_free(&t->canonical_request);
    base_buf_free(&t->string_to_sign);
    memset(t, 0, sizeof *t);
}

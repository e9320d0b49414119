/*
 * local_s3.c - S3's object operations over a local_store (local_s3.h).
 *
 * The path is decoded strictly (a bad %-escape or a NUL is InvalidURI, where
 * a lenient decoder would store an object under a key nobody asked for),
 * the bucket is checked against the stack's, and the method picks the
 * operation from a table. Errors are S3's XML document with the element S3
 * adds for that code (Key, BucketName, Method), and no body for HEAD.
 */
#include "base/cursor.h"
#include "local/local_s3.h"

#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/http.h"

#define KEY_LIMIT 1024
#define DEFAULT_CONTENT_TYPE "binary/octet-stream"

typedef struct s3_request {
    local_store *store;
    const char *method;
    const char *bucket;
    const char *key; /* NULL: the request names a bucket only */
    const char *content_type;
    const char *body;
    size_t len;
    char request_id[17];
} s3_request;

/* A request's error: kind BASE_ERROR_INVALID, its HTTP status and S3 code. */
__attribute__((format(printf, 4, 5))) static int s3_fail(base_error *e, long status,
                                                          const char *code, const char *fmt, ...)
{
    memset(e, 0, sizeof *e);
    e->kind = BASE_ERROR_INVALID;
    e->http_status = status;
    snprintf(e->code, sizeof e->code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* ------------------------------------------------------------------- paths */

/* Strict percent-decoding: every '%' starts two hex digits, none makes NUL. */
static int percent_decode(base_cursor raw, base_buf *out, base_error *e)
{
    if (!aws_uri_decode_strict(out, raw.ptr, raw.len))
        return s3_fail(e, 400, "InvalidURI", "Couldn't parse the specified URI.");
    return 0;
}

/* Only x-id (which some SDKs add to name the operation) may follow the path. */
static int check_query(base_cursor query, base_error *e)
{
    base_cursor param;
    while (base_cursor_next_token(&query, '&', &param)) {
        base_cursor name = {0};
        base_cursor_next_token(&param, '=', &name);
        if (name.len && !base_cursor_eq_str(name, "x-id"))
            return s3_fail(e, 501, "NotImplemented",
                           "scribblectl local's S3 does not support the query parameter %.*s",
                           (int)(name.len > 64 ? 64 : name.len), name.ptr);
    }
    return 0;
}

/* "/bucket/key?query" into the decoded bucket and key (*has_key false when
 * the path names the bucket only). */
static int split_path(const char *path, base_buf *bucket, base_buf *key, bool *has_key,
                      base_error *e)
{
    base_cursor rest = base_cursor_from(path ? path : ""), target = {0}, bucket_part = {0};
    base_cursor_next_token(&rest, '?', &target);
    TRY(check_query(rest, e));
    if (!target.len || target.ptr[0] != '/')
        return s3_fail(e, 400, "InvalidURI", "Couldn't parse the specified URI.");
    target.ptr++;
    target.len--;
    base_cursor_next_token(&target, '/', &bucket_part);
    TRY(percent_decode(bucket_part, bucket, e));
    *has_key = target.len > 0;
    return *has_key ? percent_decode(target, key, e) : 0;
}

/* ------------------------------------------------------------------ replies */

static void append_xml_text(base_buf *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': base_buf_append_str(out, "&amp;"); break;
        case '<': base_buf_append_str(out, "&lt;"); break;
        case '>': base_buf_append_str(out, "&gt;"); break;
        case '"': base_buf_append_str(out, "&quot;"); break;
        case '\'': base_buf_append_str(out, "&apos;"); break;
        default:
            /* XML 1.0 has no way to write other control characters */
            base_buf_append_char(out, (unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' &&
                                             *s != '\r' ? '?' : *s);
        }
    }
}

static void append_element(base_buf *out, const char *name, const char *text)
{
    base_buf_printf(out, "<%s>", name);
    append_xml_text(out, text);
    base_buf_printf(out, "</%s>", name);
}

static void new_request_id(char out[17])
{
    unsigned char bytes[8];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        memset(bytes, 0, sizeof bytes);
    for (size_t i = 0; i < sizeof bytes; i++)
        snprintf(out + 2 * i, 3, "%02X", bytes[i]);
}

/* The element S3 adds to an error document for this code, if any. */
static void append_error_detail(base_buf *out, const s3_request *r, const char *code)
{
    if (strcmp(code, "NoSuchKey") == 0 && r->key)
        append_element(out, "Key", r->key);
    else if (strcmp(code, "NoSuchBucket") == 0 && r->bucket)
        append_element(out, "BucketName", r->bucket);
    else if (strcmp(code, "MethodNotAllowed") == 0) {
        append_element(out, "Method", r->method ? r->method : "");
        append_element(out, "ResourceType", "OBJECT");
    }
}

/* Starts a reply: status, no type, no ETag, no body, the request id header. */
static void reply_start(local_reply *reply, const s3_request *r, int status)
{
    reply->status = status;
    reply->content_type = NULL;
    reply->etag[0] = '\0';
    base_buf_reset(&reply->body);
    base_buf_reset(&reply->headers);
    base_buf_printf(&reply->headers, "x-amz-request-id: %s\r\n", r->request_id);
}

static void reply_error(local_reply *reply, const s3_request *r, const base_error *e)
{
    reply_start(reply, r, (int)e->http_status);
    if (r->method && strcmp(r->method, "HEAD") == 0)
        return;
    reply->content_type = "application/xml";
    base_buf *out = &reply->body;
    base_buf_append_str(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
    append_element(out, "Code", e->code);
    append_element(out, "Message", e->message);
    append_error_detail(out, r, e->code);
    append_element(out, "RequestId", r->request_id);
    base_buf_append_str(out, "</Error>");
}

void local_s3_refuse(local_reply *reply, const char *method, int status, const char *code,
                     const char *message)
{
    s3_request r = {.method = method};
    new_request_id(r.request_id);
    base_error e = {.http_status = status};
    snprintf(e.code, sizeof e.code, "%s", code);
    snprintf(e.message, sizeof e.message, "%s", message);
    reply_error(reply, &r, &e);
}

/* "Wed, 21 Oct 2015 07:28:00 GMT", whatever the locale. */
static void append_http_date(base_buf *out, long long seconds)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)seconds;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return;
    base_buf_printf(out, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
                   months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ------------------------------------------------------------ operations */

static bool valid_content_type(const char *type)
{
    for (const unsigned char *p = (const unsigned char *)type; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return strlen(type) <= 1024;
}

static int put_object(const s3_request *r, local_reply *reply, base_error *e)
{
    const char *type = r->content_type && r->content_type[0] ? r->content_type
                                                               : DEFAULT_CONTENT_TYPE;
    if (!valid_content_type(type))
        return s3_fail(e, 400, "InvalidArgument", "The Content-Type header is not valid.");
    char etag[72];
    TRY(local_store_put_object(r->store, r->bucket, r->key, type, r->body, r->len, etag, e));
    reply_start(reply, r, 200);
    snprintf(reply->etag, sizeof reply->etag, "%s", etag);
    return 0;
}

/* GetObject and HeadObject answer alike: the server sends no body to HEAD,
 * but its Content-Length comes from the body, so both carry it. */
static int read_object(const s3_request *r, local_reply *reply, base_error *e)
{
    local_object object;
    bool found;
    TRY(local_store_get_object(r->store, r->bucket, r->key, true, &object, &found, e));
    if (!found)
        return s3_fail(e, 404, "NoSuchKey", "The specified key does not exist.");
    reply_start(reply, r, 200);
    snprintf(reply->etag, sizeof reply->etag, "%s", object.etag);
    reply->content_type = local_store_intern(r->store, object.content_type);
    base_buf_append_str(&reply->headers, "Last-Modified: ");
    append_http_date(&reply->headers, object.last_modified);
    base_buf_append_str(&reply->headers, "\r\nAccept-Ranges: none\r\n");
    base_buf_append(&reply->body, object.body.data ? object.body.data : "", object.body.len);
    local_object_free(&object);
    return 0;
}

static int delete_object(const s3_request *r, local_reply *reply, base_error *e)
{
    TRY(local_store_delete_object(r->store, r->bucket, r->key, e));
    reply_start(reply, r, 204);
    return 0;
}

static const struct s3_operation {
    const char *method;
    int (*fn)(const s3_request *r, local_reply *reply, base_error *e);
} object_operations[] = {
    {"PUT", put_object},
    {"GET", read_object},
    {"HEAD", read_object},
    {"DELETE", delete_object},
};

static int object_operation(const s3_request *r, local_reply *reply, base_error *e)
{
    if (strlen(r->key) > KEY_LIMIT)
        return s3_fail(e, 400, "KeyTooLongError", "Your key is too long");
    for (size_t i = 0; i < sizeof object_operations / sizeof object_operations[0]; i++)
        if (r->method && strcmp(r->method, object_operations[i].method) == 0)
            return object_operations[i].fn(r, reply, e);
    return s3_fail(e, 405, "MethodNotAllowed",
                   "The specified method is not allowed against this resource.");
}

/* A path naming a bucket only: HeadBucket; ListObjects and the rest are not here. */
static int bucket_operation(const s3_request *r, local_reply *reply, base_error *e)
{
    if (r->method && strcmp(r->method, "HEAD") == 0) {
        reply_start(reply, r, 200);
        return 0;
    }
    return s3_fail(e, 501, "NotImplemented",
                   "scribblectl local's S3 serves PutObject, GetObject, HeadObject and "
                   "DeleteObject only");
}

static bool known_bucket(const char *const *buckets, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (buckets[i] && strcmp(buckets[i], name) == 0)
            return true;
    return false;
}

static int route(s3_request *r, const char *const *buckets, size_t bucket_count,
                 const char *path, base_buf *bucket, base_buf *key, local_reply *reply, base_error *e)
{
    bool has_key;
    TRY(split_path(path, bucket, key, &has_key, e));
    r->bucket = base_buf_str(bucket);
    if (!r->bucket[0])
        return s3_fail(e, 501, "NotImplemented",
                       "scribblectl local's S3 serves objects of the stack's buckets only");
    if (!known_bucket(buckets, bucket_count, r->bucket))
        return s3_fail(e, 404, "NoSuchBucket", "The specified bucket does not exist");
    if (!has_key)
        return bucket_operation(r, reply, e);
    r->key = base_buf_str(key);
    return object_operation(r, reply, e);
}

int local_s3_handle(local_store *store, const char *const *buckets, size_t bucket_count,
                    const char *method, const char *path, const char *content_type,
                    const char *body, size_t len, local_reply *reply, base_error *err)
{
    s3_request r = {.store = store, .method = method, .content_type = content_type,
                    .body = body, .len = len};
    base_buf bucket = {0}, key = {0};
    base_error e = {0};
    new_request_id(r.request_id);
    int rc = route(&r, buckets, bucket_count, path, &bucket, &key, reply, &e);
    if (rc != 0 && e.kind != BASE_ERROR_INVALID) {
        if (err)
            *err = e;
        base_error internal = {.http_status = 500};
        snprintf(internal.code, sizeof internal.code, "InternalError");
        snprintf(internal.message, sizeof internal.message,
                 "We encountered an internal error: %.900s", e.message);
        reply_error(reply, &r, &internal);
    } else if (rc != 0) {
        reply_error(reply, &r, &e);
    }
    base_buf_free(&bucket);
    base_buf_free(&key);
    return rc != 0 && e.kind != BASE_ERROR_INVALID ? -1 : 0;
}

/*
 * s3_upload.c - one object into S3: PutObject when it fits in one part,
 * otherwise a multipart upload (see s3_upload.h).
 *
 * Resuming: a multipart upload left unfinished for the same key (found with
 * ListMultipartUploads) is continued; ListParts says which parts arrived,
 * and a part whose size and ETag (the MD5 of its bytes) match is not sent
 * again. An upload S3 no longer knows (NoSuchUpload: aborted, or expired by
 * a lifecycle rule) is started afresh, once. CompleteMultipartUpload may
 * answer 200 with an <Error> document (S3 documents this): that is an
 * error too. Retries of each request are the client's; this file only
 * decides what still has to be sent.
 */
#include "s3_upload.h"

#include <libxml/tree.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

#define S3_NAMESPACE "http://s3.amazonaws.com/doc/2006-03-01/"
#define MIN_PART_SIZE ((size_t)5 * 1024 * 1024)
#define MAX_PARTS 10000

typedef struct upload {
    aws_client *client;
    const aws_s3_object *object;
    const aws_s3_upload_options *options;
    size_t part_size;
    int part_count;
    char bucket_path[200]; /* /<bucket>, wire form */
    char path[1200];       /* /<bucket>/<key>, wire form */
    char upload_id[1024];
    char (*etags)[48];     /* part i's ETag, quoted as S3 gives it; "" until sent */
    size_t sent_before;    /* bytes of parts already done, for progress */
} upload;

void aws_s3_add_content_md5(aws_headers *headers, const void *body, size_t len)
{
    unsigned char md5[EVP_MAX_MD_SIZE];
    unsigned int md5_len = 0;
    char base64[32];
    EVP_Digest(body ? body : "", len, md5, &md5_len, EVP_md5(), NULL);
    EVP_EncodeBlock((unsigned char *)base64, md5, (int)md5_len);
    aws_headers_add(headers, "Content-MD5", base64);
}

/* "\"<hex md5>\"": the ETag S3 gives a part (and a single-part object). */
static void quoted_md5(const void *data, size_t len, char out[48])
{
    unsigned char md5[EVP_MAX_MD_SIZE];
    unsigned int md5_len = 0;
    EVP_Digest(data ? data : "", len, md5, &md5_len, EVP_md5(), NULL);
    char *p = out;
    *p++ = '"';
    for (unsigned int i = 0; i < md5_len; i++)
        p += sprintf(p, "%02x", md5[i]);
    *p++ = '"';
    *p = '\0';
}

/* The bucket's and the object's paths, wire form (S3 is addressed path-style). */
static int make_paths(upload *u, base_error *err)
{
    base_buf path = {0};
    base_buf_append_char(&path, '/');
    aws_uri_encode(&path, u->object->bucket, strlen(u->object->bucket), 0);
    bool fits = path.len < sizeof u->bucket_path;
    if (fits)
        memcpy(u->bucket_path, path.data, path.len + 1);
    base_buf_append_char(&path, '/');
    aws_uri_encode(&path, u->object->key, strlen(u->object->key), 1);
    fits = fits && path.len < sizeof u->path;
    if (fits)
        memcpy(u->path, path.data, path.len + 1);
    base_buf_free(&path);
    ENSURE(fits, err, BASE_ERROR_INVALID, "KeyTooLong", "S3 key %.100s... is too long",
           u->object->key);
    return 0;
}

static size_t part_offset(const upload *u, int part) { return (size_t)(part - 1) * u->part_size; }

static size_t part_length(const upload *u, int part)
{
    size_t offset = part_offset(u, part);
    size_t rest = u->object->size - offset;
    return rest < u->part_size ? rest : u->part_size;
}

/* Forwards a request's progress as progress of the whole object. */
static void on_part_progress(void *ctx, size_t sent, size_t total)
{
    (void)total;
    const upload *u = ctx;
    u->options->progress(u->options->progress_ctx, u->sent_before + sent, u->object->size);
}

static void report_progress(const upload *u)
{
    if (u->options->progress)
        u->options->progress(u->options->progress_ctx, u->sent_before, u->object->size);
}

/* PUTs bytes to path?query with Content-MD5; the ETag S3 answers into etag. */
static int put_bytes(upload *u, const aws_params *query, const void *data, size_t len,
                     char etag[48], base_error *err)
{
    aws_http_request req;
    TRY(aws_client_request(u->client, &aws_service_s3, "PUT", u->path, &req, err));
    aws_request_add_params(&req, query);
    aws_s3_add_content_md5(&req.headers, data, len);
    if (!query || !query->count)
        aws_headers_add(&req.headers, "Content-Type",
                        u->object->content_type ? u->object->content_type
                                                : "application/octet-stream");
    base_buf_append(&req.body, data, len);
    if (u->options->progress) {
        req.progress = on_part_progress;
        req.progress_ctx = u;
    }
    aws_http_response resp = {0};
    int rc = aws_client_send(u->client, &aws_service_s3, &req, &resp, err);
    if (rc == 0 && etag) {
        const char *given = aws_headers_get(&resp.headers, "ETag");
        snprintf(etag, 48, "%s", given ? given : "");
    }
    aws_http_response_free(&resp);
    aws_http_request_free(&req);
    return rc;
}

static int put_whole_object(upload *u, base_error *err)
{
    return put_bytes(u, NULL, u->object->data, u->object->size, NULL, err);
}

/* A rest-xml call on the object (or, with bucket_only, the bucket) with query pairs. */
static int object_call(upload *u, const char *method, bool bucket_only, const char *const *pairs,
                       const base_buf *body, xmlDocPtr *out, base_error *err)
{
    aws_params query = {0};
    for (size_t i = 0; pairs && pairs[i]; i += 2)
        aws_params_add(&query, pairs[i], pairs[i + 1]);
    const char *path = bucket_only ? u->bucket_path : u->path;
    aws_headers headers = {0};
    if (body)
        aws_headers_add(&headers, "Content-Type", "application/xml");
    int rc = aws_rest_xml_call(u->client, &aws_service_s3, method, path, &query, &headers,
                               body ? body->data : NULL, body ? body->len : 0, NULL, out, err);
    aws_params_free(&query);
    aws_headers_free(&headers);
    return rc;
}

static bool named(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* The newest unfinished upload of exactly this key, if any. */
static int find_unfinished(upload *u, base_error *err)
{
    const char *pairs[] = {"uploads", "", "prefix", u->object->key, NULL};
    xmlDocPtr doc = NULL;
    TRY(object_call(u, "GET", true, pairs, NULL, &doc, err));
    char newest[64] = "";
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next) {
        if (!named(n, "Upload"))
            continue;
        char *key = aws_xml_find_text(n, "Key");
        char *id = aws_xml_find_text(n, "UploadId");
        char *initiated = aws_xml_find_text(n, "Initiated");
        /* ISO 8601 times in one zone sort as strings. */
        if (key && id && strcmp(key, u->object->key) == 0 &&
            (!u->upload_id[0] || (initiated && strcmp(initiated, newest) > 0))) {
            snprintf(u->upload_id, sizeof u->upload_id, "%s", id);
            snprintf(newest, sizeof newest, "%s", initiated ? initiated : "");
        }
        free(key);
        free(id);
        free(initiated);
    }
    xmlFreeDoc(doc);
    return 0;
}

static int start_upload(upload *u, base_error *err)
{
    const char *pairs[] = {"uploads", "", NULL};
    xmlDocPtr doc = NULL;
    TRY(object_call(u, "POST", false, pairs, NULL, &doc, err));
    char *id = doc ? aws_xml_find_text(xmlDocGetRootElement(doc), "UploadId") : NULL;
    xmlFreeDoc(doc);
    if (!id || !id[0]) {
        free(id);
        return base_error_set(err, BASE_ERROR_PARSE, "MalformedResponse",
                             "S3 CreateMultipartUpload of %s gave no UploadId", u->object->key);
    }
    snprintf(u->upload_id, sizeof u->upload_id, "%s", id);
    free(id);
    return 0;
}

/* Takes one <Part> of ListParts: kept when its size and MD5 are this part's. */
static void take_listed_part(upload *u, xmlNodePtr part)
{
    char *number = aws_xml_find_text(part, "PartNumber");
    char *etag = aws_xml_find_text(part, "ETag");
    char *size = aws_xml_find_text(part, "Size");
    int n = number ? atoi(number) : 0;
    if (n >= 1 && n <= u->part_count && etag && size &&
        strtoull(size, NULL, 10) == part_length(u, n)) {
        char want[48];
        quoted_md5((const char *)u->object->data + part_offset(u, n), part_length(u, n), want);
        if (strcmp(etag, want) == 0)
            snprintf(u->etags[n - 1], sizeof u->etags[n - 1], "%s", etag);
    }
    free(number);
    free(etag);
    free(size);
}

/* Marks the parts an earlier run already sent. */
static int read_listed_parts(upload *u, base_error *err)
{
    char marker[16] = "0";
    for (;;) {
        const char *pairs[] = {"uploadId", u->upload_id, "part-number-marker", marker, NULL};
        xmlDocPtr doc = NULL;
        TRY(object_call(u, "GET", false, pairs, NULL, &doc, err));
        xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
        for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next)
            if (named(n, "Part"))
                take_listed_part(u, n);
        char *truncated = root ? aws_xml_find_text(root, "IsTruncated") : NULL;
        char *next = root ? aws_xml_find_text(root, "NextPartNumberMarker") : NULL;
        bool more = truncated && strcmp(truncated, "true") == 0 && next && strcmp(next, marker) != 0;
        if (more)
            snprintf(marker, sizeof marker, "%s", next);
        free(truncated);
        free(next);
        xmlFreeDoc(doc);
        if (!more)
            return 0;
    }
}

static int send_missing_parts(upload *u, base_error *err)
{
    u->sent_before = 0;
    for (int n = 1; n <= u->part_count; n++)
        if (u->etags[n - 1][0]) {
            u->sent_before += part_length(u, n);
            if (u->options->parts_reused)
                (*u->options->parts_reused)++;
        }
    report_progress(u);
    for (int n = 1; n <= u->part_count; n++) {
        if (u->etags[n - 1][0])
            continue;
        char number[16];
        snprintf(number, sizeof number, "%d", n);
        aws_params query = {0};
        aws_params_add(&query, "partNumber", number);
        aws_params_add(&query, "uploadId", u->upload_id);
        int rc = put_bytes(u, &query, (const char *)u->object->data + part_offset(u, n),
                           part_length(u, n), u->etags[n - 1], err);
        aws_params_free(&query);
        TRY(rc);
        ENSURE(u->etags[n - 1][0], err, BASE_ERROR_PARSE, "MalformedResponse",
               "S3 UploadPart %d of %s gave no ETag", n, u->object->key);
        u->sent_before += part_length(u, n);
        report_progress(u);
        if (u->options->parts_sent)
            (*u->options->parts_sent)++;
    }
    return 0;
}

static int complete_upload(upload *u, base_error *err)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(doc, NULL, BAD_CAST "CompleteMultipartUpload", NULL);
    xmlDocSetRootElement(doc, root);
    xmlSetNs(root, xmlNewNs(root, BAD_CAST S3_NAMESPACE, NULL));
    for (int n = 1; n <= u->part_count; n++) {
        char number[16];
        snprintf(number, sizeof number, "%d", n);
        xmlNodePtr part = xmlNewChild(root, NULL, BAD_CAST "Part", NULL);
        xmlNewTextChild(part, NULL, BAD_CAST "PartNumber", BAD_CAST number);
        xmlNewTextChild(part, NULL, BAD_CAST "ETag", BAD_CAST u->etags[n - 1]);
    }
    xmlChar *text = NULL;
    int len = 0;
    xmlDocDumpMemory(doc, &text, &len);
    xmlFreeDoc(doc);
    base_buf body = {0};
    base_buf_append(&body, text, (size_t)len);
    xmlFree(text);
    const char *pairs[] = {"uploadId", u->upload_id, NULL};
    xmlDocPtr answer = NULL;
    int rc = object_call(u, "POST", false, pairs, &body, &answer, err);
    base_buf_free(&body);
    xmlNodePtr answer_root = answer ? xmlDocGetRootElement(answer) : NULL;
    if (rc == 0 && answer_root && named(answer_root, "Error")) {
        base_error_set(err, BASE_ERROR_SERVICE, "", "S3 CompleteMultipartUpload of %s failed",
                      u->object->key);
        aws_xml_read_error(answer, "RequestId", err);
        err->http_status = 200;
        err->retryable = strcmp(err->code, "InternalError") == 0 ||
                         strcmp(err->code, "SlowDown") == 0;
        rc = -1;
    }
    xmlFreeDoc(answer);
    return rc;
}

/* One pass: continue or start an upload, send what is missing, complete it. */
static int upload_in_parts(upload *u, bool resume, base_error *err)
{
    u->upload_id[0] = '\0';
    for (int n = 0; n < u->part_count; n++)
        u->etags[n][0] = '\0';
    if (resume)
        TRY(find_unfinished(u, err));
    if (u->upload_id[0])
        TRY(read_listed_parts(u, err));
    else
        TRY(start_upload(u, err));
    TRY(send_missing_parts(u, err));
    return complete_upload(u, err);
}

int aws_s3_upload(aws_client *c, const aws_s3_object *o, const aws_s3_upload_options *options,
                  base_error *err)
{
    static const aws_s3_upload_options none = {0};
    upload u = {.client = c, .object = o, .options = options ? options : &none};
    u.part_size = u.options->part_size ? u.options->part_size : AWS_S3_PART_SIZE;
    ENSURE(u.part_size >= MIN_PART_SIZE, err, BASE_ERROR_INVALID, "InvalidPartSize",
           "S3 parts are at least 5 MiB, not %zu bytes", u.part_size);
    ENSURE(o->size / u.part_size < MAX_PARTS, err, BASE_ERROR_INVALID, "ObjectTooLarge",
           "%s: %zu bytes need more than %d parts of %zu bytes", o->key, o->size, MAX_PARTS,
           u.part_size);
    TRY(make_paths(&u, err));
    if (o->size <= u.part_size) {
        report_progress(&u);
        TRY(put_whole_object(&u, err));
        u.sent_before = o->size;
        report_progress(&u);
        return 0;
    }
    u.part_count = (int)((o->size + u.part_size - 1) / u.part_size);
    u.etags = base_xcalloc((size_t)u.part_count, sizeof *u.etags);
    int rc = upload_in_parts(&u, true, err);
    if (rc != 0 && strcmp(err->code, "NoSuchUpload") == 0)
        rc = upload_in_parts(&u, false, err);
    free(u.etags);
    return rc;
}

/*
 * site_content.c - what the site bucket serves: every file of the project's
 * static/ directory, and config.json, generated here, which tells the page
 * where the WebSocket API and the snapshot are and how the canvas is set.
 *
 * static/ is found as install_paths.h says; a missing one is
 * an error, never an empty site. Dot files are skipped. S3's ETag of an
 * object uploaded in one PUT is the hex MD5 of its bytes (SSE-S3 keeps it
 * so), so comparing it with the local MD5 tells what differs without
 * downloading anything, and only that is uploaded. After any upload,
 * CloudFront is told to drop every path from its caches. Removing does nothing:
 * the bucket's removal empties it.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "provision/kind_support.h"
#include "provision/install_paths.h"
#include "provision/static_site.h"
#include "stack/description.h"

#define CLOUDFRONT_NAMESPACE "http://cloudfront.amazonaws.com/doc/2020-05-31/"
#define CONFIG_KEY "config.json"
#define MD5_HEX 33

typedef struct site_file {
    char *key;          /* object key: the path below static/ */
    base_buf body;
    char md5[MD5_HEX];  /* lowercase hex, as S3's ETag */
    char md5_base64[32]; /* for Content-MD5: S3 checks what it received */
    const char *content_type;
    bool in_bucket;     /* an object of that key exists */
    bool current;       /* ... with the same bytes */
} site_file;

typedef struct site {
    site_file *files;
    size_t count;
} site;

static void digest(site_file *f)
{
    unsigned char md5[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(f->body.data ? f->body.data : "", f->body.len, md5, &len, EVP_md5(), NULL);
    for (unsigned int i = 0; i < len && i < 16; i++)
        snprintf(f->md5 + 2 * i, 3, "%02x", md5[i]);
    EVP_EncodeBlock((unsigned char *)f->md5_base64, md5, (int)len);
}

static void site_add(site *s, const char *key, base_buf *body)
{
    s->files = base_xrealloc(s->files, (s->count + 1) * sizeof *s->files);
    site_file *f = &s->files[s->count++];
    memset(f, 0, sizeof *f);
    f->key = base_xstrdup(key);
    f->body = *body;
    *body = (base_buf){0};
    digest(f);
    f->content_type = static_content_type(key);
}

static void site_free(site *s)
{
    for (size_t i = 0; i < s->count; i++) {
        free(s->files[i].key);
        base_buf_free(&s->files[i].body);
    }
    free(s->files);
    *s = (site){0};
}

static int read_file(const char *path, base_buf *out, base_error *err)
{
    FILE *f = fopen(path, "rb");
    ENSURE(f, err, BASE_ERROR_CONFIG, "StaticFileUnreadable", "cannot read %s", path);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        base_buf_append(out, chunk, n);
    bool failed = ferror(f) != 0;
    fclose(f);
    ENSURE(!failed, err, BASE_ERROR_CONFIG, "StaticFileUnreadable", "cannot read %s", path);
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds every regular file below dir (key prefix `prefix`), in name order. */
static int collect(const char *dir, const char *prefix, site *s, base_error *err)
{
    DIR *d = opendir(dir);
    ENSURE(d, err, BASE_ERROR_CONFIG, "StaticFileUnreadable", "cannot read directory %s", dir);
    char **names = NULL;
    size_t count = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        names = base_xrealloc(names, (count + 1) * sizeof *names);
        names[count++] = base_xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof *names, compare_names);
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        char path[PATH_MAX], key[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(key, sizeof key, "%s%s", prefix, names[i]);
        struct stat st;
        if (rc == 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            strncat(key, "/", sizeof key - strlen(key) - 1);
            rc = collect(path, key, s, err);
        } else if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
                   strcmp(key, CONFIG_KEY) != 0) { /* config.json is always ours */
            base_buf body = {0};
            rc = read_file(path, &body, err);
            if (rc == 0)
                site_add(s, key, &body);
            base_buf_free(&body);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

/* The page's host: the [domain] name, or the distribution's. */
static const char *page_host(const op_ctx *ctx, char buf[STATIC_SITE_URL_SIZE])
{
    char websocket[STATIC_SITE_URL_SIZE];
    if (static_site_domain_names(ctx->cfg, websocket, buf))
        return buf;
    return stack_output(ctx->stack, ROLE_DISTRIBUTION, "domain_name");
}

/* The WebSocket's URL people and the page use: the [domain]'s, or the stage's. */
static const char *public_websocket_url(const op_ctx *ctx, char buf[STATIC_SITE_URL_SIZE + 1])
{
    char host[STATIC_SITE_URL_SIZE];
    if (static_site_domain_names(ctx->cfg, buf, host)) {
        strcat(buf, "/");
        return buf;
    }
    return stack_output(ctx->stack, ROLE_WEBSOCKET_ROUTES, "websocket_url");
}

/* config.json: what the page reads to find its endpoints and canvas. */
static void add_config(const op_ctx *ctx, site *s)
{
    char websocket_buf[STATIC_SITE_URL_SIZE + 1], host_buf[STATIC_SITE_URL_SIZE];
    const char *websocket = public_websocket_url(ctx, websocket_buf);
    const char *domain = page_host(ctx, host_buf);
    char snapshot[512] = "";
    if (domain && domain[0])
        snprintf(snapshot, sizeof snapshot, "https://%s/snapshots/latest.json", domain);
    base_buf body = {0};
    static_site_config(ctx->cfg, websocket && websocket[0] ? websocket : NULL,
                       snapshot[0] ? snapshot : NULL, &body);
    site_add(s, CONFIG_KEY, &body);
}

/* The site as it should be: static/ and config.json. Without static/,
 * reading still works (status and down must work anywhere): *static_found
 * is false and the site is config.json alone. */
static int site_load(const op_ctx *ctx, site *s, bool *static_found, base_error *err)
{
    char dir[PATH_MAX];
    *s = (site){0};
    *static_found = install_path(INSTALL_STATIC, dir, err) == 0;
    if (!*static_found && strcmp(err->code, "NoStaticDirectory") != 0)
        return -1;
    if (*static_found && collect(dir, "", s, err) != 0) {
        site_free(s);
        return -1;
    }
    add_config(ctx, s);
    return 0;
}

/* The object path /<bucket>/<key>, key percent-encoded ('/' kept). */
static void object_path(const op_ctx *ctx, const char *key, base_buf *out)
{
    base_buf_printf(out, "/%s/", stack_resource_name(ctx->stack, ROLE_SITE_BUCKET));
    aws_uri_encode(out, key, strlen(key), 1);
}

static void match_object(void *ctx, xmlNodePtr contents)
{
    site *s = ctx;
    char *key = aws_xml_find_text(contents, "Key");
    char *etag = aws_xml_find_text(contents, "ETag");
    for (size_t i = 0; key && i < s->count; i++) {
        if (strcmp(s->files[i].key, key) != 0)
            continue;
        s->files[i].in_bucket = true;
        const char *hex = etag ? etag : "";
        size_t len = strlen(hex);
        if (len >= 2 && hex[0] == '"' && hex[len - 1] == '"') {
            hex++;
            len -= 2;
        }
        s->files[i].current = len == MD5_HEX - 1 && strncasecmp(hex, s->files[i].md5, len) == 0;
    }
    free(key);
    free(etag);
}

/* Marks which files the bucket holds, and which of those are current.
 * *bucket_found false when the bucket itself is absent. */
static int compare_bucket(op_ctx *ctx, site *s, bool *bucket_found, base_error *err)
{
    char path[160];
    snprintf(path, sizeof path, "/%s", stack_resource_name(ctx->stack, ROLE_SITE_BUCKET));
    *bucket_found = true;
    char *token = NULL;
    do {
        aws_params query = {0};
        aws_params_add(&query, "list-type", "2");
        if (token)
            aws_params_add(&query, "continuation-token", token);
        free(token);
        token = NULL;
        xmlDocPtr doc = NULL;
        int rc = aws_rest_xml_call(ctx->client, &aws_service_s3, "GET", path, &query, NULL, NULL, 0,
                                   NULL, &doc, err);
        aws_params_free(&query);
        if (rc != 0 && error_is(err, "NoSuchBucket")) {
            base_error_clear(err);
            *bucket_found = false;
            return 0;
        }
        TRY(rc);
        xmlNodePtr root = xmlDocGetRootElement(doc);
        xml_each_element(root, "Contents", match_object, s);
        char *truncated = aws_xml_find_text(root, "IsTruncated");
        if (truncated && strcmp(truncated, "true") == 0)
            token = aws_xml_find_text(root, "NextContinuationToken");
        free(truncated);
        xmlFreeDoc(doc);
    } while (token && token[0]);
    free(token);
    return 0;
}

static void fill(const op_ctx *ctx, resource *r, const site *s)
{
    char websocket_buf[STATIC_SITE_URL_SIZE + 1], host_buf[STATIC_SITE_URL_SIZE];
    const char *domain = page_host(ctx, host_buf);
    const char *websocket = public_websocket_url(ctx, websocket_buf);
    if (websocket && websocket[0])
        resource_set_output(r, "websocket_url", websocket);
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", stack_resource_name(ctx->stack, ROLE_SITE_BUCKET));
    snprintf(r->state, sizeof r->state, "%zu file%s", s->count, s->count == 1 ? "" : "s");
    if (domain && domain[0]) {
        char url[512];
        snprintf(url, sizeof url, "https://%s/", domain);
        resource_set_output(r, "page_url", url);
        snprintf(url, sizeof url, "https://%s/%s", domain, CONFIG_KEY);
        resource_set_output(r, "config_url", url);
    }
}

static int site_content_read(op_ctx *ctx, resource *r, base_error *err)
{
    site s;
    bool static_found;
    TRY(site_load(ctx, &s, &static_found, err));
    base_error_clear(err);
    bool bucket_found = false;
    int rc = compare_bucket(ctx, &s, &bucket_found, err);
    size_t present = 0;
    for (size_t i = 0; i < s.count; i++)
        present += s.files[i].in_bucket;
    if (rc == 0 && bucket_found && present > 0) {
        fill(ctx, r, &s);
        if (!static_found)
            resource_add_drift(r, "static/ directory", "not found", "the page's files");
        for (size_t i = 0; i < s.count; i++) {
            if (s.files[i].current)
                continue;
            char setting[PATH_MAX + 16];
            snprintf(setting, sizeof setting, "object %s", s.files[i].key);
            resource_add_drift(r, setting, s.files[i].in_bucket ? "different" : "missing",
                               "the local file");
        }
    }
    site_free(&s);
    return rc;
}

static int put_object(op_ctx *ctx, const site_file *f, base_error *err)
{
    base_buf path = {0};
    object_path(ctx, f->key, &path);
    aws_headers headers = {0};
    aws_headers_add(&headers, "Content-Type", f->content_type);
    aws_headers_add(&headers, "Content-MD5", f->md5_base64);
    int rc = aws_rest_xml_call(ctx->client, &aws_service_s3, "PUT", base_buf_str(&path), NULL, &headers,
                               f->body.data ? f->body.data : "", f->body.len, NULL, NULL, err);
    aws_headers_free(&headers);
    base_buf_free(&path);
    if (rc != 0 && error_is(err, "NoSuchBucket"))
        err->retryable = true; /* a bucket just made is not visible everywhere at once */
    return rc;
}

/* Tells CloudFront to drop everything it cached; a fresh CallerReference
 * makes each one a new invalidation. */
static int invalidate(op_ctx *ctx, base_error *err)
{
    const char *distribution_id = stack_output(ctx->stack, ROLE_DISTRIBUTION, "distribution_id");
    if (!distribution_id || !distribution_id[0])
        return 0; /* nothing caches the site yet */
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(doc, NULL, BAD_CAST "InvalidationBatch", NULL);
    xmlDocSetRootElement(doc, root);
    xmlSetNs(root, xmlNewNs(root, BAD_CAST CLOUDFRONT_NAMESPACE, NULL));
    xmlNodePtr paths = xmlNewChild(root, NULL, BAD_CAST "Paths", NULL);
    xmlNewTextChild(paths, NULL, BAD_CAST "Quantity", BAD_CAST "1");
    xmlNewTextChild(xmlNewChild(paths, NULL, BAD_CAST "Items", NULL), NULL, BAD_CAST "Path", BAD_CAST "/*");
    char token[37];
    aws_client_token(token);
    xmlNewTextChild(root, NULL, BAD_CAST "CallerReference", BAD_CAST token);
    xmlChar *text = NULL;
    int len = 0;
    xmlDocDumpMemory(doc, &text, &len);
    xmlFreeDoc(doc);
    char path[256];
    snprintf(path, sizeof path, "/2020-05-31/distribution/%s/invalidation", distribution_id);
    aws_headers headers = {0};
    aws_headers_add(&headers, "Content-Type", "application/xml");
    int rc = aws_rest_xml_call(ctx->client, &aws_service_cloudfront, "POST", path, NULL, &headers, text,
                               (size_t)len, NULL, NULL, err);
    aws_headers_free(&headers);
    xmlFree(text);
    return rc;
}

/* Uploads what is missing or differs, then invalidates if anything was. */
static int site_content_sync(op_ctx *ctx, resource *r, base_error *err)
{
    site s;
    bool static_found;
    TRY(site_load(ctx, &s, &static_found, err));
    if (!static_found) {
        site_free(&s);
        return -1; /* err says where static/ was looked for */
    }
    bool bucket_found = false;
    int rc = compare_bucket(ctx, &s, &bucket_found, err);
    if (rc == 0 && !bucket_found) {
        rc = base_error_set(err, BASE_ERROR_SERVICE, "NoSuchBucket", "S3 bucket %s does not exist yet",
                           stack_resource_name(ctx->stack, ROLE_SITE_BUCKET));
        err->retryable = true;
    }
    size_t uploaded = 0;
    for (size_t i = 0; rc == 0 && i < s.count; i++) {
        if (s.files[i].current)
            continue;
        rc = put_object(ctx, &s.files[i], err);
        uploaded += rc == 0;
    }
    if (rc == 0 && uploaded > 0)
        rc = invalidate(ctx, err);
    if (rc == 0) {
        fill(ctx, r, &s);
        base_buf_free(&r->drift);
    }
    site_free(&s);
    return rc;
}

static int site_content_remove(op_ctx *ctx, resource *r, base_error *err)
{
    (void)ctx;
    (void)r;
    (void)err;
    return 0; /* the bucket's removal empties it */
}

const resource_ops site_content_ops = {
    .kind = "site content",
    .read = site_content_read,
    .create = site_content_sync,
    .update = site_content_sync,
    .remove = site_content_remove,
};

/*
 * sigv4_test.c - the signer against every case of the AWS SigV4 test suite
 * ($SCRIBBLE_SHARED_DIR/testdata/aws-sigv4/v4, Authorization-header form,
 * compared byte for byte), then checks of our own where the suite is silent:
 * S3-style signing (AWS's documented S3 examples: no normalisation, no
 * double encoding, x-amz-content-sha256), UNSIGNED-PAYLOAD, query
 * canonicalisation, re-signing and the error paths.
 *
 * A failing case names itself and shows what it got and what it wanted.
 * Nothing printed here ever contains a secret key.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "aws/sigv4.h"
#include "base/cursor.h"
#include "test.h"

#define SUITE_CASES 38

/* ---- helpers ---- */

static bool read_file(const char *dir, const char *name, base_buf *out)
{
    base_buf path = {0};
    base_buf_printf(&path, "%s/%s", dir, name);
    FILE *f = fopen(base_buf_str(&path), "rb");
    base_buf_free(&path);
    if (!f)
        return false;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        base_buf_append(out, chunk, n);
    base_buf_append(out, "", 0); /* an empty file still reads as "" */
    bool ok = !ferror(f);
    fclose(f);
    return ok;
}

static size_t first_difference(const char *a, const char *b)
{
    size_t i = 0;
    while (a[i] && a[i] == b[i])
        i++;
    return i;
}

/* Like CHECK_STR_EQ, but names the case and shows multi-line text whole. */
static void expect_same(const char *case_name, const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) == 0)
        return;
    fprintf(stderr,
            "case %s: %s differs at byte %zu\n--- got ---\n%s\n--- want ---\n%s\n-----------\n",
            case_name, what, first_difference(got, want), got, want);
    test_failures++;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static time_t utc(int year, int month, int day, int hour, int minute, int second)
{
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
                    .tm_hour = hour, .tm_min = minute, .tm_sec = second};
    return timegm(&tm);
}

/* ---- the suite: reading a case ---- */

typedef struct suite_case {
    const char *name;
    aws_credentials creds;
    char region[64];
    char service[64];
    time_t now;
    bool normalize;
    bool sign_body;
    bool omit_session_token; /* the token is added after signing, unsigned */
} suite_case;

static const char *json_string(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static bool json_true(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static bool parse_timestamp(const char *s, time_t *out)
{
    int y, mo, d, h, mi, sec;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &sec) != 6)
        return false;
    *out = utc(y, mo, d, h, mi, sec);
    return true;
}

static bool parse_context(const char *text, suite_case *c)
{
    cJSON *root = cJSON_Parse(text);
    const cJSON *creds = cJSON_GetObjectItemCaseSensitive(root, "credentials");
    const char *akid = json_string(creds, "access_key_id");
    const char *secret = json_string(creds, "secret_access_key");
    const char *token = json_string(creds, "token");
    const char *region = json_string(root, "region");
    const char *service = json_string(root, "service");
    bool ok = akid && secret && region && service &&
              parse_timestamp(json_string(root, "timestamp"), &c->now);
    if (ok) {
        c->creds.access_key_id = base_xstrdup(akid);
        c->creds.secret_access_key = base_xstrdup(secret);
        c->creds.session_token = token ? base_xstrdup(token) : NULL;
        snprintf(c->region, sizeof c->region, "%s", region);
        snprintf(c->service, sizeof c->service, "%s", service);
        c->normalize = json_true(root, "normalize");
        c->sign_body = json_true(root, "sign_body");
        c->omit_session_token = json_true(root, "omit_session_token");
    }
    cJSON_Delete(root);
    return ok;
}

/* "GET /path?query HTTP/1.1": the target may hold spaces (get-space-*). */
static bool parse_request_line(base_cursor line, aws_http_request *req, char **version)
{
    const char *first_space = memchr(line.ptr, ' ', line.len);
    const char *last_space = line.ptr + line.len;
    while (last_space > line.ptr && last_space[-1] != ' ')
        last_space--;
    if (!first_space || last_space - 1 <= first_space)
        return false;
    char *method = base_xstrndup(line.ptr, (size_t)(first_space - line.ptr));
    base_cursor target = base_cursor_of(first_space + 1, (size_t)(last_space - 1 - (first_space + 1)));
    base_cursor path = {0};
    base_cursor_next_token(&target, '?', &path);
    char *path_str = base_cursor_dup(path);
    aws_http_request_init(req, method, "https://example.amazonaws.com", path_str);
    base_buf_append(&req->query, target.ptr, target.len);
    *version = base_xstrndup(last_space, (size_t)(line.ptr + line.len - last_space));
    free(method);
    free(path_str);
    return true;
}

/* A line starting with whitespace continues the previous header's value;
 * the value keeps the line break, as it was on the wire. */
static void continue_last_header(aws_http_request *req, base_cursor line)
{
    aws_header *last = &req->headers.items[req->headers.count - 1];
    base_buf value = {0};
    base_buf_printf(&value, "%s\n", last->value);
    base_buf_append(&value, line.ptr, line.len);
    free(last->value);
    last->value = base_buf_detach(&value);
}

static bool parse_header_line(aws_http_request *req, base_cursor line)
{
    if ((line.ptr[0] == ' ' || line.ptr[0] == '\t') && req->headers.count) {
        continue_last_header(req, line);
        return true;
    }
    const char *colon = memchr(line.ptr, ':', line.len);
    if (!colon)
        return false;
    char *name = base_xstrndup(line.ptr, (size_t)(colon - line.ptr));
    char *value = base_xstrndup(colon + 1, (size_t)(line.ptr + line.len - colon - 1));
    aws_headers_add(&req->headers, name, value);
    free(name);
    free(value);
    return true;
}

/* Parses request.txt into req, keeping header names and values exactly as
 * written so the signed request renders back in the same form. */
static bool parse_request(const char *text, aws_http_request *req, char **version)
{
    base_cursor rest = base_cursor_from(text), line = {0};
    if (!base_cursor_next_token(&rest, '\n', &line) || !parse_request_line(line, req, version))
        return false;
    while (base_cursor_next_token(&rest, '\n', &line)) {
        if (line.len == 0) {
            base_buf_append(&req->body, rest.ptr, rest.len);
            break;
        }
        if (!parse_header_line(req, line))
            return false;
    }
    const char *host = aws_headers_get(&req->headers, "Host");
    if (host) {
        free(req->endpoint);
        base_buf endpoint = {0};
        base_buf_printf(&endpoint, "https://%s", host);
        req->endpoint = base_buf_detach(&endpoint);
    }
    return true;
}

static void render_request(const aws_http_request *req, const char *version, base_buf *out)
{
    base_buf_printf(out, "%s %s%s%s %s\n", req->method, base_buf_str(&req->path),
                   req->query.len ? "?" : "", base_buf_str(&req->query), version);
    for (size_t i = 0; i < req->headers.count; i++)
        base_buf_printf(out, "%s:%s\n", req->headers.items[i].name, req->headers.items[i].value);
    base_buf_append_char(out, '\n');
    base_buf_append(out, base_buf_str(&req->body), req->body.len);
}

/* omit_session_token: the token goes on after signing, unsigned, where a
 * signer that added it would have put it (before X-Amz-Date). */
static void insert_header_before(aws_headers *h, const char *before, const char *name,
                                 const char *value)
{
    aws_headers_add(h, name, value);
    aws_header added = h->items[h->count - 1];
    size_t at = h->count - 1;
    for (size_t i = 0; i + 1 < h->count; i++) {
        if (strcasecmp(h->items[i].name, before) == 0) {
            at = i;
            break;
        }
    }
    memmove(&h->items[at + 1], &h->items[at], (h->count - 1 - at) * sizeof *h->items);
    h->items[at] = added;
}

/* ---- the suite: running a case ---- */

typedef struct expected {
    base_buf canonical_request, string_to_sign, signature, signed_request;
} expected;

static bool read_case(const char *dir, suite_case *c, aws_http_request *req, char **version,
                      expected *want)
{
    base_buf context = {0}, request = {0};
    bool ok = read_file(dir, "context.json", &context) && read_file(dir, "request.txt", &request) &&
              read_file(dir, "header-canonical-request.txt", &want->canonical_request) &&
              read_file(dir, "header-string-to-sign.txt", &want->string_to_sign) &&
              read_file(dir, "header-signature.txt", &want->signature) &&
              read_file(dir, "header-signed-request.txt", &want->signed_request);
    if (!ok)
        fprintf(stderr, "case %s: cannot read its files in %s\n", c->name, dir);
    else if (!(ok = parse_context(base_buf_str(&context), c)))
        fprintf(stderr, "case %s: cannot parse context.json\n", c->name);
    else if (!(ok = parse_request(base_buf_str(&request), req, version)))
        fprintf(stderr, "case %s: cannot parse request.txt\n", c->name);
    base_buf_free(&context);
    base_buf_free(&request);
    return ok;
}

static int sign_case(const suite_case *c, aws_http_request *req, aws_sign_trace *trace)
{
    aws_credentials creds = c->creds;
    if (c->omit_session_token)
        creds.session_token = NULL;
    aws_sign_params params = {.region = c->region,
                              .service = c->service,
                              .now = c->now,
                              .normalize_path = c->normalize,
                              .double_encode_path = true,
                              .add_content_sha256 = c->sign_body};
    base_error err = {0};
    if (aws_sigv4_sign(req, &creds, &params, trace, &err) != 0) {
        fprintf(stderr, "case %s: signing failed: %s: %s\n", c->name, err.code, err.message);
        return -1;
    }
    if (c->omit_session_token && c->creds.session_token)
        insert_header_before(&req->headers, "X-Amz-Date", "X-Amz-Security-Token",
                             c->creds.session_token);
    return 0;
}

static void compare_case(const suite_case *c, const aws_http_request *req, const char *version,
                         const aws_sign_trace *trace, const expected *want)
{
    base_buf rendered = {0};
    render_request(req, version, &rendered);
    expect_same(c->name, "canonical request", base_buf_str(&trace->canonical_request),
                base_buf_str(&want->canonical_request));
    expect_same(c->name, "string to sign", base_buf_str(&trace->string_to_sign),
                base_buf_str(&want->string_to_sign));
    expect_same(c->name, "signature", trace->signature, base_buf_str(&want->signature));
    expect_same(c->name, "signed request", base_buf_str(&rendered), base_buf_str(&want->signed_request));
    base_buf_free(&rendered);
}

/* Returns true when the case reproduces every header-* file. */
static bool run_case(const char *suite_dir, const char *name)
{
    int failures_before = test_failures;
    base_buf dir = {0};
    base_buf_printf(&dir, "%s/%s", suite_dir, name);
    suite_case c = {.name = name};
    aws_http_request req = {0};
    char *version = NULL;
    expected want = {0};
    aws_sign_trace trace = {0};
    if (!read_case(base_buf_str(&dir), &c, &req, &version, &want) || sign_case(&c, &req, &trace) != 0)
        test_failures++;
    else
        compare_case(&c, &req, version, &trace, &want);

    aws_sign_trace_free(&trace);
    base_buf_free(&want.canonical_request);
    base_buf_free(&want.string_to_sign);
    base_buf_free(&want.signature);
    base_buf_free(&want.signed_request);
    free(version);
    aws_http_request_free(&req);
    aws_credentials_free(&c.creds);
    base_buf_free(&dir);
    return test_failures == failures_before;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_case_dir(const char *suite_dir, const char *name)
{
    if (name[0] == '.')
        return false;
    base_buf path = {0};
    base_buf_printf(&path, "%s/%s", suite_dir, name);
    struct stat st;
    bool dir = stat(base_buf_str(&path), &st) == 0 && S_ISDIR(st.st_mode);
    base_buf_free(&path);
    return dir;
}

/* Case folder names, sorted; *count is how many. NULL if the folder cannot be opened. */
static char **list_cases(const char *suite_dir, size_t *count)
{
    DIR *d = opendir(suite_dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_case_dir(suite_dir, e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = base_xrealloc(names, cap * sizeof *names);
        }
        names[n++] = base_xstrdup(e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, compare_names);
    *count = n;
    return names;
}

static void run_suite(void)
{
    const char *shared = getenv("SCRIBBLE_SHARED_DIR");
    if (!shared || !shared[0]) {
        fprintf(stderr, "SCRIBBLE_SHARED_DIR is not set: cannot find the SigV4 test suite "
                        "(run this test through ctest)\n");
        test_failures++;
        return;
    }
    base_buf suite_dir = {0};
    base_buf_printf(&suite_dir, "%s/testdata/aws-sigv4/v4", shared);
    size_t count = 0, passed = 0;
    char **names = list_cases(base_buf_str(&suite_dir), &count);
    if (!names || count < SUITE_CASES) {
        fprintf(stderr, "the SigV4 test suite in %s has %zu case folders, want at least %d\n",
                base_buf_str(&suite_dir), count, SUITE_CASES);
        test_failures++;
    }
    for (size_t i = 0; i < count; i++) {
        passed += run_case(base_buf_str(&suite_dir), names[i]);
        free(names[i]);
    }
    free(names);
    printf("SigV4 suite: %zu of %zu cases reproduced byte for byte\n", passed, count);
    base_buf_free(&suite_dir);
}

/* ---- our own checks ---- */

/* The key pair of AWS's documented S3 SigV4 examples (sig-v4-header-based-auth). */
static const aws_credentials s3_example_creds = {
    .access_key_id = "AKIAIOSFODNN7EXAMPLE",
    .secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

static aws_sign_params s3_params(void)
{
    return (aws_sign_params){.region = "us-east-1",
                             .service = "s3",
                             .now = utc(2013, 5, 24, 0, 0, 0),
                             .add_content_sha256 = true};
}

static void s3_example_request(aws_http_request *req, const char *method, const char *path,
                               const char *query)
{
    aws_http_request_init(req, method, "https://examplebucket.s3.amazonaws.com", path);
    base_buf_append_str(&req->query, query);
    aws_headers_add(&req->headers, "Host", "examplebucket.s3.amazonaws.com");
}

static void test_sha256(void)
{
    char hex[65];
    aws_sha256_hex("", 0, hex);
    CHECK_STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    aws_sha256_hex("abc", 3, hex);
    CHECK_STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_s3_get_object(void)
{
    aws_http_request req;
    s3_example_request(&req, "GET", "/test.txt", "");
    aws_headers_add(&req.headers, "Range", "bytes=0-9");
    aws_sign_params p = s3_params();
    aws_sign_trace trace = {0};
    base_error err = {0};
    CHECK_INT_EQ(aws_sigv4_sign(&req, &s3_example_creds, &p, &trace, &err), 0);
    CHECK_STR_EQ(base_buf_str(&trace.canonical_request),
                 "GET\n/test.txt\n\n"
                 "host:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
                 "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
                 "x-amz-date:20130524T000000Z\n\n"
                 "host;range;x-amz-content-sha256;x-amz-date\n"
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_STR_EQ(base_buf_str(&trace.string_to_sign),
                 "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
                 "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
    CHECK_STR_EQ(trace.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    CHECK_STR_EQ(aws_headers_get(&req.headers, "Authorization"),
                 "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                 "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                 "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    aws_sign_trace_free(&trace);
    aws_http_request_free(&req);
}

/* The wire path "/test%24file.text" is signed as it is: S3 neither decodes
 * nor encodes it again. The payload hash is the body's. */
static void test_s3_put_object(void)
{
    aws_http_request req;
    s3_example_request(&req, "PUT", "/test%24file.text", "");
    aws_headers_add(&req.headers, "Date", "Fri, 24 May 2013 00:00:00 GMT");
    aws_headers_add(&req.headers, "x-amz-storage-class", "REDUCED_REDUNDANCY");
    base_buf_append_str(&req.body, "Welcome to Amazon S3.");
    aws_sign_params p = s3_params();
    aws_sign_trace trace = {0};
    base_error err = {0};
    CHECK_INT_EQ(aws_sigv4_sign(&req, &s3_example_creds, &p, &trace, &err), 0);
    CHECK(starts_with(base_buf_str(&trace.canonical_request), "PUT\n/test%24file.text\n\n"));
    CHECK_STR_EQ(aws_headers_get(&req.headers, "X-Amz-Content-Sha256"),
                 "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    CHECK_STR_EQ(trace.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
    aws_sign_trace_free(&trace);
    aws_http_request_free(&req);
}

/* "?lifecycle" (no '=') signs as "lifecycle="; "max-keys=2&prefix=J" keeps its order. */
static void test_s3_query_examples(void)
{
    static const struct {
        const char *query, *canonical_query, *signature;
    } examples[] = {
        {"lifecycle", "lifecycle=", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
        {"prefix=J&max-keys=2", "max-keys=2&prefix=J",
         "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
    };
    for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++) {
        aws_http_request req;
        s3_example_request(&req, "GET", "/", examples[i].query);
        aws_sign_params p = s3_params();
        aws_sign_trace trace = {0};
        base_error err = {0};
        CHECK_INT_EQ(aws_sigv4_sign(&req, &s3_example_creds, &p, &trace, &err), 0);
        base_buf want_prefix = {0};
        base_buf_printf(&want_prefix, "GET\n/\n%s\n", examples[i].canonical_query);
        CHECK(starts_with(base_buf_str(&trace.canonical_request), base_buf_str(&want_prefix)));
        CHECK_STR_EQ(trace.signature, examples[i].signature);
        base_buf_free(&want_prefix);
        aws_sign_trace_free(&trace);
        aws_http_request_free(&req);
    }
}

/* Returns the canonical path line (the second line) of signing path with params. */
static char *canonical_path_of(const char *path, const aws_sign_params *p)
{
    aws_http_request req;
    s3_example_request(&req, "GET", path, "");
    aws_sign_trace trace = {0};
    base_error err = {0};
    CHECK_INT_EQ(aws_sigv4_sign(&req, &s3_example_creds, p, &trace, &err), 0);
    base_cursor rest = base_cursor_from(base_buf_str(&trace.canonical_request)), line = {0};
    base_cursor_next_token(&rest, '\n', &line);
    base_cursor_next_token(&rest, '\n', &line);
    char *result = base_cursor_dup(line);
    aws_sign_trace_free(&trace);
    aws_http_request_free(&req);
    return result;
}

static void test_path_forms(void)
{
    const char *wire = "/bucket/a/../b//c%20d/./";
    aws_sign_params s3 = s3_params();
    char *got = canonical_path_of(wire, &s3);
    CHECK_STR_EQ(got, wire);
    free(got);

    aws_sign_params other = s3_params();
    other.normalize_path = other.double_encode_path = true;
    got = canonical_path_of(wire, &other);
    CHECK_STR_EQ(got, "/bucket/b/c%2520d/");
    free(got);

    other.normalize_path = false;
    got = canonical_path_of(wire, &other);
    CHECK_STR_EQ(got, "/bucket/a/../b//c%2520d/./");
    free(got);
}

static void test_unsigned_payload(void)
{
    aws_http_request req;
    s3_example_request(&req, "PUT", "/big.bin", "");
    base_buf_append_str(&req.body, "not hashed");
    aws_sign_params p = s3_params();
    p.payload_hash = "UNSIGNED-PAYLOAD";
    aws_sign_trace trace = {0};
    base_error err = {0};
    CHECK_INT_EQ(aws_sigv4_sign(&req, &s3_example_creds, &p, &trace, &err), 0);
    CHECK_STR_EQ(aws_headers_get(&req.headers, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
    const char *canonical = base_buf_str(&trace.canonical_request);
    const char *tail = "\nhost;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD";
    size_t n = strlen(canonical), m = strlen(tail);
    CHECK(n >= m && strcmp(canonical + n - m, tail) == 0);
    CHECK(strstr(canonical, "x-amz-content-sha256:UNSIGNED-PAYLOAD\n") != NULL);
    aws_sign_trace_free(&trace);
    aws_http_request_free(&req);
}

static void test_query_canonicalisation(void)
{
    aws_http_request req;
    aws_http_request_init(&req, "GET", "https://sqs.us-east-1.amazonaws.com", "/");
    base_buf_append_str(&req.query, "b=2&a=%7e&&a=1&c&d=x%2Fy&e=a+b&f=%e1%88%b4");
    aws_headers_add(&req.headers, "Host", "sqs.us-east-1.amazonaws.com");
    aws_sign_params p = {.region = "us-east-1", .service = "sqs", .now = utc(2024, 1, 2, 3, 4, 5),
                         .normalize_path = true, .double_encode_path = true};
    aws_sign_trace trace = {0};
    base_error err = {0};
    CHECK_INT_EQ(aws_sigv4_sign(&req, &s3_example_creds, &p, &trace, &err), 0);
    CHECK(starts_with(base_buf_str(&trace.canonical_request),
                      "GET\n/\na=1&a=~&b=2&c=&d=x%2Fy&e=a%2Bb&f=%E1%88%B4\n"));
    CHECK_STR_EQ(aws_headers_get(&req.headers, "X-Amz-Date"), "20240102T030405Z");
    CHECK(aws_headers_get(&req.headers, "x-amz-content-sha256") == NULL);
    aws_sign_trace_free(&trace);
    aws_http_request_free(&req);
}

static size_t count_headers(const aws_headers *h, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < h->count; i++)
        n += strcasecmp(h->items[i].name, name) == 0;
    return n;
}

/* A retry signs the same request again: the old signing headers go. Headers
 * a proxy may rewrite (User-Agent) are never signed. */
static void test_resign(void)
{
    aws_credentials creds = s3_example_creds;
    creds.session_token = "token-value";
    aws_http_request req;
    s3_example_request(&req, "GET", "/", "");
    aws_headers_add(&req.headers, "User-Agent", "scribble/test");
    aws_sign_params p = s3_params();
    base_error err = {0};
    CHECK_INT_EQ(aws_sigv4_sign(&req, &creds, &p, NULL, &err), 0);
    p.now += 60;
    aws_sign_trace trace = {0};
    CHECK_INT_EQ(aws_sigv4_sign(&req, &creds, &p, &trace, &err), 0);
    CHECK_INT_EQ(count_headers(&req.headers, "Authorization"), 1);
    CHECK_INT_EQ(count_headers(&req.headers, "X-Amz-Date"), 1);
    CHECK_INT_EQ(count_headers(&req.headers, "X-Amz-Security-Token"), 1);
    CHECK_INT_EQ(count_headers(&req.headers, "X-Amz-Content-Sha256"), 1);
    CHECK_STR_EQ(aws_headers_get(&req.headers, "X-Amz-Date"), "20130524T000100Z");
    CHECK(strstr(aws_headers_get(&req.headers, "Authorization"),
                 "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,") != NULL);
    CHECK(strstr(base_buf_str(&trace.canonical_request), "user-agent") == NULL);
    aws_sign_trace_free(&trace);
    aws_http_request_free(&req);
}

static bool contains_secret(const aws_http_request *req, const aws_sign_trace *trace,
                            const char *secret)
{
    if (strstr(base_buf_str(&trace->canonical_request), secret) ||
        strstr(base_buf_str(&trace->string_to_sign), secret))
        return true;
    for (size_t i = 0; i < req->headers.count; i++)
        if (strstr(req->headers.items[i].value, secret))
            return true;
    return false;
}

static void test_secret_stays_out(void)
{
    aws_http_request req;
    s3_example_request(&req, "GET", "/test.txt", "");
    aws_sign_params p = s3_params();
    aws_sign_trace trace = {0};
    base_error err = {0};
    CHECK_INT_EQ(aws_sigv4_sign(&req, &s3_example_creds, &p, &trace, &err), 0);
    CHECK(!contains_secret(&req, &trace, s3_example_creds.secret_access_key));
    aws_sign_trace_free(&trace);
    aws_http_request_free(&req);
}

static void test_errors(void)
{
    aws_http_request req;
    aws_http_request_init(&req, "GET", "https://sqs.us-east-1.amazonaws.com", "/");
    aws_sign_params p = s3_params();
    base_error err = {0};
    CHECK_INT_EQ(aws_sigv4_sign(&req, &s3_example_creds, &p, NULL, &err), -1);
    CHECK_INT_EQ(err.kind, BASE_ERROR_INVALID);
    CHECK_STR_EQ(err.code, "MissingHost");
    CHECK_INT_EQ(req.headers.count, 0);

    aws_headers_add(&req.headers, "Host", "sqs.us-east-1.amazonaws.com");
    aws_credentials no_secret = {.access_key_id = "AKID"};
    base_error_clear(&err);
    CHECK_INT_EQ(aws_sigv4_sign(&req, &no_secret, &p, NULL, &err), -1);
    CHECK_INT_EQ(err.kind, BASE_ERROR_CREDENTIALS);
    CHECK_INT_EQ(req.headers.count, 1);

    p.region = NULL;
    base_error_clear(&err);
    CHECK_INT_EQ(aws_sigv4_sign(&req, &s3_example_creds, &p, NULL, &err), -1);
    CHECK_INT_EQ(err.kind, BASE_ERROR_INVALID);
    aws_http_request_free(&req);
}

int main(void)
{
    run_suite();
    test_sha256();
    test_s3_get_object();
    test_s3_put_object();
    test_s3_query_examples();
    test_path_forms();
    test_unsigned_payload();
    test_query_canonicalisation();
    test_resign();
    test_secret_stays_out();
    test_errors();
    return TEST_EXIT();
}

/*
 * fuzz_redact.c - --debug redaction (aws/debug_log.c): a secret planted in
 * fuzzed request and response text never reaches the log.
 *
 * The first byte picks where the secret goes (a token header, the
 * signature of an Authorization header, a JSON member, an XML element, a
 * form or query parameter, in a request or a response), the second the
 * name it goes under (names AWS uses for secrets), the third the spacing
 * and attributes around it; the rest, split at its first NUL, is the text
 * before and after it. Inputs whose own text holds the start of a secret
 * are skipped: the secret in the log must then have come from where it was
 * planted.
 */
#include "aws/debug_log.h"
#include "fuzz.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define SIGNATURE "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"

static const char *const body_names[] = {
    "SecretAccessKey", "SessionToken", "Token", "Password", "AuthToken", "aws_secret_access_key",
    "X-Amz-Security-Token", "X-Amz-Signature", "ClientSecret", "password", "CACHE_PASSWORD",
};
static const char *const header_names[] = {
    "X-Amz-Security-Token", "X-aws-ec2-metadata-token", "x-amz-security-token",
    "X-aws-ec2-metadata-token-ttl-seconds-Token",
};
static const char *const json_spaces[] = {"", " ", "\n  ", "\t"};
static const char *const xml_attributes[] = {"", " ", " xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"",
                                             " a=\"1\" "};

static void collect(void *ctx, const char *line)
{
    base_buf *log = ctx;
    base_buf_append_str(log, line);
    base_buf_append_char(log, '\n');
}

static bool holds(const char *text, size_t len, const char *what)
{
    size_t n = strlen(what);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(text + i, what, n) == 0)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    unsigned shape = data[0] % 8, name_pick = data[1], variant = data[2] % 4;
    const char *rest = (const char *)data + 3;
    size_t rest_len = size - 3;
    const char *nul = memchr(rest, '\0', rest_len);
    size_t before_len = nul ? (size_t)(nul - rest) : rest_len;
    const char *after = nul ? nul + 1 : rest + rest_len;
    size_t after_len = rest_len - before_len - (nul ? 1 : 0);
    if (holds(rest, rest_len, "wJalrXUt") || holds(rest, rest_len, "fe5f80f7"))
        return 0;
    const char *body_name = body_names[name_pick % (sizeof body_names / sizeof body_names[0])];

    base_buf text = {0};
    base_buf_append(&text, rest, before_len);
    const char *secret = SECRET;
    switch (shape) {
    case 0: /* a token header's value */
    case 1: /* the signature of a SigV4 Authorization header */
        break;
    case 2: /* JSON, request */
    case 3: /* JSON, response */
        base_buf_printf(&text, "\"%s\"%s:%s\"%s\"", body_name, json_spaces[variant], json_spaces[3 - variant],
                       SECRET);
        break;
    case 4: /* XML, response */
    case 5: /* XML, request */
        base_buf_printf(&text, "<%s%s>%s</%s>", body_name, xml_attributes[variant], SECRET, body_name);
        break;
    default: /* a form body, or a query string */
        base_buf_printf(&text, "%s=%s", body_name, SECRET);
        break;
    }
    base_buf_append(&text, after, after_len);

    aws_http_request req;
    aws_http_request_init(&req, "POST", "https://sts.us-east-1.amazonaws.com", "/");
    aws_http_response resp = {.status = 200};
    if (shape == 0) {
        base_buf value = {0};
        base_buf_append(&value, rest, before_len);
        base_buf_append_str(&value, SECRET);
        base_buf_append(&value, after, after_len);
        aws_headers_add(&req.headers, header_names[name_pick % 4], base_buf_str(&value));
        aws_headers_add(&resp.headers, header_names[name_pick % 4], base_buf_str(&value));
        base_buf_free(&value);
    } else if (shape == 1) {
        secret = SIGNATURE;
        base_buf value = {0};
        base_buf_append_str(&value, "AWS4-HMAC-SHA256 ");
        base_buf_append(&value, rest, before_len);
        base_buf_append_str(&value, variant & 1 ? "Signature=" SIGNATURE : ", Signature=" SIGNATURE);
        base_buf_append(&value, after, after_len);
        aws_headers_add(&req.headers, "Authorization", base_buf_str(&value));
        base_buf_free(&value);
    } else if (shape == 3 || shape == 4) {
        base_buf_append(&resp.body, text.data, text.len);
    } else if (shape == 7) {
        base_buf_append(&req.query, text.data, text.len);
    } else {
        base_buf_append(&req.body, text.data, text.len);
    }

    base_buf log = {0};
    aws_debug_log_request(collect, &log, &req);
    aws_debug_log_response(collect, &log, &resp, false);
    if (holds(log.data ? log.data : "", log.len, secret)) {
        fprintf(stderr, "the secret %s reached the log:\n%s\n", secret, base_buf_str(&log));
        abort();
    }
    base_buf_free(&log);
    base_buf_free(&text);
    aws_http_request_free(&req);
    aws_http_response_free(&resp);
    return 0;
}

/*
 * credentials_container.c - credentials from the ECS / EKS Pod Identity
 * container endpoint.
 *
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is a path on http://169.254.170.2;
 * otherwise AWS_CONTAINER_CREDENTIALS_FULL_URI is a whole URL, which over
 * plain http may only name a loopback address or the ECS / EKS link-local
 * hosts (as the SDKs require, so a stray variable cannot send the token to
 * someone else). The token comes from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
 * else AWS_CONTAINER_AUTHORIZATION_TOKEN, and goes in the Authorization
 * header; it never appears in a message. Neither variable set: "NotFound".
 * Once set, any failure is a real error.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/cursor.h"
#include "credentials_parse.h"
#include "credentials_providers.h"

#define ECS_ENDPOINT "http://169.254.170.2"
#define ATTEMPTS 2
#define TOKEN_FILE_LIMIT 16384

typedef struct container {
    aws_log_fn debug_log;
    void *debug_ctx;
} container;

typedef struct target {
    char *endpoint; /* scheme://host[:port] */
    char *path;
    char *query;    /* NULL when none */
    char *url;      /* for messages */
} target;

static const char *env_value(const char *name)
{
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

static void target_free(target *t)
{
    free(t->endpoint);
    free(t->path);
    free(t->query);
    free(t->url);
}

static bool is_loopback(const char *host)
{
    struct in_addr v4;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    return strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0;
}

static bool allowed_http_host(const char *host)
{
    static const char *const container_hosts[] = {"169.254.170.2", "169.254.170.23", "[fd00:ec2::23]"};
    for (size_t i = 0; i < sizeof container_hosts / sizeof container_hosts[0]; i++)
        if (strcasecmp(host, container_hosts[i]) == 0)
            return true;
    return is_loopback(host);
}

static char *url_part(CURLU *u, CURLUPart part)
{
    char *value = NULL;
    if (curl_url_get(u, part, &value, 0) != CURLUE_OK)
        return NULL;
    char *copy = base_xstrdup(value);
    curl_free(value);
    return copy;
}

/* Splits url into the request's endpoint, path and query, checking its host. */
static int parse_target(const char *url, const char *variable, target *t, base_error *err)
{
    memset(t, 0, sizeof *t);
    CURLU *u = curl_url();
    CURLUcode rc = u ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;
    char *scheme = rc == CURLUE_OK ? url_part(u, CURLUPART_SCHEME) : NULL;
    char *host = rc == CURLUE_OK ? url_part(u, CURLUPART_HOST) : NULL;
    char *port = rc == CURLUE_OK ? url_part(u, CURLUPART_PORT) : NULL;
    int result = 0;
    if (!scheme || !host || (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        result = base_error_set(err, BASE_ERROR_CONFIG, "InvalidContainerEndpoint",
                               "%s is not an http or https URL", variable);
    } else if (strcmp(scheme, "http") == 0 && !allowed_http_host(host)) {
        result = base_error_set(err, BASE_ERROR_CONFIG, "InvalidContainerEndpoint",
                               "%s: host %s is not allowed over plain http; use https, a loopback "
                               "address, 169.254.170.2 or 169.254.170.23", variable, host);
    } else {
        base_buf endpoint = {0};
        base_buf_printf(&endpoint, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
        t->endpoint = base_buf_detach(&endpoint);
        t->path = url_part(u, CURLUPART_PATH);
        t->query = url_part(u, CURLUPART_QUERY);
        t->url = base_xstrdup(url);
    }
    free(scheme);
    free(host);
    free(port);
    curl_url_cleanup(u);
    return result;
}

static int resolve_target(target *t, base_error *err)
{
    const char *relative = env_value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = env_value("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    ENSURE(relative || full, err, BASE_ERROR_CREDENTIALS, "NotFound",
           "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set");
    if (!relative)
        return parse_target(full, "AWS_CONTAINER_CREDENTIALS_FULL_URI", t, err);
    base_buf url = {0};
    base_buf_printf(&url, "%s%s%s", ECS_ENDPOINT, relative[0] == '/' ? "" : "/", relative);
    int rc = parse_target(base_buf_str(&url), "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", t, err);
    base_buf_free(&url);
    return rc;
}

static int read_token_file(const char *path, char **token, base_error *err)
{
    FILE *f = fopen(path, "r");
    ENSURE(f, err, BASE_ERROR_CREDENTIALS, "InvalidContainerToken",
           "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s", path, strerror(errno));
    base_buf text = {0};
    char chunk[1024];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && text.len < TOKEN_FILE_LIMIT)
        base_buf_append(&text, chunk, n);
    memset(chunk, 0, sizeof chunk);
    fclose(f);
    *token = base_cursor_dup(base_cursor_trim(base_cursor_of(base_buf_str(&text), text.len)));
    if (text.data)
        memset(text.data, 0, text.len);
    base_buf_free(&text);
    return 0;
}

/* The Authorization token, or NULL when none is configured. */
static int authorization_token(char **token, base_error *err)
{
    const char *file = env_value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *value = env_value("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    *token = NULL;
    if (file)
        TRY(read_token_file(file, token, err));
    else if (value)
        *token = base_xstrdup(value);
    if (*token && strpbrk(*token, "\r\n")) {
        free(*token);
        *token = NULL;
        return base_error_set(err, BASE_ERROR_CREDENTIALS, "InvalidContainerToken",
                             "the container authorization token contains a line break");
    }
    return 0;
}

/* GETs the target, retrying once after a transport error or a 5xx. */
static int fetch(const container *c, const target *t, const char *token, aws_http_response *resp,
                 base_error *err)
{
    aws_transport_options opts = {.connect_timeout_ms = 1000, .timeout_ms = 2000,
                                  .debug_log = c->debug_log, .debug_ctx = c->debug_ctx};
    aws_transport *transport = aws_transport_new(&opts);
    ENSURE(transport, err, BASE_ERROR_TRANSPORT, "TransportError", "cannot start an HTTP client");
    aws_http_request req;
    aws_http_request_init(&req, "GET", t->endpoint, t->path);
    if (t->query)
        base_buf_append_str(&req.query, t->query);
    aws_headers_add(&req.headers, "Accept", "application/json");
    if (token)
        aws_headers_add(&req.headers, "Authorization", token);
    int rc = -1;
    for (int attempt = 1; attempt <= ATTEMPTS && rc != 0; attempt++) {
        aws_http_response_free(resp);
        rc = aws_transport_send(transport, &req, resp, err);
        if (rc == 0 && resp->status >= 500 && attempt < ATTEMPTS)
            rc = -1;
    }
    aws_http_request_free(&req);
    aws_transport_free(transport);
    return rc;
}

static int parse_response(const target *t, const aws_http_response *resp, aws_credentials *out,
                          base_error *err)
{
    ENSURE(resp->status == 200, err, BASE_ERROR_CREDENTIALS, "ContainerCredentialsError",
           "GET %s answered HTTP %ld", t->url, resp->status);
    cJSON *doc = cJSON_ParseWithLength(base_buf_str(&resp->body), resp->body.len);
    ENSURE(doc, err, BASE_ERROR_CREDENTIALS, "ContainerCredentialsError",
           "GET %s did not answer with a JSON document", t->url);
    base_buf what = {0};
    base_buf_printf(&what, "container endpoint %s", t->url);
    int rc = aws_credentials_from_json(doc, "Token", base_buf_str(&what), out, err);
    base_buf_free(&what);
    cJSON_Delete(doc);
    return rc;
}

static int container_get(aws_credentials_provider *self, aws_credentials *out, base_error *err)
{
    target t;
    TRY(resolve_target(&t, err));
    char *token = NULL;
    aws_http_response resp = {0};
    int rc = authorization_token(&token, err);
    if (rc == 0)
        rc = fetch(self->impl, &t, token, &resp, err);
    if (rc == 0)
        rc = parse_response(&t, &resp, out, err);
    if (rc == 0)
        snprintf(out->source, sizeof out->source, "container");
    if (resp.body.data)
        memset(resp.body.data, 0, resp.body.len);
    aws_http_response_free(&resp);
    base_free_secret(token);
    target_free(&t);
    return rc;
}

static void container_destroy(aws_credentials_provider *self)
{
    free(self->impl);
    free(self);
}

aws_credentials_provider *aws_credentials_provider_new_container(const aws_credentials_context *ctx)
{
    container *c = base_xcalloc(1, sizeof *c);
    if (ctx) {
        c->debug_log = ctx->debug_log;
        c->debug_ctx = ctx->debug_ctx;
    }
    aws_credentials_provider *p = base_xcalloc(1, sizeof *p);
    *p = (aws_credentials_provider){.name = "container", .get = container_get,
                                    .destroy = container_destroy, .impl = c};
    return p;
}

/*
 * client.c - the aws_client: resolves region, endpoints and credentials once,
 * then signs, sends and retries each request. Protocol files build requests
 * and read responses; this file owns the attempt loop and nothing
 * service-specific beyond the table in services.c.
 */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/rand.h>

#include "clock.h"
#include "error_document.h"
#include "operations.h"
#include "protocol.h"
#include "retry.h"
#include "shared_config.h"
#include "sigv4.h"

#define USER_AGENT "scribble/" SCRIBBLE_VERSION

struct aws_client {
    char *region;
    const char *region_source;
    char *profile;
    char *endpoint_url;
    int max_attempts;
    aws_retry_state retry;
    aws_shared_config *shared;
    aws_transport *transport;
    aws_credentials_provider *credentials;
    aws_log_fn debug_log;
    void *debug_ctx;
};

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

static int resolve_region(aws_client *c, const aws_client_options *o, base_error *err)
{
    const char *v;
    if (o->region && o->region[0]) {
        c->region = base_xstrdup(o->region);
        c->region_source = "explicit setting";
    } else if ((v = env_nonempty("AWS_REGION"))) {
        c->region = base_xstrdup(v);
        c->region_source = "AWS_REGION";
    } else if ((v = env_nonempty("AWS_DEFAULT_REGION"))) {
        c->region = base_xstrdup(v);
        c->region_source = "AWS_DEFAULT_REGION";
    } else if ((v = aws_shared_config_get(c->shared, c->profile, "region"))) {
        c->region = base_xstrdup(v);
        c->region_source = "profile";
    } else {
        return base_error_set(err, BASE_ERROR_CONFIG, "NoRegion",
                             "no AWS region: set region in scribble.ini, --region, AWS_REGION, "
                             "AWS_DEFAULT_REGION, or region in profile '%s' of %s",
                             c->profile, aws_shared_config_config_path(c->shared));
    }
    return 0;
}

static int resolve_max_attempts(const aws_client_options *o, const aws_shared_config *shared,
                                const char *profile)
{
    if (o->max_attempts > 0)
        return o->max_attempts;
    const char *v = env_nonempty("AWS_MAX_ATTEMPTS");
    if (!v)
        v = aws_shared_config_get(shared, profile, "max_attempts");
    int n = v ? atoi(v) : 0;
    return n > 0 ? n : AWS_RETRY_DEFAULT_MAX_ATTEMPTS;
}

int aws_client_new(const aws_client_options *opts, aws_client **out, base_error *err)
{
    aws_client_options none = {0};
    const aws_client_options *o = opts ? opts : &none;
    *out = NULL;
    ENSURE(o->credentials, err, BASE_ERROR_INVALID, "InvalidArgument",
           "an AWS client needs a credentials provider (aws_client_new_default makes the default chain)");
    aws_client *c = base_xcalloc(1, sizeof *c);
    c->debug_log = o->debug_log;
    c->debug_ctx = o->debug_ctx;
    c->credentials = o->credentials;
    c->profile = base_xstrdup(aws_shared_config_profile_name(o->profile));
    if (o->endpoint_url && o->endpoint_url[0])
        c->endpoint_url = base_xstrdup(o->endpoint_url);
    if (aws_shared_config_load(&c->shared, err) != 0 || resolve_region(c, o, err) != 0) {
        aws_client_free(c);
        return -1;
    }
    c->max_attempts = resolve_max_attempts(o, c->shared, c->profile);
    aws_retry_init(&c->retry, c->max_attempts);
    aws_transport_options topts = {.connect_timeout_ms = o->connect_timeout_ms,
                                   .timeout_ms = o->timeout_ms,
                                   .stall_seconds = o->stall_seconds,
                                   .debug_log = o->debug_log,
                                   .debug_ctx = o->debug_ctx};
    c->transport = aws_transport_new(&topts);
    *out = c;
    return 0;
}

void aws_client_free(aws_client *c)
{
    if (!c)
        return;
    aws_credentials_provider_free(c->credentials);
    aws_transport_free(c->transport);
    aws_shared_config_free(c->shared);
    free(c->region);
    free(c->profile);
    free(c->endpoint_url);
    free(c);
}

const char *aws_client_region(const aws_client *c) { return c->region; }
const char *aws_client_region_source(const aws_client *c) { return c->region_source; }
int aws_client_max_attempts(const aws_client *c) { return c->max_attempts; }

const char *aws_client_signing_region(const aws_client *c, const aws_service *svc)
{
    return svc->global_host ? "us-east-1" : svc->region ? svc->region : c->region;
}

int aws_client_credentials(aws_client *c, aws_credentials *out, base_error *err)
{
    return aws_credentials_provider_get(c->credentials, out, err);
}

aws_credentials_provider *aws_client_credentials_provider(aws_client *c)
{
    return c->credentials;
}

static bool ignore_configured_endpoints(const aws_client *c)
{
    const char *v = env_nonempty("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    if (!v)
        v = aws_shared_config_get(c->shared, c->profile, "ignore_configured_endpoint_urls");
    return v && strcasecmp(v, "true") == 0;
}

static const char *dns_suffix(const char *region)
{
    return strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
}

int aws_client_endpoint(aws_client *c, const aws_service *svc, char **url,
                        char source[AWS_ENDPOINT_SOURCE_SIZE], base_error *err)
{
    (void)err;
    char env_name[96];
    snprintf(env_name, sizeof env_name, "AWS_ENDPOINT_URL_%s", svc->env_suffix);
    char service_key[64];
    size_t i = 0;
    for (; svc->env_suffix[i] && i + 1 < sizeof service_key; i++)
        service_key[i] = (char)(svc->env_suffix[i] >= 'A' && svc->env_suffix[i] <= 'Z'
                                    ? svc->env_suffix[i] + 32 : svc->env_suffix[i]);
    service_key[i] = '\0';

    const char *found = NULL, *from = "default";
    if (c->endpoint_url) {
        found = c->endpoint_url;
        from = "endpoint_url setting";
    } else if (!ignore_configured_endpoints(c)) {
        if ((found = env_nonempty(env_name)))
            from = env_name;
        else if ((found = env_nonempty("AWS_ENDPOINT_URL")))
            from = "AWS_ENDPOINT_URL";
        else if ((found = aws_shared_config_service_endpoint(c->shared, c->profile, service_key)))
            from = "profile services section";
        else if ((found = aws_shared_config_get(c->shared, c->profile, "endpoint_url")))
            from = "profile endpoint_url";
    }
    snprintf(source, AWS_ENDPOINT_SOURCE_SIZE, "%s", from);
    if (found) {
        *url = base_xstrdup(found);
        return 0;
    }
    base_buf b = {0};
    const char *region = svc->region ? svc->region : c->region;
    if (svc->global_host)
        base_buf_printf(&b, "https://%s", svc->global_host);
    else
        base_buf_printf(&b, "https://%s.%s.%s", svc->endpoint_prefix, region, dns_suffix(region));
    *url = base_buf_detach(&b);
    return 0;
}

int aws_client_request(aws_client *c, const aws_service *svc, const char *method, const char *path,
                       aws_http_request *req, base_error *err)
{
    char *endpoint;
    char source[AWS_ENDPOINT_SOURCE_SIZE];
    TRY(aws_client_endpoint(c, svc, &endpoint, source, err));
    /* An endpoint may carry a path prefix ("http://host:4566/prefix"). */
    const char *after_scheme = strstr(endpoint, "://");
    const char *prefix = strchr(after_scheme ? after_scheme + 3 : endpoint, '/');
    base_buf full_path = {0};
    if (prefix) {
        size_t plen = strlen(prefix);
        while (plen && prefix[plen - 1] == '/')
            plen--;
        base_buf_append(&full_path, prefix, plen);
        endpoint[prefix - endpoint] = '\0';
    }
    base_buf_append_str(&full_path, path && path[0] ? path : "/");
    aws_http_request_init(req, method, endpoint, base_buf_str(&full_path));
    base_buf_free(&full_path);
    free(endpoint);
    return 0;
}

static void parse_error_response(const aws_service *svc, const aws_http_response *resp, base_error *err)
{
    base_error_set(err, BASE_ERROR_SERVICE, "", "HTTP %ld", resp->status);
    switch (svc->protocol) {
    case AWS_PROTOCOL_QUERY: aws_query_parse_error(resp, err); break;
    case AWS_PROTOCOL_EC2: aws_ec2_parse_error(resp, err); break;
    case AWS_PROTOCOL_JSON:
    case AWS_PROTOCOL_REST_JSON: aws_json_parse_error(resp, err); break;
    case AWS_PROTOCOL_REST_XML: aws_rest_xml_parse_error(resp, err); break;
    }
    if (!err->code[0])
        snprintf(err->code, sizeof err->code, "Http%ld", resp->status);
    err->http_status = resp->status;
    const char *rid = aws_headers_get(&resp->headers, "x-amzn-RequestId");
    if (!rid)
        rid = aws_headers_get(&resp->headers, "x-amz-request-id");
    if (rid && !err->request_id[0])
        snprintf(err->request_id, sizeof err->request_id, "%s", rid);
    aws_retry_classify(err);
}

static void strip_signature(aws_http_request *req)
{
    static const char *const signed_by_us[] = {"Authorization", "X-Amz-Date", "X-Amz-Security-Token",
                                               "X-Amz-Content-Sha256"};
    for (size_t i = 0; i < sizeof signed_by_us / sizeof signed_by_us[0]; i++)
        aws_headers_remove(&req->headers, signed_by_us[i]);
}

static int sign(aws_client *c, const aws_service *svc, aws_http_request *req, base_error *err)
{
    aws_credentials creds;
    TRY(aws_credentials_provider_get(c->credentials, &creds, err));
    aws_sign_params p = {.region = aws_client_signing_region(c, svc),
                         .service = svc->signing_name,
                         .now = time(NULL),
                         .normalize_path = !svc->s3_signing,
                         .double_encode_path = !svc->s3_signing,
                         .add_content_sha256 = svc->s3_signing};
    int rc = aws_sigv4_sign(req, &creds, &p, NULL, err);
    aws_credentials_free(&creds);
    return rc;
}

static int attempt_once(aws_client *c, const aws_service *svc, aws_http_request *req,
                        aws_http_response *resp, base_error *err)
{
    strip_signature(req);
    TRY(sign(c, svc, req, err));
    TRY(aws_transport_send(c->transport, req, resp, err));
    if (resp->status >= 300) {
        parse_error_response(svc, resp, err);
        return -1;
    }
    return 0;
}

/* Names the failed call: the listed operation's name, the caller's, or method and path. */
static void name_call(const aws_service *svc, const char *operation, const aws_operation *listed,
                      const aws_http_request *req, base_error *err)
{
    if (listed)
        operation = listed->name;
    if (operation) {
        base_error_set_call(err, svc->service_id, operation);
        return;
    }
    base_buf what = {0};
    aws_operation_rest_name(svc, req->method, base_buf_str(&req->path), &what);
    base_error_set_call(err, svc->service_id, base_buf_str(&what));
    base_buf_free(&what);
}

/* After a failed attempt of a call operations.h lists: may AWS have applied
 * it? Only a throttling answer, or a connection that never carried the
 * request, says for certain that it did not. */
static bool maybe_applied(const base_error *err)
{
    if (err->kind == BASE_ERROR_TRANSPORT)
        return strcmp(err->code, AWS_CONNECT_ERROR) != 0;
    return err->kind != BASE_ERROR_CREDENTIALS &&
           !(err->kind == BASE_ERROR_SERVICE && aws_retry_is_throttling(err->code));
}

static void log_line(const aws_client *c, const char *line)
{
    if (c->debug_log)
        c->debug_log(c->debug_ctx, line);
}

/* Another attempt after err? *delay_ms is how long to wait first. */
static bool try_again(aws_client *c, const aws_operation *listed, const base_error *err,
                      int attempt, long *delay_ms)
{
    if (err->kind == BASE_ERROR_CREDENTIALS)
        return false;
    if (listed && err->retryable && maybe_applied(err)) {
        char line[256];
        snprintf(line, sizeof line, "-- %s: not retried: %s may have been applied", err->code,
                 listed->name);
        log_line(c, line);
        return false;
    }
    if (!aws_retry_next(&c->retry, err, attempt, delay_ms))
        return false;
    char line[256];
    snprintf(line, sizeof line, "-- %s: retrying in %ld ms (attempt %d of %d)", err->code,
             *delay_ms, attempt + 1, c->retry.max_attempts);
    log_line(c, line);
    return true;
}

int aws_client_send_operation(aws_client *c, const aws_service *svc, const char *operation,
                              aws_http_request *req, aws_http_response *resp, base_error *err)
{
    const aws_operation *listed =
        aws_operation_find(svc, operation, req->method, base_buf_str(&req->path));
    char *host = aws_http_request_host(req);
    aws_headers_set(&req->headers, "Host", host);
    free(host);
    aws_headers_set(&req->headers, "User-Agent", USER_AGENT);
    char invocation[37];
    aws_client_token(invocation);
    aws_headers_set(&req->headers, "amz-sdk-invocation-id", invocation);
    for (int attempt = 1;; attempt++) {
        char progress[64];
        snprintf(progress, sizeof progress, "attempt=%d; max=%d", attempt, c->retry.max_attempts);
        aws_headers_set(&req->headers, "amz-sdk-request", progress);
        aws_http_response_free(resp);
        if (attempt_once(c, svc, req, resp, err) == 0) {
            aws_retry_on_success(&c->retry);
            return 0;
        }
        long delay;
        if (!try_again(c, listed, err, attempt, &delay)) {
            if (attempt > 1) {
                size_t n = strlen(err->message);
                snprintf(err->message + n, sizeof err->message - n, " (after %d attempts)", attempt);
            }
            name_call(svc, operation, listed, req, err);
            return -1;
        }
        aws_sleep_ms(delay);
    }
}

int aws_client_send(aws_client *c, const aws_service *svc, aws_http_request *req,
                    aws_http_response *resp, base_error *err)
{
    return aws_client_send_operation(c, svc, NULL, req, resp, err);
}

void aws_client_token(char out[37])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (unsigned char)rand();
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
}

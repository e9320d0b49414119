/*
 * credentials_imds.c - the EC2 instance role's credentials from the
 * instance metadata service, IMDSv2 only.
 *
 * PUT /latest/api/token for a session token, then GET
 * /latest/meta-data/iam/security-credentials/ for the role name and
 * .../<role> for its credentials, each GET carrying the token. There is no
 * IMDSv1 fallback: a token-less GET is what IMDSv2 exists to stop.
 * Endpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT, else (with
 * AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6) http://[fd00:ec2::254], else
 * http://169.254.169.254. AWS_EC2_METADATA_DISABLED=true turns it off.
 *
 * This is the chain's last resort and usually runs off EC2, so it must give
 * up fast: 1 s to connect, one attempt at the token; no service or no role
 * is "NotFound". The token never reaches a message or the debug log (the
 * debug log would show the PUT's answer, which is the token itself).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/cursor.h"
#include "credentials_parse.h"
#include "credentials_providers.h"

#define IMDS_ENDPOINT "http://169.254.169.254"
#define IMDS_ENDPOINT_IPV6 "http://[fd00:ec2::254]"
#define TOKEN_TTL_SECONDS "21600"
#define TOKEN_HEADER "X-aws-ec2-metadata-token"
#define ROLES_PATH "/latest/meta-data/iam/security-credentials/"
#define GET_ATTEMPTS 2

typedef struct imds {
    aws_log_fn debug_log;
    void *debug_ctx;
} imds;

typedef struct session {
    const imds *config;
    char *endpoint;
    char *token;
    aws_transport *transport; /* logged; the token PUT's answer is marked secret */
} session;

static const char *env_value(const char *name)
{
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

static int resolve_endpoint(char **endpoint, base_error *err)
{
    const char *given = env_value("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    const char *mode = env_value("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    if (!given)
        given = mode && strcasecmp(mode, "IPv6") == 0 ? IMDS_ENDPOINT_IPV6 : IMDS_ENDPOINT;
    ENSURE(strncmp(given, "http://", 7) == 0 || strncmp(given, "https://", 8) == 0, err,
           BASE_ERROR_CONFIG, "InvalidEndpoint",
           "AWS_EC2_METADATA_SERVICE_ENDPOINT is not an http or https URL: %s", given);
    size_t n = strlen(given);
    while (n && given[n - 1] == '/')
        n--;
    *endpoint = base_xstrndup(given, n);
    return 0;
}

static void session_free(session *s)
{
    free(s->endpoint);
    if (s->token)
        memset(s->token, 0, strlen(s->token));
    free(s->token);
    aws_transport_free(s->transport);
}

static int session_start(session *s, const imds *config, base_error *err)
{
    memset(s, 0, sizeof *s);
    s->config = config;
    TRY(resolve_endpoint(&s->endpoint, err));
    aws_transport_options opts = {.connect_timeout_ms = 1000,
                                  .timeout_ms = 2000,
                                  .debug_log = config->debug_log,
                                  .debug_ctx = config->debug_ctx};
    s->transport = aws_transport_new(&opts);
    ENSURE(s->transport, err, BASE_ERROR_TRANSPORT, "TransportError",
           "cannot start an HTTP client");
    return 0;
}

/* PUT /latest/api/token. No answer, or a refusal, means no usable IMDS here: NotFound. */
static int fetch_token(session *s, base_error *err)
{
    aws_http_request req;
    aws_http_response resp = {0};
    aws_http_request_init(&req, "PUT", s->endpoint, "/latest/api/token");
    aws_headers_add(&req.headers, "X-aws-ec2-metadata-token-ttl-seconds", TOKEN_TTL_SECONDS);
    req.secret_response = true;
    base_error sent = {0};
    int rc = aws_transport_send(s->transport, &req, &resp, &sent);
    aws_http_request_free(&req);
    if (rc == 0) {
        if (resp.status == 200 && resp.body.len)
            s->token = base_cursor_dup(base_cursor_trim(base_cursor_of(resp.body.data, resp.body.len)));
        else
            rc = base_error_set(err, BASE_ERROR_CREDENTIALS, "NotFound",
                               "the IMDSv2 token request to %s answered HTTP %ld", s->endpoint,
                               resp.status);
        if (resp.body.data)
            memset(resp.body.data, 0, resp.body.len);
    } else {
        base_error_set(err, BASE_ERROR_CREDENTIALS, "NotFound", "no instance metadata service (%s)",
                      sent.message);
    }
    aws_http_response_free(&resp);
    return rc;
}

/* GET path with the token, retrying once after a transport error or a 5xx. */
static int get_path(session *s, const char *path, aws_http_response *resp, base_error *err)
{
    aws_http_request req;
    aws_http_request_init(&req, "GET", s->endpoint, "/");
    base_buf_reset(&req.path);
    aws_uri_encode(&req.path, path, strlen(path), 1);
    aws_headers_add(&req.headers, TOKEN_HEADER, s->token);
    int rc = -1;
    for (int attempt = 1; attempt <= GET_ATTEMPTS && rc != 0; attempt++) {
        aws_http_response_free(resp);
        rc = aws_transport_send(s->transport, &req, resp, err);
        if (rc == 0 && resp->status >= 500 && attempt < GET_ATTEMPTS)
            rc = -1;
    }
    aws_http_request_free(&req);
    return rc;
}

static int fetch_role(session *s, char **role, base_error *err)
{
    aws_http_response resp = {0};
    TRY(get_path(s, ROLES_PATH, &resp, err));
    base_cursor rest = base_cursor_of(base_buf_str(&resp.body), resp.body.len), line = {0};
    base_cursor_next_token(&rest, '\n', &line);
    line = base_cursor_trim(line);
    long status = resp.status;
    *role = status == 200 && line.len ? base_cursor_dup(line) : NULL;
    aws_http_response_free(&resp);
    ENSURE(status == 200 || status == 404, err, BASE_ERROR_CREDENTIALS, "ImdsError",
           "GET %s%s answered HTTP %ld", s->endpoint, ROLES_PATH, status);
    ENSURE(*role, err, BASE_ERROR_CREDENTIALS, "NotFound",
           "the instance at %s has no IAM role", s->endpoint);
    return 0;
}

static int check_code(const cJSON *doc, const char *role, base_error *err)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(doc, "Code");
    ENSURE(!cJSON_IsString(code) || strcmp(code->valuestring, "Success") == 0, err,
           BASE_ERROR_CREDENTIALS, "ImdsError", "the credentials of role %s are not available: %s",
           role, code->valuestring);
    return 0;
}

static int fetch_credentials(session *s, const char *role, aws_credentials *out, base_error *err)
{
    base_buf path = {0};
    base_buf_printf(&path, "%s%s", ROLES_PATH, role);
    aws_http_response resp = {0};
    int rc = get_path(s, base_buf_str(&path), &resp, err);
    base_buf_free(&path);
    if (rc == 0 && resp.status != 200)
        rc = base_error_set(err, BASE_ERROR_CREDENTIALS, "ImdsError",
                           "GET %s%s%s answered HTTP %ld", s->endpoint, ROLES_PATH, role, resp.status);
    cJSON *doc = rc == 0 ? cJSON_ParseWithLength(base_buf_str(&resp.body), resp.body.len) : NULL;
    if (rc == 0 && !doc)
        rc = base_error_set(err, BASE_ERROR_CREDENTIALS, "ImdsError",
                           "the credentials of role %s are not a JSON document", role);
    if (rc == 0)
        rc = check_code(doc, role, err);
    if (rc == 0)
        rc = aws_credentials_from_json(doc, "Token", "instance metadata", out, err);
    cJSON_Delete(doc);
    if (resp.body.data)
        memset(resp.body.data, 0, resp.body.len);
    aws_http_response_free(&resp);
    return rc;
}

static bool disabled(void)
{
    const char *v = env_value("AWS_EC2_METADATA_DISABLED");
    return v && strcasecmp(v, "true") == 0;
}

static int imds_get(aws_credentials_provider *self, aws_credentials *out, base_error *err)
{
    ENSURE(!disabled(), err, BASE_ERROR_CREDENTIALS, "NotFound",
           "disabled by AWS_EC2_METADATA_DISABLED=true");
    session s;
    char *role = NULL;
    int rc = session_start(&s, self->impl, err);
    if (rc == 0)
        rc = fetch_token(&s, err);
    if (rc == 0)
        rc = fetch_role(&s, &role, err);
    if (rc == 0)
        rc = fetch_credentials(&s, role, out, err);
    if (rc == 0)
        snprintf(out->source, sizeof out->source, "imds");
    free(role);
    session_free(&s);
    return rc;
}

static void imds_destroy(aws_credentials_provider *self)
{
    free(self->impl);
    free(self);
}

aws_credentials_provider *aws_credentials_provider_new_imds(const aws_credentials_context *ctx)
{
    imds *config = base_xcalloc(1, sizeof *config);
    if (ctx) {
        config->debug_log = ctx->debug_log;
        config->debug_ctx = ctx->debug_ctx;
    }
    aws_credentials_provider *p = base_xcalloc(1, sizeof *p);
    *p = (aws_credentials_provider){.name = "imds", .get = imds_get, .destroy = imds_destroy,
                                    .impl = config};
    return p;
}

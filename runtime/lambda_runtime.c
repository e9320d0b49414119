/*
 * lambda_runtime.c - Lambda's Runtime API over the project's libcurl
 * transport (aws/http.h): plain HTTP to a local endpoint, one kept-alive
 * connection reused across invocations, never through a proxy (the
 * transport's no_proxy always covers loopback).
 *
 * The next-invocation request is a long poll: Lambda answers when there is
 * work, and may freeze the process while it waits, so it has no practical
 * timeout. Answers other than 2xx are errors carrying the status; a 500 from
 * the Runtime API means the execution environment is broken, and the serve
 * loop gives up so that the process exits.
 */
#include "runtime/lambda_runtime.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/http.h"
#include "runtime/log.h"

#define RUNTIME_API_VERSION "/2018-06-01"
/* A day: far beyond any wait for the next invocation that is not a broken host. */
#define NEXT_TIMEOUT_MS (24L * 60 * 60 * 1000)

struct lambda_runtime {
    char *endpoint; /* http://host:port */
    aws_transport *transport;
};

int lambda_runtime_new(const char *api, lambda_runtime **out, base_error *err)
{
    *out = NULL;
    ENSURE(api && api[0], err, BASE_ERROR_CONFIG, "MissingRuntimeApi",
           "AWS_LAMBDA_RUNTIME_API is not set: this program runs under Lambda");
    ENSURE(!strchr(api, '/'), err, BASE_ERROR_CONFIG, "InvalidRuntimeApi",
           "AWS_LAMBDA_RUNTIME_API must be host:port, not %s", api);
    aws_transport_options opts = {.connect_timeout_ms = 2000, .timeout_ms = NEXT_TIMEOUT_MS};
    aws_transport *transport = aws_transport_new(&opts);
    ENSURE(transport, err, BASE_ERROR_TRANSPORT, "TransportError", "could not start libcurl");
    lambda_runtime *rt = base_xcalloc(1, sizeof *rt);
    base_buf endpoint = {0};
    base_buf_printf(&endpoint, "http://%s", api);
    rt->endpoint = base_buf_detach(&endpoint);
    rt->transport = transport;
    *out = rt;
    return 0;
}

void lambda_runtime_free(lambda_runtime *rt)
{
    if (!rt)
        return;
    aws_transport_free(rt->transport);
    free(rt->endpoint);
    free(rt);
}

void lambda_invocation_free(lambda_invocation *inv)
{
    free(inv->request_id);
    free(inv->trace_id);
    free(inv->invoked_function_arn);
    base_buf_free(&inv->event);
    memset(inv, 0, sizeof *inv);
}

/* Sends req; a non-2xx answer is an error naming the Runtime API's status. */
static int exchange(lambda_runtime *rt, aws_http_request *req, aws_http_response *resp,
                    base_error *err)
{
    int rc = aws_transport_send(rt->transport, req, resp, err);
    if (rc == 0 && (resp->status < 200 || resp->status > 299)) {
        base_error_set(err, BASE_ERROR_SERVICE, "RuntimeApiError", "%s %s%s answered HTTP %ld: %.200s",
                      req->method, rt->endpoint, base_buf_str(&req->path), resp->status,
                      base_buf_str(&resp->body));
        err->http_status = resp->status;
        rc = -1;
    }
    aws_http_request_free(req);
    return rc;
}

static char *header_or_empty(const aws_http_response *resp, const char *name)
{
    const char *value = aws_headers_get(&resp->headers, name);
    return base_xstrdup(value ? value : "");
}

int lambda_runtime_next(lambda_runtime *rt, lambda_invocation *inv, base_error *err)
{
    memset(inv, 0, sizeof *inv);
    aws_http_request req;
    aws_http_response resp;
    aws_http_request_init(&req, "GET", rt->endpoint, RUNTIME_API_VERSION "/runtime/invocation/next");
    if (exchange(rt, &req, &resp, err) != 0) {
        aws_http_response_free(&resp);
        return -1;
    }
    const char *request_id = aws_headers_get(&resp.headers, "Lambda-Runtime-Aws-Request-Id");
    if (!request_id || !request_id[0]) {
        aws_http_response_free(&resp);
        return base_error_set(err, BASE_ERROR_PARSE, "MissingRequestId",
                             "the next invocation came without Lambda-Runtime-Aws-Request-Id");
    }
    inv->request_id = base_xstrdup(request_id);
    inv->trace_id = header_or_empty(&resp, "Lambda-Runtime-Trace-Id");
    inv->invoked_function_arn = header_or_empty(&resp, "Lambda-Runtime-Invoked-Function-Arn");
    const char *deadline = aws_headers_get(&resp.headers, "Lambda-Runtime-Deadline-Ms");
    if (deadline) {
        char *end = NULL;
        long long value = strtoll(deadline, &end, 10);
        inv->deadline_ms = end != deadline && *end == '\0' && value > 0 ? value : 0;
    }
    inv->event = resp.body;
    memset(&resp.body, 0, sizeof resp.body);
    aws_http_response_free(&resp);
    return 0;
}

static void invocation_path(base_buf *path, const char *request_id, const char *what)
{
    base_buf_append_str(path, RUNTIME_API_VERSION "/runtime/invocation/");
    aws_uri_encode(path, request_id, strlen(request_id), 0);
    base_buf_printf(path, "/%s", what);
}

static int post(lambda_runtime *rt, const char *path, const char *error_type, const char *body,
                size_t len, base_error *err)
{
    aws_http_request req;
    aws_http_response resp;
    aws_http_request_init(&req, "POST", rt->endpoint, path);
    aws_headers_add(&req.headers, "Content-Type", "application/json");
    if (error_type)
        aws_headers_add(&req.headers, "Lambda-Runtime-Function-Error-Type", error_type);
    base_buf_append(&req.body, body, len);
    int rc = exchange(rt, &req, &resp, err);
    aws_http_response_free(&resp);
    return rc;
}

static char *error_document(const char *error_type, const char *message)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "errorMessage", message);
    cJSON_AddStringToObject(doc, "errorType", error_type);
    cJSON_AddItemToObject(doc, "stackTrace", cJSON_CreateArray());
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!text)
        abort(); /* cJSON fails only when out of memory, as base_xmalloc aborts */
    return text;
}

int lambda_runtime_respond(lambda_runtime *rt, const char *request_id, const char *body,
                           size_t len, base_error *err)
{
    base_buf path = {0};
    invocation_path(&path, request_id, "response");
    int rc = post(rt, base_buf_str(&path), NULL, body, len, err);
    base_buf_free(&path);
    return rc;
}

int lambda_runtime_fail(lambda_runtime *rt, const char *request_id, const char *error_type,
                        const char *message, base_error *err)
{
    base_buf path = {0};
    invocation_path(&path, request_id, "error");
    char *doc = error_document(error_type, message);
    int rc = post(rt, base_buf_str(&path), error_type, doc, strlen(doc), err);
    cJSON_free(doc);
    base_buf_free(&path);
    return rc;
}

int lambda_runtime_init_error(lambda_runtime *rt, const char *error_type, const char *message,
                              base_error *err)
{
    char *doc = error_document(error_type, message);
    int rc = post(rt, RUNTIME_API_VERSION "/runtime/init/error", error_type, doc, strlen(doc), err);
    cJSON_free(doc);
    return rc;
}

long long handler_remaining_ms(const handler_ctx *ctx)
{
    if (!ctx->deadline_ms)
        return NEXT_TIMEOUT_MS;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return ctx->deadline_ms - ((long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
}

void handler_count(const handler_ctx *ctx, const char *name, double n)
{
    if (!ctx->counts)
        return;
    cJSON *count = cJSON_GetObjectItemCaseSensitive(ctx->counts, name);
    if (count)
        cJSON_SetNumberValue(count, count->valuedouble + n);
    else
        cJSON_AddNumberToObject(ctx->counts, name, n);
}

static long long monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* X-Ray, the AWS SDKs and our log read the trace id from the environment. */
static void set_trace_id(const char *trace_id)
{
    if (trace_id[0])
        setenv("_X_AMZN_TRACE_ID", trace_id, 1);
    else
        unsetenv("_X_AMZN_TRACE_ID");
}

/* Runs one invocation and posts its outcome. Fails only when the Runtime API
 * is unusable (transport failure or HTTP 500); a refused post (400, 403, 413)
 * concerns this invocation alone, and is logged. */
static int serve_one(lambda_runtime *rt, const char *handler_name, handler_fn handler,
                     struct app *app, const lambda_invocation *inv, base_error *err)
{
    handler_ctx ctx = {
        .app = app,
        .request_id = inv->request_id,
        .trace_id = inv->trace_id,
        .invoked_function_arn = inv->invoked_function_arn,
        .deadline_ms = inv->deadline_ms,
        .counts = cJSON_CreateObject(),
    };
    base_buf response = {0};
    base_error handler_err = {0};
    long long start = monotonic_ms();
    int rc;
    if (handler(&ctx, base_buf_str(&inv->event), inv->event.len, &response, &handler_err) == 0) {
        log_invocation(handler_name, monotonic_ms() - start, NULL, ctx.counts);
        rc = lambda_runtime_respond(rt, inv->request_id, base_buf_str(&response), response.len, err);
    } else {
        const char *type = handler_err.code[0] ? handler_err.code : "Runtime.HandlerError";
        log_failure(handler_name, &handler_err);
        log_invocation(handler_name, monotonic_ms() - start, type, ctx.counts);
        rc = lambda_runtime_fail(rt, inv->request_id, type, handler_err.message, err);
    }
    base_buf_free(&response);
    if (rc != 0) {
        log_failure("posting the invocation's outcome", err);
        if (err->kind == BASE_ERROR_SERVICE && err->http_status != 500)
            rc = 0;
    }
    return rc;
}

int lambda_runtime_serve(lambda_runtime *rt, const char *handler_name, handler_fn handler,
                         struct app *app, base_error *err)
{
    for (;;) {
        lambda_invocation inv;
        TRY(lambda_runtime_next(rt, &inv, err));
        set_trace_id(inv.trace_id);
        log_begin_invocation(inv.request_id);
        int rc = serve_one(rt, handler_name, handler, app, &inv, err);
        log_end_invocation();
        lambda_invocation_free(&inv);
        TRY(rc);
    }
}

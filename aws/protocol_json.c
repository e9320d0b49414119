/*
 * protocol_json.c - the json protocol (DynamoDB, SQS): a POST of a JSON
 * document to "/", the operation named by X-Amz-Target. Also the JSON error
 * reading that rest-json shares: the code from X-Amzn-ErrorType or the
 * body's __type / code, cut to the name after '#' and before ':' as the
 * SDKs do; the message from message / Message / errorMessage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "protocol.h"

static void set_code(base_error *err, const char *raw)
{
    const char *hash = strchr(raw, '#');
    const char *start = hash ? hash + 1 : raw;
    size_t n = strcspn(start, ":");
    if (n >= sizeof err->code)
        n = sizeof err->code - 1;
    memcpy(err->code, start, n);
    err->code[n] = '\0';
}

static const char *json_string(const cJSON *obj, const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, names[i]);
        if (cJSON_IsString(v) && v->valuestring)
            return v->valuestring;
    }
    return NULL;
}

void aws_json_parse_error(const aws_http_response *resp, base_error *err)
{
    static const char *const code_fields[] = {"__type", "code", "Code"};
    static const char *const message_fields[] = {"message", "Message", "errorMessage"};
    cJSON *doc = resp->body.len ? cJSON_ParseWithLength(resp->body.data, resp->body.len) : NULL;
    const char *header = aws_headers_get(&resp->headers, "X-Amzn-ErrorType");
    const char *code = header && header[0] ? header : json_string(doc, code_fields, 3);
    if (code)
        set_code(err, code);
    const char *message = json_string(doc, message_fields, 3);
    if (message)
        snprintf(err->message, sizeof err->message, "%s", message);
    cJSON_Delete(doc);
}

int aws_json_append_body(base_buf *body, const cJSON *doc, base_error *err)
{
    char *json = cJSON_PrintUnformatted(doc);
    ENSURE(json, err, BASE_ERROR_INVALID, "OutOfMemory", "no memory to write the request's JSON body");
    base_buf_append_str(body, json);
    free(json);
    return 0;
}

/* Parses a successful JSON body; an empty body is NULL, not an error. */
int aws_json_parse_body(const aws_service *svc, const char *operation, const base_buf *body,
                        cJSON **out, base_error *err)
{
    *out = NULL;
    if (!body->len)
        return 0;
    *out = cJSON_ParseWithLength(body->data, body->len);
    if (*out)
        return 0;
    base_error_set(err, BASE_ERROR_PARSE, "MalformedResponse", "the response is not JSON");
    base_error_set_call(err, svc->service_id, operation);
    return -1;
}

int aws_json_call(aws_client *c, const aws_service *svc, const char *operation,
                  const cJSON *input, cJSON **out, base_error *err)
{
    *out = NULL;
    aws_http_request req;
    TRY(aws_client_request(c, svc, "POST", "/", &req, err));
    char content_type[48], target[160];
    snprintf(content_type, sizeof content_type, "application/x-amz-json-%s", svc->json_version);
    snprintf(target, sizeof target, "%s.%s", svc->target_prefix, operation);
    aws_headers_add(&req.headers, "Content-Type", content_type);
    aws_headers_add(&req.headers, "X-Amz-Target", target);
    if (!input)
        base_buf_append_str(&req.body, "{}");
    else if (aws_json_append_body(&req.body, input, err) != 0) {
        base_error_set_call(err, svc->service_id, operation);
        aws_http_request_free(&req);
        return -1;
    }
    aws_http_response resp = {0};
    int rc = aws_client_send_operation(c, svc, operation, &req, &resp, err);
    if (rc == 0)
        rc = aws_json_parse_body(svc, operation, &resp.body, out, err);
    aws_http_response_free(&resp);
    aws_http_request_free(&req);
    return rc;
}

/*
 * protocol_json.c - the json protocol (DynamoDB, SQS): a POST of a JSON
 * document to "/", the operation named by X-Amz-Target; and the JSON bodies
 * rest-json shares. Error documents: error_document.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "protocol.h"

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

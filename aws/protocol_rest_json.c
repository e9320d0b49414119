/*
 * protocol_rest_json.c - the rest-json protocol (Lambda, API Gateway v2,
 * EventBridge Scheduler, the API Gateway management API): the operation is
 * the method and path, the input a JSON body. Errors read as in
 * protocol_json.c.
 */

#include "client.h"
#include "operations.h"
#include "protocol.h"

void aws_request_add_params(aws_http_request *req, const aws_headers *params)
{
    for (size_t i = 0; params && i < params->count; i++)
        aws_http_request_add_query(req, params->items[i].name, params->items[i].value);
}

int aws_rest_json_call(aws_client *c, const aws_service *svc, const char *method, const char *path,
                       const aws_params *query, const cJSON *body, cJSON **out, base_error *err)
{
    *out = NULL;
    aws_http_request req;
    TRY(aws_client_request(c, svc, method, path, &req, err));
    aws_request_add_params(&req, query);
    if (body) {
        if (aws_json_append_body(&req.body, body, err) != 0) {
            base_buf what = {0};
            aws_operation_rest_name(svc, method, path, &what);
            base_error_set_call(err, svc->service_id, base_buf_str(&what));
            base_buf_free(&what);
            aws_http_request_free(&req);
            return -1;
        }
        aws_headers_add(&req.headers, "Content-Type", "application/json");
    }
    aws_http_response resp = {0};
    int rc = aws_client_send(c, svc, &req, &resp, err);
    if (rc == 0) {
        base_buf what = {0};
        aws_operation_rest_name(svc, method, path, &what);
        rc = aws_json_parse_body(svc, base_buf_str(&what), &resp.body, out, err);
        base_buf_free(&what);
    }
    aws_http_response_free(&resp);
    aws_http_request_free(&req);
    return rc;
}

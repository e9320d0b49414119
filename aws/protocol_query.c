/*
 * protocol_query.c - the query protocol (IAM, STS, ElastiCache), whose
 * requests the ec2 protocol shares: a form-encoded POST of Action, Version
 * and flattened parameters; an XML response. Error documents: error_document.c.
 */
#include <libxml/parser.h>
#include <string.h>

#include "client.h"
#include "protocol.h"

static void append_form_pair(base_buf *body, const char *name, const char *value)
{
    if (body->len)
        base_buf_append_char(body, '&');
    aws_uri_encode(body, name, strlen(name), 0);
    base_buf_append_char(body, '=');
    aws_uri_encode(body, value, strlen(value), 0);
}

int aws_query_call(aws_client *c, const aws_service *svc, const char *action,
                   const aws_params *params, xmlDocPtr *out, base_error *err)
{
    *out = NULL;
    aws_http_request req;
    TRY(aws_client_request(c, svc, "POST", "/", &req, err));
    aws_headers_add(&req.headers, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    append_form_pair(&req.body, "Action", action);
    append_form_pair(&req.body, "Version", svc->api_version);
    for (size_t i = 0; params && i < params->count; i++)
        append_form_pair(&req.body, params->items[i].name, params->items[i].value);
    aws_http_response resp = {0};
    int rc = aws_client_send_operation(c, svc, action, &req, &resp, err);
    if (rc == 0) {
        *out = aws_xml_parse(&resp.body);
        if (!*out) {
            rc = base_error_set(err, BASE_ERROR_PARSE, "MalformedResponse", "the response is not XML");
            base_error_set_call(err, svc->service_id, action);
        }
    }
    aws_http_response_free(&resp);
    aws_http_request_free(&req);
    return rc;
}


/*
 * protocol_rest_xml.c - the rest-xml protocol (CloudFront, S3): method and
 * path name the operation; bodies are XML or, for S3 objects, raw bytes.
 * Error documents: error_document.c.
 */
#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "operations.h"
#include "protocol.h"

static bool is_xml(const aws_http_response *resp)
{
    const char *type = aws_headers_get(&resp->headers, "Content-Type");
    return resp->body.len && (!type || strstr(type, "xml"));
}

int aws_rest_xml_call(aws_client *c, const aws_service *svc, const char *method, const char *path,
                      const aws_params *query, const aws_headers *headers, const void *body,
                      size_t body_len, aws_http_response *resp, xmlDocPtr *out, base_error *err)
{
    if (out)
        *out = NULL;
    aws_http_request req;
    TRY(aws_client_request(c, svc, method, path, &req, err));
    aws_request_add_params(&req, query);
    for (size_t i = 0; headers && i < headers->count; i++)
        aws_headers_add(&req.headers, headers->items[i].name, headers->items[i].value);
    if (body_len)
        base_buf_append(&req.body, body, body_len);
    aws_http_response local = {0};
    aws_http_response *r = resp ? resp : &local;
    int rc = aws_client_send(c, svc, &req, r, err);
    if (rc == 0 && out && is_xml(r)) {
        *out = aws_xml_parse(&r->body);
        if (!*out) {
            base_buf what = {0};
            aws_operation_rest_name(svc, method, path, &what);
            rc = base_error_set(err, BASE_ERROR_PARSE, "MalformedResponse", "the response is not XML");
            base_error_set_call(err, svc->service_id, base_buf_str(&what));
            base_buf_free(&what);
        }
    }
    if (rc != 0 || !resp)
        aws_http_response_free(r);
    aws_http_request_free(&req);
    return rc;
}

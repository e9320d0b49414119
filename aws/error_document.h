/*
 * error_document.h - each wire protocol's error document read into a
 * base_error. Internal to aws/ (client.c, and the fuzz harness).
 */
#ifndef SCRIBBLE_AWS_ERROR_DOCUMENT_H
#define SCRIBBLE_AWS_ERROR_DOCUMENT_H

#include "aws/http.h"
#include "base/error.h"

/* Each fills err->code and err->message from resp (status and request id are
 * filled by the caller). Unparseable bodies leave a generic code. */
void aws_query_parse_error(const aws_http_response *resp, base_error *err);
void aws_ec2_parse_error(const aws_http_response *resp, base_error *err);
void aws_json_parse_error(const aws_http_response *resp, base_error *err);
void aws_rest_xml_parse_error(const aws_http_response *resp, base_error *err);

#endif

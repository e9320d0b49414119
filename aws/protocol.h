/*
 * protocol.h - what the wire-protocol files share: sending a named
 * operation, JSON and XML bodies. Internal to aws/.
 */
#ifndef SCRIBBLE_AWS_PROTOCOL_H
#define SCRIBBLE_AWS_PROTOCOL_H

#include "client.h"
#include "base/error.h"
#include "http.h"
#include "service.h"

#include <cjson/cJSON.h>
#include <libxml/tree.h>

/* aws_client_send for a named operation (query, ec2, json): the error names
 * "<service id> <operation>". operation NULL: named by method and path. */
int aws_client_send_operation(aws_client *c, const aws_service *svc, const char *operation,
                              aws_http_request *req, aws_http_response *resp, base_error *err);

/* Parses a successful JSON response body; empty is *out = NULL. */
int aws_json_parse_body(const aws_service *svc, const char *operation, const base_buf *body,
                        cJSON **out, base_error *err);
/* Appends doc to body as compact JSON; -1 (err filled, body unchanged) when
 * cJSON cannot allocate the text. */
int aws_json_append_body(base_buf *body, const cJSON *doc, base_error *err);
/* Appends each parameter to req's query string. */
void aws_request_add_params(aws_http_request *req, const aws_headers *params);

/* Parses an XML body (no network access, no entities); NULL when it is not XML. */
xmlDocPtr aws_xml_parse(const base_buf *body);
/* Copies the text of the first element `name` under root into dst, if any. */
void aws_xml_copy_text(xmlNodePtr root, const char *name, char *dst, size_t size);
/* Copies error code/message/request id found in doc's elements into err. */
void aws_xml_read_error(xmlDocPtr doc, const char *request_id_element, base_error *err);

#endif

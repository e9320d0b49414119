/*
 * error_document.c - how each wire protocol's error responses read, for
 * client.c, which turns every HTTP status >= 300 into a base_error.
 *
 *   json, rest-json  the code from X-Amzn-ErrorType or the body's __type /
 *                    code, cut to the name after '#' and before ':' as the
 *                    SDKs do; the message from message / Message / errorMessage
 *   query            <ErrorResponse><Error><Code/><Message/></Error><RequestId/></ErrorResponse>
 *   ec2              <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>
 *   rest-xml         <Error><Code/><Message/><RequestId/></Error>, bare (S3) or
 *                    inside <ErrorResponse> (CloudFront); a HEAD error has no body
 *
 * Apart from the protocol files, which send through the client, so that the
 * client does not call back into them.
 */
#include "aws/error_document.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>

#include "aws/protocol.h"

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

void aws_query_parse_error(const aws_http_response *resp, base_error *err)
{
    xmlDocPtr doc = aws_xml_parse(&resp->body);
    aws_xml_read_error(doc, "RequestId", err);
    xmlFreeDoc(doc);
}

void aws_ec2_parse_error(const aws_http_response *resp, base_error *err)
{
    xmlDocPtr doc = aws_xml_parse(&resp->body);
    aws_xml_read_error(doc, "RequestID", err);
    xmlFreeDoc(doc);
}

void aws_rest_xml_parse_error(const aws_http_response *resp, base_error *err)
{
    xmlDocPtr doc = aws_xml_parse(&resp->body);
    aws_xml_read_error(doc, "RequestId", err);
    xmlFreeDoc(doc);
    if (!err->code[0] && resp->status == 404)
        snprintf(err->code, sizeof err->code, "NotFound");
}

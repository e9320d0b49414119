/*
 * fuzz_aws_response.c - AWS responses as the client reads them, one target
 * per wire protocol (FUZZ_PROTOCOL_<name>): the error body read into an
 * base_error (the status from the first byte, the rest the body), and the same
 * bytes read as a successful response's body. An error's fields are always
 * NUL-terminated within their arrays.
 */
#include "aws/error_document.h"
#include "aws/protocol.h"
#include "fuzz.h"

static void check_terminated(const char *field, size_t size)
{
    if (!memchr(field, '\0', size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    aws_http_response resp = {.status = data[0] & 1 ? 404 : 400};
    bool error_type_header = data[0] & 2;
    base_buf_append(&resp.body, data + 1, size - 1);
    base_error err;
    base_error_set(&err, BASE_ERROR_SERVICE, "", "HTTP %ld", resp.status);
#if defined(FUZZ_PROTOCOL_JSON) || defined(FUZZ_PROTOCOL_REST_JSON)
    if (error_type_header) {
        /* rest-json's code can come from a header: the first line of the body. */
        const uint8_t *line = data + 1;
        size_t left = size - 1;
        char *header = fuzz_take_line(&line, &left);
        aws_headers_add(&resp.headers, "X-Amzn-ErrorType", header);
        free(header);
    }
    aws_json_parse_error(&resp, &err);
    cJSON *doc = NULL;
    base_error body_err = {0};
    if (aws_json_parse_body(&aws_service_dynamodb, "Scan", &resp.body, &doc, &body_err) == 0) {
        base_buf again = {0};
        if (doc && aws_json_append_body(&again, doc, &body_err) != 0)
            abort();
        base_buf_free(&again);
    }
    cJSON_Delete(doc);
#else
    (void)error_type_header;
#if defined(FUZZ_PROTOCOL_QUERY)
    aws_query_parse_error(&resp, &err);
#elif defined(FUZZ_PROTOCOL_EC2)
    aws_ec2_parse_error(&resp, &err);
#elif defined(FUZZ_PROTOCOL_REST_XML)
    aws_rest_xml_parse_error(&resp, &err);
#else
#error "define FUZZ_PROTOCOL_<name>"
#endif
    xmlDocPtr doc = aws_xml_parse(&resp.body);
    if (doc) {
        char text[64] = "";
        aws_xml_copy_text(xmlDocGetRootElement(doc), "NextToken", text, sizeof text);
        check_terminated(text, sizeof text);
        xmlFreeDoc(doc);
    }
#endif
    check_terminated(err.code, sizeof err.code);
    check_terminated(err.message, sizeof err.message);
    check_terminated(err.request_id, sizeof err.request_id);
    char line[2048];
    base_error_format_call(&err, line, sizeof line);
    aws_http_response_free(&resp);
    return 0;
}

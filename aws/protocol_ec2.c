/*
 * protocol_ec2.c - the ec2 protocol's own part: its error document,
 * <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>.
 * Requests are built as the query protocol builds them (protocol_query.c).
 */
#include <libxml/parser.h>

#include "protocol.h"

void aws_ec2_parse_error(const aws_http_response *resp, base_error *err)
{
    xmlDocPtr doc = aws_xml_parse(&resp->body);
    aws_xml_read_error(doc, "RequestID", err);
    xmlFreeDoc(doc);
}

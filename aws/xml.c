/*
 * xml.c - reading AWS XML responses with libxml2: parse without network
 * access or entity expansion, and find an element's text by local name.
 */
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "protocol.h"

xmlDocPtr aws_xml_parse(const base_buf *body)
{
    if (!body->len || body->len > 0x7fffffff)
        return NULL;
    return xmlReadMemory(body->data, (int)body->len, NULL, NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static xmlNodePtr find_element(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr n = node; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)n->name, name) == 0)
            return n;
        xmlNodePtr hit = find_element(n->children, name);
        if (hit)
            return hit;
    }
    return NULL;
}

char *aws_xml_find_text(xmlNodePtr root, const char *name)
{
    xmlNodePtr n = root ? find_element(root, name) : NULL;
    if (!n)
        return NULL;
    xmlChar *text = xmlNodeGetContent(n);
    char *copy = strdup(text ? (const char *)text : "");
    xmlFree(text);
    if (!copy)
        abort();
    return copy;
}

/* Copies the text of element `name` under root into dst (truncating). */
void aws_xml_copy_text(xmlNodePtr root, const char *name, char *dst, size_t size)
{
    char *text = aws_xml_find_text(root, name);
    if (text && size) {
        size_t n = strlen(text);
        if (n >= size)
            n = size - 1;
        memcpy(dst, text, n);
        dst[n] = '\0';
    }
    free(text);
}

void aws_xml_read_error(xmlDocPtr doc, const char *request_id_element, base_error *err)
{
    if (!doc)
        return;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    char message[sizeof err->message] = "";
    aws_xml_copy_text(root, "Code", err->code, sizeof err->code);
    aws_xml_copy_text(root, "Message", message, sizeof message);
    if (message[0])
        memcpy(err->message, message, sizeof message);
    aws_xml_copy_text(root, request_id_element, err->request_id, sizeof err->request_id);
}

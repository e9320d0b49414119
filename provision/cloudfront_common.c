/*
 * cloudfront_common.c - the CloudFront call shape the CloudFront kinds share,
 * and finding one of them by name in its paged list.
 */
#include "provision/cloudfront_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/paginate.h"
#include "provision/kind_support.h"

int cloudfront_call(op_ctx *ctx, const char *method, const char *path, const aws_params *query,
                    const char *if_match, xmlDocPtr body, xmlDocPtr *out, char *etag, base_error *err)
{
    aws_headers headers = {0};
    xmlChar *text = NULL;
    int len = 0;
    if (body) {
        xmlDocDumpMemory(body, &text, &len);
        xmlFreeDoc(body);
        aws_headers_add(&headers, "Content-Type", "application/xml");
    }
    if (if_match)
        aws_headers_add(&headers, "If-Match", if_match);
    aws_http_response resp = {0};
    int rc = aws_rest_xml_call(ctx->client, &aws_service_cloudfront, method, path, query, &headers,
                               text, (size_t)len, &resp, out, err);
    if (rc == 0) {
        const char *value = aws_headers_get(&resp.headers, "ETag");
        if (etag)
            snprintf(etag, ETAG_SIZE, "%s", value ? value : "");
        aws_http_response_free(&resp);
    }
    xmlFree(text);
    aws_headers_free(&headers);
    return rc;
}

void cloudfront_add_text(xmlNodePtr parent, const char *name, const char *value)
{
    xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST value);
}

int cloudfront_etag(op_ctx *ctx, const char *base_path, const char *id, char etag[ETAG_SIZE],
                    base_error *err)
{
    char path[PATH_SIZE];
    snprintf(path, sizeof path, "%s/%s", base_path, id);
    return cloudfront_call(ctx, "GET", path, NULL, NULL, NULL, NULL, etag, err);
}

int cloudfront_retry_on_conflict(int rc, base_error *err)
{
    if (rc != 0 && (error_is(err, "PreconditionFailed") || error_is(err, "InvalidIfMatchVersion")))
        err->retryable = true;
    return rc;
}

int cloudfront_delete(op_ctx *ctx, const char *base_path, const char *id, const char *not_found,
                      const char *in_use, base_error *err)
{
    char etag[ETAG_SIZE] = "", path[PATH_SIZE];
    if (cloudfront_etag(ctx, base_path, id, etag, err) != 0)
        return allow_error(-1, err, not_found); /* gone already: done */
    snprintf(path, sizeof path, "%s/%s", base_path, id);
    int rc = cloudfront_call(ctx, "DELETE", path, NULL, etag, NULL, NULL, NULL, err);
    rc = allow_error(cloudfront_retry_on_conflict(rc, err), err, not_found);
    if (rc != 0 && error_is(err, in_use))
        err->retryable = true;
    return rc;
}

typedef struct cloudfront_search {
    const char *summary, *const *field, *value;
    cloudfront_found_fn found;
    void *arg;
    bool done;
} cloudfront_search;

xmlNodePtr cloudfront_child(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

xmlNodePtr cloudfront_element_at(xmlNodePtr node, const char *const *path)
{
    for (size_t i = 0; node && path[i]; i++)
        node = cloudfront_child(node, path[i]);
    return node;
}

char *cloudfront_text_at(xmlNodePtr node, const char *const *path)
{
    node = cloudfront_element_at(node, path);
    if (!node)
        return NULL;
    xmlChar *content = xmlNodeGetContent(node);
    char *text = base_xstrdup((const char *)content);
    xmlFree(content);
    return text;
}

static void match_summary(void *ctx, xmlNodePtr summary)
{
    cloudfront_search *search = ctx;
    xmlNodePtr field = cloudfront_element_at(summary, search->field);
    if (search->done || !field)
        return;
    xmlChar *text = xmlNodeGetContent(field);
    if (text && strcmp((const char *)text, search->value) == 0) {
        search->found(search->arg, summary);
        search->done = true;
    }
    xmlFree(text);
}

static int search_page(void *ctx, xmlNodePtr root, bool *stop, base_error *err)
{
    (void)err;
    cloudfront_search *search = ctx;
    xml_each_element(root, search->summary, match_summary, search);
    *stop = search->done;
    return 0;
}

int cloudfront_find(op_ctx *ctx, const char *path, const aws_params *query, const char *summary,
                    const char *const *field, const char *value, cloudfront_found_fn found,
                    void *arg, base_error *err)
{
    cloudfront_search search = {summary, field, value, found, arg, false};
    return aws_rest_xml_paginate(ctx->client, &aws_service_cloudfront, path, query, "Marker",
                                 "NextMarker", search_page, &search, err);
}

void cloudfront_site_comment(const stack *s, char out[160])
{
    snprintf(out, 160, "%s Scribble site", stack_name(s));
}

typedef struct domain_out {
    char *out;
    size_t size;
} domain_out;

static void take_domain(void *arg, xmlNodePtr summary)
{
    static const char *const domain_path[] = {"DomainName", NULL};
    domain_out *d = arg;
    char *domain = cloudfront_text_at(summary, domain_path);
    snprintf(d->out, d->size, "%s", domain ? domain : "");
    free(domain);
}

int cloudfront_site_domain(op_ctx *ctx, char *out, size_t size, base_error *err)
{
    char comment[160];
    cloudfront_site_comment(ctx->stack, comment);
    static const char *const comment_path[] = {"Comment", NULL};
    out[0] = '\0';
    domain_out d = {out, size};
    return cloudfront_find(ctx, CLOUDFRONT_DISTRIBUTION_PATH, NULL, "DistributionSummary",
                           comment_path, comment, take_domain, &d, err);
}

/*
 * paginate.c - the page loops, one per protocol shape. Each copies the
 * caller's parameters, adds the token from the previous page, and stops
 * when a page carries no (or an empty) next token.
 */
#include "aws/paginate.h"

#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

/* The caller's parameters with the token added (when there is one). */
static void params_with_token(aws_params *out, const aws_params *in, const char *name,
                              const char *token)
{
    for (size_t i = 0; in && i < in->count; i++)
        aws_params_add(out, in->items[i].name, in->items[i].value);
    if (token)
        aws_params_add(out, name, token);
}

static char *json_token(const cJSON *page, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(page, field);
    return cJSON_IsString(v) && v->valuestring[0] ? base_xstrdup(v->valuestring) : NULL;
}

static char *xml_token(xmlDocPtr doc, const char *element)
{
    char *v = aws_xml_find_text(xmlDocGetRootElement(doc), element);
    if (v && !v[0]) {
        free(v);
        v = NULL;
    }
    return v;
}

/* The next page's token as the input wants it: a string (most services) or
 * an object (DynamoDB's LastEvaluatedKey); NULL when the walk is over. */
static cJSON *json_next_input_token(const cJSON *page, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(page, field);
    if (cJSON_IsString(v) ? v->valuestring[0] != '\0' : cJSON_IsObject(v) && v->child)
        return cJSON_Duplicate(v, 1);
    return NULL;
}

int aws_json_paginate(aws_client *c, const aws_service *svc, const char *operation, cJSON *input,
                      const char *input_token, const char *output_token, aws_json_page_fn fn,
                      void *ctx, base_error *err)
{
    cJSON *token = NULL;
    int rc = 0;
    bool stop = false;
    do {
        cJSON_DeleteItemFromObjectCaseSensitive(input, input_token);
        if (token)
            cJSON_AddItemToObject(input, input_token, token); /* input owns it now */
        token = NULL;
        cJSON *page = NULL;
        rc = aws_json_call(c, svc, operation, input, &page, err);
        if (rc == 0)
            rc = fn(ctx, page, &stop, err);
        if (rc == 0)
            token = json_next_input_token(page, output_token);
        cJSON_Delete(page);
    } while (rc == 0 && token && !stop);
    cJSON_Delete(token);
    return rc;
}

int aws_rest_json_paginate(aws_client *c, const aws_service *svc, const char *path,
                           const aws_params *query, const char *query_token,
                           const char *output_token, aws_json_page_fn fn, void *ctx, base_error *err)
{
    char *token = NULL;
    int rc = 0;
    bool stop = false;
    do {
        aws_params q = {0};
        params_with_token(&q, query, query_token, token);
        free(token);
        token = NULL;
        cJSON *page = NULL;
        rc = aws_rest_json_call(c, svc, "GET", path, &q, NULL, &page, err);
        aws_params_free(&q);
        if (rc == 0)
            rc = fn(ctx, page, &stop, err);
        if (rc == 0)
            token = json_token(page, output_token);
        cJSON_Delete(page);
    } while (rc == 0 && token && !stop);
    free(token);
    return rc;
}

int aws_query_paginate(aws_client *c, const aws_service *svc, const char *action,
                       const aws_params *params, const char *input_token, const char *output_token,
                       aws_xml_page_fn fn, void *ctx, base_error *err)
{
    char *token = NULL;
    int rc = 0;
    bool stop = false;
    do {
        aws_params p = {0};
        params_with_token(&p, params, input_token, token);
        free(token);
        token = NULL;
        xmlDocPtr doc = NULL;
        rc = aws_query_call(c, svc, action, &p, &doc, err);
        aws_params_free(&p);
        if (rc == 0)
            rc = fn(ctx, xmlDocGetRootElement(doc), &stop, err);
        if (rc == 0)
            token = xml_token(doc, output_token);
        xmlFreeDoc(doc);
    } while (rc == 0 && token && !stop);
    free(token);
    return rc;
}

int aws_rest_xml_paginate(aws_client *c, const aws_service *svc, const char *path,
                          const aws_params *query, const char *query_token,
                          const char *output_token, aws_xml_page_fn fn, void *ctx, base_error *err)
{
    char *token = NULL;
    int rc = 0;
    bool stop = false;
    do {
        aws_params q = {0};
        params_with_token(&q, query, query_token, token);
        free(token);
        token = NULL;
        xmlDocPtr doc = NULL;
        rc = aws_rest_xml_call(c, svc, "GET", path, &q, NULL, NULL, 0, NULL, &doc, err);
        aws_params_free(&q);
        if (rc == 0 && doc)
            rc = fn(ctx, xmlDocGetRootElement(doc), &stop, err);
        if (rc == 0 && doc)
            token = xml_token(doc, output_token);
        xmlFreeDoc(doc);
    } while (rc == 0 && token && !stop);
    free(token);
    return rc;
}

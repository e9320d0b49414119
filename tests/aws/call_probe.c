/*
 * call_probe.c - makes one AWS call through the client and prints what came
 * back, so Python tests can drive retries, error parsing and endpoints:
 *
 *   call_probe <service> query <Action> [Name=Value ...]
 *   call_probe <service> json <Operation> [json-input]
 *   call_probe <service> rest-json <METHOD> <path> [json-body]
 *   call_probe <service> rest-xml <METHOD> <path>
 *   call_probe <service> endpoint
 *   call_probe <service> paginate-json <Operation> <in-token> <out-token> <list> [json-input]
 *   call_probe <service> paginate-query <Action> <in-token> <out-token> <item> [Name=Value ...]
 *   call_probe <service> paginate-rest-json <path> <in-token> <out-token> <list> [Name=Value ...]
 *   call_probe <service> paginate-rest-xml <path> <in-token> <out-token> <item> [Name=Value ...]
 *     (pages are printed as "pages=N items=a,b,...")
 *
 * Success: "ok" and the body. Failure: the error's fields (kind, status, code,
 * retryable, request id; then the message; then the call that failed), exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "aws/client.h"
#include "aws/client_default.h"
#include "aws/paginate.h"

static void print_debug(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "debug: %s\n", line);
}

typedef struct page_count {
    const char *item; /* JSON list field, or XML element name */
    int pages;
    base_buf items;
} page_count;

static int count_json_page(void *ctx, const cJSON *page, bool *stop, base_error *err)
{
    (void)stop, (void)err;
    page_count *pc = ctx;
    pc->pages++;
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(page, pc->item))
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "Name");
        /* A DynamoDB item keyed by a string attribute k. */
        const cJSON *key = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, "k"), "S");
        const char *text = cJSON_IsString(item) ? item->valuestring
                           : cJSON_IsString(name) ? name->valuestring
                           : cJSON_IsString(key)  ? key->valuestring : "?";
        base_buf_printf(&pc->items, "%s%s", pc->items.len ? "," : "", text);
    }
    return 0;
}

static void count_xml_items(page_count *pc, xmlNodePtr node)
{
    for (; node; node = node->next) {
        if (node->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)node->name, pc->item) == 0) {
            xmlChar *text = xmlNodeGetContent(node);
            base_buf_printf(&pc->items, "%s%s", pc->items.len ? "," : "", (const char *)text);
            xmlFree(text);
        } else {
            count_xml_items(pc, node->children);
        }
    }
}

static int count_xml_page(void *ctx, xmlNodePtr root, bool *stop, base_error *err)
{
    (void)stop, (void)err;
    page_count *pc = ctx;
    pc->pages++;
    count_xml_items(pc, root);
    return 0;
}

static void name_value_params(aws_params *params, int argc, char **argv, int from)
{
    for (int i = from; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq)
            continue;
        *eq = '\0';
        aws_params_add(params, argv[i], eq + 1);
    }
}

static int paginate(aws_client *c, const aws_service *svc, int argc, char **argv, base_error *err)
{
    if (argc < 7)
        return base_error_set(err, BASE_ERROR_INVALID, "Usage", "paginate needs 4 arguments");
    const char *kind = argv[2] + strlen("paginate-");
    page_count pc = {.item = argv[6]};
    aws_params params = {0};
    int rc;
    if (!strcmp(kind, "json")) {
        cJSON *input = argc > 7 ? cJSON_Parse(argv[7]) : cJSON_CreateObject();
        rc = aws_json_paginate(c, svc, argv[3], input, argv[4], argv[5], count_json_page, &pc, err);
        cJSON_Delete(input);
    } else {
        name_value_params(&params, argc, argv, 7);
        if (!strcmp(kind, "query"))
            rc = aws_query_paginate(c, svc, argv[3], &params, argv[4], argv[5], count_xml_page, &pc, err);
        else if (!strcmp(kind, "rest-json"))
            rc = aws_rest_json_paginate(c, svc, argv[3], &params, argv[4], argv[5], count_json_page,
                                        &pc, err);
        else
            rc = aws_rest_xml_paginate(c, svc, argv[3], &params, argv[4], argv[5], count_xml_page,
                                       &pc, err);
    }
    if (rc == 0)
        printf("pages=%d items=%s\n", pc.pages, base_buf_str(&pc.items));
    aws_params_free(&params);
    base_buf_free(&pc.items);
    return rc;
}

static int call(aws_client *c, const aws_service *svc, int argc, char **argv, base_error *err)
{
    const char *kind = argv[2];
    if (!strcmp(kind, "endpoint")) {
        char *url, source[AWS_ENDPOINT_SOURCE_SIZE];
        TRY(aws_client_endpoint(c, svc, &url, source, err));
        printf("endpoint=%s\nsource=%s\nsigning_region=%s\n", url, source,
               aws_client_signing_region(c, svc));
        free(url);
        return 0;
    }
    if (!strncmp(kind, "paginate-", 9))
        return paginate(c, svc, argc, argv, err);
    if (argc < 4)
        return base_error_set(err, BASE_ERROR_INVALID, "Usage", "missing operation");
    if (!strcmp(kind, "query")) {
        aws_params params = {0};
        for (int i = 4; i < argc; i++) {
            char *eq = strchr(argv[i], '=');
            if (!eq)
                continue;
            *eq = '\0';
            aws_params_add(&params, argv[i], eq + 1);
        }
        xmlDocPtr doc;
        int rc = aws_query_call(c, svc, argv[3], &params, &doc, err);
        aws_params_free(&params);
        if (rc == 0)
            printf("ok\n");
        xmlFreeDoc(doc);
        return rc;
    }
    cJSON *input = argc > (strcmp(kind, "json") ? 5 : 4) ? cJSON_Parse(argv[argc - 1]) : NULL;
    cJSON *out = NULL;
    int rc;
    if (!strcmp(kind, "json"))
        rc = aws_json_call(c, svc, argv[3], input, &out, err);
    else if (!strcmp(kind, "rest-json"))
        rc = aws_rest_json_call(c, svc, argv[3], argc > 4 ? argv[4] : "/", NULL, input, &out, err);
    else if (!strcmp(kind, "rest-xml"))
        rc = aws_rest_xml_call(c, svc, argv[3], argc > 4 ? argv[4] : "/", NULL, NULL, NULL, 0, NULL,
                               NULL, err);
    else
        rc = base_error_set(err, BASE_ERROR_INVALID, "Usage", "unknown protocol %s", kind);
    if (rc == 0) {
        char *text = out ? cJSON_PrintUnformatted(out) : NULL;
        printf("ok\n%s\n", text ? text : "");
        free(text);
    }
    cJSON_Delete(input);
    cJSON_Delete(out);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: call_probe <service> <protocol|endpoint> ...\n");
        return 2;
    }
    const aws_service *svc = aws_service_find(argv[1]);
    if (!svc) {
        fprintf(stderr, "unknown service %s\n", argv[1]);
        return 2;
    }
    aws_client_options o = {.debug_log = getenv("CALL_PROBE_DEBUG") ? print_debug : NULL};
    aws_client *c;
    base_error err = {0};
    int rc = aws_client_new_default(&o, &c, &err);
    if (rc == 0) {
        rc = call(c, svc, argc, argv, &err);
        aws_client_free(c);
    }
    if (rc != 0) {
        printf("error kind=%s status=%ld code=%s retryable=%d request_id=%s\nmessage=%s\ncall=%s\n",
               base_error_kind_name(err.kind), err.http_status, err.code, err.retryable,
               err.request_id, err.message, err.call);
        return 1;
    }
    return 0;
}

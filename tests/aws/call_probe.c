/*
 * call_probe.c - makes one AWS call through the client and prints what came
 * back, so Python tests can drive retries, error parsing and endpoints:
 *
 *   call_probe <service> query <Action> [Name=Value ...]
 *   call_probe <service> json <Operation> [json-input]
 *   call_probe <service> rest-json <METHOD> <path> [json-body]
 *   call_probe <service> rest-xml <METHOD> <path>
 *   call_probe <service> endpoint
 *
 * Success: "ok" and the body. Failure: one line of the error's fields, exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "aws/client.h"

static void print_debug(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "debug: %s\n", line);
}

static int call(aws_client *c, const aws_service *svc, int argc, char **argv, aws_error *err)
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
    if (argc < 4)
        return aws_error_set(err, AWS_ERROR_INVALID, "Usage", "missing operation");
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
        rc = aws_error_set(err, AWS_ERROR_INVALID, "Usage", "unknown protocol %s", kind);
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
    aws_error err = {0};
    int rc = aws_client_new(&o, &c, &err);
    if (rc == 0) {
        rc = call(c, svc, argc, argv, &err);
        aws_client_free(c);
    }
    if (rc != 0) {
        printf("error kind=%s status=%ld code=%s retryable=%d request_id=%s\nmessage=%s\n",
               aws_error_kind_name(err.kind), err.http_status, err.code, err.retryable,
               err.request_id, err.message);
        return 1;
    }
    return 0;
}

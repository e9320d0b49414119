/*
 * api_domains.c - API Gateway v2 custom domain names read (rest-json).
 */
#include "provision/api_domains.h"

#include <stdio.h>
#include <string.h>

#include "aws/paginate.h"
#include "provision/kind_support.h"
#include "provision/resource.h"

static void read_domain(const cJSON *item, api_domain *out)
{
    memset(out, 0, sizeof *out);
    json_copy_string_at(out->name, sizeof out->name, item, "domainName");
    const cJSON *configs = cJSON_GetObjectItemCaseSensitive(item, "domainNameConfigurations");
    const cJSON *config = cJSON_GetArrayItem(configs, 0);
    json_copy_string_at(out->certificate_arn, sizeof out->certificate_arn, config,
                        "certificateArn");
    json_copy_string_at(out->target, sizeof out->target, config, "apiGatewayDomainName");
    json_copy_string_at(out->target_zone, sizeof out->target_zone, config, "hostedZoneId");
    json_copy_string_at(out->status, sizeof out->status, config, "domainNameStatus");
    json_copy_string_at(out->security_policy, sizeof out->security_policy, config,
                        "securityPolicy");
    json_copy_string_at(out->ip_address_type, sizeof out->ip_address_type, config, "ipAddressType");
    json_copy_string_at(out->stack, sizeof out->stack,
                        cJSON_GetObjectItemCaseSensitive(item, "tags"), TAG_STACK);
}

int api_domain_get(aws_client *c, const char *name, api_domain *out, bool *found, base_error *err)
{
    char path[400];
    snprintf(path, sizeof path, API_DOMAINS_PATH "/%s", name);
    cJSON *answer = NULL;
    *found = false;
    int rc =
        aws_rest_json_call(c, &aws_service_apigatewayv2, "GET", path, NULL, NULL, &answer, err);
    if (rc != 0)
        return allow_error(rc, err, "NotFoundException");
    read_domain(answer, out);
    *found = out->name[0] != '\0';
    cJSON_Delete(answer);
    return 0;
}

typedef struct stack_search {
    const char *stack_name;
    api_domain_fn fn;
    void *ctx;
} stack_search;

static int visit_page(void *ctx, const cJSON *page, bool *stop, base_error *err)
{
    (void)stop;
    stack_search *s = ctx;
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(page, "items")) {
        api_domain domain;
        read_domain(item, &domain);
        if (strcmp(domain.stack, s->stack_name) == 0)
            TRY(s->fn(s->ctx, &domain, err));
    }
    return 0;
}

int api_domain_each_of_stack(aws_client *c, const char *stack_name, api_domain_fn fn, void *ctx,
                             base_error *err)
{
    stack_search s = {stack_name, fn, ctx};
    return aws_rest_json_paginate(c, &aws_service_apigatewayv2, API_DOMAINS_PATH, NULL, "nextToken",
                                  "nextToken", visit_page, &s, err);
}

int api_domains_delete(aws_client *c, const char *path, base_error *err)
{
    cJSON *answer = NULL;
    int rc =
        aws_rest_json_call(c, &aws_service_apigatewayv2, "DELETE", path, NULL, NULL, &answer, err);
    cJSON_Delete(answer);
    return allow_error(rc, err, "NotFoundException");
}

/*
 * leftovers.c - the check that ends down: does anything tagged with the
 * stack remain? Pages through GetResources with a tag filter. A NAT gateway
 * stays visible for a while in state "deleted"; it no longer bills and is
 * not a leftover, so NAT gateways are confirmed with EC2 before counting.
 */
#include "provision/leftovers.h"

#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "aws/paginate.h"
#include "provision/resource.h"

static bool nat_gateway_is_gone(aws_client *c, const char *arn, base_error *err)
{
    const char *slash = strrchr(arn, '/');
    aws_params p = {0};
    aws_params_add(&p, "NatGatewayId.1", slash ? slash + 1 : arn);
    xmlDocPtr doc = NULL;
    bool gone = false;
    if (aws_query_call(c, &aws_service_ec2, "DescribeNatGateways", &p, &doc, err) == 0) {
        char *state = aws_xml_find_text(xmlDocGetRootElement(doc), "state");
        gone = !state || strcmp(state, "deleted") == 0;
        free(state);
    } else {
        gone = strstr(err->code, "NotFound") != NULL;
    }
    xmlFreeDoc(doc);
    aws_params_free(&p);
    return gone;
}

typedef struct tagged_walk {
    tagged_fn fn;
    void *ctx;
} tagged_walk;

static int tagged_page(void *ctx, const cJSON *page, bool *stop, base_error *err)
{
    (void)stop;
    tagged_walk *w = ctx;
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(page, "ResourceTagMappingList")) {
        const char *arn =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "ResourceARN"));
        if (arn)
            TRY(w->fn(w->ctx, arn, cJSON_GetObjectItemCaseSensitive(item, "Tags"), err));
    }
    return 0;
}

int tagged_resources_each(aws_client *c, const aws_service *tagging, const char *stack_name,
                          const char *resource_type, tagged_fn fn, void *ctx, base_error *err)
{
    cJSON *input = cJSON_CreateObject();
    cJSON *filter = cJSON_CreateObject();
    cJSON_AddStringToObject(filter, "Key", TAG_STACK);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(filter, "Values"), cJSON_CreateString(stack_name));
    cJSON_AddItemToArray(cJSON_AddArrayToObject(input, "TagFilters"), filter);
    if (resource_type)
        cJSON_AddItemToArray(cJSON_AddArrayToObject(input, "ResourceTypeFilters"),
                             cJSON_CreateString(resource_type));
    tagged_walk w = {fn, ctx};
    int rc = aws_json_paginate(c, tagging, "GetResources", input, "PaginationToken",
                               "PaginationToken", tagged_page, &w, err);
    cJSON_Delete(input);
    return rc;
}

typedef struct leftovers {
    aws_client *client;
    base_buf *arns;
    int *count;
} leftovers;

static int collect(void *ctx, const char *arn, const cJSON *tags, base_error *err)
{
    (void)tags;
    leftovers *l = ctx;
    if (strstr(arn, ":natgateway/") && nat_gateway_is_gone(l->client, arn, err))
        return 0;
    base_buf_printf(l->arns, "%s\n", arn);
    (*l->count)++;
    return 0;
}

int leftovers_find(aws_client *c, const char *stack_name, base_buf *arns, int *count,
                   base_error *err)
{
    *count = 0;
    leftovers l = {c, arns, count};
    TRY(tagged_resources_each(c, &aws_service_tagging, stack_name, NULL, collect, &l, err));
    if (strcmp(aws_client_region(c), "us-east-1") == 0)
        return 0;
    return tagged_resources_each(c, &aws_service_tagging_us_east_1, stack_name, "acm:certificate",
                                 collect, &l, err);
}

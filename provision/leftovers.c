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

typedef struct leftovers {
    aws_client *client;
    base_buf *arns;
    int *count;
} leftovers;

static int collect(void *ctx, const cJSON *page, bool *stop, base_error *err)
{
    (void)stop;
    leftovers *l = ctx;
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(page, "ResourceTagMappingList"))
    {
        const cJSON *arn = cJSON_GetObjectItemCaseSensitive(item, "ResourceARN");
        if (!cJSON_IsString(arn))
            continue;
        if (strstr(arn->valuestring, ":natgateway/") && nat_gateway_is_gone(l->client, arn->valuestring, err))
            continue;
        base_buf_printf(l->arns, "%s\n", arn->valuestring);
        (*l->count)++;
    }
    return 0;
}

int leftovers_find(aws_client *c, const char *stack_name, base_buf *arns, int *count, base_error *err)
{
    *count = 0;
    cJSON *input = cJSON_CreateObject();
    cJSON *filter = cJSON_CreateObject();
    cJSON_AddStringToObject(filter, "Key", TAG_STACK);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(filter, "Values"), cJSON_CreateString(stack_name));
    cJSON_AddItemToArray(cJSON_AddArrayToObject(input, "TagFilters"), filter);
    leftovers l = {c, arns, count};
    int rc = aws_json_paginate(c, &aws_service_tagging, "GetResources", input, "PaginationToken",
                               "PaginationToken", collect, &l, err);
    cJSON_Delete(input);
    return rc;
}

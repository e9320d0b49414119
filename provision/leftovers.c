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

#include "provision/resource.h"

static bool nat_gateway_is_gone(aws_client *c, const char *arn, aws_error *err)
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

static void collect(aws_client *c, const cJSON *page, aws_buf *arns, int *count, aws_error *err)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(page, "ResourceTagMappingList");
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        const cJSON *arn = cJSON_GetObjectItemCaseSensitive(item, "ResourceARN");
        if (!cJSON_IsString(arn))
            continue;
        if (strstr(arn->valuestring, ":natgateway/") && nat_gateway_is_gone(c, arn->valuestring, err))
            continue;
        aws_buf_printf(arns, "%s\n", arn->valuestring);
        (*count)++;
    }
}

int leftovers_find(aws_client *c, const char *stack_name, aws_buf *arns, int *count, aws_error *err)
{
    *count = 0;
    char *token = NULL;
    do {
        cJSON *input = cJSON_CreateObject();
        cJSON *filter = cJSON_CreateObject();
        cJSON_AddStringToObject(filter, "Key", TAG_STACK);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(filter, "Values"), cJSON_CreateString(stack_name));
        cJSON_AddItemToArray(cJSON_AddArrayToObject(input, "TagFilters"), filter);
        if (token)
            cJSON_AddStringToObject(input, "PaginationToken", token);
        free(token);
        token = NULL;
        cJSON *page = NULL;
        int rc = aws_json_call(c, &aws_service_tagging, "GetResources", input, &page, err);
        cJSON_Delete(input);
        if (rc != 0)
            return -1;
        collect(c, page, arns, count, err);
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(page, "PaginationToken");
        if (cJSON_IsString(next) && next->valuestring[0])
            token = aws_xstrdup(next->valuestring);
        cJSON_Delete(page);
    } while (token);
    return 0;
}

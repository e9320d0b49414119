/*
 * doctor_checks.c - one read call on every service the stack uses, as a
 * table: each row names the service, the operation, and how to make it.
 * Each check is cheap, read-only, and asks for at most one item.
 */
#include "provision/doctor.h"
#include "provision/route53.h"
#include "provision/zone_delegation.h"

#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/function_limits.h"

static int query_check(aws_client *c, const aws_service *svc, const char *action,
                       const char *param, const char *value, base_error *err)
{
    aws_params params = {0};
    if (param)
        aws_params_add(&params, param, value);
    xmlDocPtr doc = NULL;
    int rc = aws_query_call(c, svc, action, &params, &doc, err);
    xmlFreeDoc(doc);
    aws_params_free(&params);
    return rc;
}

static int json_check(aws_client *c, const aws_service *svc, const char *operation,
                      const char *limit_field, base_error *err)
{
    cJSON *input = cJSON_CreateObject();
    cJSON_AddNumberToObject(input, limit_field, 1);
    cJSON *out = NULL;
    int rc = aws_json_call(c, svc, operation, input, &out, err);
    cJSON_Delete(input);
    cJSON_Delete(out);
    return rc;
}

static int rest_json_check(aws_client *c, const aws_service *svc, const char *path,
                           const char *limit_param, base_error *err)
{
    aws_params query = {0};
    aws_params_add(&query, limit_param, "1");
    cJSON *out = NULL;
    int rc = aws_rest_json_call(c, svc, "GET", path, &query, NULL, &out, err);
    cJSON_Delete(out);
    aws_params_free(&query);
    return rc;
}

static int rest_xml_check(aws_client *c, const aws_service *svc, const char *path,
                          const char *limit_param, base_error *err)
{
    aws_params query = {0};
    aws_params_add(&query, limit_param, "1");
    xmlDocPtr doc = NULL;
    int rc = aws_rest_xml_call(c, svc, "GET", path, &query, NULL, NULL, 0, NULL, &doc, err);
    xmlFreeDoc(doc);
    aws_params_free(&query);
    return rc;
}

static int check_ec2(aws_client *c, base_error *err)
{
    return query_check(c, &aws_service_ec2, "DescribeVpcs", "MaxResults", "5", err);
}

static int check_iam(aws_client *c, base_error *err)
{
    return query_check(c, &aws_service_iam, "ListRoles", "MaxItems", "1", err);
}

static int check_elasticache(aws_client *c, base_error *err)
{
    return query_check(c, &aws_service_elasticache, "DescribeServerlessCaches", "MaxResults", "1", err);
}

static int check_sqs(aws_client *c, base_error *err)
{
    return json_check(c, &aws_service_sqs, "ListQueues", "MaxResults", err);
}

static int check_dynamodb(aws_client *c, base_error *err)
{
    return json_check(c, &aws_service_dynamodb, "ListTables", "Limit", err);
}

static int check_tagging(aws_client *c, base_error *err)
{
    return json_check(c, &aws_service_tagging, "GetResources", "ResourcesPerPage", err);
}

static int check_logs(aws_client *c, base_error *err)
{
    return json_check(c, &aws_service_logs, "DescribeLogGroups", "limit", err);
}

/* The account's Lambda concurrency, and whether the reservations the config
 * asks for fit it (function_limits.h). */
static int report_lambda(aws_client *c, const scribble_config *cfg, char *detail, size_t size,
                         base_error *err)
{
    account_concurrency account;
    TRY(account_concurrency_read(c, &account, err));
    stack *s = NULL;
    long now = 0, wanted = 0;
    int rc = stack_build(cfg, &s, err);
    if (rc == 0)
        rc = stack_reservations(c, s, &now, &wanted, err);
    if (rc == 0)
        rc = reservations_fit(cfg, &account, now, wanted, err);
    stack_free(s);
    TRY(rc);
    snprintf(detail, size, "concurrency limit %ld, %ld unreserved; this stack reserves %ld%s",
             account.limit, account.unreserved, wanted, wanted == now ? "" : " once up");
    return 0;
}

static int check_apigatewayv2(aws_client *c, base_error *err)
{
    return rest_json_check(c, &aws_service_apigatewayv2, "/v2/apis", "maxResults", err);
}

static int check_scheduler(aws_client *c, base_error *err)
{
    return rest_json_check(c, &aws_service_scheduler, "/schedules", "MaxResults", err);
}

static int check_cloudfront(aws_client *c, base_error *err)
{
    return rest_xml_check(c, &aws_service_cloudfront, "/2020-05-31/distribution", "MaxItems", err);
}

static int check_s3(aws_client *c, base_error *err)
{
    return rest_xml_check(c, &aws_service_s3, "/", "max-buckets", err);
}

/* The hosted zone [domain] names: public, in this account, holding both
 * names (the config checks they are within its name). Without a domain,
 * one call that asks for nothing. */
static int report_route53(aws_client *c, const scribble_config *cfg, char *detail, size_t size,
                          base_error *err)
{
    const char *zone = cfg->domain.zone;
    if (!zone[0]) {
        aws_params query = {0};
        aws_params_add(&query, "maxitems", "1");
        int rc = aws_rest_xml_call(c, &aws_service_route53, "GET", "/2013-04-01/hostedzonesbyname",
                                   &query, NULL, NULL, 0, NULL, NULL, err);
        aws_params_free(&query);
        if (rc == 0)
            snprintf(detail, size, "no [domain]: the stack uses CloudFront's and API Gateway's names");
        return rc;
    }
    char id[ROUTE53_ID_SIZE], delegation[1024];
    TRY(route53_require_public_zone(c, zone, cfg->domain.name, id, err));
    TRY(zone_delegation_check(c, zone, id, delegation, sizeof delegation, err));
    snprintf(detail, size, "public hosted zone %s (%s) holds %s and %s; %s", zone, id,
             cfg->domain.name, cfg->domain.websocket_name, delegation);
    return 0;
}

/* CloudFront takes certificates from us-east-1 alone, whatever the stack's
 * region (an organization may deny regions it does not use). */
static int report_acm(aws_client *c, const scribble_config *cfg, char *detail, size_t size,
                      base_error *err)
{
    TRY(json_check(c, &aws_service_acm_us_east_1, "ListCertificates", "MaxItems", err));
    snprintf(detail, size, "us-east-1, where CloudFront's certificates are%s",
             cfg->domain.name[0] ? "" : " (used with a [domain])");
    return 0;
}

const doctor_check doctor_checks[] = {
    {&aws_service_ec2, "DescribeVpcs", check_ec2, NULL},
    {&aws_service_iam, "ListRoles", check_iam, NULL},
    {&aws_service_elasticache, "DescribeServerlessCaches", check_elasticache, NULL},
    {&aws_service_sqs, "ListQueues", check_sqs, NULL},
    {&aws_service_dynamodb, "ListTables", check_dynamodb, NULL},
    {&aws_service_lambda, "GetAccountSettings", NULL, report_lambda},
    {&aws_service_apigatewayv2, "GetApis", check_apigatewayv2, NULL},
    {&aws_service_scheduler, "ListSchedules", check_scheduler, NULL},
    {&aws_service_cloudfront, "ListDistributions", check_cloudfront, NULL},
    {&aws_service_s3, "ListBuckets", check_s3, NULL},
    {&aws_service_logs, "DescribeLogGroups", check_logs, NULL},
    {&aws_service_tagging, "GetResources", check_tagging, NULL},
    {&aws_service_route53, "ListHostedZonesByName", NULL, report_route53},
    {&aws_service_acm_us_east_1, "ListCertificates", NULL, report_acm},
};
const size_t doctor_check_count = sizeof doctor_checks / sizeof doctor_checks[0];

int doctor_caller_identity(aws_client *c, char *account, size_t account_size, char *arn,
                           size_t arn_size, base_error *err)
{
    xmlDocPtr doc = NULL;
    TRY(aws_query_call(c, &aws_service_sts, "GetCallerIdentity", NULL, &doc, err));
    xmlNodePtr root = xmlDocGetRootElement(doc);
    char *a = aws_xml_find_text(root, "Account"), *r = aws_xml_find_text(root, "Arn");
    snprintf(account, account_size, "%s", a ? a : "?");
    snprintf(arn, arn_size, "%s", r ? r : "?");
    free(a);
    free(r);
    xmlFreeDoc(doc);
    return 0;
}

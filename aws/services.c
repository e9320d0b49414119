/*
 * services.c - the table of AWS services Scribble calls. Names and versions
 * are botocore's (botocore/data/<service>/<version>/service-2.json
 * "metadata"): serviceId, endpointPrefix, signingName, protocol,
 * apiVersion, jsonVersion, targetPrefix.
 */
#include "service.h"

#include <stddef.h>
#include <strings.h>

const aws_service aws_service_sts = {
    .service_id = "STS", .endpoint_prefix = "sts", .signing_name = "sts", .env_suffix = "STS",
    .protocol = AWS_PROTOCOL_QUERY, .api_version = "2011-06-15"};

const aws_service aws_service_ec2 = {
    .service_id = "EC2", .endpoint_prefix = "ec2", .signing_name = "ec2", .env_suffix = "EC2",
    .protocol = AWS_PROTOCOL_EC2, .api_version = "2016-11-15"};

const aws_service aws_service_iam = {
    .service_id = "IAM", .endpoint_prefix = "iam", .signing_name = "iam", .env_suffix = "IAM",
    .protocol = AWS_PROTOCOL_QUERY, .api_version = "2010-05-08", .global_host = "iam.amazonaws.com"};

const aws_service aws_service_elasticache = {
    .service_id = "ElastiCache", .endpoint_prefix = "elasticache", .signing_name = "elasticache",
    .env_suffix = "ELASTICACHE", .protocol = AWS_PROTOCOL_QUERY, .api_version = "2015-02-02"};

const aws_service aws_service_sqs = {
    .service_id = "SQS", .endpoint_prefix = "sqs", .signing_name = "sqs", .env_suffix = "SQS",
    .protocol = AWS_PROTOCOL_JSON, .json_version = "1.0", .target_prefix = "AmazonSQS"};

const aws_service aws_service_dynamodb = {
    .service_id = "DynamoDB", .endpoint_prefix = "dynamodb", .signing_name = "dynamodb",
    .env_suffix = "DYNAMODB", .protocol = AWS_PROTOCOL_JSON, .json_version = "1.0",
    .target_prefix = "DynamoDB_20120810"};

const aws_service aws_service_lambda = {
    .service_id = "Lambda", .endpoint_prefix = "lambda", .signing_name = "lambda",
    .env_suffix = "LAMBDA", .protocol = AWS_PROTOCOL_REST_JSON, .api_version = "2015-03-31"};

const aws_service aws_service_apigatewayv2 = {
    .service_id = "ApiGatewayV2", .endpoint_prefix = "apigateway", .signing_name = "apigateway",
    .env_suffix = "APIGATEWAYV2", .protocol = AWS_PROTOCOL_REST_JSON, .api_version = "2018-11-29"};

const aws_service aws_service_apigatewaymanagementapi = {
    .service_id = "ApiGatewayManagementApi", .endpoint_prefix = "execute-api",
    .signing_name = "execute-api", .env_suffix = "APIGATEWAYMANAGEMENTAPI",
    .protocol = AWS_PROTOCOL_REST_JSON, .api_version = "2018-11-29"};

const aws_service aws_service_scheduler = {
    .service_id = "Scheduler", .endpoint_prefix = "scheduler", .signing_name = "scheduler",
    .env_suffix = "SCHEDULER", .protocol = AWS_PROTOCOL_REST_JSON, .api_version = "2021-06-30"};

const aws_service aws_service_cloudfront = {
    .service_id = "CloudFront", .endpoint_prefix = "cloudfront", .signing_name = "cloudfront",
    .env_suffix = "CLOUDFRONT", .protocol = AWS_PROTOCOL_REST_XML, .api_version = "2020-05-31",
    .global_host = "cloudfront.amazonaws.com"};

const aws_service aws_service_tagging = {
    .service_id = "Resource Groups Tagging API", .endpoint_prefix = "tagging",
    .signing_name = "tagging", .env_suffix = "RESOURCE_GROUPS_TAGGING_API",
    .protocol = AWS_PROTOCOL_JSON, .json_version = "1.1",
    .target_prefix = "ResourceGroupsTaggingAPI_20170126"};

const aws_service aws_service_tagging_us_east_1 = {
    .service_id = "Resource Groups Tagging API", .endpoint_prefix = "tagging",
    .signing_name = "tagging", .env_suffix = "RESOURCE_GROUPS_TAGGING_API",
    .protocol = AWS_PROTOCOL_JSON, .json_version = "1.1",
    .target_prefix = "ResourceGroupsTaggingAPI_20170126", .region = "us-east-1"};

const aws_service aws_service_logs = {
    .service_id = "CloudWatch Logs", .endpoint_prefix = "logs", .signing_name = "logs",
    .env_suffix = "CLOUDWATCH_LOGS", .protocol = AWS_PROTOCOL_JSON, .json_version = "1.1",
    .target_prefix = "Logs_20140328"};

const aws_service aws_service_route53 = {
    .service_id = "Route 53", .endpoint_prefix = "route53", .signing_name = "route53",
    .env_suffix = "ROUTE_53", .protocol = AWS_PROTOCOL_REST_XML, .api_version = "2013-04-01",
    .global_host = "route53.amazonaws.com"};

const aws_service aws_service_acm = {
    .service_id = "ACM", .endpoint_prefix = "acm", .signing_name = "acm", .env_suffix = "ACM",
    .protocol = AWS_PROTOCOL_JSON, .json_version = "1.1", .target_prefix = "CertificateManager"};

const aws_service aws_service_acm_us_east_1 = {
    .service_id = "ACM", .endpoint_prefix = "acm", .signing_name = "acm", .env_suffix = "ACM",
    .protocol = AWS_PROTOCOL_JSON, .json_version = "1.1", .target_prefix = "CertificateManager",
    .region = "us-east-1"};

/* CloudWatch speaks smithy-rpc-v2-cbor, AWS JSON 1.0 and query; JSON here. */
const aws_service aws_service_cloudwatch = {
    .service_id = "CloudWatch", .endpoint_prefix = "monitoring", .signing_name = "monitoring",
    .env_suffix = "CLOUDWATCH", .protocol = AWS_PROTOCOL_JSON, .json_version = "1.0",
    .target_prefix = "GraniteServiceVersion20100801"};

const aws_service aws_service_s3 = {
    .service_id = "S3", .endpoint_prefix = "s3", .signing_name = "s3", .env_suffix = "S3",
    .protocol = AWS_PROTOCOL_REST_XML, .api_version = "2006-03-01", .s3_signing = true};

static const aws_service *const all_services[] = {
    &aws_service_sts, &aws_service_ec2, &aws_service_iam, &aws_service_elasticache,
    &aws_service_sqs, &aws_service_dynamodb, &aws_service_lambda, &aws_service_apigatewayv2,
    &aws_service_apigatewaymanagementapi, &aws_service_scheduler, &aws_service_cloudfront,
    &aws_service_s3, &aws_service_tagging, &aws_service_logs, &aws_service_cloudwatch,
    &aws_service_route53, &aws_service_acm,
};

const aws_service *aws_service_find(const char *name)
{
    for (size_t i = 0; i < sizeof all_services / sizeof all_services[0]; i++)
        if (strcasecmp(name, all_services[i]->service_id) == 0 ||
            strcasecmp(name, all_services[i]->env_suffix) == 0)
            return all_services[i];
    return NULL;
}

/*
 * service.h - the AWS services Scribble calls, as data: how each is named,
 * signed, addressed and spoken to. services.c holds the table; nothing else
 * knows a service's protocol or endpoint pattern.
 */
#ifndef SCRIBBLE_AWS_SERVICE_H
#define SCRIBBLE_AWS_SERVICE_H

#include <stdbool.h>

typedef enum aws_protocol {
    AWS_PROTOCOL_QUERY,
    AWS_PROTOCOL_EC2,
    AWS_PROTOCOL_JSON,
    AWS_PROTOCOL_REST_JSON,
    AWS_PROTOCOL_REST_XML,
} aws_protocol;

typedef struct aws_service {
    const char *service_id;      /* botocore serviceId, e.g. "ApiGatewayV2" */
    const char *endpoint_prefix; /* host label, e.g. "apigateway" */
    const char *signing_name;    /* SigV4 service, e.g. "apigateway" */
    const char *env_suffix;      /* AWS_ENDPOINT_URL_<env_suffix>; "services" key in profiles */
    aws_protocol protocol;
    const char *api_version;     /* query/ec2: Version=; json: unused */
    const char *json_version;    /* json: "1.0" or "1.1" */
    const char *target_prefix;   /* json: X-Amz-Target prefix, e.g. "DynamoDB_20120810" */
    const char *global_host;     /* global services (IAM, CloudFront): fixed host, signed in us-east-1 */
    const char *region;          /* reached in this region whatever the client's; NULL: the client's */
    bool s3_signing;             /* no path normalisation or double encoding; x-amz-content-sha256 */
} aws_service;

extern const aws_service aws_service_sts;
extern const aws_service aws_service_ec2;
extern const aws_service aws_service_iam;
extern const aws_service aws_service_elasticache;
extern const aws_service aws_service_sqs;
extern const aws_service aws_service_dynamodb;
extern const aws_service aws_service_lambda;
extern const aws_service aws_service_apigatewayv2;
extern const aws_service aws_service_apigatewaymanagementapi;
extern const aws_service aws_service_scheduler;
extern const aws_service aws_service_cloudfront;
extern const aws_service aws_service_s3;
extern const aws_service aws_service_cloudwatch;
extern const aws_service aws_service_route53;
extern const aws_service aws_service_tagging; /* Resource Groups Tagging API */
/* The Tagging API in us-east-1, where the stack's CloudFront certificates are. */
extern const aws_service aws_service_tagging_us_east_1;
extern const aws_service aws_service_logs;    /* CloudWatch Logs */
extern const aws_service aws_service_acm;     /* Certificate Manager, in the client's region */
/* Certificate Manager in us-east-1, where CloudFront takes its certificates. */
extern const aws_service aws_service_acm_us_east_1;

/* By serviceId or AWS_ENDPOINT_URL_ suffix, case-insensitive ("sqs", "ApiGatewayV2"); NULL if unknown. */
const aws_service *aws_service_find(const char *name);

#endif

/*
 * local_aws.h - the local AWS endpoint the handlers are pointed at (as
 * AWS_ENDPOINT_URL), standing in for the services they call: SQS and
 * DynamoDB (AWS JSON, told apart by X-Amz-Target), the API Gateway
 * management API (/@connections/...), and S3 (path-style, everything else).
 * It also serves Lambda's Invoke (/2015-03-31/functions/<FunctionName>/
 * invocations, local_lambda.h), so that a program can invoke any of the
 * app's functions, by the name `up` gives it, as it would on AWS. Every
 * request must carry a SigV4 signature made with this run's credentials
 * (local_signature.h); one without is refused in its service's own error
 * shape, before the service sees it.
 */
#ifndef SCRIBBLE_LOCAL_AWS_H
#define SCRIBBLE_LOCAL_AWS_H

#include "local/local_dynamodb.h"
#include "local/local_gateway.h"
#include "local/local_lambda.h"
#include "local/local_queue.h"
#include "local/local_server.h"
#include "local/local_signature.h"
#include "local/local_sqs.h"
#include "local/local_store.h"
#include "local/local_triggers.h"

typedef struct local_aws {
    local_store *store;
    const local_table_schema *tables;
    size_t table_count;
    const char *const *buckets;
    size_t bucket_count;
    local_queue *const *queues;
    size_t queue_count;
    local_gateway *gateway;
    local_triggers *triggers; /* told when messages are sent */
    const local_lambda *lambda;   /* the functions Invoke reaches */
    local_function_report report; /* where a failure of the store is told */
    local_signature_key key;      /* the only credentials accepted */
} local_aws;

extern const local_endpoint_ops local_aws_ops;

#endif

/*
 * operations.h - the calls the client must not repeat blindly, as data.
 *
 * A create that takes no idempotency token either makes a second resource
 * when repeated (EC2 CreateVpc, API Gateway CreateApi) or is refused because
 * the first one exists (IAM CreateRole, Lambda CreateFunction). After an
 * ambiguous failure - a dropped connection, a 5xx, a cut-short answer: AWS
 * may have applied the request - the client does not retry such a call
 * itself; it returns the failure, and the caller (the provisioning walk)
 * reads the resource again before creating it again. A throttling answer is
 * not ambiguous (AWS refused the request), so it is retried as usual.
 *
 * EC2's creates that carry a ClientToken (CreateNatGateway, CreateRouteTable,
 * CreateVpcEndpoint) are listed too: AWS would answer their repeat with the
 * first resource, but the caller's look comes first anyway, and a stand-in
 * for AWS that ignores tokens (moto) then makes no duplicate either. Creates
 * whose repeat is answered alike everywhere (SQS CreateQueue) or refused by
 * a name the caller adopts (Scheduler CreateSchedule, CloudFront
 * CreateDistributionWithTags, S3 CreateBucket) are not listed.
 * Internal to aws/.
 */
#ifndef SCRIBBLE_AWS_OPERATIONS_H
#define SCRIBBLE_AWS_OPERATIONS_H

#include <stdbool.h>

#include "base/buf.h"
#include "service.h"

typedef struct aws_operation {
    const aws_service *service;
    const char *name;   /* botocore's operation name, e.g. "CreateVpc" */
    const char *method; /* rest protocols: the HTTP method; NULL for query, ec2, json */
    const char *path;   /* rest protocols: botocore's requestUri, "{...}" one segment */
} aws_operation;

/* The listed operation a request is, or NULL: by name for query, ec2 and json
 * (operation given), by method and path for the rest protocols (operation
 * NULL; path is matched at its end, so an endpoint's path prefix is ignored). */
const aws_operation *aws_operation_find(const aws_service *svc, const char *operation,
                                        const char *method, const char *path);

/* A rest call's name for people: the listed operation's name, else
 * "<METHOD> <path>" (appended to out). */
void aws_operation_rest_name(const aws_service *svc, const char *method, const char *path,
                             base_buf *out);

#endif

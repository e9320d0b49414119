/*
 * local_aws.c - routes each request of the local AWS endpoint to its
 * service (local_aws.h).
 */
#include "provision/local/local_aws.h"
#include "provision/local/local_clock.h"

#include <string.h>
#include <time.h>

#include "provision/local/local_s3.h"

#define SQS_TARGET "AmazonSQS."
#define DYNAMODB_TARGET "DynamoDB_20120810."
#define CONNECTIONS_PATH "/@connections/"

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void aws_request(void *owner, struct lws *wsi, local_session *s)
{
    local_aws *aws = owner;
    const local_request *req = &s->req;
    const char *body = req->body.data ? req->body.data : "";
    aws_error err = {0};
    if (starts_with(req->target, SQS_TARGET)) {
        local_sqs_handle(aws->queues, aws->queue_count, req->target + strlen(SQS_TARGET), body,
                         req->body.len, local_now_ms(), &s->reply);
        local_triggers_kick(aws->triggers);
    } else if (starts_with(req->target, DYNAMODB_TARGET)) {
        local_dynamodb_handle(aws->store, aws->tables, aws->table_count,
                              req->target + strlen(DYNAMODB_TARGET), body, req->body.len,
                              &s->reply, &err);
    } else if (starts_with(req->path, CONNECTIONS_PATH)) {
        local_gateway_manage(aws->gateway, req, &s->reply);
    } else if (req->target[0]) {
        local_reply_set(&s->reply, 400, "application/x-amz-json-1.0",
                        "{\"__type\":\"UnknownOperationException\",\"message\":\"this local endpoint "
                        "serves SQS, DynamoDB, S3 and @connections only\"}");
    } else {
        local_s3_handle(aws->store, aws->buckets, aws->bucket_count, req->method, req->path,
                        req->content_type, body, req->body.len, &s->reply, &err);
    }
    if (err.code[0] && aws->report)
        aws->report("aws", err.message);
    local_session_reply(wsi, s);
}

const local_endpoint_ops local_aws_ops = {
    .request = aws_request,
};

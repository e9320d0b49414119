/*
 * local_aws.c - routes each request of the local AWS endpoint to its
 * service (local_aws.h), once its signature is checked.
 *
 * A refused signature is answered as the service answers it in AWS
 * (docs/local.md, "Who may call the local AWS endpoint"): DynamoDB and SQS
 * in AWS JSON with a coral __type (SQS adds its query-protocol code in
 * x-amzn-query-error, which botocore reads for a query-compatible service),
 * the management API and Lambda (rest-json) with x-amzn-ErrorType, S3 in
 * its XML error.
 *
 * A Lambda Invoke may be held until its function answers (local_lambda.h);
 * every other request is answered at once.
 */
#include "local/local_aws.h"
#include "local/local_clock.h"

#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "local/local_s3.h"

#define SQS_TARGET "AmazonSQS."
#define DYNAMODB_TARGET "DynamoDB_20120810."
#define CONNECTIONS_PATH "/@connections/"
#define JSON_TYPE "application/x-amz-json-1.0"
#define CORAL_PREFIX "com.amazon.coral.service#"

typedef enum service { SQS, DYNAMODB, CONNECTIONS, LAMBDA, S3, UNKNOWN } service;

/* Each service's signing name, as the credential scope must say it (NULL: any). */
static const char *const signing_names[] = {"sqs", "dynamodb", "execute-api", "lambda", "s3", NULL};

/* How each refusal is answered, by service, in the order of local_signature_result. */
static const struct refusal {
    const char *json_type;  /* DynamoDB, SQS, the management API and Lambda */
    const char *query_code; /* SQS's x-amzn-query-error */
    int json_status, sqs_status, rest_json_status; /* rest-json: the management API and Lambda */
    const char *s3_code;
    int s3_status;
} refusals[] = {
    [LOCAL_SIGNATURE_MISSING] = {"MissingAuthenticationTokenException", "MissingAuthenticationToken",
                                 400, 403, 403, "AccessDenied", 403},
    [LOCAL_SIGNATURE_INCOMPLETE] = {"IncompleteSignatureException", "IncompleteSignature", 400, 400,
                                    403, "AuthorizationHeaderMalformed", 400},
    [LOCAL_SIGNATURE_UNKNOWN_KEY] = {"UnrecognizedClientException", "InvalidClientTokenId", 400, 403,
                                     403, "InvalidAccessKeyId", 403},
    [LOCAL_SIGNATURE_MISMATCH] = {"InvalidSignatureException", "SignatureDoesNotMatch", 400, 403, 403,
                                  "SignatureDoesNotMatch", 403},
    [LOCAL_SIGNATURE_EXPIRED] = {"InvalidSignatureException", "SignatureDoesNotMatch", 400, 403, 403,
                                 "RequestTimeTooSkewed", 403},
};

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static service route(const local_request *req)
{
    if (starts_with(req->target, SQS_TARGET))
        return SQS;
    if (starts_with(req->target, DYNAMODB_TARGET))
        return DYNAMODB;
    if (starts_with(req->path, CONNECTIONS_PATH))
        return CONNECTIONS;
    if (starts_with(req->path, LOCAL_LAMBDA_PATH))
        return LAMBDA;
    return req->target[0] ? UNKNOWN : S3;
}

static void refuse_json(local_reply *reply, service svc, const struct refusal *r, const char *message)
{
    bool rest_json = svc == CONNECTIONS || svc == LAMBDA;
    char type[128];
    snprintf(type, sizeof type, "%s%s", CORAL_PREFIX, r->json_type);
    cJSON *doc = cJSON_CreateObject();
    if (!rest_json)
        cJSON_AddStringToObject(doc, "__type", type);
    cJSON_AddStringToObject(doc, "message", message);
    char *text = cJSON_PrintUnformatted(doc);
    int status = svc == SQS ? r->sqs_status : rest_json ? r->rest_json_status : r->json_status;
    local_reply_set(reply, status, rest_json ? "application/json" : JSON_TYPE, text);
    if (svc == SQS)
        base_buf_printf(&reply->headers, "x-amzn-query-error: %s;Sender\r\n", r->query_code);
    if (rest_json)
        base_buf_printf(&reply->headers, "x-amzn-ErrorType: %s\r\n", r->json_type);
    cJSON_free(text);
    cJSON_Delete(doc);
}

/* true when the request is signed with this run's credentials; else its refusal is in s->reply. */
static bool authenticated(const local_aws *aws, local_session *s, service svc)
{
    const local_request *req = &s->req;
    local_signature_verdict v = local_signature_check(
        req->head.data, req->head.len, req->body.data, req->body.len, signing_names[svc], &aws->key,
        (time_t)(local_now_ms() / 1000));
    if (v.result == LOCAL_SIGNATURE_OK)
        return true;
    const struct refusal *r = &refusals[v.result];
    if (svc == S3)
        local_s3_refuse(&s->reply, req->method, r->s3_status, r->s3_code,
                        v.result == LOCAL_SIGNATURE_MISSING ? "Access Denied" : v.message);
    else
        refuse_json(&s->reply, svc, r, v.message);
    return false;
}

/* Answers the request into s->reply; false when it is held instead (a Lambda Invoke). */
static bool serve(local_aws *aws, struct lws *wsi, local_session *s, service svc, base_error *err)
{
    const local_request *req = &s->req;
    const char *body = req->body.data ? req->body.data : "";
    switch (svc) {
    case SQS:
        local_sqs_handle(aws->queues, aws->queue_count, req->target + strlen(SQS_TARGET), body,
                         req->body.len, local_now_ms(), &s->reply);
        local_triggers_kick(aws->triggers);
        break;
    case DYNAMODB:
        local_dynamodb_handle(aws->store, aws->tables, aws->table_count,
                              req->target + strlen(DYNAMODB_TARGET), body, req->body.len,
                              &s->reply, err);
        break;
    case CONNECTIONS:
        local_gateway_manage(aws->gateway, req, &s->reply);
        break;
    case LAMBDA:
        return local_lambda_handle(aws->lambda, wsi, s);
    case UNKNOWN:
        local_reply_set(&s->reply, 400, JSON_TYPE,
                        "{\"__type\":\"UnknownOperationException\",\"message\":\"this local endpoint "
                        "serves SQS, DynamoDB, S3, @connections and Lambda's Invoke only\"}");
        break;
    case S3:
        local_s3_handle(aws->store, aws->buckets, aws->bucket_count, req->method, req->path,
                        req->content_type, body, req->body.len, &s->reply, err);
        break;
    }
    return true;
}

static void aws_request(void *owner, struct lws *wsi, local_session *s)
{
    local_aws *aws = owner;
    base_error err = {0};
    service svc = route(&s->req);
    bool answered = !authenticated(aws, s, svc) || serve(aws, wsi, s, svc, &err);
    if (err.code[0] && aws->report)
        aws->report("aws", err.message);
    if (answered)
        local_session_reply(wsi, s);
}

/* Only a Lambda Invoke is ever held. */
static void aws_abandoned(void *owner, local_session *s)
{
    (void)owner;
    local_lambda_abandoned(s);
}

const local_endpoint_ops local_aws_ops = {
    .request = aws_request,
    .abandoned = aws_abandoned,
};

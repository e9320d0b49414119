/*
 * client.h - the AWS client both programs share: credentials, region,
 * endpoints, signing, retries, and one call function per wire protocol.
 *
 * A call either returns 0 with the parsed response or -1 with one base_error
 * carrying the HTTP status, AWS error code, message, request id and whether
 * it was retryable. Retries follow the SDKs' "standard" mode. Nothing here
 * prints; --debug output goes to the caller's log function, redacted.
 */
#ifndef SCRIBBLE_AWS_CLIENT_H
#define SCRIBBLE_AWS_CLIENT_H

#include <cjson/cJSON.h>
#include <libxml/tree.h>

#include "credentials.h"
#include "base/error.h"
#include "http.h"
#include "service.h"

typedef struct aws_client aws_client;

typedef struct aws_client_options {
    const char *region;       /* explicit (flag, scribble.ini); NULL: environment, then profile */
    const char *profile;      /* NULL: AWS_PROFILE, then "default" */
    const char *endpoint_url; /* scribble.ini override for every service; NULL: none */
    int max_attempts;         /* 0: AWS_MAX_ATTEMPTS, profile max_attempts, then 3 */
    long connect_timeout_ms;  /* 0: 3000 */
    long timeout_ms;          /* 0: 60000 */
    long stall_seconds;       /* transfers: how long a stall may last; 0: 60 (http.h) */
    aws_log_fn debug_log;     /* NULL: silent */
    void *debug_ctx;
    /* What the client signs with; it takes ownership, even when
     * aws_client_new fails. aws_client_new requires one;
     * aws_client_new_default (client_default.h) makes the default chain
     * when it is NULL. */
    aws_credentials_provider *credentials;
    /* The default chain's limit on a profile's credential_process; 0: 60 s. */
    long credential_process_timeout_ms;
} aws_client_options;

int aws_client_new(const aws_client_options *opts, aws_client **out, base_error *err);
void aws_client_free(aws_client *c);

const char *aws_client_region(const aws_client *c);
const char *aws_client_region_source(const aws_client *c);
int aws_client_max_attempts(const aws_client *c);

/* The endpoint a service is reached at (scheme://host[:port][/path]), and the
 * setting it came from (e.g. "AWS_ENDPOINT_URL_SQS", "default"). Caller frees *url.
 * Order: endpoint_url option, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the
 * profile's services section, the profile's endpoint_url, then AWS's own. */
#define AWS_ENDPOINT_SOURCE_SIZE 96
int aws_client_endpoint(aws_client *c, const aws_service *svc, char **url,
                        char source[AWS_ENDPOINT_SOURCE_SIZE], base_error *err);
/* The signing region for svc: us-east-1 for global services, else the client's. */
const char *aws_client_signing_region(const aws_client *c, const aws_service *svc);
int aws_client_credentials(aws_client *c, aws_credentials *out, base_error *err);
/* The client's own provider, for others to borrow
 * (aws_credentials_provider_new_borrowed) while the client lives. */
aws_credentials_provider *aws_client_credentials_provider(aws_client *c);

/* Signs and sends req with retries; an HTTP status >= 300 becomes an error,
 * parsed as svc's protocol describes. req->endpoint must be set. A failure
 * names the call (err->call: "<service id> <METHOD> <path>", or the
 * operation's name when it is one operations.h lists). A listed create is
 * not retried after a failure that leaves open whether AWS applied it: the
 * error comes back (retryable) for the caller to look before creating again. */
int aws_client_send(aws_client *c, const aws_service *svc, aws_http_request *req,
                    aws_http_response *resp, base_error *err);
/* Starts a request to svc at its resolved endpoint (any path prefix kept). */
int aws_client_request(aws_client *c, const aws_service *svc, const char *method, const char *path,
                       aws_http_request *req, base_error *err);

/* Name/value lists for query parameters (aws_headers reused: ordered pairs). */
typedef aws_headers aws_params;
#define aws_params_add aws_headers_add
#define aws_params_free aws_headers_free

/* query (IAM, STS, ElastiCache) and ec2 (EC2): Action + Version + params, form-encoded POST.
 * *out is the response document (caller frees with xmlFreeDoc). */
int aws_query_call(aws_client *c, const aws_service *svc, const char *action,
                   const aws_params *params, xmlDocPtr *out, base_error *err);
/* json (DynamoDB, SQS): X-Amz-Target operation. input may be NULL ({}). *out caller frees. */
int aws_json_call(aws_client *c, const aws_service *svc, const char *operation,
                  const cJSON *input, cJSON **out, base_error *err);
/* rest-json (Lambda, API Gateway v2, Scheduler, management API). path is the wire
 * form; query may be NULL; body may be NULL. *out is NULL for an empty response. */
int aws_rest_json_call(aws_client *c, const aws_service *svc, const char *method, const char *path,
                       const aws_params *query, const cJSON *body, cJSON **out, base_error *err);
/* rest-xml (CloudFront, S3). headers and body optional. resp (optional) receives the
 * raw response; *out (optional) the parsed XML when the body is XML. */
int aws_rest_xml_call(aws_client *c, const aws_service *svc, const char *method, const char *path,
                      const aws_params *query, const aws_headers *headers, const void *body,
                      size_t body_len, aws_http_response *resp, xmlDocPtr *out, base_error *err);

/* A fresh random UUID (v4): the ClientToken / idempotency token a create call
 * sends once and repeats on every retry of that logical call. */
void aws_client_token(char out[37]);

/* XML helpers for parsed responses: the text of the first descendant element
 * named `name` (namespace ignored), or NULL. Caller frees with free(). */
char *aws_xml_find_text(xmlNodePtr root, const char *name);

#endif

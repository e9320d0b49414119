/*
 * kind_support.h - what several resource kinds share, written once: the
 * stack's tags in each service's shape, ARNs, policy documents (rendered from
 * templates/ and compared as JSON, never as strings), drift of numbers and
 * walking XML answers. Nothing here calls AWS.
 */
#ifndef SCRIBBLE_PROVISION_KIND_SUPPORT_H
#define SCRIBBLE_PROVISION_KIND_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <libxml/tree.h>

#include "provision/resource.h"

#define ARN_SIZE 512

/* Tags as SQS, Lambda and Scheduler-style maps: {"key": "value", ...}. */
cJSON *tags_json_map(const stack *s, const resource *r);
/* Tags as DynamoDB-style lists: [{"Key": k, "Value": v}, ...]. */
cJSON *tags_json_list(const stack *s, const resource *r);
/* Tags as query parameters: <prefix>.N.Key / <prefix>.N.Value (IAM: "Tags.member"). */
void tags_query_params(const stack *s, const resource *r, const char *prefix, aws_params *params);

/* How much of the account/region an ARN carries. */
typedef enum arn_scope {
    ARN_REGIONAL,   /* arn:<partition>:<service>:<region>:<account>:<resource> (SQS, Lambda) */
    ARN_GLOBAL,     /* arn:<partition>:<service>::<account>:<resource> (IAM) */
    ARN_NO_ACCOUNT, /* arn:<partition>:<service>:::<resource> (S3 buckets) */
} arn_scope;
void arn_format(const stack *s, arn_scope scope, const char *service, const char *resource_id,
                char out[ARN_SIZE]);
/* The ARN another role's resource will have, from its planned name alone. */
void arn_of_role(const stack *s, arn_scope scope, const char *service, const char *resource_prefix,
                 const char *role, char out[ARN_SIZE]);

/* Renders templates/<name> and checks the result is JSON; the text in out. */
int policy_render(const char *template_name, const char *const *vars, base_buf *out, base_error *err);
/* Same document? Objects by key in any order, arrays as unordered sets, and
 * a one-element array equal to its element (as IAM and SQS rewrite them).
 * Unparseable or NULL documents are equal only to each other. */
bool policy_equal(const char *a, const char *b);
/* Drift line for a policy, with both documents compact on one line. */
void policy_drift(resource *r, const char *setting, const char *live, const char *wanted);

/* Drift line when two numbers differ; true when they did. */
bool drift_int(resource *r, const char *setting, long live, long wanted);

/* Calls fn for every element named `name` below root (namespace ignored), in order. */
typedef void (*xml_element_fn)(void *ctx, xmlNodePtr element);
void xml_each_element(xmlNodePtr root, const char *name, xml_element_fn fn, void *ctx);

/* A small unordered set of ids (subnets, security groups), compared as sets. */
#define ID_SET_MAX 8
typedef struct id_set {
    char id[ID_SET_MAX][64];
    int count;
} id_set;
void id_set_add(id_set *s, const char *id);
bool id_set_equal(const id_set *a, const id_set *b);
/* An xml_element_fn adding each element's text to the id_set ctx. */
void id_set_add_element(void *ctx, xmlNodePtr element);
/* <prefix>.1, <prefix>.2, ... = each id, as query parameters. */
void id_set_params(const id_set *s, const char *prefix, aws_params *params);
/* The private subnets' ids, zone by zone; false (and out empty) while one is
 * not known yet. */
bool private_subnet_ids(const op_ctx *ctx, id_set *out);
/* Drift line "setting: is a, b, config says c, d". */
void id_set_drift(resource *r, const char *setting, const id_set *live, const id_set *wanted);


/* True when err is the AWS error `code` (a service error). */
bool error_is(const base_error *err, const char *code);
/* rc, except that a failure with error `code` becomes success (err cleared):
 * for "already gone" and "not there" answers. */
int allow_error(int rc, base_error *err, const char *code);

/* A json-protocol call whose input is one string field, {"field": value};
 * out may be NULL (the answer is dropped). */
int json_call_with(aws_client *client, const aws_service *svc, const char *operation,
                   const char *field, const char *value, cJSON **out, base_error *err);

/* The string at object[key] in an AWS answer; NULL when absent or not a string. */
const char *json_string_at(const cJSON *object, const char *key);
/* That string copied into out; "" when absent. */
void json_copy_string_at(char *out, size_t size, const cJSON *object, const char *key);

/* The whole number at object[key] in an AWS answer; -1 when absent or not a number. */
long json_long_at(const cJSON *object, const char *key);

#endif

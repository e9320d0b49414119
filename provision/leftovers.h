/*
 * leftovers.h - what still carries the stack's tag after down: the Resource
 * Groups Tagging API's view of every tagged resource in the region (and of
 * the stack's certificates in us-east-1).
 */
#ifndef SCRIBBLE_PROVISION_LEFTOVERS_H
#define SCRIBBLE_PROVISION_LEFTOVERS_H

#include "aws/client.h"

/* Calls fn with the ARN and the tags ([{"Key", "Value"}]) of each resource
 * tagged scribble:stack=<stack_name> that the Resource Groups Tagging API
 * (tagging: the region it is asked in) lists; only of resource_type
 * ("acm:certificate") unless it is NULL. fn returns -1 (err) to stop. */
typedef int (*tagged_fn)(void *ctx, const char *arn, const cJSON *tags, base_error *err);
int tagged_resources_each(aws_client *c, const aws_service *tagging, const char *stack_name,
                          const char *resource_type, tagged_fn fn, void *ctx, base_error *err);

/* Appends one ARN per line to arns for every live resource tagged
 * scribble:stack=<stack_name> in the client's region, and every such ACM
 * certificate in us-east-1 (CloudFront's); *count is how many. */
int leftovers_find(aws_client *c, const char *stack_name, base_buf *arns, int *count, base_error *err);

#endif

/*
 * leftovers.h - what still carries the stack's tag after down: the Resource
 * Groups Tagging API's view of every tagged resource in the region.
 */
#ifndef SCRIBBLE_PROVISION_LEFTOVERS_H
#define SCRIBBLE_PROVISION_LEFTOVERS_H

#include "aws/client.h"

/* Appends one ARN per line to arns for every live resource tagged
 * scribble:stack=<stack_name>; *count is how many. */
int leftovers_find(aws_client *c, const char *stack_name, base_buf *arns, int *count, base_error *err);

#endif

/*
 * stack.h - the plan of one stack: which resources it has, named and wired
 * to their dependencies, derived from scribble.ini alone (no AWS call); and
 * the few facts every resource needs from AWS (account, zones), resolved
 * once before the walk.
 */
#ifndef SCRIBBLE_PROVISION_STACK_H
#define SCRIBBLE_PROVISION_STACK_H

#include <stddef.h>

#include "provision/resource.h"

/* Builds the plan; fails (with every reason in err) on a config the
 * provisioner cannot serve yet. */
int stack_build(const scribble_config *cfg, stack **out, base_error *err);
/* Account, region, partition, availability zones; names that need the
 * account; and the [domain]'s rows, which depend on the region (one
 * certificate serves both names in us-east-1). */
int stack_resolve(stack *s, aws_client *client, base_error *err);
void stack_free(stack *s);

size_t stack_count(const stack *s);
resource *stack_at(stack *s, size_t i);
resource *stack_find(stack *s, const char *role);
const scribble_config *stack_config(const stack *s);

#endif

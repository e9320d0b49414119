/*
 * ec2_common.h - what the network resource kinds (vpc.c, subnet.c, ...) share
 * about EC2: calling an action, filtering by the stack's tags, finding one
 * resource by its tags or its id, walking the XML responses, polling a state.
 *
 * EC2 is the one service where we find resources by tag rather than by name,
 * so "tagged with scribble:stack and scribble:role" is defined here once.
 * Every item found by tag filter is checked against its tagSet as well: the
 * filter is only a way to make the answer small (moto ignores tag filters on
 * some calls; AWS does not always honour them immediately either).
 */
#ifndef SCRIBBLE_PROVISION_EC2_COMMON_H
#define SCRIBBLE_PROVISION_EC2_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "provision/resource.h"

/* Calls an EC2 action and frees params (which may be NULL). out may be NULL:
 * the response is then discarded; otherwise the caller frees *out. A
 * "...NotFound" answer is marked retryable: EC2 is eventually consistent,
 * and an id it has just handed out is unknown to its other calls for a
 * moment (the walk reads again before each try, so an id that is really gone
 * is replaced by what the read finds). */
int ec2_call(op_ctx *ctx, const char *action, aws_params *params, xmlDocPtr *out, base_error *err);
/* An action with one parameter whose answer does not matter ("DeleteVpc", "VpcId", id). */
int ec2_call1(op_ctx *ctx, const char *action, const char *name, const char *value,
              base_error *err);

/* Adds Filter.<n>.Name = name, Filter.<n>.Value.1 = value; returns n + 1. */
int ec2_add_filter(aws_params *params, int n, const char *name, const char *value);
/* Adds "Name.<n>" = value, e.g. ("RouteTableId", 2) -> RouteTableId.2. */
void ec2_add_numbered(aws_params *params, const char *name, int n, const char *value);

/* Element helpers: the first direct child element called name (or NULL), its
 * text copied into out ("" when absent), and the <item>s of a set element. */
xmlNodePtr ec2_child(xmlNodePtr node, const char *name);
void ec2_text(xmlNodePtr node, const char *name, char *out, size_t size);
bool ec2_text_is(xmlNodePtr node, const char *name, const char *value);
xmlNodePtr ec2_first_item(xmlNodePtr set);
xmlNodePtr ec2_next_item(xmlNodePtr item);
/* The first item of root's child set_name (e.g. "vpcSet"), or NULL. */
xmlNodePtr ec2_set_first(xmlDocPtr doc, const char *set_name);

/* Finds r's resource: action filtered by the stack's and r's role tags (plus
 * the optional extra filter), the first item of set_name carrying both tags
 * whose <state> (or the element state_name, "" for none) is not one of
 * skip_states (NULL-terminated; NULL for none). *item is NULL when there is
 * none; the caller frees *doc either way. */
int ec2_find_tagged(op_ctx *ctx, const resource *r, const char *action, const char *set_name,
                    const char *state_name, const char *const *skip_states, xmlDocPtr *doc,
                    xmlNodePtr *item, base_error *err);
/* Describes one resource by id (id_param e.g. "VpcId.1"). A "...NotFound"
 * answer is no error: *item is NULL. The caller frees *doc. */
int ec2_describe_id(op_ctx *ctx, const char *action, const char *id_param, const char *id,
                    const char *set_name, xmlDocPtr *doc, xmlNodePtr *item, base_error *err);
bool ec2_is_not_found(const base_error *err);

/* r was found by its tags, but EC2 does not know its id yet (an id just
 * handed out is unknown to other calls for a moment): a retryable error, so
 * the walk reads again. Returns -1. */
int ec2_not_visible_yet(const resource *r, base_error *err);

/* Marks r present with id, publishes it as output_key, and copies state. */
void ec2_publish(resource *r, const char *id, const char *output_key, const char *state);

/* One look at a resource that has a <state>: copies it into r->state; done
 * when "available" (creating) or gone / "deleted" (removing); "failed" is an
 * error carrying the resource's failure message. */
int ec2_poll_state(op_ctx *ctx, resource *r, const char *action, const char *id_param,
                   const char *set_name, bool removing, bool *done, base_error *err);

/* Deletes with action(name = id). Already gone is success; DependencyViolation
 * (something still uses it: Lambda's network interfaces, a NAT gateway) is
 * returned marked retryable so the walker keeps trying within its timeout. */
int ec2_delete(op_ctx *ctx, const char *action, const char *name, const char *id,
               base_error *err);
/* Marks err retryable when it is DependencyViolation; returns -1 (for "return"). */
int ec2_dependency_retryable(base_error *err);

/* How long subnets, security groups and the VPC wait for what still uses them
 * when deleted: after VPC-attached Lambda functions are deleted, AWS keeps
 * their network interfaces for 20 to 40 minutes. */
#define EC2_NETWORK_INTERFACE_WAIT_S 2700
/* Deletes with action(name = id) as ec2_delete does; on DependencyViolation
 * also looks up the network interfaces still in the resource (DescribeNetworkInterfaces
 * filtered by `filter` = id: "subnet-id", "group-id", "vpc-id"), says on
 * screen what the delete waits for ("waiting for 2 Lambda network interfaces
 * to be released ...") and adds them to err's message. */
int ec2_delete_waiting_for_interfaces(op_ctx *ctx, const resource *r, const char *action,
                                      const char *name, const char *filter, base_error *err);

/* A ClientToken that is the same for the same parts in every run (so a create
 * repeated after a kill is deduplicated by AWS): "scribble-" + 40 hex digits
 * of the SHA-256 of the parts, 49 ASCII characters. parts ends with NULL. */
#define EC2_TOKEN_SIZE 64
void ec2_idempotency_token(const char *const *parts, char out[EC2_TOKEN_SIZE]);

/* Calls a create action whose ClientToken is made of token_parts (at most
 * EC2_TOKEN_BASE_PARTS, NULL-terminated) and reads <result_element>'s
 * id_element and <state> from the answer. If AWS answers the token with a
 * resource that is already gone (state one of gone_states: the token was used
 * by one since deleted), it tries again with that resource's id added to the
 * parts: the same sequence of tokens on every run, so a create repeated after
 * a kill is still deduplicated. Frees params. */
#define EC2_TOKEN_BASE_PARTS 4
int ec2_create_with_token(op_ctx *ctx, const char *action, aws_params *params,
                          const char *const *token_parts, const char *result_element,
                          const char *id_element, const char *const *gone_states, char id[64],
                          char state[32], base_error *err);
/* Whether state is one of states (NULL-terminated). */
bool ec2_state_in(const char *state, const char *const *states);

/* Another resource's output a create or update cannot do without, or an
 * error saying which is missing. */
int ec2_required_output(op_ctx *ctx, const char *role, const char *key, const char **out,
                        base_error *err);

#endif

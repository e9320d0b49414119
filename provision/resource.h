/*
 * resource.h - a resource kind is data plus four verbs, as in Terraform's
 * AWS provider: one file per kind in provision/ exports one resource_ops.
 *
 * A kind never orchestrates others. It finds its live resource by name or by
 * the stack's tags (there is no state file: AWS is the truth), creates it,
 * corrects drift, deletes it, and polls until it is ready or gone. What its
 * dependents need (ids, ARNs, URLs) it publishes as outputs. graph.c alone
 * knows order and concurrency.
 */
#ifndef SCRIBBLE_PROVISION_RESOURCE_H
#define SCRIBBLE_PROVISION_RESOURCE_H

#include <stdbool.h>

#include "aws/client.h"
#include "provision/config.h"

typedef struct stack stack;
typedef struct resource resource;

/* How a kind tells the person what a slow step is doing now; see op_say. */
typedef void (*op_say_fn)(void *say_ctx, const resource *r, const char *phase);

/* What an operation works with: this thread's client, the config, the stack,
 * and where to say what it is doing (NULL: nowhere). */
typedef struct op_ctx {
    aws_client *client;
    const scribble_config *cfg;
    stack *stack;
    op_say_fn say;
    void *say_ctx;
} op_ctx;

/* Reports what r is doing now ("uploading 1.2 of 3.4 MB", "waiting for 2
 * Lambda network interfaces to be released"): the walk shows it as r's phase.
 * Does nothing when ctx->say is NULL. */
void op_say(const op_ctx *ctx, const resource *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef struct resource_ops {
    const char *kind; /* for people: "VPC", "SQS queue" */
    /* Finds the live resource. Absent is no error: r->exists stays false.
     * Present: sets r->exists, r->id, r->state, outputs, and appends one line
     * per setting that differs from the config to r->drift. */
    int (*read)(op_ctx *ctx, resource *r, base_error *err);
    /* Creates it (tagged at creation where AWS allows), filling what read
     * fills. r->id is set as soon as AWS answers with one, before any further
     * call: a create that fails after that has made something, and the walk
     * then reads again (until the new resource is listed) instead of creating
     * a second one. */
    int (*create)(op_ctx *ctx, resource *r, base_error *err);
    /* Corrects what read put in r->drift. NULL: drift can only be reported. */
    int (*update)(op_ctx *ctx, resource *r, base_error *err);
    /* Deletes it (r->exists is true). */
    int (*remove)(op_ctx *ctx, resource *r, base_error *err);
    /* One look: *done when ready (after create/update) or gone (removing).
     * NULL: create and remove are complete when they return. */
    int (*poll)(op_ctx *ctx, resource *r, bool removing, bool *done, base_error *err);
    /* A sweep of what an earlier config left (previous_domain.c): it
     * "exists" only while something is left over, which update removes;
     * absent is as configured, so it is never created. */
    bool sweep;
    /* The kind's patience (graph.h): the first pause between polls, and
     * between tries after a refusal the kind marks retryable (growing 1.5
     * times each time, up to 30 s); 0: 2000. */
    int poll_interval_ms;
    /* How long such refusals, and a wait for a state, are given; 0: 900.
     * Faults (transport, 5xx, throttling) have the walk's own budget. */
    int poll_timeout_s;
} resource_ops;

#define RESOURCE_MAX_DEPS 16
#define RESOURCE_MAX_OUTPUTS 8

struct resource {
    /* The plan: set by stack.c from the config. */
    char role[64];                 /* "vpc", "subnet-private-1", "pixel-queue" */
    char name[128];                /* "<stack>-<role>", or the configured name */
    const resource_ops *ops;
    char depends_on[RESOURCE_MAX_DEPS][64]; /* roles; "" ends the list */
    int index;                     /* which one of several (zone number, ...) */
    const char *variant;           /* kind-specific ("public", "pixels", ...) */

    /* The live view: filled by read and create. */
    bool exists;
    char id[512];
    char arn[512];
    char state[64];
    base_buf drift;
    /* What to check when a wait for it outlasts its allowance; set by poll
     * ("" : nothing more than the state to say). */
    char waiting_hint[512];
    char output_keys[RESOURCE_MAX_OUTPUTS][32];
    char *output_values[RESOURCE_MAX_OUTPUTS];
};

/* Publishes a value for dependents ("vpc_id", "queue_arn", ...). */
void resource_set_output(resource *r, const char *key, const char *value);
const char *resource_output(const resource *r, const char *key);
/* Appends one drift line: "<setting>: is <live>, config says <wanted>". */
void resource_add_drift(resource *r, const char *setting, const char *live, const char *wanted);
/* Forgets the live view (before a fresh read). */
void resource_reset_live(resource *r);

/* Reads another resource's output; NULL when that resource does not exist
 * (yet) or has no such output. The role must be in the plan: naming one that
 * is not (a renamed or removed role) aborts, so it cannot pass for "absent". */
const char *stack_output(const stack *s, const char *role, const char *key);
/* The stack's name and its tags: scribble:stack, scribble:role, then the config's. */
const char *stack_name(const stack *s);
typedef void (*tag_fn)(void *ctx, const char *key, const char *value);
void stack_each_tag(const stack *s, const resource *r, tag_fn fn, void *fn_ctx);
/* The tags as EC2 TagSpecifications parameters for resource_type. */
void stack_add_ec2_tag_specifications(const stack *s, const resource *r, const char *resource_type,
                                      aws_params *params);
/* Resolved once before any resource is touched (STS, EC2 DescribeAvailabilityZones). */
const char *stack_zone(const stack *s, int index); /* index 1..zones */
const char *stack_account(const stack *s);
const char *stack_region(const stack *s);
const char *stack_partition(const stack *s); /* "aws", "aws-cn", "aws-us-gov" */
/* The name another role's resource has (e.g. to build an ARN before it
 * exists); a role not in the plan aborts, as for stack_output. */
const char *stack_resource_name(const stack *s, const char *role);

/* Fills a document of templates/ (embedded in the binary at build time):
 * every ${key} is replaced by its value from the NULL-terminated key, value list. */
int template_render(const char *template_name, const char *const *vars, base_buf *out, base_error *err);

/* EC2 tag key names. */
#define TAG_STACK "scribble:stack"
#define TAG_ROLE "scribble:role"

#endif

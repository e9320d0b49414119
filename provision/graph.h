/*
 * graph.h - the only place that knows order, concurrency and patience:
 * walks a stack's resources in dependency order (reverse order for down),
 * running independent branches at once, one AWS client per worker thread,
 * all of them sharing one cache of credentials.
 */
#ifndef SCRIBBLE_PROVISION_GRAPH_H
#define SCRIBBLE_PROVISION_GRAPH_H

#include <stdbool.h>

#include "provision/stack.h"

typedef enum walk_mode {
    WALK_STATUS, /* read everything */
    WALK_PLAN,   /* read, and say what up would do */
    WALK_UP,     /* create what is missing, correct what differs, wait until ready */
    WALK_DOWN,   /* delete everything, in reverse order, wait until gone */
} walk_mode;

typedef enum walk_action {
    ACTION_NONE,      /* not reached (a dependency failed) */
    ACTION_UNCHANGED, /* exists as configured */
    ACTION_ABSENT,    /* does not exist (status, down) */
    ACTION_CREATE,    /* plan: would create; up: created */
    ACTION_UPDATE,    /* plan: would update; up: updated */
    ACTION_DRIFT,     /* differs, and up cannot change it in place */
    ACTION_DELETE,    /* down: deleted */
    ACTION_FAILED,
    ACTION_OUTSIDE,   /* not part of this walk (walk_options.ops_for): untouched */
} walk_action;

/* Why a resource failed. */
typedef enum walk_failure {
    WALK_FAILED_ERROR,   /* an answer that asking again cannot change */
    WALK_FAILED_FAULTS,  /* a call kept failing (transport, 5xx, throttling) through its budget */
    WALK_FAILED_REFUSED, /* a refusal that passes with time outlasted the kind's allowance */
    WALK_FAILED_WAITING, /* not ready (or not gone) within the kind's allowance */
} walk_failure;

typedef struct walk_outcome {
    walk_action action;
    base_error error;        /* ACTION_FAILED: the last error */
    double seconds;
    walk_failure failure;   /* ACTION_FAILED: why */
    int tries;              /* WALK_FAILED_FAULTS: tries of the failing call */
    double failing_seconds; /* how long it kept failing (faults) or refusing */
    int blocked_by;         /* ACTION_NONE: the failed resource it needed; -1 */
} walk_outcome;

/* Progress, as it happens: phase is "reading", "creating", "waiting", ...;
 * called from worker threads, one call at a time. */
typedef void (*walk_progress_fn)(void *ctx, const resource *r, const char *phase,
                                 const walk_outcome *finished);

typedef struct walk_options {
    walk_mode mode;
    int workers; /* 0: 4 */
    aws_client_options client;
    walk_progress_fn progress;
    void *progress_ctx;
    /* The ops each resource is walked with; NULL: each kind's own. A resource
     * given NULL is not part of this walk (ACTION_OUTSIDE): it is neither read
     * nor changed, and what depends on it goes on. redeploy walks only the
     * package and the functions' code this way. */
    const resource_ops *(*ops_for)(const resource *r, void *ctx);
    void *ops_ctx;
} walk_options;

/*
 * Patience, in seconds or milliseconds of real time, each multiplied by
 * SCRIBBLE_TIME_SCALE (a number > 0; unset: 1), a testing aid that lets a
 * test live through a 45-minute allowance in seconds. The AWS client's own
 * waits between attempts are not scaled: they answer AWS's request rates,
 * which a test does not scale either.
 *
 * Faults - transport errors, HTTP 5xx, throttling, a response cut short:
 * what the client's own attempts have already retried - get WALK_FAULT_TRIES
 * tries of the failing call in all, with backoff (WALK_FAULT_BACKOFF_MS,
 * doubling, at most WALK_BACKOFF_CEILING_MS), the last starting no later
 * than WALK_FAULT_BUDGET_S after the first fault: then the resource fails.
 * A poll that keeps failing is such a call too, never "still waiting".
 *
 * Refusals that pass with time (those a kind marks retryable: a group still
 * in use, a role not yet assumable) and waits for a state (a NAT gateway
 * pending) have the kind's allowance (resource_ops.poll_timeout_s, default
 * WALK_DEFAULT_ALLOWANCE_S), asking again after the kind's interval
 * (poll_interval_ms, default WALK_DEFAULT_INTERVAL_MS), 1.5 times longer
 * each time up to WALK_BACKOFF_CEILING_MS.
 *
 * Every try reads the resource again first. After a create that may have
 * been applied (it failed on a fault, or after AWS gave the new resource an
 * id), a read that does not find the resource is trusted only once
 * WALK_SETTLE_S have passed (AWS's lists lag behind): only then is it
 * created again.
 */
#define WALK_FAULT_TRIES 6
#define WALK_FAULT_BUDGET_S 120
#define WALK_FAULT_BACKOFF_MS 2000
#define WALK_BACKOFF_CEILING_MS 30000
#define WALK_DEFAULT_INTERVAL_MS 2000
#define WALK_DEFAULT_ALLOWANCE_S 900
#define WALK_SETTLE_S 15

/* "45 min", "12 s": how the walk writes a duration. */
void walk_format_duration(double seconds, char *out, size_t size);

/* SCRIBBLE_TIME_SCALE, or -1 (err) when it is set but not a number > 0. */
double walk_time_scale(base_error *err);

/* Walks every resource; outcomes[i] belongs to stack_at(s, i). Returns the
 * number of failed and skipped resources, or -1 (err) when the walk could
 * not start (no credentials, a bad SCRIBBLE_TIME_SCALE). */
int graph_walk(stack *s, const walk_options *o, walk_outcome *outcomes, base_error *err);

const char *walk_action_name(walk_action a, walk_mode mode);

#endif

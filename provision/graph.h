/*
 * graph.h - the only place that knows order and concurrency: walks a
 * stack's resources in dependency order (reverse order for down), running
 * independent branches at once, one AWS client per worker thread.
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
} walk_action;

typedef struct walk_outcome {
    walk_action action;
    aws_error error;
    double seconds;
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
} walk_options;

/* Walks every resource; outcomes[i] belongs to stack_at(s, i). Returns the
 * number of failed resources, or -1 (err) when the walk could not start. */
int graph_walk(stack *s, const walk_options *o, walk_outcome *outcomes, aws_error *err);

const char *walk_action_name(walk_action a, walk_mode mode);

#endif

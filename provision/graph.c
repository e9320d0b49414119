/*
 * graph.c - the dependency walk behind status, plan, up and down.
 *
 * Workers take any resource whose dependencies (for down: dependents) are
 * finished, so independent branches run at once; a failure skips only what
 * depends on it. AWS's eventual consistency and "still in use" refusals come
 * back as retryable errors, which are retried here until the kind's timeout,
 * never reported as failures on the first try.
 */
#include "provision/graph.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/credentials_providers.h"

typedef enum node_status { NODE_WAITING, NODE_RUNNING, NODE_FINISHED } node_status;

typedef struct walk {
    stack *stack;
    const walk_options *options;
    walk_outcome *outcomes;
    node_status *status;
    size_t remaining;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    const aws_credentials *credentials;
} walk;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void report(walk *w, const resource *r, const char *phase, const walk_outcome *done)
{
    if (!w->options->progress)
        return;
    pthread_mutex_lock(&w->lock);
    w->options->progress(w->options->progress_ctx, r, phase, done);
    pthread_mutex_unlock(&w->lock);
}

/* True when a depends on b. */
static bool depends_on(const resource *a, const resource *b)
{
    for (int i = 0; i < RESOURCE_MAX_DEPS && a->depends_on[i][0]; i++)
        if (strcmp(a->depends_on[i], b->role) == 0)
            return true;
    return false;
}

/* Must this node wait for other? (down reverses the edges.) */
static bool must_follow(const walk *w, const resource *node, const resource *other)
{
    return w->options->mode == WALK_DOWN ? depends_on(other, node) : depends_on(node, other);
}

/* -1: not yet; 0: ready; 1: a predecessor failed, skip. Called under the lock. */
static int readiness(const walk *w, size_t i)
{
    stack *s = w->stack;
    resource *node = stack_at(s, i);
    int result = 0;
    for (size_t j = 0; j < stack_count(s); j++) {
        if (j == i || !must_follow(w, node, stack_at(s, j)))
            continue;
        if (w->status[j] != NODE_FINISHED)
            return -1;
        walk_action a = w->outcomes[j].action;
        if (a == ACTION_FAILED || a == ACTION_NONE)
            result = 1;
        /* up needs what it depends on to exist; plan and status read regardless. */
    }
    return w->options->mode == WALK_UP || w->options->mode == WALK_DOWN ? result : 0;
}

/* Runs op until it succeeds, fails for good, or the kind's timeout passes. */
static int with_retries(walk *w, op_ctx *ctx, resource *r, const char *phase,
                        int (*op)(op_ctx *, resource *, aws_error *), aws_error *err)
{
    double deadline = now_s() + (r->ops->poll_timeout_s ? r->ops->poll_timeout_s : 900);
    long interval = r->ops->poll_interval_ms ? r->ops->poll_interval_ms : 2000;
    report(w, r, phase, NULL);
    for (;;) {
        aws_error_clear(err);
        if (op(ctx, r, err) == 0)
            return 0;
        if (!err->retryable || now_s() + (double)interval / 1000 > deadline)
            return -1;
        sleep_ms(interval);
    }
}

static int wait_until(walk *w, op_ctx *ctx, resource *r, bool removing, aws_error *err)
{
    if (!r->ops->poll)
        return 0;
    double deadline = now_s() + (r->ops->poll_timeout_s ? r->ops->poll_timeout_s : 900);
    long interval = r->ops->poll_interval_ms ? r->ops->poll_interval_ms : 2000;
    for (bool first = true;; first = false) {
        bool done = false;
        aws_error_clear(err);
        if (r->ops->poll(ctx, r, removing, &done, err) != 0 && !err->retryable)
            return -1;
        if (done)
            return 0;
        if (first)
            report(w, r, removing ? "waiting until deleted" : "waiting until ready", NULL);
        if (now_s() + (double)interval / 1000 > deadline)
            return aws_error_set(err, AWS_ERROR_SERVICE, "Timeout", "%s %s is still %s after %d s",
                                 r->ops->kind, r->name, r->state[0] ? r->state : "not ready",
                                 r->ops->poll_timeout_s ? r->ops->poll_timeout_s : 900);
        sleep_ms(interval);
    }
}

static int read_live(walk *w, op_ctx *ctx, resource *r, aws_error *err)
{
    resource_reset_live(r);
    return with_retries(w, ctx, r, "reading", r->ops->read, err);
}

static walk_action run_up(walk *w, op_ctx *ctx, resource *r, aws_error *err)
{
    if (read_live(w, ctx, r, err) != 0)
        return ACTION_FAILED;
    walk_action action = ACTION_UNCHANGED;
    if (!r->exists) {
        if (with_retries(w, ctx, r, "creating", r->ops->create, err) != 0)
            return ACTION_FAILED;
        action = ACTION_CREATE;
    } else if (r->drift.len) {
        if (!r->ops->update)
            return ACTION_DRIFT;
        if (with_retries(w, ctx, r, "updating", r->ops->update, err) != 0)
            return ACTION_FAILED;
        action = ACTION_UPDATE;
    }
    if (wait_until(w, ctx, r, false, err) != 0)
        return ACTION_FAILED;
    return action;
}

static walk_action run_down(walk *w, op_ctx *ctx, resource *r, aws_error *err)
{
    if (read_live(w, ctx, r, err) != 0)
        return ACTION_FAILED;
    if (!r->exists)
        return ACTION_ABSENT;
    if (with_retries(w, ctx, r, "deleting", r->ops->remove, err) != 0 ||
        wait_until(w, ctx, r, true, err) != 0)
        return ACTION_FAILED;
    r->exists = false;
    return ACTION_DELETE;
}

static walk_action run_read(walk *w, op_ctx *ctx, resource *r, aws_error *err)
{
    if (read_live(w, ctx, r, err) != 0)
        return ACTION_FAILED;
    if (!r->exists)
        return w->options->mode == WALK_PLAN ? ACTION_CREATE : ACTION_ABSENT;
    if (!r->drift.len)
        return ACTION_UNCHANGED;
    /* status calls any difference drift, whether or not up can correct it */
    return w->options->mode == WALK_PLAN && r->ops->update ? ACTION_UPDATE : ACTION_DRIFT;
}

static void run_node(walk *w, op_ctx *ctx, size_t i)
{
    resource *r = stack_at(w->stack, i);
    walk_outcome *out = &w->outcomes[i];
    double start = now_s();
    switch (w->options->mode) {
    case WALK_UP: out->action = run_up(w, ctx, r, &out->error); break;
    case WALK_DOWN: out->action = run_down(w, ctx, r, &out->error); break;
    default: out->action = run_read(w, ctx, r, &out->error); break;
    }
    out->seconds = now_s() - start;
    report(w, r, "done", out);
}

/* Takes the next runnable node, or returns false when none is left. */
static bool next_node(walk *w, size_t *picked)
{
    pthread_mutex_lock(&w->lock);
    for (;;) {
        if (w->remaining == 0) {
            pthread_mutex_unlock(&w->lock);
            return false;
        }
        for (size_t i = 0; i < stack_count(w->stack); i++) {
            if (w->status[i] != NODE_WAITING)
                continue;
            int ready = readiness(w, i);
            if (ready < 0)
                continue;
            if (ready > 0) { /* a predecessor failed: skip without touching AWS */
                w->status[i] = NODE_FINISHED;
                w->outcomes[i].action = ACTION_NONE;
                w->remaining--;
                pthread_cond_broadcast(&w->changed);
                continue;
            }
            w->status[i] = NODE_RUNNING;
            *picked = i;
            pthread_mutex_unlock(&w->lock);
            return true;
        }
        if (w->remaining == 0)
            continue;
        pthread_cond_wait(&w->changed, &w->lock);
    }
}

/* An op_say_fn: a kind's own words become the resource's phase. */
static void say(void *ctx, const resource *r, const char *phase)
{
    report(ctx, r, phase, NULL);
}

static void *worker(void *arg)
{
    walk *w = arg;
    aws_client_options o = w->options->client;
    o.credentials = aws_credentials_provider_new_static(w->credentials);
    aws_client *client = NULL;
    aws_error err = {0};
    int rc = aws_client_new(&o, &client, &err);
    op_ctx ctx = {.client = client, .cfg = stack_config(w->stack), .stack = w->stack,
                  .say = say, .say_ctx = w};
    size_t i;
    while (next_node(w, &i)) {
        if (rc == 0)
            run_node(w, &ctx, i);
        else
            w->outcomes[i] = (walk_outcome){.action = ACTION_FAILED, .error = err};
        pthread_mutex_lock(&w->lock);
        w->status[i] = NODE_FINISHED;
        w->remaining--;
        pthread_cond_broadcast(&w->changed);
        pthread_mutex_unlock(&w->lock);
    }
    aws_client_free(client);
    return NULL;
}

int graph_walk(stack *s, const walk_options *o, walk_outcome *outcomes, aws_error *err)
{
    /* Credentials are resolved once and shared, so workers never race a
     * credential_process or an STS call. */
    aws_client *client;
    aws_credentials creds = {0};
    TRY(aws_client_new(&o->client, &client, err));
    int rc = aws_client_credentials(client, &creds, err);
    aws_client_free(client);
    TRY(rc);

    size_t n = stack_count(s);
    walk w = {.stack = s, .options = o, .outcomes = outcomes, .remaining = n,
              .credentials = &creds};
    w.status = aws_xcalloc(n, sizeof *w.status);
    memset(outcomes, 0, n * sizeof *outcomes);
    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.changed, NULL);
    int workers = o->workers > 0 ? o->workers : 4;
    pthread_t threads[16];
    if (workers > 16)
        workers = 16;
    int started = 0;
    for (; started < workers; started++)
        if (pthread_create(&threads[started], NULL, worker, &w) != 0)
            break;
    if (started == 0)
        worker(&w);
    for (int t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    pthread_cond_destroy(&w.changed);
    pthread_mutex_destroy(&w.lock);
    free(w.status);
    aws_credentials_free(&creds);
    int failed = 0;
    for (size_t i = 0; i < n; i++)
        failed += outcomes[i].action == ACTION_FAILED || outcomes[i].action == ACTION_NONE;
    return failed;
}

const char *walk_action_name(walk_action a, walk_mode mode)
{
    bool plan = mode == WALK_PLAN;
    switch (a) {
    case ACTION_NONE: return "skipped (a dependency failed)";
    case ACTION_UNCHANGED: return plan ? "no change" : "ok";
    case ACTION_ABSENT: return mode == WALK_DOWN ? "already absent" : "absent";
    case ACTION_CREATE: return plan ? "create" : "created";
    case ACTION_UPDATE: return plan ? "update" : "updated";
    case ACTION_DRIFT: return mode == WALK_STATUS ? "differs" : "differs (cannot change in place)";
    case ACTION_DELETE: return "deleted";
    case ACTION_FAILED: return "FAILED";
    }
    return "?";
}

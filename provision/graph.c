/*
 * graph.c - the dependency walk behind status, plan, up and down.
 *
 * Workers take any resource whose dependencies (for down: dependents) are
 * finished, so independent branches run at once; a failure skips only what
 * depends on it. Each resource is brought to its goal by tries: a try reads
 * it afresh (AWS is the only state), then creates, corrects or deletes it,
 * then waits for it. A try that fails is judged as graph.h describes: a
 * fault spends the call's budget, a refusal that passes with time the kind's
 * allowance, and any other error ends the resource at once.
 */
#include "aws/client_default.h"
#include "provision/graph.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/clock.h"
#include "aws/credentials_providers.h"
#include "aws/retry.h"

#define MAX_DELETIONS 16 /* duplicates down deletes for one resource before it gives up */

typedef enum node_status { NODE_WAITING, NODE_RUNNING, NODE_FINISHED } node_status;

typedef struct walk {
    stack *stack;
    const walk_options *options;
    walk_outcome *outcomes;
    node_status *status;
    const resource_ops **ops; /* each resource's ops in this walk; NULL: not part of it */
    size_t remaining;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    double scale;                          /* SCRIBBLE_TIME_SCALE */
    aws_credentials_provider *credentials; /* shared by every worker's client */
} walk;

/* One resource on its way to its goal: the streaks that budgets are counted in. */
typedef struct node_run {
    walk *w;
    op_ctx *ctx;
    resource *r;
    const resource_ops *ops; /* r's kind, or what this walk uses instead (walk_options.ops_for) */
    walk_outcome *out;
    bool said;            /* the kind told what it is doing during this try */
    bool given_up;        /* the wait's allowance is spent: no further try */
    const char *step;     /* the last step reported ("reading", "creating", ...) */
    int faults;           /* consecutive tries that ended on a fault of the same call */
    double fault_since;
    char fault_call[sizeof ((base_error *)0)->call]; /* the call those faults were of */
    double refused_since; /* 0: not being refused */
    long refusal_ms;      /* the next pause between refusals */
    double waiting_since; /* 0: not waiting for a state */
    long wait_ms;         /* the next pause between polls */
    double created_at;    /* a create that may have made it, not yet seen; 0: none */
    char deleted[MAX_DELETIONS][sizeof ((resource *)0)->id];
    int deletions;
} node_run;


double walk_time_scale(base_error *err)
{
    const char *text = getenv("SCRIBBLE_TIME_SCALE");
    if (!text || !text[0])
        return 1.0;
    char *end = NULL;
    double scale = strtod(text, &end);
    if (end == text || *end || !isfinite(scale) || scale <= 0) {
        base_error_set(err, BASE_ERROR_CONFIG, "InvalidTimeScale",
                      "SCRIBBLE_TIME_SCALE must be a number greater than 0, not \"%s\"", text);
        return -1;
    }
    return scale;
}

static void report(walk *w, const resource *r, const char *phase, const walk_outcome *done)
{
    if (!w->options->progress)
        return;
    pthread_mutex_lock(&w->lock);
    w->options->progress(w->options->progress_ctx, r, phase, done);
    pthread_mutex_unlock(&w->lock);
}

/* Reports a step once: each try repeats its steps, the screen need not. */
static void report_step(node_run *n, const char *step)
{
    if (n->step == step)
        return;
    n->step = step;
    report(n->w, n->r, step, NULL);
}

/* An op_say_fn: a kind's own words become the resource's phase. */
static void say(void *say_ctx, const resource *r, const char *phase)
{
    node_run *n = say_ctx;
    n->said = true;
    report(n->w, r, phase, NULL);
}

void walk_format_duration(double seconds, char *out, size_t size)
{
    if (seconds >= 120)
        snprintf(out, size, "%.0f min", seconds / 60);
    else
        snprintf(out, size, "%.0f s", seconds);
}

static double allowance_s(const node_run *n)
{
    int s = n->ops->poll_timeout_s ? n->ops->poll_timeout_s : WALK_DEFAULT_ALLOWANCE_S;
    return s * n->w->scale;
}

static long interval_ms(const node_run *n)
{
    int ms = n->ops->poll_interval_ms ? n->ops->poll_interval_ms : WALK_DEFAULT_INTERVAL_MS;
    long scaled = (long)(ms * n->w->scale);
    return scaled > 0 ? scaled : 1;
}

/* 1.5 times longer, up to the ceiling (and never below the kind's own interval). */
static long grown(const node_run *n, long ms)
{
    double ceiling = WALK_BACKOFF_CEILING_MS * n->w->scale;
    double next = ms * 1.5;
    if (next > ceiling)
        next = ceiling;
    return next < (double)interval_ms(n) ? interval_ms(n) : (long)next;
}

/* ---- judging a failed try ------------------------------------------------------------ */

/* Doubling from WALK_FAULT_BACKOFF_MS up to the ceiling, half of it random. */
static long fault_backoff(const node_run *n)
{
    double base = WALK_FAULT_BACKOFF_MS * pow(2, n->faults - 1);
    if (base > WALK_BACKOFF_CEILING_MS)
        base = WALK_BACKOFF_CEILING_MS;
    double jitter = (double)random() / RAND_MAX;
    return (long)((base / 2 + jitter * base / 2) * n->w->scale);
}

static bool retry_fault(node_run *n, const base_error *err)
{
    double now = aws_monotonic_s();
    /* A fault of another call means the one that kept failing got through
     * (a try repeats its calls in order): that is progress, a new streak. */
    if (n->faults > 0 && strcmp(n->fault_call, err->call) != 0)
        n->faults = 0;
    snprintf(n->fault_call, sizeof n->fault_call, "%s", err->call);
    if (n->faults++ == 0)
        n->fault_since = now;
    n->out->tries = n->faults;
    n->out->failing_seconds = now - n->fault_since;
    long delay = fault_backoff(n);
    if (n->faults >= WALK_FAULT_TRIES ||
        now - n->fault_since + (double)delay / 1000 > WALK_FAULT_BUDGET_S * n->w->scale) {
        n->out->failure = WALK_FAILED_FAULTS;
        return false;
    }
    char phase[700];
    snprintf(phase, sizeof phase, "retrying in %.1f s after %s%s%s (try %d of %d)",
             (double)delay / 1000, err->call, err->call[0] ? ": " : "", err->code, n->faults + 1,
             WALK_FAULT_TRIES);
    report(n->w, n->r, phase, NULL);
    aws_sleep_ms(delay);
    return true;
}

static bool retry_refusal(node_run *n, const base_error *err)
{
    double now = aws_monotonic_s();
    if (!n->refused_since) {
        n->refused_since = now;
        n->refusal_ms = interval_ms(n);
    }
    n->out->failing_seconds = now - n->refused_since;
    if (now - n->refused_since + (double)n->refusal_ms / 1000 > allowance_s(n)) {
        n->out->failure = WALK_FAILED_REFUSED;
        return false;
    }
    if (!n->said) {
        char phase[300], allowed[32];
        walk_format_duration(allowance_s(n), allowed, sizeof allowed);
        snprintf(phase, sizeof phase, "waiting: %s (asking again for up to %s)", err->code,
                 allowed);
        report(n->w, n->r, phase, NULL);
    }
    aws_sleep_ms(n->refusal_ms);
    n->refusal_ms = grown(n, n->refusal_ms);
    return true;
}

/* After a failed try: pause and return true when another try is due. */
static bool another_try(node_run *n)
{
    const base_error *err = &n->out->error;
    if (n->given_up)
        return false;
    if (aws_error_is_fault(err))
        return retry_fault(n, err);
    n->faults = 0; /* AWS answered: the call that kept failing got through */
    if (!err->retryable) {
        n->out->failure = WALK_FAILED_ERROR;
        return false;
    }
    return retry_refusal(n, err);
}

/* A try got through: every streak ends. */
static void progressed(node_run *n)
{
    n->faults = 0;
    n->refused_since = 0;
}

/* ---- the steps of a try ----------------------------------------------------------------- */

static int read_live(node_run *n)
{
    resource_reset_live(n->r);
    if (!n->step)
        report_step(n, "reading");
    TRY(n->ops->read(n->ctx, n->r, &n->out->error));
    if (n->r->exists)
        n->created_at = 0;
    return 0;
}

/* Polls until ready (gone when removing), within the kind's allowance, which
 * counts from the first poll of this wait, across tries. */
static int wait_for(node_run *n, bool removing)
{
    resource *r = n->r;
    base_error *err = &n->out->error;
    if (!n->ops->poll)
        return 0;
    for (bool first = true;; first = false) {
        bool done = false;
        base_error_clear(err);
        TRY(n->ops->poll(n->ctx, r, removing, &done, err));
        progressed(n); /* a long wait is not one long streak of faults */
        if (done) {
            n->waiting_since = 0;
            return 0;
        }
        double now = aws_monotonic_s();
        if (!n->waiting_since) {
            n->waiting_since = now;
            n->wait_ms = interval_ms(n);
        }
        if (first && !n->said)
            report_step(n, removing ? "waiting until deleted" : "waiting until ready");
        double waited = now - n->waiting_since;
        if (waited + (double)n->wait_ms / 1000 > allowance_s(n)) {
            n->given_up = true;
            n->out->failure = WALK_FAILED_WAITING;
            n->out->failing_seconds = waited;
            char allowed[32], took[32];
            walk_format_duration(allowance_s(n), allowed, sizeof allowed);
            walk_format_duration(waited, took, sizeof took);
            return base_error_set(err, BASE_ERROR_SERVICE, "Timeout",
                                 "still %s after waiting %s (%s: %s allowed to %s)%s%s",
                                 r->state[0] ? r->state : removing ? "there" : "not ready", took,
                                 n->ops->kind, allowed, removing ? "go" : "become ready",
                                 r->waiting_hint[0] ? ": " : "", r->waiting_hint);
        }
        aws_sleep_ms(n->wait_ms);
        n->wait_ms = grown(n, n->wait_ms);
    }
}

/* A create that may have made the resource is not listed yet: wait for the
 * lists to catch up (a refusal that passes with time) before creating again. */
static int settled(node_run *n)
{
    if (!n->created_at)
        return 0;
    double since = aws_monotonic_s() - n->created_at;
    if (since >= WALK_SETTLE_S * n->w->scale) {
        n->created_at = 0;
        return 0;
    }
    base_error_set(&n->out->error, BASE_ERROR_SERVICE, "NotListedYet",
                  "the %s created %.1f s ago is not listed yet", n->ops->kind, since);
    n->out->error.retryable = true;
    return -1;
}

static int create(node_run *n)
{
    TRY(settled(n));
    report_step(n, "creating");
    n->created_at = aws_monotonic_s();
    if (n->ops->create(n->ctx, n->r, &n->out->error) == 0)
        return 0;
    /* Refused before AWS made anything: nothing to wait for. */
    if (!n->r->id[0] && !aws_error_is_fault(&n->out->error))
        n->created_at = 0;
    return -1;
}

/* One try of up: 0 with *action, or -1 with the error. */
static int up_try(node_run *n, walk_action *action)
{
    resource *r = n->r;
    TRY(read_live(n));
    if (!r->exists && n->ops->sweep) {
        *action = ACTION_UNCHANGED; /* nothing left over */
        return 0;
    } else if (!r->exists) {
        TRY(create(n));
        *action = ACTION_CREATE;
    } else if (r->drift.len) {
        if (!n->ops->update) {
            *action = ACTION_DRIFT;
            return 0;
        }
        report_step(n, "updating");
        TRY(n->ops->update(n->ctx, r, &n->out->error));
        if (*action != ACTION_CREATE)
            *action = ACTION_UPDATE;
    }
    return wait_for(n, false);
}

static bool was_deleted(const node_run *n, const char *id)
{
    for (int i = 0; i < n->deletions; i++)
        if (strcmp(n->deleted[i], id) == 0)
            return true;
    return false;
}

/* One try of down: 0 when nothing is left, 1 after deleting one (a duplicate
 * may remain: look again), -1 with the error. */
static int down_try(node_run *n, walk_action *action)
{
    resource *r = n->r;
    TRY(read_live(n));
    /* What was deleted and is still listed is AWS's lag (or not ours to delete). */
    if (!r->exists || was_deleted(n, r->id))
        return 0;
    if (n->deletions == MAX_DELETIONS)
        return base_error_set(&n->out->error, BASE_ERROR_SERVICE, "TooManyDuplicates",
                             "%d %ss tagged as this one were deleted and another remains",
                             MAX_DELETIONS, n->ops->kind);
    report_step(n, n->deletions ? "deleting a duplicate" : "deleting");
    TRY(n->ops->remove(n->ctx, r, &n->out->error));
    TRY(wait_for(n, true));
    snprintf(n->deleted[n->deletions++], sizeof n->deleted[0], "%s", r->id);
    *action = ACTION_DELETE;
    return 1;
}

static int read_try(node_run *n, walk_action *action)
{
    resource *r = n->r;
    TRY(read_live(n));
    bool plan = n->w->options->mode == WALK_PLAN;
    if (!r->exists && n->ops->sweep)
        *action = ACTION_UNCHANGED; /* nothing left over */
    else if (!r->exists)
        *action = plan ? ACTION_CREATE : ACTION_ABSENT;
    else if (!r->drift.len)
        *action = ACTION_UNCHANGED;
    else /* status calls any difference drift, whether or not up can correct it */
        *action = plan && n->ops->update ? ACTION_UPDATE : ACTION_DRIFT;
    return 0;
}

typedef int (*try_fn)(node_run *n, walk_action *action);

/* Tries until the goal is reached or a budget or allowance is spent. */
static walk_action run_tries(node_run *n, try_fn one_try, walk_action action)
{
    for (;;) {
        n->said = false;
        base_error_clear(&n->out->error);
        int rc = one_try(n, &action);
        if (rc == 0)
            return action;
        if (rc > 0) {
            progressed(n);
            continue;
        }
        if (!another_try(n))
            return ACTION_FAILED;
    }
}

static void run_node(walk *w, op_ctx *ctx, size_t i)
{
    resource *r = stack_at(w->stack, i);
    node_run n = {.w = w, .ctx = ctx, .r = r, .ops = w->ops[i], .out = &w->outcomes[i]};
    ctx->say = say;
    ctx->say_ctx = &n;
    double start = aws_monotonic_s();
    switch (w->options->mode) {
    case WALK_UP: n.out->action = run_tries(&n, up_try, ACTION_UNCHANGED); break;
    case WALK_DOWN:
        n.out->action = run_tries(&n, down_try, ACTION_ABSENT);
        if (n.out->action == ACTION_DELETE) { /* what was deleted, for the report */
            r->exists = false;
            snprintf(r->id, sizeof r->id, "%s", n.deleted[n.deletions - 1]);
        }
        break;
    default: n.out->action = run_tries(&n, read_try, ACTION_UNCHANGED); break;
    }
    if (n.out->action != ACTION_FAILED)
        base_error_clear(&n.out->error);
    n.out->seconds = aws_monotonic_s() - start;
    ctx->say_ctx = NULL;
    report(w, r, "done", n.out);
}

/* ---- order and workers ---------------------------------------------------------------------- */

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

/* -1: not yet; 0: ready; 1: a predecessor failed or was skipped, skip (*blocker:
 * the failed resource behind it). Called under the lock. */
static int readiness(const walk *w, size_t i, int *blocker)
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
        if (result == 0 && (a == ACTION_FAILED || a == ACTION_NONE)) {
            result = 1;
            *blocker = a == ACTION_FAILED ? (int)j : w->outcomes[j].blocked_by;
        }
    }
    /* up and down need what comes first; plan and status read regardless. */
    return w->options->mode == WALK_UP || w->options->mode == WALK_DOWN ? result : 0;
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
            int blocker = -1;
            int ready = readiness(w, i, &blocker);
            if (ready < 0)
                continue;
            if (ready > 0) { /* skipped without touching AWS */
                w->status[i] = NODE_FINISHED;
                w->outcomes[i].action = ACTION_NONE;
                w->outcomes[i].blocked_by = blocker;
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

static void *worker(void *arg)
{
    walk *w = arg;
    aws_client_options o = w->options->client;
    o.credentials = aws_credentials_provider_new_borrowed(w->credentials);
    aws_client *client = NULL;
    base_error err = {0};
    int rc = aws_client_new_default(&o, &client, &err);
    op_ctx ctx = {.client = client, .cfg = stack_config(w->stack), .stack = w->stack};
    size_t i;
    while (next_node(w, &i)) {
        if (rc == 0)
            run_node(w, &ctx, i);
        else
            w->outcomes[i] = (walk_outcome){.action = ACTION_FAILED, .error = err, .blocked_by = -1};
        pthread_mutex_lock(&w->lock);
        w->status[i] = NODE_FINISHED;
        w->remaining--;
        pthread_cond_broadcast(&w->changed);
        pthread_mutex_unlock(&w->lock);
    }
    aws_client_free(client);
    return NULL;
}

static void run_workers(walk *w, int workers)
{
    pthread_t threads[16];
    if (workers > 16)
        workers = 16;
    int started = 0;
    for (; started < workers; started++)
        if (pthread_create(&threads[started], NULL, worker, w) != 0)
            break;
    if (started == 0)
        worker(w);
    for (int t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
}

int graph_walk(stack *s, const walk_options *o, walk_outcome *outcomes, base_error *err)
{
    double scale = walk_time_scale(err);
    if (scale < 0)
        return -1;
    /* One client owns the credentials (the default chain's cache, thread-safe);
     * every worker's client borrows them, so they are resolved once and
     * refreshed once when they near their expiry, however many workers ask. */
    aws_client *owner;
    TRY(aws_client_new_default(&o->client, &owner, err));
    aws_credentials creds = {0};
    if (aws_client_credentials(owner, &creds, err) != 0) { /* fail before touching anything */
        aws_client_free(owner);
        return -1;
    }
    aws_credentials_free(&creds);

    size_t n = stack_count(s);
    walk w = {.stack = s, .options = o, .outcomes = outcomes, .remaining = n, .scale = scale,
              .credentials = aws_client_credentials_provider(owner)};
    w.status = base_xcalloc(n, sizeof *w.status);
    w.ops = base_xcalloc(n, sizeof *w.ops);
    memset(outcomes, 0, n * sizeof *outcomes);
    for (size_t i = 0; i < n; i++) {
        outcomes[i].blocked_by = -1;
        w.ops[i] = o->ops_for ? o->ops_for(stack_at(s, i), o->ops_ctx) : stack_at(s, i)->ops;
        if (!w.ops[i]) { /* not part of this walk: neither read nor changed */
            outcomes[i].action = ACTION_OUTSIDE;
            w.status[i] = NODE_FINISHED;
            w.remaining--;
        }
    }
    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.changed, NULL);
    run_workers(&w, o->workers > 0 ? o->workers : 4);
    pthread_cond_destroy(&w.changed);
    pthread_mutex_destroy(&w.lock);
    free(w.status);
    free(w.ops);
    aws_client_free(owner);
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
    case ACTION_OUTSIDE: return "not part of this walk";
    }
    return "?";
}

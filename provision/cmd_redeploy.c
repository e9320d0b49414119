/*
 * cmd_redeploy.c - `scribblectl redeploy <handler>|all`: puts the current
 * build of the handler binary into running functions without a whole `up`.
 *
 * It is a walk (graph.c) over three rows of the stack only: the artifacts
 * bucket, which must be there already (`up` makes it); the package, uploaded
 * when its content-addressed key is missing, as `up` does; and the named
 * functions' code (function_code_ops: UpdateFunctionCode from that object
 * where the deployed CodeSha256 differs, then a wait until Lambda has applied
 * it). Every other row is outside the walk and untouched: the configuration
 * is `up`'s. The functions are the stack's function rows, so the handlers
 * named here are always the ones `up` makes. What it prints is the hash
 * Lambda says is deployed, not the one it sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/kinds.h"
#include "provision/package.h"
#include "provision/session.h"
#include "provision/walk_report.h"

typedef struct redeploy {
    const char *handler; /* "all", or one handler's name */
} redeploy;

static bool chosen(const redeploy *d, const resource *r)
{
    return r->ops == &function_ops &&
           (strcmp(d->handler, "all") == 0 || strcmp(r->variant, d->handler) == 0);
}

/* walk_options.ops_for: the package's way, the code alone, nothing else. */
static const resource_ops *redeploy_ops(const resource *r, void *ctx)
{
    if (r->ops == &package_object_ops)
        return r->ops;
    if (r->ops == &bucket_ops && r->variant && strcmp(r->variant, "artifacts") == 0)
        return &bucket_required_ops;
    return chosen(ctx, r) ? &function_code_ops : NULL;
}

static void usage(FILE *out, stack *s)
{
    fprintf(out, "usage: scribblectl redeploy <handler>|all\nhandlers:");
    for (size_t i = 0; i < stack_count(s); i++)
        if (stack_at(s, i)->ops == &function_ops)
            fprintf(out, " %s", stack_at(s, i)->variant);
    fprintf(out, "\n");
}

static bool known_handler(stack *s, const char *handler)
{
    redeploy d = {handler};
    for (size_t i = 0; i < stack_count(s); i++)
        if (chosen(&d, stack_at(s, i)))
            return true;
    return false;
}

/* One line per function: the hash Lambda reports, and whether it changed. */
static int report_functions(stack *s, const redeploy *d, const walk_outcome *outcomes)
{
    const lambda_package *package = NULL;
    base_error err = {0};
    if (package_get(&package, &err) != 0) {
        session_print_error("redeploy", &err);
        return 1;
    }
    int rc = 0;
    for (size_t i = 0; i < stack_count(s); i++) {
        const resource *r = stack_at(s, i);
        if (!chosen(d, r))
            continue;
        const char *deployed = resource_output(r, "code_sha256");
        if (!deployed || strcmp(deployed, package->code_sha256) != 0) {
            fprintf(stderr, "scribblectl redeploy: function %s: deployed code %s, but the package is %s\n",
                    r->name, deployed && deployed[0] ? deployed : "(unknown)", package->code_sha256);
            rc = 1;
            continue;
        }
        printf("%s: code %s (%s)\n", r->name, deployed,
               outcomes[i].action == ACTION_UPDATE ? "updated" : "already current");
    }
    fflush(stdout);
    return rc;
}

int cmd_redeploy(int argc, char **argv, const scribble_globals *g)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: scribblectl redeploy <handler>|all\n");
        return 2;
    }
    stack_session ss;
    int rc = session_open_stack(g, &ss);
    if (rc != 0)
        return rc;
    redeploy d = {argv[1]};
    if (!known_handler(ss.stack, d.handler)) {
        fprintf(stderr, "scribblectl redeploy: '%s' is not a handler\n", d.handler);
        usage(stderr, ss.stack);
        session_close_stack(&ss);
        return 2;
    }
    walk_outcome *outcomes = base_xcalloc(stack_count(ss.stack), sizeof *outcomes);
    walk_display *display = walk_display_start(ss.stack, WALK_UP);
    walk_options o = {.mode = WALK_UP, .client = ss.options, .progress = walk_report_progress,
                      .progress_ctx = display, .ops_for = redeploy_ops, .ops_ctx = &d};
    base_error err = {0};
    int failed = graph_walk(ss.stack, &o, outcomes, &err);
    walk_display_stop(display);
    if (failed < 0) {
        session_print_error("redeploy", &err);
        rc = 1;
    } else if (failed > 0) {
        walk_report_failures(stderr, ss.stack, outcomes, "redeploy");
        rc = 1;
    } else {
        rc = report_functions(ss.stack, &d, outcomes);
    }
    free(outcomes);
    session_close_stack(&ss);
    return rc;
}

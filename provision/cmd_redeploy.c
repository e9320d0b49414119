/*
 * cmd_redeploy.c - `scribblectl redeploy [--output text|json] <handler>|all`: puts the current
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
#include <cjson/cJSON.h>
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

static bool known_handler(stack *s, const char *handler)
{
    redeploy d = {handler};
    for (size_t i = 0; i < stack_count(s); i++)
        if (chosen(&d, stack_at(s, i)))
            return true;
    return false;
}

/* One line (or JSON object) per function: the hash Lambda reports, and whether it changed. */
static int report_functions(stack *s, const redeploy *d, const walk_outcome *outcomes, bool json)
{
    const lambda_package *package = NULL;
    base_error err = {0};
    if (package_get(&package, &err) != 0) {
        session_print_error("redeploy", &err);
        return EXIT_STATUS_FAILED;
    }
    int rc = EXIT_STATUS_OK;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "package_sha256", package->code_sha256);
    cJSON *list = cJSON_AddArrayToObject(doc, "functions");
    for (size_t i = 0; i < stack_count(s); i++) {
        const resource *r = stack_at(s, i);
        if (!chosen(d, r))
            continue;
        const char *deployed = resource_output(r, "code_sha256");
        bool current = deployed && strcmp(deployed, package->code_sha256) == 0;
        const char *action = !current ? "mismatch"
                             : outcomes[i].action == ACTION_UPDATE ? "updated"
                                                                   : "already current";
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "handler", r->variant);
        cJSON_AddStringToObject(item, "name", r->name);
        if (deployed && deployed[0])
            cJSON_AddStringToObject(item, "code_sha256", deployed);
        else
            cJSON_AddNullToObject(item, "code_sha256");
        cJSON_AddStringToObject(item, "result", action);
        cJSON_AddItemToArray(list, item);
        if (!current) {
            fprintf(stderr, "scribblectl redeploy: function %s: deployed code %s, but the package is %s\n",
                    r->name, deployed && deployed[0] ? deployed : "(unknown)", package->code_sha256);
            rc = EXIT_STATUS_FAILED;
        } else if (!json) {
            printf("%s: code %s (%s)\n", r->name, deployed, action);
        }
    }
    if (json)
        session_print_json(doc);
    else
        cJSON_Delete(doc);
    fflush(stdout);
    return rc;
}

static void list_handlers(FILE *out, stack *s)
{
    fprintf(out, "handlers:");
    for (size_t i = 0; i < stack_count(s); i++)
        if (stack_at(s, i)->ops == &function_ops)
            fprintf(out, " %s", stack_at(s, i)->variant);
    fprintf(out, "\n");
}

enum { REDEPLOY_OUTPUT };
static const cli_option redeploy_options[] = {[REDEPLOY_OUTPUT] = CLI_OUTPUT_OPTION};

static int run_redeploy(const cli_args *a, const scribble_globals *g)
{
    stack_session ss;
    int rc = session_open_stack(g, &ss);
    if (rc != 0)
        return rc;
    redeploy d = {a->operands[0]};
    if (!known_handler(ss.stack, d.handler)) {
        fprintf(stderr, "scribblectl redeploy: '%s' is not a handler\n", d.handler);
        fprintf(stderr, "usage: scribblectl redeploy <handler>|all\n");
        list_handlers(stderr, ss.stack);
        session_close_stack(&ss);
        return EXIT_STATUS_USAGE;
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
        rc = EXIT_STATUS_FAILED;
    } else if (failed > 0) {
        walk_report_failures(stderr, ss.stack, outcomes, "redeploy");
        rc = EXIT_STATUS_FAILED;
    } else {
        rc = report_functions(ss.stack, &d, outcomes, cli_wants_json(a, REDEPLOY_OUTPUT));
    }
    free(outcomes);
    session_close_stack(&ss);
    return rc;
}

const cli_verb verb_redeploy = {
    .name = "redeploy",
    .run = run_redeploy,
    .operands = "<handler>|all",
    .min_operands = 1,
    .max_operands = 1,
    .operand_kind = OPERANDS_HANDLER,
    .summary = "update <handler>'s or all functions' code from the current package",
    .description =
        "Puts the current build of the handler binary into the running function of <handler>\n"
        "(or of every handler) without a whole up: the package is uploaded when missing, each\n"
        "function's code is updated where its deployed hash differs, then Lambda is waited on\n"
        "until the update is applied. Nothing else is touched. Prints the hash Lambda reports\n"
        "as deployed, not the one sent.",
    .options = redeploy_options,
    .option_count = CLI_COUNT(redeploy_options),
};

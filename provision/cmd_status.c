/*
 * cmd_status.c - `scribblectl status [--watch [--interval N]] [--local
 * [--data-dir DIR]] [--output text|json]`: every resource with its id and
 * live state, read from AWS (never from a saved state), and where it
 * differs from scribble.ini; then how the canvas is doing (canvas_figures.h).
 * --watch shows only the canvas, read again every interval until Ctrl-C;
 * --local reads a running `scribblectl local` instead of AWS.
 *
 * Exit status: 0 everything exists as configured (always, with --watch or
 * --local); 3 something is missing or differs; 1 AWS could not be read; 2
 * usage or configuration error. A canvas figure that cannot be read says why
 * in its place and changes nothing of this.
 */
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/client_default.h"
#include "provision/canvas_figures.h"
#include "provision/commands.h"
#include "provision/graph.h"
#include "provision/log_events.h"
#include "provision/session.h"
#include "provision/stop_signal.h"
#include "provision/walk_report.h"

#define DEFAULT_INTERVAL_S 10
#define CLEAR_SCREEN "\033[H\033[2J"

enum { STATUS_OUTPUT, STATUS_WATCH, STATUS_INTERVAL, STATUS_LOCAL, STATUS_DATA_DIR };
static const cli_option status_options[] = {
    [STATUS_OUTPUT] = CLI_OUTPUT_OPTION,
    [STATUS_WATCH] = {.name = "--watch",
                      .value = OPTION_FLAG,
                      .help = "show only the canvas, read again every interval, until Ctrl-C"},
    [STATUS_INTERVAL] = {.name = "--interval",
                         .value = OPTION_NUMBER,
                         .placeholder = "SECONDS",
                         .min = 2,
                         .max = 3600,
                         .help = "with --watch: seconds between reads (default 10)",
                         .only_with = "--watch"},
    [STATUS_LOCAL] = {.name = "--local",
                      .value = OPTION_FLAG,
                      .help = "the canvas of a running scribblectl local instead of AWS's"},
    [STATUS_DATA_DIR] = CLI_LOCAL_DATA_DIR_OPTION,
};

/* What one report reads the canvas with. */
typedef struct canvas_source {
    aws_client *client;
    stack *plan;
    bool local;
    const char *where; /* "<region> (account <id>)" or the local endpoint */
} canvas_source;

static void print_canvas_json(const canvas_source *src, cJSON *canvas, bool one_line)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "stack", stack_config(src->plan)->stack.name);
    if (src->local)
        cJSON_AddBoolToObject(doc, "local", true);
    cJSON_AddItemToObject(doc, "canvas", canvas);
    if (one_line)
        session_print_json_line(doc);
    else
        session_print_json(doc);
}

/* Reads the canvas and shows it alone: a JSON document (one line when
 * watching), or text after the stack's heading (the screen cleared first
 * when redrawing a terminal). */
static void show_canvas(const canvas_source *src, bool json, bool watching, bool redraw)
{
    cJSON *canvas = canvas_figures_read(src->client, src->plan, src->local, log_now_ms());
    if (json) {
        print_canvas_json(src, canvas, watching);
        return;
    }
    printf("%sstack %s in %s\n\n", redraw ? CLEAR_SCREEN : "", stack_config(src->plan)->stack.name,
           src->where);
    canvas_figures_print(stdout, canvas);
    cJSON_Delete(canvas);
}

/* Shows the canvas every interval until SIGINT or SIGTERM. */
static int watch(const cli_args *a, const canvas_source *src, bool json)
{
    long interval = a->given[STATUS_INTERVAL] ? a->number[STATUS_INTERVAL] : DEFAULT_INTERVAL_S;
    bool tty = isatty(STDOUT_FILENO);
    stop_signal_catch();
    while (!stop_signal_requested()) {
        show_canvas(src, json, true, tty);
        if (!json)
            printf(tty ? "\nread every %ld s; Ctrl-C stops\n" : "\n", interval);
        fflush(stdout);
        stop_signal_wait_ms(interval * 1000);
    }
    return EXIT_STATUS_OK;
}

/* A running `scribblectl local`'s canvas. */
static int run_local(const cli_args *a, const scribble_globals *g, bool json)
{
    scribble_config cfg;
    if (session_load_config(g, &cfg) != 0)
        return EXIT_STATUS_USAGE;
    aws_client_options options = session_client_options(g, &cfg);
    char endpoint[300], where[340];
    canvas_source src = {.local = true, .where = where};
    base_error err = {0};
    int rc = EXIT_STATUS_FAILED;
    if (stack_build(&cfg, &src.plan, &err) != 0) {
        session_print_error("status", &err);
        rc = EXIT_STATUS_USAGE;
    } else if (session_local_client_options(g, &cfg, a->text[STATUS_DATA_DIR], "status", &options,
                                            endpoint, sizeof endpoint) != 0) {
        rc = EXIT_STATUS_FAILED;
    } else if (aws_client_new_default(&options, &src.client, &err) != 0) {
        session_print_error("status", &err);
    } else {
        snprintf(where, sizeof where, "scribblectl local at %s", endpoint);
        if (a->given[STATUS_WATCH]) {
            rc = watch(a, &src, json);
        } else {
            show_canvas(&src, json, false, false);
            rc = EXIT_STATUS_OK;
        }
    }
    aws_client_free(src.client);
    stack_free(src.plan);
    scribble_config_free(&cfg);
    return rc;
}

/* Every resource, then the canvas. */
static int report(stack_session *ss, const canvas_source *src, bool json)
{
    walk_outcome *outcomes = base_xcalloc(stack_count(ss->stack), sizeof *outcomes);
    walk_options o = {.mode = WALK_STATUS, .client = ss->options};
    base_error err = {0};
    int rc, failed = graph_walk(ss->stack, &o, outcomes, &err);
    if (failed < 0) {
        session_print_error("status", &err);
        rc = EXIT_STATUS_FAILED;
    } else {
        int absent = walk_count(ss->stack, outcomes, ACTION_ABSENT);
        int drifted = walk_count(ss->stack, outcomes, ACTION_DRIFT);
        int configured = (int)stack_count(ss->stack) - (absent + drifted + failed);
        cJSON *canvas = canvas_figures_read(src->client, ss->stack, false, log_now_ms());
        if (json) {
            cJSON *doc = walk_report_document(ss->stack, outcomes, WALK_STATUS);
            cJSON *summary = cJSON_AddObjectToObject(doc, "summary");
            cJSON_AddNumberToObject(summary, "as_configured", configured);
            cJSON_AddNumberToObject(summary, "absent", absent);
            cJSON_AddNumberToObject(summary, "differ", drifted);
            cJSON_AddNumberToObject(summary, "unreadable", failed);
            cJSON_AddItemToObject(doc, "canvas", canvas);
            session_print_json(doc);
        } else {
            printf("stack %s in %s\n\n", stack_name(ss->stack), src->where);
            walk_report_table(stdout, ss->stack, outcomes, WALK_STATUS);
            printf("\n%zu resources: %d as configured, %d absent, %d differ, %d unreadable\n\n",
                   stack_count(ss->stack), configured, absent, drifted, failed);
            canvas_figures_print(stdout, canvas);
            cJSON_Delete(canvas);
        }
        rc = failed ? EXIT_STATUS_FAILED : absent || drifted ? EXIT_STATUS_INCOMPLETE : EXIT_STATUS_OK;
    }
    free(outcomes);
    return rc;
}

static int run_status(const cli_args *a, const scribble_globals *g)
{
    bool json = cli_wants_json(a, STATUS_OUTPUT);
    if (a->given[STATUS_LOCAL])
        return run_local(a, g, json);
    stack_session ss;
    int rc = session_open_stack(g, &ss);
    if (rc != 0)
        return rc;
    char where[160];
    snprintf(where, sizeof where, "%s (account %s)", stack_region(ss.stack), stack_account(ss.stack));
    canvas_source src = {.plan = ss.stack, .where = where};
    base_error err = {0};
    if (aws_client_new_default(&ss.options, &src.client, &err) != 0) {
        session_print_error("status", &err);
        rc = EXIT_STATUS_FAILED;
    } else {
        rc = a->given[STATUS_WATCH] ? watch(a, &src, json) : report(&ss, &src, json);
    }
    aws_client_free(src.client);
    session_close_stack(&ss);
    return rc;
}

const cli_verb verb_status = {
    .name = "status",
    .run = run_status,
    .operands = "",
    .summary = "show every resource, its live state and drift, and how the canvas is doing",
    .description =
        "Reads every resource of the stack from AWS (never from a saved state) and shows its\n"
        "id, its live state and where it differs from scribble.ini; then the canvas: connections,\n"
        "the latest seq, pixels placed in the last minute and hour (the cache, through the\n"
        "figures function), the latest snapshot (S3), each queue's depth (SQS) and each\n"
        "function's invocations, errors and throttles over the last hour (CloudWatch). A figure\n"
        "that cannot be read says why. Changes nothing.\n"
        "--watch shows only the canvas and reads it again every interval until Ctrl-C; --local\n"
        "reads a running scribblectl local instead of AWS.\n"
        "Exits 0 when everything exists as configured (always with --watch or --local), 3 when\n"
        "something is missing or differs, 1 when AWS could not be read.",
    .options = status_options,
    .option_count = CLI_COUNT(status_options),
};

/*
 * cmd_status.c - `scribblectl status [--output text|json]`: every resource
 * with its id and live state, read from AWS (never from a saved state), and
 * where it differs from scribble.ini.
 *
 * Exit status: 0 everything exists as configured; 3 something is missing or
 * differs; 1 AWS could not be read; 2 usage or configuration error.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/commands.h"
#include "provision/graph.h"
#include "provision/session.h"
#include "provision/walk_report.h"

enum { STATUS_OUTPUT };
static const cli_option status_options[] = {[STATUS_OUTPUT] = CLI_OUTPUT_OPTION};

static int run_status(const cli_args *a, const scribble_globals *g)
{
    bool json = cli_wants_json(a, STATUS_OUTPUT);
    stack_session ss;
    int rc = session_open_stack(g, &ss);
    if (rc != 0)
        return rc;
    walk_outcome *outcomes = base_xcalloc(stack_count(ss.stack), sizeof *outcomes);
    walk_options o = {.mode = WALK_STATUS, .client = ss.options};
    base_error err = {0};
    int failed = graph_walk(ss.stack, &o, outcomes, &err);
    if (failed < 0) {
        session_print_error("status", &err);
        rc = EXIT_STATUS_FAILED;
    } else {
        int absent = walk_count(ss.stack, outcomes, ACTION_ABSENT);
        int drifted = walk_count(ss.stack, outcomes, ACTION_DRIFT);
        int configured = (int)stack_count(ss.stack) - (absent + drifted + failed);
        if (json) {
            cJSON *doc = walk_report_document(ss.stack, outcomes, WALK_STATUS);
            cJSON *summary = cJSON_AddObjectToObject(doc, "summary");
            cJSON_AddNumberToObject(summary, "as_configured", configured);
            cJSON_AddNumberToObject(summary, "absent", absent);
            cJSON_AddNumberToObject(summary, "differ", drifted);
            cJSON_AddNumberToObject(summary, "unreadable", failed);
            session_print_json(doc);
        } else {
            printf("stack %s in %s (account %s)\n\n", stack_name(ss.stack), stack_region(ss.stack),
                   stack_account(ss.stack));
            walk_report_table(stdout, ss.stack, outcomes, WALK_STATUS);
            printf("\n%zu resources: %d as configured, %d absent, %d differ, %d unreadable\n",
                   stack_count(ss.stack), configured, absent, drifted, failed);
        }
        rc = failed ? EXIT_STATUS_FAILED : absent || drifted ? EXIT_STATUS_INCOMPLETE : EXIT_STATUS_OK;
    }
    free(outcomes);
    session_close_stack(&ss);
    return rc;
}

const cli_verb verb_status = {
    .name = "status",
    .run = run_status,
    .operands = "",
    .summary = "show every resource, its id, live state and drift",
    .description =
        "Reads every resource of the stack from AWS (never from a saved state) and shows its\n"
        "id, its live state and where it differs from scribble.ini. Changes nothing.\n"
        "Exits 0 when everything exists as configured, 3 when something is missing or\n"
        "differs, 1 when AWS could not be read.",
    .options = status_options,
    .option_count = CLI_COUNT(status_options),
};

/*
 * cmd_status.c - `scribblectl status [--output text|json]`: every resource
 * with its id and live state, read from AWS (never from a saved state), and
 * where it differs from scribble.ini.
 *
 * Exit status: 0 everything exists as configured; 3 something is missing or
 * differs; 1 AWS could not be read; 2 usage or configuration error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/commands.h"
#include "provision/graph.h"
#include "provision/session.h"
#include "provision/walk_report.h"

#define STATUS_INCOMPLETE 3

int cmd_status(int argc, char **argv, const scribble_globals *g)
{
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--output=json") ||
            (!strcmp(argv[i], "--output") && i + 1 < argc && !strcmp(argv[i + 1], "json") && ++i)) {
            json = true;
        } else if (!strcmp(argv[i], "--output=text") ||
                   (!strcmp(argv[i], "--output") && i + 1 < argc && !strcmp(argv[i + 1], "text") && ++i)) {
            json = false;
        } else {
            fprintf(stderr, "usage: scribblectl status [--output text|json]\n");
            return 2;
        }
    }
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
        rc = 1;
    } else {
        if (json) {
            walk_report_json(stdout, ss.stack, outcomes, WALK_STATUS);
        } else {
            printf("stack %s in %s (account %s)\n\n", stack_name(ss.stack), stack_region(ss.stack),
                   stack_account(ss.stack));
            walk_report_table(stdout, ss.stack, outcomes, WALK_STATUS);
        }
        int absent = walk_count(ss.stack, outcomes, ACTION_ABSENT);
        int drifted = walk_count(ss.stack, outcomes, ACTION_DRIFT);
        if (!json)
            printf("\n%zu resources: %zu as configured, %d absent, %d differ, %d unreadable\n",
                   stack_count(ss.stack), stack_count(ss.stack) - (size_t)(absent + drifted + failed),
                   absent, drifted, failed);
        rc = failed ? 1 : absent || drifted ? STATUS_INCOMPLETE : 0;
    }
    free(outcomes);
    session_close_stack(&ss);
    return rc;
}

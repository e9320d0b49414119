/*
 * cmd_down.c - `scribblectl down [--yes] [--output text|json]`: deletes everything up made, in
 * reverse dependency order, waiting out what AWS makes slow. Safe to run
 * again and after a partial up: what is already gone is skipped. Asks for
 * the stack's name as confirmation unless --yes.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/client_default.h"
#include "provision/commands.h"
#include "provision/graph.h"
#include "provision/leftovers.h"
#include "provision/session.h"
#include "provision/walk_report.h"

/* down's last word: is anything tagged with the stack still there? One ARN per line in arns. */
static int find_leftovers(const stack_session *ss, base_buf *arns, int *count)
{
    aws_client *client;
    base_error err = {0};
    int rc = aws_client_new_default(&ss->options, &client, &err);
    if (rc == 0) {
        rc = leftovers_find(client, stack_name(ss->stack), arns, count, &err);
        aws_client_free(client);
    }
    if (rc != 0)
        session_print_error("down: could not check for leftovers", &err);
    return rc;
}

static void print_leftovers(const stack_session *ss, const base_buf *arns, int count)
{
    if (count)
        printf("down: %d resource%s tagged scribble:stack=%s remain%s:\n%s", count,
               count == 1 ? "" : "s", stack_name(ss->stack), count == 1 ? "s" : "", base_buf_str(arns));
    else
        printf("down: no resource tagged scribble:stack=%s remains\n", stack_name(ss->stack));
}

static void print_json(const stack_session *ss, const walk_outcome *outcomes, bool checked,
                       const base_buf *arns)
{
    cJSON *doc = walk_report_document(ss->stack, outcomes, WALK_DOWN);
    cJSON *summary = cJSON_AddObjectToObject(doc, "summary");
    cJSON_AddNumberToObject(summary, "deleted", walk_count(ss->stack, outcomes, ACTION_DELETE));
    cJSON_AddNumberToObject(summary, "already_absent", walk_count(ss->stack, outcomes, ACTION_ABSENT));
    cJSON_AddNumberToObject(summary, "failed", walk_count(ss->stack, outcomes, ACTION_FAILED));
    if (checked)
        session_add_lines(doc, "remaining", base_buf_str(arns));
    else
        cJSON_AddNullToObject(doc, "remaining");
    session_print_json(doc);
}

static bool confirmed(const stack *s)
{
    if (!isatty(STDIN_FILENO)) {
        fprintf(stderr, "down: refusing to delete stack %s without --yes (standard input is not a terminal)\n",
                stack_name(s));
        return false;
    }
    fprintf(stderr, "This deletes every resource of stack %s in %s (account %s).\n"
                    "Type the stack name to confirm: ",
            stack_name(s), stack_region(s), stack_account(s));
    char answer[128] = "";
    if (!fgets(answer, sizeof answer, stdin))
        return false;
    answer[strcspn(answer, "\r\n")] = '\0';
    return strcmp(answer, stack_name(s)) == 0;
}

enum { DOWN_YES, DOWN_OUTPUT };
static const cli_option down_options[] = {
    [DOWN_YES] = {.name = "--yes",
                  .short_name = 'y',
                  .value = OPTION_FLAG,
                  .help = "delete without asking for the stack's name (needed when stdin\n"
                          "is not a terminal)"},
    [DOWN_OUTPUT] = CLI_OUTPUT_OPTION,
};

/* After the walk: the summary and the check for leftovers, as text or JSON. */
static int report(const stack_session *ss, const walk_outcome *outcomes, int failed, bool json)
{
    base_buf arns = {0};
    int count = 0;
    bool checked = !failed && find_leftovers(ss, &arns, &count) == 0;
    if (json) {
        print_json(ss, outcomes, checked, &arns);
    } else if (failed) {
        walk_report_failures(stdout, ss->stack, outcomes, "down");
    } else {
        printf("down: %d deleted, %d already absent\n", walk_count(ss->stack, outcomes, ACTION_DELETE),
               walk_count(ss->stack, outcomes, ACTION_ABSENT));
        if (checked)
            print_leftovers(ss, &arns, count);
    }
    base_buf_free(&arns);
    return !failed && checked && !count ? EXIT_STATUS_OK : EXIT_STATUS_FAILED;
}

static int run_down(const cli_args *a, const scribble_globals *g)
{
    stack_session ss;
    int rc = session_open_stack(g, &ss);
    if (rc != 0)
        return rc;
    if (!a->given[DOWN_YES] && !confirmed(ss.stack)) {
        fprintf(stderr, "down: nothing deleted\n");
        session_close_stack(&ss);
        return EXIT_STATUS_FAILED;
    }
    fprintf(stderr, "down: stack %s in %s (account %s)\n", stack_name(ss.stack),
            stack_region(ss.stack), stack_account(ss.stack));
    walk_outcome *outcomes = base_xcalloc(stack_count(ss.stack), sizeof *outcomes);
    walk_display *display = walk_display_start(ss.stack, WALK_DOWN);
    walk_options o = {.mode = WALK_DOWN, .client = ss.options, .progress = walk_report_progress,
                      .progress_ctx = display};
    base_error err = {0};
    int failed = graph_walk(ss.stack, &o, outcomes, &err);
    walk_display_stop(display);
    if (failed < 0) {
        session_print_error("down", &err);
        rc = EXIT_STATUS_FAILED;
    } else {
        rc = report(&ss, outcomes, failed, cli_wants_json(a, DOWN_OUTPUT));
    }
    free(outcomes);
    session_close_stack(&ss);
    return rc;
}

const cli_verb verb_down = {
    .name = "down",
    .run = run_down,
    .operands = "",
    .summary = "delete everything up made, in reverse order (--yes: no question)",
    .description =
        "Deletes every resource of the stack in reverse dependency order, waiting out what AWS\n"
        "makes slow; what is already gone is skipped, so it is safe to run again and after a\n"
        "partial up. Asks for the stack's name as confirmation unless --yes. Ends by checking\n"
        "that nothing tagged scribble:stack=<name> remains (exit 1 if something does).",
    .options = down_options,
    .option_count = CLI_COUNT(down_options),
};

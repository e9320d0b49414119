/*
 * cmd_down.c - `scribblectl down [--yes]`: deletes everything up made, in
 * reverse dependency order, waiting out what AWS makes slow. Safe to run
 * again and after a partial up: what is already gone is skipped. Asks for
 * the stack's name as confirmation unless --yes.
 */
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

/* down's last word: is anything tagged with the stack still there? */
static int check_leftovers(const stack_session *ss)
{
    aws_client *client;
    base_error err = {0};
    base_buf arns = {0};
    int count = 0;
    int rc = aws_client_new_default(&ss->options, &client, &err);
    if (rc == 0) {
        rc = leftovers_find(client, stack_name(ss->stack), &arns, &count, &err);
        aws_client_free(client);
    }
    if (rc != 0) {
        session_print_error("down: could not check for leftovers", &err);
    } else if (count) {
        printf("down: %d resource%s tagged scribble:stack=%s remain%s:\n%s", count,
               count == 1 ? "" : "s", stack_name(ss->stack), count == 1 ? "s" : "", base_buf_str(&arns));
        rc = 1;
    } else {
        printf("down: no resource tagged scribble:stack=%s remains\n", stack_name(ss->stack));
    }
    base_buf_free(&arns);
    return rc;
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

int cmd_down(int argc, char **argv, const scribble_globals *g)
{
    bool yes = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--yes") || !strcmp(argv[i], "-y")) {
            yes = true;
        } else {
            fprintf(stderr, "usage: scribblectl down [--yes]\n");
            return 2;
        }
    }
    stack_session ss;
    int rc = session_open_stack(g, &ss);
    if (rc != 0)
        return rc;
    if (!yes && !confirmed(ss.stack)) {
        fprintf(stderr, "down: nothing deleted\n");
        session_close_stack(&ss);
        return 1;
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
        rc = 1;
    } else if (failed) {
        walk_report_failures(stdout, ss.stack, outcomes, "down");
        rc = 1;
    } else {
        printf("down: %d deleted, %d already absent\n", walk_count(ss.stack, outcomes, ACTION_DELETE),
               walk_count(ss.stack, outcomes, ACTION_ABSENT));
        rc = check_leftovers(&ss) == 0 ? 0 : 1;
    }
    free(outcomes);
    session_close_stack(&ss);
    return rc;
}

/*
 * walk_verb.c - what up and plan share: open the stack, walk it with
 * progress lines, and say what happened (or would).
 */
#include "aws/client_default.h"
#include "provision/walk_verb.h"

#include <stdio.h>
#include <stdlib.h>

#include "provision/function_limits.h"
#include "provision/session.h"
#include "provision/walk_report.h"
#include "stack/description.h"

/* What AWS would refuse about the account as a whole, before any change. */
static int check_account(const stack_session *ss, base_error *err)
{
    aws_client *client;
    TRY(aws_client_new_default(&ss->options, &client, err));
    int rc = function_limits_check(client, ss->stack, err);
    aws_client_free(client);
    return rc;
}

int walk_verb_up_or_plan(const scribble_globals *g, walk_mode mode)
{
    stack_session ss;
    int rc = session_open_stack(g, &ss);
    if (rc != 0)
        return rc;
    const char *verb = mode == WALK_PLAN ? "plan" : "up";
    fprintf(stderr, "%s: stack %s in %s (account %s)\n", verb, stack_name(ss.stack),
            stack_region(ss.stack), stack_account(ss.stack));
    base_error err = {0};
    if (check_account(&ss, &err) != 0) {
        session_print_error(verb, &err);
        session_close_stack(&ss);
        return err.kind == BASE_ERROR_CONFIG ? 2 : 1;
    }
    walk_outcome *outcomes = base_xcalloc(stack_count(ss.stack), sizeof *outcomes);
    walk_display *display = walk_display_start(ss.stack, mode);
    walk_options o = {.mode = mode, .client = ss.options, .progress = walk_report_progress,
                      .progress_ctx = display};
    int failed = graph_walk(ss.stack, &o, outcomes, &err);
    walk_display_stop(display);
    if (failed < 0) {
        session_print_error(verb, &err);
        rc = 1;
    } else {
        int created = walk_count(ss.stack, outcomes, ACTION_CREATE);
        int updated = walk_count(ss.stack, outcomes, ACTION_UPDATE);
        int drifted = walk_count(ss.stack, outcomes, ACTION_DRIFT);
        int unchanged = walk_count(ss.stack, outcomes, ACTION_UNCHANGED);
        if (mode == WALK_PLAN || drifted)
            walk_report_table(stdout, ss.stack, outcomes, mode);
        if (failed)
            walk_report_failures(stdout, ss.stack, outcomes, verb);
        else if (!created && !updated && !drifted)
            printf("%s: nothing to do: all %d resources are as configured\n", verb, unchanged);
        else if (mode == WALK_PLAN)
            printf("plan: %d to create, %d to update, %d that cannot change in place, %d unchanged\n",
                   created, updated, drifted, unchanged);
        else
            printf("up: %d created, %d updated, %d unchanged%s\n", created, updated, unchanged,
                   drifted ? ", some differ and cannot change in place (see above)" : "");
        const char *page = stack_output(ss.stack, ROLE_SITE_CONTENT, "page_url");
        const char *websocket = stack_output(ss.stack, ROLE_WEBSOCKET_ROUTES, "websocket_url");
        if (mode == WALK_UP && !failed) {
            printf("page:      %s\n", page ? page : "(not yet available)");
            printf("websocket: %s\n", websocket ? websocket : "(not yet available)");
        }
        rc = failed ? 1 : 0;
    }
    free(outcomes);
    session_close_stack(&ss);
    return rc;
}

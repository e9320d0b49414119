/*
 * walk_verb.c - what up and plan share: open the stack, walk it with
 * progress lines, and say what happened (or would).
 */
#include "aws/client_default.h"
#include "provision/walk_verb.h"

#include <stdio.h>
#include <stdlib.h>

#include "provision/function_limits.h"
#include "provision/route53.h"
#include "provision/session.h"
#include "provision/walk_report.h"
#include "stack/description.h"

/* What AWS would refuse about the account as a whole, before any change:
 * the functions' concurrency, and the [domain] zone. */
static int check_account(const stack_session *ss, base_error *err)
{
    aws_client *client;
    TRY(aws_client_new_default(&ss->options, &client, err));
    int rc = function_limits_check(client, ss->stack, err);
    const scribble_config *cfg = &ss->cfg;
    char zone_id[ROUTE53_ID_SIZE];
    if (rc == 0 && cfg->domain.name[0])
        rc = route53_require_public_zone(client, cfg->domain.zone, cfg->domain.name, zone_id, err);
    aws_client_free(client);
    return rc;
}

typedef struct walk_counts {
    int created, updated, drifted, unchanged, failed;
} walk_counts;

static void print_text(const stack_session *ss, const walk_outcome *outcomes, walk_mode mode,
                       const walk_counts *n)
{
    const char *verb = mode == WALK_PLAN ? "plan" : "up";
    if (mode == WALK_PLAN || n->drifted)
        walk_report_table(stdout, ss->stack, outcomes, mode);
    if (n->failed)
        walk_report_failures(stdout, ss->stack, outcomes, verb);
    else if (!n->created && !n->updated && !n->drifted)
        printf("%s: nothing to do: all %d resources are as configured\n", verb, n->unchanged);
    else if (mode == WALK_PLAN)
        printf("plan: %d to create, %d to update, %d that cannot change in place, %d unchanged\n",
               n->created, n->updated, n->drifted, n->unchanged);
    else
        printf("up: %d created, %d updated, %d unchanged%s\n", n->created, n->updated, n->unchanged,
               n->drifted ? ", some differ and cannot change in place (see above)" : "");
    const char *page = stack_output(ss->stack, ROLE_SITE_CONTENT, "page_url");
    const char *websocket = stack_output(ss->stack, ROLE_SITE_CONTENT, "websocket_url");
    if (mode == WALK_UP && !n->failed) {
        printf("page:      %s\n", page ? page : "(not yet available)");
        printf("websocket: %s\n", websocket ? websocket : "(not yet available)");
    }
}

static void add_url(cJSON *doc, const char *name, const char *url)
{
    if (url)
        cJSON_AddStringToObject(doc, name, url);
    else
        cJSON_AddNullToObject(doc, name);
}

static void print_json(const stack_session *ss, const walk_outcome *outcomes, walk_mode mode,
                       const walk_counts *n)
{
    cJSON *doc = walk_report_document(ss->stack, outcomes, mode);
    cJSON *summary = cJSON_AddObjectToObject(doc, "summary");
    cJSON_AddNumberToObject(summary, "create", n->created);
    cJSON_AddNumberToObject(summary, "update", n->updated);
    cJSON_AddNumberToObject(summary, "cannot_change_in_place", n->drifted);
    cJSON_AddNumberToObject(summary, "unchanged", n->unchanged);
    cJSON_AddNumberToObject(summary, "failed", n->failed);
    if (mode == WALK_UP) {
        add_url(doc, "page_url", stack_output(ss->stack, ROLE_SITE_CONTENT, "page_url"));
        add_url(doc, "websocket_url", stack_output(ss->stack, ROLE_SITE_CONTENT, "websocket_url"));
    }
    session_print_json(doc);
}

int walk_verb_up_or_plan(const scribble_globals *g, walk_mode mode, bool json)
{
    const char *verb = mode == WALK_PLAN ? "plan" : "up";
    stack_session ss;
    int rc = session_open_stack(g, &ss);
    if (rc != 0)
        return rc;
    fprintf(stderr, "%s: stack %s in %s (account %s)\n", verb, stack_name(ss.stack),
            stack_region(ss.stack), stack_account(ss.stack));
    base_error err = {0};
    if (check_account(&ss, &err) != 0) {
        session_print_error(verb, &err);
        session_close_stack(&ss);
        return err.kind == BASE_ERROR_CONFIG ? EXIT_STATUS_USAGE : EXIT_STATUS_FAILED;
    }
    walk_outcome *outcomes = base_xcalloc(stack_count(ss.stack), sizeof *outcomes);
    walk_display *display = walk_display_start(ss.stack, mode);
    walk_options o = {.mode = mode, .client = ss.options, .progress = walk_report_progress,
                      .progress_ctx = display};
    int failed = graph_walk(ss.stack, &o, outcomes, &err);
    walk_display_stop(display);
    if (failed < 0) {
        session_print_error(verb, &err);
        rc = EXIT_STATUS_FAILED;
    } else {
        walk_counts n = {
            .created = walk_count(ss.stack, outcomes, ACTION_CREATE),
            .updated = walk_count(ss.stack, outcomes, ACTION_UPDATE),
            .drifted = walk_count(ss.stack, outcomes, ACTION_DRIFT),
            .unchanged = walk_count(ss.stack, outcomes, ACTION_UNCHANGED),
            .failed = failed,
        };
        if (json)
            print_json(&ss, outcomes, mode, &n);
        else
            print_text(&ss, outcomes, mode, &n);
        rc = failed ? EXIT_STATUS_FAILED : EXIT_STATUS_OK;
    }
    free(outcomes);
    session_close_stack(&ss);
    return rc;
}

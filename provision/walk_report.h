/*
 * walk_report.h - how the verbs show a walk: progress lines as it happens,
 * and the outcome table (text or JSON) at the end.
 */
#ifndef SCRIBBLE_PROVISION_WALK_REPORT_H
#define SCRIBBLE_PROVISION_WALK_REPORT_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "provision/graph.h"

/* Progress on stderr: on a terminal, a live table of every resource with its
 * phase and elapsed time, redrawn in place; otherwise plain lines
 * ("  [  3.1s] vpc  creating"). Start before the walk, stop after it. */
typedef struct walk_display walk_display;
walk_display *walk_display_start(stack *s, walk_mode mode);
void walk_display_stop(walk_display *d);
/* A walk_progress_fn; ctx is the walk_display. */
void walk_report_progress(void *ctx, const resource *r, const char *phase, const walk_outcome *done);
/* One line per resource: role, kind, id, state/action, then drift lines. */
void walk_report_table(FILE *out, stack *s, const walk_outcome *outcomes, walk_mode mode);
/* The same as a JSON document (docs/cli.md): stack, region, account and
 * resources; the verb adds its own fields and prints it (session_print_json). */
cJSON *walk_report_document(stack *s, const walk_outcome *outcomes, walk_mode mode);
/* One line on why r failed: "<role> <name>: <call> failed after 6 tries in
 * 94 s: <AWS error>" (faults), "...: <call> still refused after 45 min: ..."
 * (a refusal outlasting its allowance), "...: still creating after waiting
 * 900 s (...)" (a wait), or "<role> <name>: <call>: <AWS error>". */
void walk_describe_failure(const resource *r, const walk_outcome *o, char *out, size_t size);
/* The end of a walk that did not reach every resource: each failed resource
 * with its error, and under it what was skipped because of it. */
void walk_report_failures(FILE *out, stack *s, const walk_outcome *outcomes, const char *verb);
/* Counts outcomes of one action. */
int walk_count(const stack *s, const walk_outcome *outcomes, walk_action a);

#endif

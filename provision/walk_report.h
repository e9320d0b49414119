/*
 * walk_report.h - how the verbs show a walk: progress lines as it happens,
 * and the outcome table (text or JSON) at the end.
 */
#ifndef SCRIBBLE_PROVISION_WALK_REPORT_H
#define SCRIBBLE_PROVISION_WALK_REPORT_H

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
/* The same as one JSON document. */
void walk_report_json(FILE *out, stack *s, const walk_outcome *outcomes, walk_mode mode);
/* Counts outcomes of one action. */
int walk_count(const stack *s, const walk_outcome *outcomes, walk_action a);

#endif

/*
 * walk_verb.h - the shared body of `up` and `plan`.
 */
#ifndef SCRIBBLE_PROVISION_WALK_VERB_H
#define SCRIBBLE_PROVISION_WALK_VERB_H

#include "provision/commands.h"
#include "provision/graph.h"

/* json: one document on stdout (docs/cli.md) instead of the table and summary;
 * the progress lines still go to stderr. */
int walk_verb_up_or_plan(const scribble_globals *g, walk_mode mode, bool json);

#endif

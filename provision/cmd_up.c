/*
 * cmd_up.c - `scribblectl up [--dry-run]`: creates what is missing and
 * corrects what differs, in dependency order, waiting for what must be
 * ready. With --dry-run it is `plan`. A second up changes nothing and says so.
 */
#include <stdio.h>
#include <string.h>

#include "provision/walk_verb.h"

int cmd_up(int argc, char **argv, const scribble_globals *g)
{
    bool dry_run = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dry-run")) {
            dry_run = true;
        } else {
            fprintf(stderr, "usage: scribblectl up [--dry-run]\n");
            return 2;
        }
    }
    return walk_verb_up_or_plan(g, dry_run ? WALK_PLAN : WALK_UP);
}

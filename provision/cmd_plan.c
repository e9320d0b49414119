/*
 * cmd_plan.c - `scribblectl plan`: what up would create, change or leave
 * alone, read from AWS without a single mutating call.
 */
#include <stdio.h>

#include "provision/walk_verb.h"

int cmd_plan(int argc, char **argv, const scribble_globals *g)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: scribblectl plan\n");
        return 2;
    }
    return walk_verb_up_or_plan(g, WALK_PLAN);
}

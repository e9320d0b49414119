/*
 * cmd_plan.c - `scribblectl plan`: what up would create, change or leave
 * alone, read from AWS without a single mutating call.
 */
#include "provision/walk_verb.h"

enum { PLAN_OUTPUT };
static const cli_option plan_options[] = {[PLAN_OUTPUT] = CLI_OUTPUT_OPTION};

static int run_plan(const cli_args *a, const scribble_globals *g)
{
    return walk_verb_up_or_plan(g, WALK_PLAN, cli_wants_json(a, PLAN_OUTPUT));
}

const cli_verb verb_plan = {
    .name = "plan",
    .run = run_plan,
    .operands = "",
    .summary = "show what up would create, change or leave alone; changes nothing",
    .description =
        "Reads every resource from AWS without a single mutating call and shows, for each,\n"
        "what up would do: create, update, nothing, or a difference that cannot change in\n"
        "place (the resource must be replaced by hand).",
    .options = plan_options,
    .option_count = CLI_COUNT(plan_options),
};

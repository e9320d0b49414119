/*
 * cmd_up.c - `scribblectl up [--dry-run] [--output text|json]`: creates what is missing and
 * corrects what differs, in dependency order, waiting for what must be
 * ready. With --dry-run it is `plan`. A second up changes nothing and says so.
 */
#include "provision/walk_verb.h"

enum { UP_DRY_RUN, UP_OUTPUT };
static const cli_option up_options[] = {
    [UP_DRY_RUN] = {.name = "--dry-run",
                    .value = OPTION_FLAG,
                    .help = "change nothing: show what up would do (what plan shows)"},
    [UP_OUTPUT] = CLI_OUTPUT_OPTION,
};

static int run_up(const cli_args *a, const scribble_globals *g)
{
    return walk_verb_up_or_plan(g, a->given[UP_DRY_RUN] ? WALK_PLAN : WALK_UP,
                                cli_wants_json(a, UP_OUTPUT));
}

const cli_verb verb_up = {
    .name = "up",
    .run = run_up,
    .operands = "",
    .summary = "create what is missing and correct what differs (--dry-run: plan)",
    .description =
        "Reads every resource from AWS, creates what is missing and corrects what differs, in\n"
        "dependency order, running independent branches at once and waiting for what must be\n"
        "ready; progress lines go to stderr. A second up changes nothing and says so; an up\n"
        "interrupted at any point converges when run again. Prints the page's and the\n"
        "WebSocket's URLs. With a [domain], it also requests the certificates, waits for\n"
        "their validation (at most 30 minutes) and puts the names in DNS; after a change\n"
        "of [domain] it moves the stack to the new names (or back to AWS's own) and removes\n"
        "the old names' records and certificates.",
    .options = up_options,
    .option_count = CLI_COUNT(up_options),
};

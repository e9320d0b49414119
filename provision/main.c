/*
 * main.c - scribblectl: parses the global options and dispatches to one row
 * of the command table (cli.h says how a verb and its options are
 * described). The only place that exits: every verb returns its exit
 * status. Only scribblectl's front end prints: this file, the verbs
 * (cmd_*.c) and the three files they print through (session.c: a verb's
 * errors and warnings; walk_verb.c: plan, up and status's summary;
 * walk_report.c: the table and the progress lines). Its libraries return
 * errors (docs/architecture.md, "Who prints"; tests/build/test_layers.py).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/commands.h"

static const cli_verb *const verbs[] = {
    &verb_validate, &verb_doctor, &verb_plan,      &verb_up,    &verb_status, &verb_down,
    &verb_redeploy, &verb_logs,   &verb_timelapse, &verb_local, &verb_help,   &verb_completion,
};

enum {
    GLOBAL_CONFIG,
    GLOBAL_REGION,
    GLOBAL_PROFILE,
    GLOBAL_ENDPOINT,
    GLOBAL_DEBUG,
    GLOBAL_VERSION
};
static const cli_option global_options[] = {
    [GLOBAL_CONFIG] = {.name = "--config",
                       .short_name = 'c',
                       .value = OPTION_FILE,
                       .placeholder = "FILE",
                       .help = "configuration file (default: scribble.ini)"},
    [GLOBAL_REGION] = {.name = "--region",
                       .value = OPTION_TEXT,
                       .placeholder = "REGION",
                       .help = "AWS region (overrides scribble.ini and the environment)"},
    [GLOBAL_PROFILE] = {.name = "--profile",
                        .value = OPTION_TEXT,
                        .placeholder = "NAME",
                        .help = "profile of the shared AWS config files"},
    [GLOBAL_ENDPOINT] = {.name = "--endpoint-url",
                         .value = OPTION_TEXT,
                         .placeholder = "URL",
                         .help = "send every AWS call to URL (e.g. a local AWS)"},
    [GLOBAL_DEBUG] = {.name = "--debug",
                      .value = OPTION_FLAG,
                      .help = "show each AWS request and response, secrets redacted"},
    [GLOBAL_VERSION] = {.name = "--version",
                        .value = OPTION_FLAG,
                        .help = "print scribblectl's version and exit"},
};

/* Lays the global options given over g (before the verb, then after it). */
static void apply_globals(const cli_args *a, scribble_globals *g)
{
    if (a->given[GLOBAL_CONFIG]) {
        g->config_path = a->text[GLOBAL_CONFIG];
        g->config_explicit = true;
    }
    if (a->given[GLOBAL_REGION])
        g->region = a->text[GLOBAL_REGION];
    if (a->given[GLOBAL_PROFILE])
        g->profile = a->text[GLOBAL_PROFILE];
    if (a->given[GLOBAL_ENDPOINT])
        g->endpoint_url = a->text[GLOBAL_ENDPOINT];
    g->debug = g->debug || a->given[GLOBAL_DEBUG];
}

static int print_version(void)
{
    printf("scribblectl %s\n", SCRIBBLE_VERSION);
    return EXIT_STATUS_OK;
}

/* The verb's own command line, where the global options may come again:
 * parsed against its table, --help answered here. */
static int run_verb(const cli_verb *v, int argc, char **argv, int first, scribble_globals *g)
{
    cli_table table = {v->options, v->option_count, g->global_options, g->global_option_count};
    cli_args a, globals;
    bool help;
    base_error err = {0};
    if (cli_parse(&table, argc, argv, first, false, &a, &globals, NULL, &help, &err) != 0)
        return scribble_usage_error(v, &err);
    if (help) {
        scribble_print_help(stdout, g, v);
        return EXIT_STATUS_OK;
    }
    if (globals.given[GLOBAL_VERSION])
        return print_version();
    apply_globals(&globals, g);
    if (cli_check_operands(v, &a, &err) != 0)
        return scribble_usage_error(v, &err);
    return v->run(&a, g);
}

int main(int argc, char **argv)
{
    scribble_globals g = {
        .config_path = "scribble.ini",
        .verbs = verbs,
        .verb_count = sizeof verbs / sizeof verbs[0],
        .global_options = global_options,
        .global_option_count = sizeof global_options / sizeof global_options[0],
    };
    cli_args a;
    bool help;
    int next;
    base_error err = {0};
    cli_table table = {global_options, g.global_option_count, NULL, 0};
    if (cli_parse(&table, argc, argv, 1, true, &a, NULL, &next, &help, &err) != 0) {
        fprintf(stderr, "scribblectl: %s\n\n", err.message);
        scribble_print_help(stderr, &g, NULL);
        return EXIT_STATUS_USAGE;
    }
    if (help) {
        scribble_print_help(stdout, &g, NULL);
        return EXIT_STATUS_OK;
    }
    if (a.given[GLOBAL_VERSION])
        return print_version();
    apply_globals(&a, &g);
    if (next >= argc) {
        scribble_print_help(stderr, &g, NULL);
        return EXIT_STATUS_USAGE;
    }
    const cli_verb *v = scribble_find_verb(&g, argv[next]);
    if (!v) {
        fprintf(stderr, "scribblectl: '%s' is not a command; see 'scribblectl --help'\n",
                argv[next]);
        return EXIT_STATUS_USAGE;
    }
    return run_verb(v, argc, argv, next + 1, &g);
}

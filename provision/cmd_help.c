/*
 * cmd_help.c - `scribblectl help [VERB]`, `scribblectl --help` and
 * `scribblectl <verb> --help`: every line is made from the tables in cli.h
 * (the verbs, their options, the global options and the exit statuses), so
 * the help cannot fall behind what the parser accepts.
 */
#include <stdio.h>
#include <string.h>

#include "provision/commands.h"

#define OPTION_COLUMN 27

const cli_verb *scribble_find_verb(const scribble_globals *g, const char *name)
{
    for (size_t i = 0; i < g->verb_count; i++)
        if (!strcmp(g->verbs[i]->name, name))
            return g->verbs[i];
    return NULL;
}

/* "[--yes] [--output text|json] [--port N]" */
static void print_option_synopsis(FILE *out, const cli_option *o)
{
    if (o->required)
        fprintf(out, " %s %s", o->name, o->placeholder);
    else if (o->value == OPTION_FLAG)
        fprintf(out, " [%s]", o->name);
    else if (o->value == OPTION_CHOICE)
        fprintf(out, " [%s %s]", o->name, o->choices);
    else
        fprintf(out, " [%s %s]", o->name, o->placeholder);
}

static void print_usage_line(FILE *out, const cli_verb *v)
{
    fprintf(out, "usage: scribblectl [global options] %s", v->name);
    for (size_t i = 0; i < v->option_count; i++)
        print_option_synopsis(out, &v->options[i]);
    fprintf(out, "%s%s\n", v->operands[0] ? " " : "", v->operands);
}

/* "  -y, --yes                 help", continuation lines under the help column. */
static void print_options(FILE *out, const cli_option *options, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const cli_option *o = &options[i];
        char left[64];
        int n = snprintf(left, sizeof left, "  %c%c%s%s %s", o->short_name ? '-' : ' ',
                         o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
                         o->placeholder ? o->placeholder : "");
        fprintf(out, "%-*s", OPTION_COLUMN, left);
        if (n >= OPTION_COLUMN)
            fprintf(out, "\n%*s", OPTION_COLUMN, "");
        for (const char *p = o->help; *p; p++) {
            fputc(*p, out);
            if (*p == '\n')
                fprintf(out, "%*s", OPTION_COLUMN, "");
        }
        fputc('\n', out);
    }
}

static void print_exit_statuses(FILE *out)
{
    fprintf(out, "\nexit status:\n");
    for (size_t i = 0; i < exit_status_row_count; i++)
        fprintf(out, "  %d  %s\n", exit_status_rows[i].number, exit_status_rows[i].meaning);
}

static void print_overview(FILE *out, const scribble_globals *g)
{
    fprintf(out, "usage: scribblectl [global options] <command> [options] [operands]\n"
                 "\n"
                 "Builds and runs a Scribble canvas on AWS from one scribble.ini.\n"
                 "\n"
                 "commands:\n");
    for (size_t i = 0; i < g->verb_count; i++)
        fprintf(out, "  %-11s%s\n", g->verbs[i]->name, g->verbs[i]->summary);
    fprintf(out, "\nglobal options:\n");
    print_options(out, g->global_options, g->global_option_count);
    print_exit_statuses(out);
    fprintf(out, "\n'scribblectl <command> --help' describes a command and its options.\n");
}

void scribble_print_help(FILE *out, const scribble_globals *g, const cli_verb *v)
{
    if (!v) {
        print_overview(out, g);
        return;
    }
    print_usage_line(out, v);
    fprintf(out, "\n%s\n", v->description);
    if (v->option_count) {
        fprintf(out, "\noptions:\n");
        print_options(out, v->options, v->option_count);
    }
    fprintf(out, "\nThe global options (scribblectl --help) may come before or after the command.\n");
    print_exit_statuses(out);
}

int scribble_usage_error(const cli_verb *v, const base_error *err)
{
    fprintf(stderr, "scribblectl %s: %s\n", v->name, err->message);
    print_usage_line(stderr, v);
    fprintf(stderr, "See 'scribblectl %s --help'.\n", v->name);
    return EXIT_STATUS_USAGE;
}

static int run_help(const cli_args *a, const scribble_globals *g)
{
    const cli_verb *v = NULL;
    if (a->operand_count) {
        v = scribble_find_verb(g, a->operands[0]);
        if (!v) {
            fprintf(stderr, "scribblectl help: '%s' is not a command; see 'scribblectl --help'\n",
                    a->operands[0]);
            return EXIT_STATUS_USAGE;
        }
    }
    scribble_print_help(stdout, g, v);
    return EXIT_STATUS_OK;
}

const cli_verb verb_help = {
    .name = "help",
    .run = run_help,
    .operands = "[COMMAND]",
    .max_operands = 1,
    .operand_kind = OPERANDS_VERB,
    .summary = "describe scribblectl, or one command and its options",
    .description = "Prints what scribblectl --help prints, or with COMMAND what\n"
                   "'scribblectl COMMAND --help' prints.",
};

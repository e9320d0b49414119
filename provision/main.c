/*
 * main.c - scribblectl: parses the global options and dispatches to one row
 * of the command table. The only place that exits: every verb returns its
 * exit status. Only scribblectl's front end prints: this file, the verbs
 * (cmd_*.c) and the three files they print through (session.c: a verb's
 * errors and warnings; walk_verb.c: plan, up and status's summary;
 * walk_report.c: the table and the progress lines). Its libraries return
 * errors (docs/architecture.md, "Who prints"; tests/build/test_layers.py).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/commands.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv, const scribble_globals *g);
    const char *summary;
} command;

static const command commands[] = {
    {"validate", cmd_validate, "check scribble.ini and report every error; touches nothing"},
    {"doctor", cmd_doctor, "check credentials, region and one read call on every service"},
    {"plan", cmd_plan, "show what up would create, change or leave alone; changes nothing"},
    {"up", cmd_up, "create what is missing and correct what differs (--dry-run: plan)"},
    {"status", cmd_status, "show every resource, its id, live state and drift (--output json)"},
    {"down", cmd_down, "delete everything up made, in reverse order (--yes: no question)"},
    {"redeploy", cmd_redeploy, "update <handler>'s or all functions' code from the current package"},
    {"local", cmd_local, "run the whole app on this machine, no AWS account (Ctrl-C stops it)"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: scribblectl [global options] <command> [args]\n"
            "\n"
            "Builds and runs a Scribble canvas on AWS from one scribble.ini.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "global options:\n"
            "  -c, --config FILE      configuration file (default: scribble.ini)\n"
            "      --region REGION    AWS region (overrides scribble.ini and the environment)\n"
            "      --profile NAME     profile of the shared AWS config files\n"
            "      --endpoint-url URL send every AWS call to URL (e.g. a local AWS)\n"
            "      --debug            show each AWS request and response, secrets redacted\n"
            "  -h, --help             this help\n"
            "      --version          print the version\n"
            "\n"
            "exit status: 0 success; 1 the command failed; 2 usage or configuration error;\n"
            "             3 (status) some resource is missing or differs from the config.\n");
}

/* Takes the value of an option given as "--name value" or "--name=value". */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        fprintf(stderr, "scribblectl: %s needs a value\n", name);
        exit(2);
    }
    return argv[++*i];
}

int main(int argc, char **argv)
{
    scribble_globals g = {.config_path = "scribble.ini"};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *v;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--version")) {
            printf("scribblectl %s\n", SCRIBBLE_VERSION);
            return 0;
        } else if (!strcmp(argv[i], "--debug")) {
            g.debug = true;
        } else if ((v = option_value(argc, argv, &i, "--config")) ||
                   (v = option_value(argc, argv, &i, "-c"))) {
            g.config_path = v;
            g.config_explicit = true;
        } else if ((v = option_value(argc, argv, &i, "--region"))) {
            g.region = v;
        } else if ((v = option_value(argc, argv, &i, "--profile"))) {
            g.profile = v;
        } else if ((v = option_value(argc, argv, &i, "--endpoint-url"))) {
            g.endpoint_url = v;
        } else {
            fprintf(stderr, "scribblectl: unknown option '%s'\n\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
        if (!strcmp(argv[i], commands[c].name))
            return commands[c].run(argc - i, argv + i, &g);
    fprintf(stderr, "scribblectl: '%s' is not a command; see 'scribblectl --help'\n", argv[i]);
    return 2;
}

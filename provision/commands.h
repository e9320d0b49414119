/*
 * commands.h - scribblectl's verbs. Each lives in its own file as a `verb`
 * (cli.h) named verb_<name>, whose run function gets the parsed command
 * line; main.c lists them in one table. The global options are already
 * parsed out.
 */
#ifndef SCRIBBLE_PROVISION_COMMANDS_H
#define SCRIBBLE_PROVISION_COMMANDS_H

#include <stdbool.h>
#include <stdio.h>

#include "provision/cli.h"

typedef struct scribble_globals {
    const char *config_path;  /* --config; default "scribble.ini" */
    bool config_explicit;     /* --config was given (a missing file is then an error) */
    const char *region;       /* --region */
    const char *profile;      /* --profile */
    const char *endpoint_url; /* --endpoint-url */
    bool debug;               /* --debug */
    /* The command line's own description, for help and completion. */
    const cli_verb *const *verbs;
    size_t verb_count;
    const cli_option *global_options;
    size_t global_option_count;
} scribble_globals;

extern const cli_verb verb_validate, verb_doctor, verb_plan, verb_up, verb_status, verb_down,
    verb_redeploy, verb_logs, verb_timelapse, verb_local, verb_help, verb_completion;

/* The verb named `name`, or NULL. */
const cli_verb *scribble_find_verb(const scribble_globals *g, const char *name);

/* Prints `scribblectl --help` (v NULL) or `scribblectl <verb> --help` to out. */
void scribble_print_help(FILE *out, const scribble_globals *g, const cli_verb *v);

/* A verb's refusal of its command line: "scribblectl <verb>: <what>", then its usage; returns 2. */
int scribble_usage_error(const cli_verb *v, const base_error *err);

#endif

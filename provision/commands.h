/*
 * commands.h - scribblectl's verbs. Each lives in its own file as
 * cmd_<name>(argc, argv, globals) and is one row of the table in main.c.
 * argv[0] is the verb; the global options are already parsed out.
 */
#ifndef SCRIBBLE_PROVISION_COMMANDS_H
#define SCRIBBLE_PROVISION_COMMANDS_H

#include <stdbool.h>

typedef struct scribble_globals {
    const char *config_path;  /* --config; default "scribble.ini" */
    bool config_explicit;     /* --config was given (a missing file is then an error) */
    const char *region;       /* --region */
    const char *profile;      /* --profile */
    const char *endpoint_url; /* --endpoint-url */
    bool debug;               /* --debug */
} scribble_globals;

int cmd_validate(int argc, char **argv, const scribble_globals *g);
int cmd_doctor(int argc, char **argv, const scribble_globals *g);
int cmd_up(int argc, char **argv, const scribble_globals *g);
int cmd_plan(int argc, char **argv, const scribble_globals *g);
int cmd_down(int argc, char **argv, const scribble_globals *g);
int cmd_status(int argc, char **argv, const scribble_globals *g);
int cmd_redeploy(int argc, char **argv, const scribble_globals *g);
int cmd_local(int argc, char **argv, const scribble_globals *g);

#endif

/*
 * session.h - what every verb that talks to AWS does first: load and
 * validate scribble.ini (reporting every error), then build the AWS client
 * from the config overlaid with the global options.
 */
#ifndef SCRIBBLE_PROVISION_SESSION_H
#define SCRIBBLE_PROVISION_SESSION_H

#include <cjson/cJSON.h>
#include <limits.h>

#include "aws/client.h"
#include "provision/commands.h"
#include "provision/config.h"
#include "provision/stack.h"

/* Loads g->config_path into cfg. A missing default scribble.ini means the
 * defaults; a missing --config file or any invalid setting prints every error
 * and returns -1 (the verb exits 2). */
int session_load_config(const scribble_globals *g, scribble_config *cfg);
/* The client options the config and flags give (flags win). */
aws_client_options session_client_options(const scribble_globals *g, const scribble_config *cfg);
/* A verb's view of one stack: the config, the client options, the plan with
 * its account and zones resolved. */
typedef struct stack_session {
    scribble_config cfg;
    aws_client_options options;
    stack *stack;
} stack_session;

/* Loads, validates, plans and resolves; prints what went wrong. Returns 0,
 * or the exit status the verb should return (1 AWS failure, 2 config). */
int session_open_stack(const scribble_globals *g, stack_session *ss);
void session_close_stack(stack_session *ss);
/* Prints an error on stderr as "scribblectl <verb>: <error>". */
void session_print_error(const char *verb, const base_error *err);
/* `scribblectl local`'s data folder: --data-dir as given (flag, or NULL), else
 * [local] data_dir, relative to the config file's folder. */
void session_local_data_dir(const scribble_globals *g, const scribble_config *cfg, const char *flag,
                            char out[PATH_MAX]);
/* Client options for a running `scribblectl local`'s AWS endpoint: [local]
 * bind (loopback for any address) and aws_port, and the run's credentials
 * from its data folder (data_dir_flag: --data-dir, or NULL). Prints what is
 * wrong as "scribblectl <verb>: ..." and returns -1; endpoint (size bytes)
 * must outlive the options. */
int session_local_client_options(const scribble_globals *g, const scribble_config *cfg,
                                 const char *data_dir_flag, const char *verb, aws_client_options *o,
                                 char *endpoint, size_t size);
/* Adds to object an array `name` of text's lines (none for ""); returns it. */
cJSON *session_add_lines(cJSON *object, const char *name, const char *text);
/* Prints a verb's --output json document on stdout and frees it. */
void session_print_json(cJSON *doc);
/* The same on one line: a line of JSON Lines (logs, status --watch); not flushed. */
void session_print_json_line(cJSON *doc);

/* --debug lines go to stderr, already redacted. */
void session_debug_log(void *ctx, const char *line);

#endif

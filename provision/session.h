/*
 * session.h - what every verb that talks to AWS does first: load and
 * validate scribble.ini (reporting every error), then build the AWS client
 * from the config overlaid with the global options.
 */
#ifndef SCRIBBLE_PROVISION_SESSION_H
#define SCRIBBLE_PROVISION_SESSION_H

#include "aws/client.h"
#include "provision/commands.h"
#include "provision/config.h"

/* Loads g->config_path into cfg. A missing default scribble.ini means the
 * defaults; a missing --config file or any invalid setting prints every error
 * and returns -1 (the verb exits 2). */
int session_load_config(const scribble_globals *g, scribble_config *cfg);
/* The client options the config and flags give (flags win). */
aws_client_options session_client_options(const scribble_globals *g, const scribble_config *cfg);
/* --debug lines go to stderr, already redacted. */
void session_debug_log(void *ctx, const char *line);

#endif

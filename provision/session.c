/*
 * session.c - config loading and client options shared by the verbs.
 */
#include "provision/session.h"

#include <stdio.h>
#include <unistd.h>

int session_load_config(const scribble_globals *g, scribble_config *cfg)
{
    if (!g->config_explicit && access(g->config_path, F_OK) != 0) {
        scribble_config_defaults(cfg);
        return 0;
    }
    aws_buf errors = {0};
    int rc = scribble_config_load(g->config_path, cfg, &errors);
    if (rc != 0)
        fprintf(stderr, "%s", aws_buf_str(&errors));
    aws_buf_free(&errors);
    return rc;
}

aws_client_options session_client_options(const scribble_globals *g, const scribble_config *cfg)
{
    aws_client_options o = {
        .region = g->region ? g->region : cfg->aws.region,
        .profile = g->profile ? g->profile : cfg->aws.profile,
        .endpoint_url = g->endpoint_url ? g->endpoint_url : cfg->aws.endpoint_url,
        .max_attempts = cfg->aws.max_attempts,
        .debug_log = g->debug ? session_debug_log : NULL,
    };
    if (o.profile && !o.profile[0])
        o.profile = NULL;
    return o;
}

void session_debug_log(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "debug: %s\n", line);
}

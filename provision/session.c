/*
 * session.c - config loading and client options shared by the verbs.
 */
#include "aws/client_default.h"
#include "aws/credentials_providers.h"
#include "provision/session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int session_load_config(const scribble_globals *g, scribble_config *cfg)
{
    if (!g->config_explicit && access(g->config_path, F_OK) != 0) {
        scribble_config_defaults(cfg);
        return 0;
    }
    base_buf errors = {0};
    int rc = scribble_config_load(g->config_path, cfg, &errors);
    if (rc != 0)
        fprintf(stderr, "%s", base_buf_str(&errors));
    base_buf_free(&errors);
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

void session_print_error(const char *verb, const base_error *err)
{
    char text[1400];
    base_error_format_call(err, text, sizeof text);
    fprintf(stderr, "scribblectl%s%s: %s\n", verb[0] ? " " : "", verb, text);
}

void session_local_data_dir(const scribble_globals *g, const scribble_config *cfg, const char *flag,
                            char out[PATH_MAX])
{
    const char *dir = cfg->local.data_dir;
    if (flag || dir[0] == '/') {
        snprintf(out, PATH_MAX, "%s", flag ? flag : dir);
        return;
    }
    const char *slash = strrchr(g->config_path, '/');
    if (slash)
        snprintf(out, PATH_MAX, "%.*s/%s", (int)(slash - g->config_path), g->config_path, dir);
    else
        snprintf(out, PATH_MAX, "%s", dir);
}

cJSON *session_add_lines(cJSON *object, const char *name, const char *text)
{
    cJSON *list = cJSON_AddArrayToObject(object, name);
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        char *line = base_xstrndup(p, n);
        cJSON_AddItemToArray(list, cJSON_CreateString(line));
        free(line);
        p += n + (p[n] == '\n');
    }
    return list;
}

void session_print_json(cJSON *doc)
{
    char *text = cJSON_Print(doc);
    printf("%s\n", text);
    fflush(stdout);
    free(text);
    cJSON_Delete(doc);
}

void session_print_json_line(cJSON *doc)
{
    char *text = cJSON_PrintUnformatted(doc);
    printf("%s\n", text);
    free(text);
    cJSON_Delete(doc);
}

int session_open_stack(const scribble_globals *g, stack_session *ss)
{
    memset(ss, 0, sizeof *ss);
    if (session_load_config(g, &ss->cfg) != 0)
        return EXIT_STATUS_USAGE;
    ss->options = session_client_options(g, &ss->cfg);
    base_error err = {0};
    if (stack_build(&ss->cfg, &ss->stack, &err) != 0) {
        session_print_error("", &err);
        session_close_stack(ss);
        return EXIT_STATUS_USAGE;
    }
    aws_client *client;
    int rc = aws_client_new_default(&ss->options, &client, &err);
    if (rc == 0) {
        rc = stack_resolve(ss->stack, client, &err);
        aws_client_free(client);
    }
    if (rc != 0) {
        session_print_error("", &err);
        session_close_stack(ss);
        return err.kind == BASE_ERROR_CONFIG ? EXIT_STATUS_USAGE : EXIT_STATUS_FAILED;
    }
    return EXIT_STATUS_OK;
}

void session_close_stack(stack_session *ss)
{
    stack_free(ss->stack);
    ss->stack = NULL;
    scribble_config_free(&ss->cfg);
}

/* The local run's credentials file: "aws_access_key_id = ..." lines. */
static int local_credentials(const char *verb, const char *data_dir, aws_credentials *out)
{
    char path[PATH_MAX + 32], line[256], key[64], value[160];
    snprintf(path, sizeof path, "%s/credentials", data_dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "scribblectl %s: %s: %s (is scribblectl local running there?)\n", verb,
                path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, " %63[a-z_] = %159s", key, value) != 2)
            continue;
        if (!strcmp(key, "aws_access_key_id"))
            out->access_key_id = base_xstrdup(value);
        else if (!strcmp(key, "aws_secret_access_key"))
            out->secret_access_key = base_xstrdup(value);
    }
    fclose(f);
    if (out->access_key_id && out->secret_access_key)
        return 0;
    fprintf(stderr, "scribblectl %s: %s holds no credentials\n", verb, path);
    return -1;
}

int session_local_client_options(const scribble_globals *g, const scribble_config *cfg,
                                 const char *data_dir_flag, const char *verb, aws_client_options *o,
                                 char *endpoint, size_t size)
{
    char data_dir[PATH_MAX];
    session_local_data_dir(g, cfg, data_dir_flag, data_dir);
    aws_credentials creds = {0};
    if (local_credentials(verb, data_dir, &creds) != 0) {
        aws_credentials_free(&creds);
        return -1;
    }
    const char *bind = cfg->local.bind;
    bool any = !strcmp(bind, "0.0.0.0") || !strcmp(bind, "::");
    snprintf(endpoint, size, strchr(bind, ':') && !any ? "http://[%s]:%d" : "http://%s:%d",
             any ? "127.0.0.1" : bind, cfg->local.aws_port);
    o->endpoint_url = endpoint;
    o->credentials = aws_credentials_provider_new_static(&creds);
    aws_credentials_free(&creds);
    if (!o->region || !o->region[0])
        o->region = "us-east-1"; /* the local endpoint checks the signature in whichever region */
    return 0;
}

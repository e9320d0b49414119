/*
 * cmd_validate.c - `scribblectl validate [FILE]`: checks a scribble.ini and
 * the global options laid over it, and reports every problem at once.
 *
 * It must touch nothing: no AWS client is built, no credentials are looked
 * up, no connection is opened. It only loads the file through config.c and
 * prints the result (verbs print; the loader does not).
 */
#include <stdio.h>
#include <string.h>

#include "provision/commands.h"
#include "provision/config.h"

static void validate_usage(FILE *out)
{
    fprintf(out,
            "usage: scribblectl [--config FILE] validate [FILE]\n"
            "\n"
            "Checks FILE (default: --config, else scribble.ini) and the --region, --profile and\n"
            "--endpoint-url options without any network call. Prints FILE: OK (...) and what the\n"
            "[limits] and the cooldown let clients do, and exits 0; or prints every problem on\n"
            "stderr as file:line: key: given; allowed, and exits 2.\n");
}

static void print_ok(const char *path, const scribble_config *cfg)
{
    printf("%s: OK (stack %s, region %s, canvas %dx%d depth %d)\n", path, cfg->stack.name,
           cfg->aws.region[0] ? cfg->aws.region : "from AWS_REGION or the profile", cfg->canvas.width,
           cfg->canvas.height, cfg->canvas.depth);
}

/* What clients may do and what the stack may spend, in words (docs/protocol.md). */
static void print_limits(const scribble_config *cfg)
{
    const int cooldown = cfg->canvas.cooldown;
    printf("limits:\n  messages: API Gateway takes %d a second on each route, in bursts of up to %d\n",
           cfg->limits.throttle_rate, cfg->limits.throttle_burst);
    if (!cooldown)
        printf("  placing: no cooldown, up to %d pixels a message\n", cfg->canvas.max_batch);
    else if (!cfg->limits.address_allowance)
        printf("  placing: a connection waits %d s per pixel placed (up to %d a message); no limit "
               "by address\n", cooldown, cfg->canvas.max_batch);
    else
        printf("  placing: a connection waits %d s per pixel placed (up to %d a message); all "
               "connections of one address place %d pixels per %d s together\n",
               cooldown, cfg->canvas.max_batch, cfg->limits.address_allowance, cooldown);
    if (cfg->limits.address_catchups)
        printf("  catch-ups: one every 2 s per connection, %d a minute per address\n",
               cfg->limits.address_catchups);
    else
        printf("  catch-ups: one every 2 s per connection; no limit by address\n");
    if (!cfg->limits.route_concurrency && !cfg->limits.worker_concurrency)
        printf("  Lambda: no reserved concurrency; the functions share the account's\n");
    else
        printf("  Lambda: %d executions reserved for each of connect, disconnect and send, %d for "
               "each of broadcast, catchup, snapshot and save (up and doctor check the account has "
               "room)\n", cfg->limits.route_concurrency, cfg->limits.worker_concurrency);
}

int cmd_validate(int argc, char **argv, const scribble_globals *g)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        validate_usage(stdout);
        return 0;
    }
    if (argc > 2 || (argc == 2 && argv[1][0] == '-' && argv[1][1] != '\0')) {
        validate_usage(stderr);
        return 2;
    }
    const char *path = argc == 2 ? argv[1] : g->config_path;
    scribble_config cfg;
    base_buf errors = {0};
    int rc = scribble_config_load(path, &cfg, &errors);
    if (rc == 0)
        rc = scribble_config_apply_overrides(&cfg, g->region, g->profile, g->endpoint_url, &errors);
    if (rc == 0) {
        print_ok(path, &cfg);
        print_limits(&cfg);
    }
    else
        fputs(base_buf_str(&errors), stderr);
    base_buf_free(&errors);
    scribble_config_free(&cfg);
    return rc == 0 ? 0 : 2;
}

/*
 * cmd_validate.c - `scribblectl validate [--output text|json] [FILE]`: checks a scribble.ini and
 * the global options laid over it, and reports every problem at once.
 *
 * It must touch nothing: no AWS client is built, no credentials are looked
 * up, no connection is opened. It only loads the file through config.c and
 * prints the result (verbs print; the loader does not).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/commands.h"
#include "provision/config.h"
#include "provision/session.h"

static void print_ok(const char *path, const scribble_config *cfg)
{
    printf("%s: OK (stack %s, region %s, canvas %dx%d depth %d)\n", path, cfg->stack.name,
           cfg->aws.region[0] ? cfg->aws.region : "from AWS_REGION or the profile", cfg->canvas.width,
           cfg->canvas.height, cfg->canvas.depth);
}

/* The names the canvas is reached by, when it has its own. */
static void print_domain(const scribble_config *cfg)
{
    if (cfg->domain.name[0])
        printf("domain: the page at https://%s/, the WebSocket at wss://%s/, in the Route 53 zone "
               "%s\n", cfg->domain.name, cfg->domain.websocket_name, cfg->domain.zone);
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
    printf("  broadcasts: at most %d pixel message%s a second to each connection; pixels placed in "
           "between go in the next\n", cfg->limits.broadcast_rate,
           cfg->limits.broadcast_rate == 1 ? "" : "s");
    if (!cfg->limits.route_concurrency && !cfg->limits.worker_concurrency)
        printf("  Lambda: no reserved concurrency; the functions share the account's\n");
    else
        printf("  Lambda: %d executions reserved for each of connect, disconnect and send, %d for "
               "each of broadcast, catchup, snapshot and save (up and doctor check the account has "
               "room)\n", cfg->limits.route_concurrency, cfg->limits.worker_concurrency);
}

static void add_int(cJSON *o, const char *name, int v)
{
    cJSON_AddNumberToObject(o, name, v);
}

/* docs/cli.md, "validate": the settings a script most often needs, or every error. */
static void print_json(const char *path, const scribble_config *cfg, int rc, const base_buf *errors)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "file", path);
    cJSON_AddBoolToObject(doc, "valid", rc == 0);
    if (rc == 0) {
        cJSON_AddStringToObject(doc, "stack", cfg->stack.name);
        if (cfg->aws.region[0])
            cJSON_AddStringToObject(doc, "region", cfg->aws.region);
        else
            cJSON_AddNullToObject(doc, "region");
        cJSON *canvas = cJSON_AddObjectToObject(doc, "canvas");
        add_int(canvas, "width", cfg->canvas.width);
        add_int(canvas, "height", cfg->canvas.height);
        add_int(canvas, "depth", cfg->canvas.depth);
        add_int(canvas, "cooldown", cfg->canvas.cooldown);
        add_int(canvas, "max_batch", cfg->canvas.max_batch);
        cJSON *limits = cJSON_AddObjectToObject(doc, "limits");
        add_int(limits, "throttle_rate", cfg->limits.throttle_rate);
        add_int(limits, "throttle_burst", cfg->limits.throttle_burst);
        add_int(limits, "address_allowance", cfg->limits.address_allowance);
        add_int(limits, "address_catchups", cfg->limits.address_catchups);
        add_int(limits, "broadcast_rate", cfg->limits.broadcast_rate);
        add_int(limits, "route_concurrency", cfg->limits.route_concurrency);
        add_int(limits, "worker_concurrency", cfg->limits.worker_concurrency);
        if (cfg->domain.name[0]) {
            cJSON *domain = cJSON_AddObjectToObject(doc, "domain");
            cJSON_AddStringToObject(domain, "name", cfg->domain.name);
            cJSON_AddStringToObject(domain, "websocket_name", cfg->domain.websocket_name);
            cJSON_AddStringToObject(domain, "zone", cfg->domain.zone);
        } else {
            cJSON_AddNullToObject(doc, "domain");
        }
    }
    session_add_lines(doc, "errors", base_buf_str(errors));
    session_print_json(doc);
}

enum { VALIDATE_OUTPUT };
static const cli_option validate_options[] = {[VALIDATE_OUTPUT] = CLI_OUTPUT_OPTION};

static int run_validate(const cli_args *a, const scribble_globals *g)
{
    const char *path = a->operand_count ? a->operands[0] : g->config_path;
    scribble_config cfg;
    base_buf errors = {0};
    int rc = scribble_config_load(path, &cfg, &errors);
    if (rc == 0)
        rc = scribble_config_apply_overrides(&cfg, g->region, g->profile, g->endpoint_url, &errors);
    if (cli_wants_json(a, VALIDATE_OUTPUT)) {
        print_json(path, &cfg, rc, &errors);
    } else if (rc == 0) {
        print_ok(path, &cfg);
        print_domain(&cfg);
        print_limits(&cfg);
    } else {
        fputs(base_buf_str(&errors), stderr);
    }
    base_buf_free(&errors);
    scribble_config_free(&cfg);
    return rc == 0 ? EXIT_STATUS_OK : EXIT_STATUS_USAGE;
}

const cli_verb verb_validate = {
    .name = "validate",
    .run = run_validate,
    .operands = "[FILE]",
    .max_operands = 1,
    .operand_kind = OPERANDS_FILE,
    .summary = "check scribble.ini and report every error; touches nothing",
    .description =
        "Checks FILE (default: --config, else scribble.ini) and the --region, --profile and\n"
        "--endpoint-url options without any network call. Prints FILE: OK (...) and what the\n"
        "[limits] and the cooldown let clients do, and exits 0; or prints every problem on\n"
        "stderr as file:line: key: given; allowed, and exits 2. With --output json both go to\n"
        "stdout as one document (docs/cli.md).",
    .options = validate_options,
    .option_count = CLI_COUNT(validate_options),
};

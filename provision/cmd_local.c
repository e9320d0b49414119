/*
 * cmd_local.c - `scribblectl local`: the whole app on this machine, no AWS
 * account. The same handler binary as in Lambda answers the page through
 * local stand-ins for API Gateway, SQS, DynamoDB, S3 and the schedules
 * (local/). Runs until SIGINT or SIGTERM, then saves the canvas
 * and stops everything it started.
 *
 * This is the one bridge from scribblectl to local/: local knows nothing of
 * scribble.ini, so what it needs is told here (local/local_settings.h),
 * each fact from the function that gives it to the stack on AWS: the
 * resources' names from the plan (stack.c), the timeouts (function_limits.c),
 * the handlers' numbers (handler_numbers.c), the page's config.json and
 * content types (static_site.c) and its headers (security_headers.c).
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "local/local_app.h"
#include "provision/function_limits.h"
#include "provision/handler_numbers.h"
#include "provision/install_paths.h"
#include "provision/security_headers.h"
#include "provision/session.h"
#include "provision/stack.h"
#include "provision/static_site.h"
#include "stack/description.h"

#define NUMBER_SIZE 16 /* an int in decimal */

static volatile sig_atomic_t stop_requested;

/* The first signal stops after a last save; a second one stops at once. */
static void on_signal(int sig)
{
    (void)sig;
    if (stop_requested < 2)
        stop_requested++;
}

enum { LOCAL_PORT, LOCAL_DATA_DIR, LOCAL_SCHEDULE_INTERVAL };
static const cli_option local_options[] = {
    [LOCAL_PORT] = {.name = "--port",
                    .value = OPTION_NUMBER,
                    .placeholder = "N",
                    .min = 0,
                    .max = 65535,
                    .help = "the page's port (default [local] port; 0: a free one)"},
    [LOCAL_DATA_DIR] = {.name = "--data-dir",
                        .value = OPTION_FILE,
                        .placeholder = "DIR",
                        .help = "where tables, snapshots and logs are kept\n"
                                "(default [local] data_dir, beside the config file)"},
    [LOCAL_SCHEDULE_INTERVAL] = {.name = "--schedule-interval",
                                 .value = OPTION_NUMBER,
                                 .placeholder = "SECONDS",
                                 .min = 1,
                                 .max = 3600,
                                 .help = "how often snapshot and save run (default [local]\n"
                                         "schedule_interval)"},
};

typedef struct local_flags {
    int port;     /* -1: [local] port */
    int interval; /* -1: [local] schedule_interval */
    const char *data_dir;
} local_flags;

static void report(const char *function, const char *message)
{
    fprintf(stderr, "scribblectl local: %s: %s\n", function, message);
}

/* What listening on an address other than loopback lets the network reach. */
static void tell_exposure(const local_app *app)
{
    local_app_ports p;
    local_app_listeners(app, &p);
    if (local_bind_is_loopback(p.bind))
        return;
    fprintf(stderr,
            "scribblectl local: [local] bind is %s, not a loopback address: these listen for "
            "the network, not only this machine:\n"
            "  the page and its WebSocket, port %d: anyone who reaches it can see and draw on "
            "the canvas\n"
            "  the local AWS endpoint, port %d: only requests signed with this run's credentials "
            "are served\n",
            p.bind, p.site, p.aws);
    if (p.cache)
        fprintf(stderr, "  redis-server, port %d: TLS, and this run's password\n", p.cache);
    fprintf(stderr, "  The handlers' Runtime APIs stay on 127.0.0.1, for the handlers alone.\n");
}

/* -- what local/ is told (local/local_settings.h) ----------------------------------------- */

/* The settings and what their pointers point into, kept until the app stops. */
typedef struct local_bridge {
    local_settings settings;
    stack *plan; /* holds the resources' names */
    char static_dir[PATH_MAX];
    const char **queue_names;      /* by described queue */
    const char **table_names;      /* by described table */
    const char **function_names;   /* by described handler */
    int *handler_timeouts;         /* by described handler */
    local_variable *environment;   /* the handlers' numbers */
    char (*numbers)[NUMBER_SIZE];  /* their values */
} local_bridge;

static void page_config_json(const void *ctx, const char *websocket_url,
                             const char *snapshot_url, base_buf *out)
{
    static_site_config(ctx, websocket_url, snapshot_url, out);
}

static int page_headers(const void *ctx, const char *websocket_origin, base_buf *out,
                        base_error *err)
{
    (void)ctx;
    return security_headers_lines(websocket_origin, out, err);
}

static const char *page_content_type(const void *ctx, const char *name)
{
    (void)ctx;
    return static_content_type(name);
}

static const char *queue_name(local_bridge *b, const described_queue *queue)
{
    char role[ROLE_SIZE];
    snprintf(role, sizeof role, ROLE_QUEUE_FORMAT, queue->name);
    return stack_find(b->plan, role)->name;
}

static const char *table_name(local_bridge *b, const described_table *table)
{
    char role[ROLE_SIZE];
    snprintf(role, sizeof role, ROLE_TABLE_FORMAT, table->name);
    return stack_find(b->plan, role)->name;
}

static const char *function_name(local_bridge *b, const described_handler *handler)
{
    char role[ROLE_SIZE];
    snprintf(role, sizeof role, ROLE_FUNCTION_FORMAT, handler->name);
    return stack_find(b->plan, role)->name;
}

static void name_resources(local_bridge *b)
{
    b->queue_names = base_xcalloc(described_queue_count, sizeof *b->queue_names);
    b->table_names = base_xcalloc(described_table_count, sizeof *b->table_names);
    b->function_names = base_xcalloc(described_handler_count, sizeof *b->function_names);
    for (size_t i = 0; i < described_handler_count; i++)
        b->function_names[i] = function_name(b, &described_handlers[i]);
    for (size_t i = 0; i < described_queue_count; i++)
        b->queue_names[i] = queue_name(b, &described_queues[i]);
    for (size_t i = 0; i < described_table_count; i++)
        b->table_names[i] = table_name(b, &described_tables[i]);
    b->settings.bucket = stack_find(b->plan, ROLE_SITE_BUCKET)->name;
    b->settings.queue_names = b->queue_names;
    b->settings.table_names = b->table_names;
    b->settings.function_names = b->function_names;
}

static void count_number(void *ctx, const char *variable, int value)
{
    (void)variable;
    (void)value;
    ((local_bridge *)ctx)->settings.environment_count++;
}

static void add_number(void *ctx, const char *variable, int value)
{
    local_bridge *b = ctx;
    size_t i = b->settings.environment_count++;
    snprintf(b->numbers[i], sizeof b->numbers[i], "%d", value);
    b->environment[i] = (local_variable){.name = variable, .value = b->numbers[i]};
}

static void tell_numbers(local_bridge *b, const scribble_config *cfg)
{
    handler_numbers_each(cfg, count_number, b);
    b->environment = base_xcalloc(b->settings.environment_count, sizeof *b->environment);
    b->numbers = base_xcalloc(b->settings.environment_count, sizeof *b->numbers);
    b->settings.environment_count = 0;
    handler_numbers_each(cfg, add_number, b);
    b->settings.environment = b->environment;
}

static void tell_timeouts(local_bridge *b, const scribble_config *cfg)
{
    b->handler_timeouts = base_xcalloc(described_handler_count, sizeof *b->handler_timeouts);
    for (size_t i = 0; i < described_handler_count; i++)
        b->handler_timeouts[i] = function_timeout(cfg, described_handlers[i].name);
    b->settings.handler_timeouts = b->handler_timeouts;
}

static void tell_config(local_bridge *b, const scribble_config *cfg)
{
    b->settings = (local_settings){
        .stack_name = cfg->stack.name,
        .region = cfg->aws.region,
        .cache_url = cfg->local.cache_url,
        .bind = cfg->local.bind,
        .aws_port = cfg->local.aws_port,
        .allowed_origins = cfg->local.allowed_origins,
        .queues = {.fifo = cfg->queues.type == SCRIBBLE_QUEUE_FIFO,
                   .visibility_timeout = cfg->queues.visibility_timeout,
                   .content_based_deduplication = cfg->queues.content_based_deduplication,
                   .batch_size = cfg->queues.batch_size},
        .canvas = {.width = cfg->canvas.width, .height = cfg->canvas.height, .depth = cfg->canvas.depth},
        .static_dir = b->static_dir,
        .default_root_object = cfg->site.default_root_object,
        .page = {.ctx = cfg, .config_json = page_config_json,
                 .security_headers = page_headers, .content_type = page_content_type},
    };
}

static void bridge_free(local_bridge *b)
{
    stack_free(b->plan);
    free(b->queue_names);
    free(b->table_names);
    free(b->function_names);
    free(b->handler_timeouts);
    free(b->environment);
    free(b->numbers);
}

/* Everything local/ is told of cfg, which must outlive it. */
static int bridge_make(local_bridge *b, const scribble_config *cfg, base_error *err)
{
    *b = (local_bridge){0};
    TRY(install_path(INSTALL_STATIC, b->static_dir, err));
    tell_config(b, cfg);
    TRY(stack_build(cfg, &b->plan, err));
    name_resources(b);
    tell_numbers(b, cfg);
    tell_timeouts(b, cfg);
    return 0;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int run_local(const cli_args *a, const scribble_globals *g)
{
    local_flags flags = {
        .port = a->given[LOCAL_PORT] ? (int)a->number[LOCAL_PORT] : -1,
        .interval = a->given[LOCAL_SCHEDULE_INTERVAL] ? (int)a->number[LOCAL_SCHEDULE_INTERVAL] : -1,
        .data_dir = a->text[LOCAL_DATA_DIR],
    };
    scribble_config cfg;
    if (session_load_config(g, &cfg) != 0)
        return EXIT_STATUS_USAGE;
    char data_dir[PATH_MAX], handler[PATH_MAX];
    session_local_data_dir(g, &cfg, flags.data_dir, data_dir);
    if (flags.port > 0 && flags.port == cfg.local.aws_port) {
        fprintf(stderr, "scribblectl local: --port %d: allowed: a port other than [local] aws_port "
                        "(%d), or 0\n", flags.port, cfg.local.aws_port);
        scribble_config_free(&cfg);
        return EXIT_STATUS_USAGE;
    }
    base_error missing = {0};
    if (install_path(INSTALL_HANDLER, handler, &missing) != 0 || access(handler, X_OK) != 0) {
        fprintf(stderr, "scribblectl local: %s\n",
                missing.message[0] ? missing.message : "the handler binary is not executable");
        scribble_config_free(&cfg);
        return EXIT_STATUS_FAILED;
    }
    catch_signals();
    local_bridge bridge;
    base_error err = {0};
    if (bridge_make(&bridge, &cfg, &err) != 0) {
        session_print_error("local", &err);
        bridge_free(&bridge);
        scribble_config_free(&cfg);
        return EXIT_STATUS_FAILED;
    }
    local_app_options options = {
        .settings = &bridge.settings,
        .port = flags.port >= 0 ? flags.port : cfg.local.port,
        .schedule_interval = flags.interval > 0 ? flags.interval : cfg.local.schedule_interval,
        .data_dir = data_dir,
        .handler = handler,
        .report = report,
    };
    local_app *app;
    if (local_app_start(&options, &app, &err) != 0) {
        session_print_error("local", &err);
        bridge_free(&bridge);
        scribble_config_free(&cfg);
        return EXIT_STATUS_FAILED;
    }
    printf("Scribble is running at %s\n", local_app_url(app));
    printf("canvas %dx%d, depth %d; data in %s; handler logs in %s/logs. Ctrl-C stops it.\n",
           cfg.canvas.width, cfg.canvas.height, cfg.canvas.depth, data_dir, data_dir);
    printf("The local AWS endpoint takes requests signed with this run's credentials, in "
           "%s/credentials.\n", data_dir);
    fflush(stdout);
    tell_exposure(app);
    local_app_run(app, &stop_requested);
    fprintf(stderr, "scribblectl local: stopping: saving the canvas (Ctrl-C again: stop without "
                    "saving)\n");
    int rc = local_app_stop(app, &err);
    if (rc != 0)
        session_print_error("local", &err);
    else
        fprintf(stderr, "scribblectl local: stopped\n");
    bridge_free(&bridge);
    scribble_config_free(&cfg);
    return rc == 0 ? EXIT_STATUS_OK : EXIT_STATUS_FAILED;
}

const cli_verb verb_local = {
    .name = "local",
    .run = run_local,
    .operands = "",
    .summary = "run the whole app on this machine, no AWS account (Ctrl-C stops it)",
    .description =
        "Runs Scribble on this machine: the page and its WebSocket on http://<bind>:<port>/,\n"
        "the handlers, a TLS redis-server (or [local] cache_url), and local stand-ins for\n"
        "the AWS services, keeping tables and snapshots in the data directory. Stops on\n"
        "Ctrl-C or SIGTERM after saving the canvas (a second one: without saving).\n"
        "docs/local.md says more.",
    .options = local_options,
    .option_count = CLI_COUNT(local_options),
};

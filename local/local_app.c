/*
 * local_app.c - scribblectl local's parts, started in dependency order and
 * stopped in reverse (local_app.h).
 *
 * The handlers get the environment Lambda gives them in AWS (the numbers
 * among local_settings' variables, the resources' names), with every AWS
 * endpoint pointed at the local one, credentials made for this run (the
 * only ones the local AWS endpoint accepts), and the cache's address.
 * The local AWS endpoint's Invoke reaches each function by the name `up`
 * gives it.
 * The store lives in <data_dir>/local.db; each handler's output goes to
 * <data_dir>/logs/<handler>.log; the run's credentials are in
 * <data_dir>/credentials for boto3 and the AWS CLI. The data directory and
 * everything in it are this user's alone (local_private.h).
 */
#include "local/local_app.h"
#include "local/local_clock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/file_write.h"
#include "local/local_aws.h"
#include "local/local_cache.h"
#include "local/local_gateway.h"
#include "local/local_lambda.h"
#include "local/local_private.h"
#include "local/local_site.h"
#include "local/local_store.h"
#include "local/local_triggers.h"
#include "stack/description.h"

#define CHECK_INTERVAL_US (250 * 1000)
#define FINAL_SAVE_MS 60000
#define ACCOUNT "000000000000"
#define KEY_ID_PREFIX "LOCAL"
#define KEY_ID_RANDOM_BYTES 8     /* 16 hex digits after the prefix: AWS's 20 characters + 1 */
#define SECRET_RANDOM_BYTES 32    /* 256 bits, as 64 hex digits */
#define CREDENTIALS_FILE "credentials"

struct local_app {
    local_app_options options;
    char host[64];  /* where clients on this machine reach the listeners */
    char url[128];
    struct lws_context *ctx;
    local_store *store;
    local_cache cache;           /* the cache started here (pid 0: none) */
    local_cache_settings cache_settings;
    /* As the stack's description lists them (stack/description.h): */
    local_queue **queues;        /* described_queues[i]'s */
    local_table_schema *tables;  /* described_tables[i]'s */
    local_function **functions;  /* described_handlers[i]'s */
    local_lambda_function *invocable; /* described_handlers[i]'s: what Invoke reaches */
    local_lambda lambda;         /* the local AWS endpoint's Invoke */
    const char *buckets[1];
    local_gateway *gateway;
    local_triggers *triggers;
    local_site site;
    local_aws aws;
    local_endpoint site_endpoint, aws_endpoint;
    lws_sorted_usec_list_t check_timer;
    bool final_save_done;        /* set by the last save's end, whenever that comes */
    volatile sig_atomic_t *stop; /* local_app_run's: 1 stop, 2 stop without the last save */
    base_buf environment;         /* "NAME=value\0" pairs */
    base_buf origins;             /* whose pages may open the WebSocket (site_endpoint.origins) */
    char access_key_id[32];      /* this run's credentials: the handlers' and the credentials file's */
    char secret_access_key[72];
    const char **env_list;
};

static const char *region_of(const local_settings *settings)
{
    return settings->region[0] ? settings->region : "us-east-1";
}

/* The local function of a described handler. */
static local_function *function_of(local_app *a, const char *handler)
{
    return a->functions[described_handler_find(handler) - described_handlers];
}

/* -- the handlers' environment ----------------------------------------------------------- */

static void env_add(void *ctx, const char *name, const char *value)
{
    local_app *a = ctx;
    base_buf_printf(&a->environment, "%s=%s", name, value);
    base_buf_append(&a->environment, "", 1);
}

static void build_environment(local_app *a)
{
    const local_settings *settings = a->options.settings;
    char endpoint[128];
    snprintf(endpoint, sizeof endpoint, "http://%s:%d", a->host, a->aws_endpoint.port);
    env_add(a, STACK_ENV(STACK), settings->stack_name);
    local_cache_environment(&a->cache_settings, env_add, a);
    for (size_t q = 0; q < described_queue_count; q++)
        env_add(a, stack_env_names[described_queues[q].url_variable], local_queue_url(a->queues[q]));
    for (size_t t = 0; t < described_table_count; t++)
        env_add(a, stack_env_names[described_tables[t].name_variable], a->tables[t].name);
    env_add(a, STACK_ENV(BUCKET), a->buckets[0]);
    env_add(a, STACK_ENV(WEBSOCKET_ENDPOINT), endpoint);
    for (size_t i = 0; i < settings->environment_count; i++)
        env_add(a, settings->environment[i].name, settings->environment[i].value);
    env_add(a, "AWS_ENDPOINT_URL", endpoint);
    env_add(a, "AWS_REGION", region_of(settings));
    env_add(a, "AWS_DEFAULT_REGION", region_of(settings));
    env_add(a, "AWS_ACCESS_KEY_ID", a->access_key_id);
    env_add(a, "AWS_SECRET_ACCESS_KEY", a->secret_access_key);
    env_add(a, "AWS_EC2_METADATA_DISABLED", "true");
    size_t count = 0;
    for (size_t at = 0; at < a->environment.len; at += strlen(a->environment.data + at) + 1)
        count++;
    a->env_list = base_xcalloc(count + 1, sizeof *a->env_list);
    count = 0;
    for (size_t at = 0; at < a->environment.len; at += strlen(a->environment.data + at) + 1)
        a->env_list[count++] = a->environment.data + at;
}

/* -- this run's credentials ---------------------------------------------------------------- */

/* An access key id (upper case, as AWS writes them) and a secret, both new. */
static int make_credentials(local_app *a, base_error *err)
{
    char random[2 * KEY_ID_RANDOM_BYTES + 1];
    TRY(local_private_random_hex(random, sizeof random, KEY_ID_RANDOM_BYTES, "LocalCredentials", err));
    for (char *c = random; *c; c++)
        *c = (char)(*c >= 'a' ? *c - 'a' + 'A' : *c);
    snprintf(a->access_key_id, sizeof a->access_key_id, KEY_ID_PREFIX "%s", random);
    return local_private_random_hex(a->secret_access_key, sizeof a->secret_access_key,
                                    SECRET_RANDOM_BYTES, "LocalCredentials", err);
}

/* <data_dir>/credentials, in the form of ~/.aws/credentials, made anew, mode 0600. */
static int write_credentials(local_app *a, base_error *err)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/" CREDENTIALS_FILE, a->options.data_dir);
    int fd = local_private_create(path, "CredentialsWrite", err);
    if (fd < 0)
        return -1;
    base_buf text = {0};
    base_buf_printf(&text, "# scribblectl local's credentials for this run only (docs/local.md)\n"
                          "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
                   a->access_key_id, a->secret_access_key);
    bool ok = base_file_write_all(fd, text.data, text.len);
    int saved = errno;
    explicit_bzero(text.data, text.len);
    base_buf_free(&text);
    ok = close(fd) == 0 && ok;
    ENSURE(ok, err, BASE_ERROR_CONFIG, "CredentialsWrite", "writing %s: %s", path, strerror(saved));
    return 0;
}

/* -- start ----------------------------------------------------------------------------- */

static int start_cache(local_app *a, base_error *err)
{
    const char *cache_url = a->options.settings->cache_url;
    if (cache_url && cache_url[0]) {
        TRY(local_cache_parse_url(cache_url, &a->cache_settings, err));
        return local_cache_ping(&a->cache_settings, 5000, err);
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/cache", a->options.data_dir);
    TRY(local_cache_start(dir, a->host, &a->cache, err));
    a->cache_settings = a->cache.settings;
    return 0;
}

static int make_queues(local_app *a, base_error *err)
{
    const local_settings *settings = a->options.settings;
    a->queues = base_xcalloc(described_queue_count, sizeof *a->queues);
    for (size_t i = 0; i < described_queue_count; i++) {
        const char *name = settings->queue_names[i];
        char url[512], arn[512];
        snprintf(url, sizeof url, "http://%s:%d/%s/%s", a->host, a->aws_endpoint.port, ACCOUNT, name);
        snprintf(arn, sizeof arn, "arn:aws:sqs:%s:%s:%s", region_of(settings), ACCOUNT, name);
        a->queues[i] = local_queue_new(name, url, arn, settings->queues.fifo,
                                       settings->queues.visibility_timeout);
        ENSURE(a->queues[i], err, BASE_ERROR_CONFIG, "QueueUnusable",
               "the local queue %s cannot be made from this configuration", name);
        local_queue_set_content_based_deduplication(a->queues[i],
                                                    settings->queues.content_based_deduplication);
    }
    return 0;
}

static int start_functions(local_app *a, base_error *err)
{
    char logs[PATH_MAX];
    snprintf(logs, sizeof logs, "%s/" LOCAL_LOG_DIR, a->options.data_dir);
    TRY(local_private_dir(logs, err));
    a->functions = base_xcalloc(described_handler_count, sizeof *a->functions);
    for (size_t i = 0; i < described_handler_count; i++) {
        const char *handler = described_handlers[i].name;
        char log_path[PATH_MAX + 32];
        snprintf(log_path, sizeof log_path, LOCAL_LOG_FILE_FORMAT, logs, handler);
        local_function_options fo = {
            .name = handler,
            .binary = a->options.handler,
            .log_path = log_path,
            .timeout_s = a->options.settings->handler_timeouts[i],
            .environment = a->env_list,
            .report = a->options.report,
        };
        TRY(local_function_new(a->ctx, &fo, &a->functions[i], err));
    }
    for (size_t i = 0; i < described_handler_count; i++)
        TRY(local_function_start(a->functions[i], err));
    return 0;
}

static void check_functions(lws_sorted_usec_list_t *sul)
{
    local_app *a = (local_app *)((char *)sul - offsetof(local_app, check_timer));
    for (size_t i = 0; i < described_handler_count; i++)
        local_function_check(a->functions[i]);
    lws_sul_schedule(a->ctx, 0, &a->check_timer, check_functions, CHECK_INTERVAL_US);
}

static int start_listeners(local_app *a, base_error *err)
{
    const local_settings *settings = a->options.settings;
    a->aws_endpoint = (local_endpoint){.ops = &local_aws_ops, .owner = &a->aws,
                                       .port_setting = "[local] aws_port (0: any free port)",
                                       .keep_head = true /* for its signatures */};
    a->site_endpoint = (local_endpoint){.ops = &local_site_ops, .owner = &a->site,
                                        .port_setting = "--port or [local] port (0: any free port)"};
    TRY(local_server_listen(a->ctx, settings->bind, settings->aws_port, &a->aws_endpoint, err));
    TRY(local_server_listen(a->ctx, settings->bind, a->options.port, &a->site_endpoint, err));
    /* The page's own origin is the address it is printed with, exactly:
     * not localhost, which a browser may look up as ::1, where another
     * program can listen on the same port (these listeners are IPv4 only). */
    base_buf_printf(&a->origins, "http://%s", a->host);
    if (a->site_endpoint.port != 80)
        base_buf_printf(&a->origins, ":%d", a->site_endpoint.port);
    if (settings->allowed_origins && settings->allowed_origins[0])
        base_buf_printf(&a->origins, " %s", settings->allowed_origins);
    a->site_endpoint.origins = a->origins.data;
    return 0;
}

/* The routes, queues and schedules of the stack's description, each to its handler. */
static void wire_triggers(local_app *a)
{
    local_function **routes = base_xcalloc(described_route_count, sizeof *routes);
    for (size_t i = 0; i < described_route_count; i++)
        routes[i] = function_of(a, described_routes[i].handler);
    a->gateway = local_gateway_new(routes);
    free(routes);
    a->triggers = local_triggers_new(a->ctx);
    for (size_t q = 0; q < described_queue_count; q++)
        local_triggers_add_queue(
            a->triggers, a->queues[q], function_of(a, described_queues[q].handler),
            described_queue_batching(&described_queues[q], local_queue_is_fifo(a->queues[q]),
                                     a->options.settings->queues.batch_size));
    for (size_t i = 0; i < described_schedule_count; i++)
        local_triggers_add_schedule(a->triggers, function_of(a, described_schedules[i].handler),
                                    a->options.schedule_interval);
}

/* Invoke's functions, each by the name `up` gives it (the settings'). */
static void wire_lambda(local_app *a)
{
    const local_settings *settings = a->options.settings;
    a->invocable = base_xcalloc(described_handler_count, sizeof *a->invocable);
    for (size_t i = 0; i < described_handler_count; i++)
        a->invocable[i] = (local_lambda_function){.name = settings->function_names[i],
                                                  .function = a->functions[i]};
    a->lambda = (local_lambda){.region = region_of(settings), .account = ACCOUNT,
                               .functions = a->invocable,
                               .function_count = described_handler_count};
}

static void wire(local_app *a)
{
    wire_triggers(a);
    wire_lambda(a);
    a->aws = (local_aws){.store = a->store, .tables = a->tables, .table_count = described_table_count,
                         .buckets = a->buckets, .bucket_count = 1, .queues = a->queues,
                         .queue_count = described_queue_count, .gateway = a->gateway,
                         .triggers = a->triggers,
                         .lambda = &a->lambda,
                         .report = a->options.report,
                         .key = {.access_key_id = a->access_key_id,
                                 .secret_access_key = a->secret_access_key}};
    a->site.store = a->store;
    a->site.bucket = a->buckets[0];
    a->site.cache_settings = &a->cache_settings;
    a->site.gateway = a->gateway;
}

/* The page's listener, before anything it serves from exists. */
static int make_site(local_app *a, base_error *err)
{
    const local_settings *settings = a->options.settings;
    a->site.stack_name = settings->stack_name;
    a->site.static_dir = settings->static_dir;
    a->site.default_root_object = settings->default_root_object;
    a->site.page = &settings->page;
    return canvas_geometry_init(&a->site.canvas, settings->canvas.width, settings->canvas.height,
                                settings->canvas.depth, err);
}

static int start(local_app *a, base_error *err)
{
    const local_settings *settings = a->options.settings;
    TRY(make_site(a, err));
    a->buckets[0] = settings->bucket;
    a->tables = base_xcalloc(described_table_count, sizeof *a->tables);
    for (size_t t = 0; t < described_table_count; t++) {
        const described_table *d = &described_tables[t];
        a->tables[t] = (local_table_schema){.name = settings->table_names[t],
                                            .partition_key = d->partition_key.attribute,
                                            .sort_key = d->sort_key.attribute};
    }
    TRY(local_private_dirs(a->options.data_dir, err));
    TRY(make_credentials(a, err));
    TRY(write_credentials(a, err));
    char db[PATH_MAX + 16];
    snprintf(db, sizeof db, "%s/local.db", a->options.data_dir);
    int db_fd = local_private_open(db, O_RDWR, err); /* SQLite then opens what was checked */
    if (db_fd < 0)
        return -1;
    close(db_fd);
    TRY(local_store_open(db, &a->store, err));
    TRY(local_server_new(&a->ctx, err));
    TRY(start_listeners(a, err));
    TRY(make_queues(a, err));
    TRY(start_cache(a, err));
    build_environment(a);
    TRY(start_functions(a, err));
    wire(a);
    lws_sul_schedule(a->ctx, 0, &a->check_timer, check_functions, CHECK_INTERVAL_US);
    snprintf(a->url, sizeof a->url, "http://%s:%d/", a->host, a->site_endpoint.port);
    return 0;
}

int local_app_start(const local_app_options *options, local_app **out, base_error *err)
{
    local_app *a = base_xcalloc(1, sizeof *a);
    a->options = *options;
    const char *bind = options->settings->bind;
    snprintf(a->host, sizeof a->host, "%s",
             strcmp(bind, "0.0.0.0") == 0 || strcmp(bind, "localhost") == 0 ? "127.0.0.1" : bind);
    if (start(a, err) != 0) {
        base_error ignored = {0};
        local_app_stop(a, &ignored);
        return -1;
    }
    *out = a;
    return 0;
}

const char *local_app_url(const local_app *a)
{
    return a->url;
}

void local_app_listeners(const local_app *a, local_app_ports *out)
{
    *out = (local_app_ports){.bind = a->options.settings->bind,
                             .site = a->site_endpoint.port,
                             .aws = a->aws_endpoint.port,
                             .cache = a->cache.pid ? a->cache.settings.port : 0};
}

void local_app_run(local_app *a, volatile sig_atomic_t *stop)
{
    a->stop = stop;
    while (!*stop)
        if (lws_service(a->ctx, 0) < 0)
            break;
}

/* -- stop -------------------------------------------------------------------------------- */

static int final_save(local_app *a, base_error *err)
{
    /* The save handler writes what only the cache holds to the tables. */
    local_triggers_run_now(a->triggers, function_of(a, "save"), &a->final_save_done);
    long long give_up = local_monotonic_ms() + FINAL_SAVE_MS;
    while (!a->final_save_done && local_monotonic_ms() < give_up && !(a->stop && *a->stop > 1))
        if (lws_service(a->ctx, 0) < 0)
            break;
    ENSURE(a->final_save_done || !(a->stop && *a->stop > 1), err, BASE_ERROR_TRANSPORT, "SaveInterrupted",
           "stopped before the last save finished; placements since the previous save are "
           "still in the cache only, and are lost with it");
    ENSURE(a->final_save_done, err, BASE_ERROR_TRANSPORT, "SaveUnfinished",
           "the last save did not finish within %d s; placements since the previous save are "
           "still in the cache only", FINAL_SAVE_MS / 1000);
    return 0;
}

int local_app_stop(local_app *a, base_error *err)
{
    int rc = 0;
    a->site.stopping = true;
    if (a->triggers) {
        local_triggers_stop(a->triggers);
        rc = final_save(a, err);
    }
    for (size_t i = 0; a->functions && i < described_handler_count; i++)
        if (a->functions[i])
            local_function_stop(a->functions[i]);
    if (a->ctx) {
        lws_sul_cancel(&a->check_timer);
        lws_context_destroy(a->ctx);
    }
    local_site_free(&a->site);
    local_triggers_free(a->triggers);
    local_gateway_free(a->gateway);
    for (size_t i = 0; a->functions && i < described_handler_count; i++)
        local_function_free(a->functions[i]);
    for (size_t i = 0; a->queues && i < described_queue_count; i++)
        local_queue_free(a->queues[i]);
    free(a->invocable);
    free(a->functions);
    free(a->queues);
    free(a->tables);
    if (a->cache.pid)
        local_cache_stop(&a->cache);
    local_cache_settings_clear(&a->cache_settings);
    local_store_close(a->store);
    explicit_bzero(a->secret_access_key, sizeof a->secret_access_key);
    if (a->environment.data)
        explicit_bzero(a->environment.data, a->environment.len);
    base_buf_free(&a->environment);
    base_buf_free(&a->origins);
    free(a->env_list);
    free(a);
    return rc;
}

/*
 * cmd_logs.c - `scribblectl logs [HANDLER|all] [--since DURATION|TIME]
 * [--follow] [--filter TEXT] [--local [--data-dir DIR]] [--output text|json]`:
 * the handlers' log lines, interleaved by time, each marked with its
 * handler; from the stack's CloudWatch Logs groups, or with --local from
 * `scribblectl local`'s log folder. --follow polls again (1 s, backing off
 * to 10 s while nothing new arrives; after a throttle or a dropped connection
 * the client could not retry away, 10 s) until SIGINT or SIGTERM, then
 * exits 0.
 */
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/client_default.h"
#include "provision/commands.h"
#include "provision/kinds.h"
#include "provision/log_events.h"
#include "provision/session.h"
#include "provision/stop_signal.h"
#include "stack/description.h"

#define DEFAULT_SINCE "10m"
#define FIRST_POLL_MS 1000
#define LONGEST_POLL_MS 10000
#define LATE_MS 30000 /* how late CloudWatch Logs may make an event searchable */
#define HANDLER_COLUMN 10
#define LOCATION_SIZE (PATH_MAX + 64)

static void format_time(long long ms, char *out, size_t size)
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm utc;
    gmtime_r(&seconds, &utc);
    char whole[32];
    strftime(whole, sizeof whole, "%Y-%m-%dT%H:%M:%S", &utc);
    snprintf(out, size, "%s.%03lldZ", whole, ms % 1000);
}

/* Text: time, handler, then the line's level and message when it is one of
 * the handlers' JSON lines, else the line as it is (Lambda's own lines). */
static void print_text(const log_event *e)
{
    char when[40];
    format_time(e->timestamp_ms, when, sizeof when);
    cJSON *doc = cJSON_Parse(e->message);
    const cJSON *level = cJSON_GetObjectItemCaseSensitive(doc, "level");
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(doc, "message");
    if (cJSON_IsString(level) && cJSON_IsString(message))
        printf("%s %-*s %-5s %s\n", when, HANDLER_COLUMN, e->handler, level->valuestring,
               message->valuestring);
    else
        printf("%s %-*s %s\n", when, HANDLER_COLUMN, e->handler, e->message);
    cJSON_Delete(doc);
}

/* JSON Lines: one object per event (docs/cli.schema.json, "logsEvent"). */
static void print_json_line(const log_event *e)
{
    char when[40];
    format_time(e->timestamp_ms, when, sizeof when);
    cJSON *line = cJSON_CreateObject();
    cJSON_AddStringToObject(line, "timestamp", when);
    cJSON_AddNumberToObject(line, "timestamp_ms", (double)e->timestamp_ms);
    cJSON_AddStringToObject(line, "handler", e->handler);
    cJSON_AddStringToObject(line, "event_id", e->event_id);
    cJSON_AddStringToObject(line, "message", e->message);
    cJSON *fields = cJSON_Parse(e->message);
    if (cJSON_IsObject(fields))
        cJSON_AddItemToObject(line, "fields", fields);
    else
        cJSON_Delete(fields);
    session_print_json_line(line);
}

enum { LOGS_SINCE, LOGS_FOLLOW, LOGS_FILTER, LOGS_LOCAL, LOGS_DATA_DIR, LOGS_OUTPUT };
static const cli_option logs_options[] = {
    [LOGS_SINCE] = {.name = "--since",
                    .value = OPTION_TEXT,
                    .placeholder = "WHEN",
                    .help = "from this long ago (90s, 15m, 2h, 3d) or this UTC time\n"
                            "(2026-12-04T10:00:00Z); default " DEFAULT_SINCE},
    [LOGS_FOLLOW] = {.name = "--follow",
                     .short_name = 'f',
                     .value = OPTION_FLAG,
                     .help = "keep printing new lines until Ctrl-C"},
    [LOGS_FILTER] = {.name = "--filter",
                     .value = OPTION_TEXT,
                     .placeholder = "TEXT",
                     .help = "only lines containing TEXT, as written (case matters)"},
    [LOGS_LOCAL] = {.name = "--local",
                    .value = OPTION_FLAG,
                    .help = "read scribblectl local's log folder instead of CloudWatch Logs"},
    [LOGS_DATA_DIR] = CLI_LOCAL_DATA_DIR_OPTION,
    [LOGS_OUTPUT] = {.name = "--output",
                     .value = OPTION_CHOICE,
                     .placeholder = "FORMAT",
                     .choices = "text|json",
                     .help = "text (the default) or json: one JSON object per line (docs/cli.md)"},
};

typedef struct logs_run {
    const cli_args *args;
    const char **names;  /* the handlers asked for */
    log_source *sources; /* one per name */
    char (*locations)[LOCATION_SIZE];
    size_t source_count;
    aws_client *client; /* NULL: local files */
} logs_run;

static int read_batch(logs_run *run, long long start_ms, log_batch *out, base_error *err)
{
    log_query q = {.sources = run->sources,
                   .source_count = run->source_count,
                   .start_ms = start_ms,
                   .filter = run->args->text[LOGS_FILTER]};
    return run->client ? log_events_read_cloudwatch(run->client, &q, out, err)
                       : log_events_read_files(&q, out, err);
}

static void print_batch(const logs_run *run, const log_batch *b)
{
    bool json = cli_wants_json(run->args, LOGS_OUTPUT);
    for (size_t i = 0; i < b->count; i++)
        json ? print_json_line(&b->events[i]) : print_text(&b->events[i]);
    fflush(stdout);
}

/* Prints what is there since start_ms, then with --follow what arrives, until stopped. */
static int print_logs(logs_run *run, long long start_ms)
{
    log_seen seen = {.window_ms = LATE_MS, .latest_ms = -1};
    long poll_ms = FIRST_POLL_MS;
    bool warned = false;
    int rc = EXIT_STATUS_OK;
    do {
        log_batch b;
        base_error err = {0};
        if (read_batch(run, start_ms, &b, &err) != 0) {
            session_print_error("logs", &err);
            bool transient = err.retryable || err.kind == BASE_ERROR_TRANSPORT;
            if (!run->args->given[LOGS_FOLLOW] || !transient) {
                rc = err.kind == BASE_ERROR_CONFIG ? EXIT_STATUS_USAGE : EXIT_STATUS_FAILED;
                break;
            }
            /* Following: the client's own retries ran out; wait longer and go on. */
            poll_ms = LONGEST_POLL_MS;
            stop_signal_wait_ms(poll_ms);
            continue;
        }
        if (b.missing == run->source_count && !warned) {
            fprintf(stderr, "scribblectl logs: no log %s yet for %s (has it run?)\n",
                    run->client ? "group" : "file",
                    run->source_count == 1 ? run->sources[0].handler : "any handler");
            warned = true;
        }
        log_events_drop_seen(&b, &seen);
        print_batch(run, &b);
        if (seen.latest_ms - LATE_MS > start_ms)
            start_ms = seen.latest_ms - LATE_MS;
        poll_ms = b.count                         ? FIRST_POLL_MS
                  : poll_ms * 2 > LONGEST_POLL_MS ? LONGEST_POLL_MS
                                                  : poll_ms * 2;
        log_batch_free(&b);
        if (run->args->given[LOGS_FOLLOW])
            stop_signal_wait_ms(poll_ms);
    } while (run->args->given[LOGS_FOLLOW] && !stop_signal_requested());
    log_seen_free(&seen);
    return rc;
}

/* The handlers asked for: one, or all of the stack's description. */
static int choose_handlers(const cli_args *a, logs_run *run)
{
    const char *wanted = a->operand_count ? a->operands[0] : "all";
    for (size_t i = 0; i < described_handler_count; i++)
        if (!strcmp(wanted, "all") || !strcmp(wanted, described_handlers[i].name))
            run->names[run->source_count++] = described_handlers[i].name;
    if (run->source_count)
        return 0;
    fprintf(stderr, "scribblectl logs: '%s' is not a handler; allowed:", wanted);
    for (size_t i = 0; i < described_handler_count; i++)
        fprintf(stderr, " %s", described_handlers[i].name);
    fprintf(stderr, " all\n");
    return -1;
}

static int run_local_logs(logs_run *run, const scribble_globals *g, long long start_ms)
{
    scribble_config cfg;
    if (session_load_config(g, &cfg) != 0)
        return EXIT_STATUS_USAGE;
    char data_dir[PATH_MAX], dir[PATH_MAX + 16];
    session_local_data_dir(g, &cfg, run->args->text[LOGS_DATA_DIR], data_dir);
    snprintf(dir, sizeof dir, "%s/" LOCAL_LOG_DIR, data_dir);
    for (size_t i = 0; i < run->source_count; i++) {
        snprintf(run->locations[i], LOCATION_SIZE, LOCAL_LOG_FILE_FORMAT, dir, run->names[i]);
        run->sources[i] = (log_source){run->names[i], run->locations[i]};
    }
    scribble_config_free(&cfg);
    return print_logs(run, start_ms);
}

static int run_cloudwatch_logs(logs_run *run, const scribble_globals *g, long long start_ms)
{
    stack_session ss;
    int rc = session_open_stack(g, &ss);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < run->source_count; i++) {
        log_group_name(ss.stack, run->names[i], run->locations[i], LOCATION_SIZE);
        run->sources[i] = (log_source){run->names[i], run->locations[i]};
    }
    base_error err = {0};
    if (aws_client_new_default(&ss.options, &run->client, &err) != 0) {
        session_print_error("logs", &err);
        session_close_stack(&ss);
        return EXIT_STATUS_FAILED;
    }
    rc = print_logs(run, start_ms);
    aws_client_free(run->client);
    session_close_stack(&ss);
    return rc;
}

static int run_logs(const cli_args *a, const scribble_globals *g)
{
    const char *since = a->given[LOGS_SINCE] ? a->text[LOGS_SINCE] : DEFAULT_SINCE;
    long long start_ms = log_parse_since(since, log_now_ms());
    if (start_ms < 0) {
        fprintf(stderr,
                "scribblectl logs: --since %s: allowed: a duration (90s, 15m, 2h, 3d) or a "
                "UTC time (2026-12-04T10:00:00Z)\n",
                since);
        return EXIT_STATUS_USAGE;
    }
    logs_run run = {
        .args = a,
        .names = base_xcalloc(described_handler_count, sizeof *run.names),
        .sources = base_xcalloc(described_handler_count, sizeof *run.sources),
        .locations = base_xcalloc(described_handler_count, sizeof *run.locations),
    };
    int rc = EXIT_STATUS_USAGE;
    if (choose_handlers(a, &run) == 0) {
        stop_signal_catch();
        rc = a->given[LOGS_LOCAL] ? run_local_logs(&run, g, start_ms)
                                  : run_cloudwatch_logs(&run, g, start_ms);
    }
    free(run.names);
    free(run.sources);
    free(run.locations);
    return rc;
}

const cli_verb verb_logs = {
    .name = "logs",
    .run = run_logs,
    .operands = "[HANDLER|all]",
    .max_operands = 1,
    .operand_kind = OPERANDS_HANDLER,
    .summary = "print the handlers' log lines, interleaved by time (--follow: keep going)",
    .description =
        "Prints the log lines of one handler or of all of them (the default), oldest first,\n"
        "each with its time and handler: from the stack's CloudWatch Logs groups\n"
        "(/aws/lambda/<function>), or with --local from scribblectl local's log folder.\n"
        "A handler's JSON line is shown as its level and message; Lambda's own lines as they\n"
        "are. --follow keeps polling (every second, backing off to 10 s while nothing\n"
        "arrives) until Ctrl-C, and exits 0.",
    .options = logs_options,
    .option_count = CLI_COUNT(logs_options),
};

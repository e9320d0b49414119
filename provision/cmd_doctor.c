/*
 * cmd_doctor.c - `scribblectl doctor [--output text|json]`: are
 * credentials, region and every service the stack uses reachable from here?
 * Prints a table (service, endpoint, result, latency), or its rows as JSON,
 * and exits 1 naming what failed.
 *
 * The service checks run concurrently, one thread and one client each
 * (a client is not shared between threads), with the credentials resolved
 * once, so a dead endpoint costs one retry cycle, not one per service.
 */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/client_default.h"
#include "aws/clock.h"
#include "aws/credentials_providers.h"
#include "provision/commands.h"
#include "provision/doctor.h"
#include "provision/session.h"

typedef struct check_run {
    const doctor_check *check;
    const scribble_config *cfg;
    char detail[512];
    aws_client_options options;
    const aws_credentials *credentials;
    char *endpoint;
    base_error error;
    int rc;
    long latency_ms;
} check_run;

static void *run_check(void *arg)
{
    check_run *r = arg;
    aws_client_options o = r->options;
    o.credentials = aws_credentials_provider_new_static(r->credentials);
    aws_client *client;
    r->rc = aws_client_new_default(&o, &client, &r->error);
    if (r->rc != 0)
        return NULL;
    char source[AWS_ENDPOINT_SOURCE_SIZE];
    aws_client_endpoint(client, r->check->service, &r->endpoint, source, &r->error);
    long start = aws_monotonic_ms();
    r->rc = r->check->report
                ? r->check->report(client, r->cfg, r->detail, sizeof r->detail, &r->error)
                : r->check->run(client, &r->error);
    r->latency_ms = aws_monotonic_ms() - start;
    aws_client_free(client);
    return NULL;
}

/* One row of the report: what was checked, where, how long it took, and what came back. */
typedef struct doctor_row {
    char service[64]; /* named when the check fails: "EC2", "STS", "credentials" */
    char check[96];
    char endpoint[256];
    long latency_ms; /* -1: no call was made */
    bool ok;
    char result[1500];
} doctor_row;

static void set_row(doctor_row *row, const char *service, const char *check, const char *endpoint,
                    long latency_ms)
{
    snprintf(row->service, sizeof row->service, "%s", service);
    snprintf(row->check, sizeof row->check, "%s", check);
    snprintf(row->endpoint, sizeof row->endpoint, "%s", endpoint ? endpoint : "-");
    row->latency_ms = latency_ms;
}

static void print_row(const doctor_row *row)
{
    char latency[32] = "-";
    if (row->latency_ms >= 0)
        snprintf(latency, sizeof latency, "%ld ms", row->latency_ms);
    printf("%-44s %-36s %-9s %s\n", row->check, row->endpoint, latency, row->result);
}

static void describe_failure(const base_error *err, char *out, size_t size)
{
    int n = snprintf(out, size, "FAILED ");
    if (n > 0 && (size_t)n < size)
        base_error_format(err, out + n, size - (size_t)n);
}

/* Credentials and STS GetCallerIdentity: the first row. */
static int check_identity(aws_client *client, aws_credentials *creds, doctor_row *row)
{
    base_error err = {0};
    char endpoint_buf[AWS_ENDPOINT_SOURCE_SIZE];
    char *endpoint = NULL;
    aws_client_endpoint(client, &aws_service_sts, &endpoint, endpoint_buf, &err);
    if (aws_client_credentials(client, creds, &err) != 0) {
        set_row(row, "credentials", "credentials", NULL, -1);
        describe_failure(&err, row->result, sizeof row->result);
        free(endpoint);
        return -1;
    }
    char account[64], arn[512];
    long start = aws_monotonic_ms();
    int rc = doctor_caller_identity(client, account, sizeof account, arn, sizeof arn, &err);
    set_row(row, "STS", "STS GetCallerIdentity", endpoint, aws_monotonic_ms() - start);
    if (rc == 0)
        snprintf(row->result, sizeof row->result, "OK account %s, %s (credentials from %s)", account,
                 arn, creds->source);
    else
        describe_failure(&err, row->result, sizeof row->result);
    row->ok = rc == 0;
    free(endpoint);
    return rc;
}

/* Runs every service check at once; fills rows[0..doctor_check_count). */
static void run_service_checks(const scribble_config *cfg, const aws_client_options *options,
                               const aws_credentials *creds, doctor_row *rows)
{
    check_run *runs = base_xcalloc(doctor_check_count, sizeof *runs);
    pthread_t *threads = base_xcalloc(doctor_check_count, sizeof *threads);
    for (size_t i = 0; i < doctor_check_count; i++) {
        runs[i] = (check_run){.check = &doctor_checks[i], .cfg = cfg, .options = *options,
                              .credentials = creds};
        if (pthread_create(&threads[i], NULL, run_check, &runs[i]) != 0)
            run_check(&runs[i]), threads[i] = 0;
    }
    for (size_t i = 0; i < doctor_check_count; i++) {
        if (threads[i])
            pthread_join(threads[i], NULL);
        char label[96];
        snprintf(label, sizeof label, "%s %s", runs[i].check->service->service_id, runs[i].check->operation);
        set_row(&rows[i], runs[i].check->service->service_id, label, runs[i].endpoint, runs[i].latency_ms);
        rows[i].ok = runs[i].rc == 0;
        if (rows[i].ok)
            snprintf(rows[i].result, sizeof rows[i].result, "OK%s%s", runs[i].detail[0] ? " " : "",
                     runs[i].detail);
        else
            describe_failure(&runs[i].error, rows[i].result, sizeof rows[i].result);
        free(runs[i].endpoint);
    }
    free(threads);
    free(runs);
}

static void print_json(const scribble_config *cfg, aws_client *client, const doctor_row *rows,
                       size_t count)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "stack", cfg->stack.name);
    cJSON_AddStringToObject(doc, "region", aws_client_region(client));
    cJSON_AddStringToObject(doc, "region_source", aws_client_region_source(client));
    cJSON_AddNumberToObject(doc, "max_attempts", aws_client_max_attempts(client));
    cJSON *checks = cJSON_AddArrayToObject(doc, "checks");
    size_t failures = 0;
    for (size_t i = 0; i < count; i++) {
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "check", rows[i].check);
        cJSON_AddStringToObject(item, "endpoint", rows[i].endpoint);
        if (rows[i].latency_ms >= 0)
            cJSON_AddNumberToObject(item, "latency_ms", (double)rows[i].latency_ms);
        else
            cJSON_AddNullToObject(item, "latency_ms");
        cJSON_AddBoolToObject(item, "ok", rows[i].ok);
        cJSON_AddStringToObject(item, "result", rows[i].result);
        cJSON_AddItemToArray(checks, item);
        failures += !rows[i].ok;
    }
    cJSON_AddNumberToObject(doc, "failed", (double)failures);
    session_print_json(doc);
}

static void print_text(const scribble_config *cfg, aws_client *client, const doctor_row *rows,
                       size_t count)
{
    printf("stack %s, region %s (from %s), %d attempts per call\n\n", cfg->stack.name,
           aws_client_region(client), aws_client_region_source(client), aws_client_max_attempts(client));
    printf("%-44s %-36s %-9s %s\n", "CHECK", "ENDPOINT", "LATENCY", "RESULT");
    int failures = 0;
    base_buf failed = {0};
    for (size_t i = 0; i < count; i++) {
        print_row(&rows[i]);
        if (rows[i].ok)
            continue;
        failures++;
        base_buf_printf(&failed, "%s%s", failed.len ? ", " : "", rows[i].service);
    }
    if (failures)
        fprintf(stderr, "\ndoctor: %d check%s failed: %s\n", failures, failures == 1 ? "" : "s",
                base_buf_str(&failed));
    else
        printf("\nall %zu services OK\n", count);
    base_buf_free(&failed);
}

enum { DOCTOR_OUTPUT };
static const cli_option doctor_options[] = {[DOCTOR_OUTPUT] = CLI_OUTPUT_OPTION};

static int run_doctor(const cli_args *a, const scribble_globals *g)
{
    scribble_config cfg;
    if (session_load_config(g, &cfg) != 0)
        return EXIT_STATUS_USAGE;
    aws_client_options options = session_client_options(g, &cfg);
    aws_client *client;
    base_error err = {0};
    if (aws_client_new_default(&options, &client, &err) != 0) {
        session_print_error("doctor", &err);
        scribble_config_free(&cfg);
        return EXIT_STATUS_FAILED;
    }
    doctor_row *rows = base_xcalloc(doctor_check_count + 1, sizeof *rows);
    size_t count = 1;
    aws_credentials creds = {0};
    check_identity(client, &creds, &rows[0]);
    if (creds.access_key_id) {
        run_service_checks(&cfg, &options, &creds, rows + 1);
        count += doctor_check_count;
    }
    if (cli_wants_json(a, DOCTOR_OUTPUT))
        print_json(&cfg, client, rows, count);
    else
        print_text(&cfg, client, rows, count);
    bool all_ok = true;
    for (size_t i = 0; i < count; i++)
        all_ok = all_ok && rows[i].ok;
    free(rows);
    aws_credentials_free(&creds);
    aws_client_free(client);
    scribble_config_free(&cfg);
    return all_ok ? EXIT_STATUS_OK : EXIT_STATUS_FAILED;
}

const cli_verb verb_doctor = {
    .name = "doctor",
    .run = run_doctor,
    .operands = "",
    .summary = "check credentials, region and one read call on every service",
    .description =
        "Checks that the credentials, the region and every service the stack uses answer from\n"
        "here: the STS identity (account, ARN, and which credential source supplied them), then\n"
        "one read call on each service, all at once. Prints one row per check with its endpoint,\n"
        "latency and result, and exits 1 naming on stderr what failed.",
    .options = doctor_options,
    .option_count = CLI_COUNT(doctor_options),
};

/*
 * cmd_doctor.c - `scribblectl doctor`: are credentials, region and every
 * service the stack uses reachable from here? Prints a table (service,
 * endpoint, result, latency) and exits 1 naming what failed.
 *
 * The service checks run concurrently, one thread and one client each
 * (a client is not shared between threads), with the credentials resolved
 * once, so a dead endpoint costs one retry cycle, not one per service.
 */
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

static void print_row(const char *check, const char *endpoint, const char *result, long latency_ms)
{
    char latency[32] = "-";
    if (latency_ms >= 0)
        snprintf(latency, sizeof latency, "%ld ms", latency_ms);
    printf("%-44s %-36s %-9s %s\n", check, endpoint, latency, result);
}

static void describe_failure(const base_error *err, char *out, size_t size)
{
    int n = snprintf(out, size, "FAILED ");
    if (n > 0 && (size_t)n < size)
        base_error_format(err, out + n, size - (size_t)n);
}

/* Credentials and STS GetCallerIdentity; prints the first row. */
static int check_identity(aws_client *client, aws_credentials *creds, int *failures)
{
    base_error err = {0};
    char endpoint_buf[AWS_ENDPOINT_SOURCE_SIZE];
    char *endpoint = NULL;
    aws_client_endpoint(client, &aws_service_sts, &endpoint, endpoint_buf, &err);
    if (aws_client_credentials(client, creds, &err) != 0) {
        char text[1500];
        describe_failure(&err, text, sizeof text);
        print_row("credentials", "-", text, -1);
        free(endpoint);
        (*failures)++;
        return -1;
    }
    char account[64], arn[512], result[1500];
    long start = aws_monotonic_ms();
    int rc = doctor_caller_identity(client, account, sizeof account, arn, sizeof arn, &err);
    long latency = aws_monotonic_ms() - start;
    if (rc == 0)
        snprintf(result, sizeof result, "OK account %s, %s (credentials from %s)", account, arn,
                 creds->source);
    else
        describe_failure(&err, result, sizeof result);
    print_row("STS GetCallerIdentity", endpoint, result, latency);
    free(endpoint);
    *failures += rc != 0;
    return rc;
}

static int run_service_checks(const scribble_config *cfg, const aws_client_options *options,
                              const aws_credentials *creds, base_buf *failed)
{
    check_run *runs = base_xcalloc(doctor_check_count, sizeof *runs);
    pthread_t *threads = base_xcalloc(doctor_check_count, sizeof *threads);
    for (size_t i = 0; i < doctor_check_count; i++) {
        runs[i] = (check_run){.check = &doctor_checks[i], .cfg = cfg, .options = *options,
                              .credentials = creds};
        if (pthread_create(&threads[i], NULL, run_check, &runs[i]) != 0)
            run_check(&runs[i]), threads[i] = 0;
    }
    int failures = 0;
    for (size_t i = 0; i < doctor_check_count; i++) {
        if (threads[i])
            pthread_join(threads[i], NULL);
        char label[96], result[1500];
        snprintf(label, sizeof label, "%s %s", runs[i].check->service->service_id, runs[i].check->operation);
        if (runs[i].rc == 0) {
            snprintf(result, sizeof result, "OK%s%s", runs[i].detail[0] ? " " : "", runs[i].detail);
        } else {
            describe_failure(&runs[i].error, result, sizeof result);
            base_buf_printf(failed, "%s%s", failed->len ? ", " : "", runs[i].check->service->service_id);
            failures++;
        }
        print_row(label, runs[i].endpoint ? runs[i].endpoint : "-", result, runs[i].latency_ms);
        free(runs[i].endpoint);
    }
    free(threads);
    free(runs);
    return failures;
}

int cmd_doctor(int argc, char **argv, const scribble_globals *g)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: scribblectl doctor\n");
        return 2;
    }
    scribble_config cfg;
    if (session_load_config(g, &cfg) != 0)
        return 2;
    aws_client_options options = session_client_options(g, &cfg);
    aws_client *client;
    base_error err = {0};
    if (aws_client_new_default(&options, &client, &err) != 0) {
        char text[1400];
        base_error_format(&err, text, sizeof text);
        fprintf(stderr, "doctor: %s\n", text);
        scribble_config_free(&cfg);
        return 1;
    }
    printf("stack %s, region %s (from %s), %d attempts per call\n\n", cfg.stack.name,
           aws_client_region(client), aws_client_region_source(client), aws_client_max_attempts(client));
    printf("%-44s %-36s %-9s %s\n", "CHECK", "ENDPOINT", "LATENCY", "RESULT");
    aws_credentials creds = {0};
    int failures = 0;
    base_buf failed = {0};
    if (check_identity(client, &creds, &failures) != 0)
        base_buf_append_str(&failed, creds.access_key_id ? "STS" : "credentials");
    if (creds.access_key_id)
        failures += run_service_checks(&cfg, &options, &creds, &failed);
    if (failures)
        fprintf(stderr, "\ndoctor: %d check%s failed: %s\n", failures, failures == 1 ? "" : "s",
                base_buf_str(&failed));
    else
        printf("\nall %zu services OK\n", doctor_check_count + 1);
    base_buf_free(&failed);
    aws_credentials_free(&creds);
    aws_client_free(client);
    scribble_config_free(&cfg);
    return failures ? 1 : 0;
}

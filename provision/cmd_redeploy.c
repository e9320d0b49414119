/*
 * cmd_redeploy.c - `scribblectl redeploy <handler>|all`: puts the current
 * build of the handler binary into running functions without a whole `up`.
 *
 * The functions are the stack's function rows (stack.c), so the handlers
 * named here are always the ones `up` makes. The package is rebuilt from the
 * binary on disk; a function whose deployed CodeSha256 already equals the
 * package's is left alone. After an update it waits until Lambda reports the
 * update applied, then reads the function again: what it prints is the hash
 * Lambda says is deployed, not the one it sent. Only code changes here; the
 * configuration is `up`'s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "provision/kinds.h"
#include "provision/package.h"
#include "provision/session.h"


#define UPDATE_TIMEOUT_S 300
#define POLL_INTERVAL_MS 1000

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void usage(FILE *out, stack *s)
{
    fprintf(out, "usage: scribblectl redeploy <handler>|all\nhandlers:");
    for (size_t i = 0; i < stack_count(s); i++)
        if (stack_at(s, i)->ops == &function_ops)
            fprintf(out, " %s", stack_at(s, i)->variant);
    fprintf(out, "\n");
}

static const char *string_at(const cJSON *object, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(object, key));
}

/* GetFunction's Configuration; *out NULL when the function does not exist. */
static int get_configuration(aws_client *client, const char *name, cJSON **out, aws_error *err)
{
    char path[256];
    snprintf(path, sizeof path, "/2015-03-31/functions/%s/configuration", name);
    *out = NULL;
    int rc = aws_rest_json_call(client, &aws_service_lambda, "GET", path, NULL, NULL, out, err);
    if (rc != 0 && strcmp(err->code, "ResourceNotFoundException") == 0) {
        aws_error_clear(err);
        return 0;
    }
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits until no update of the function is in progress; *live is its configuration then. */
static int wait_settled(aws_client *client, const char *name, cJSON **live, aws_error *err)
{
    double deadline = now_s() + UPDATE_TIMEOUT_S;
    for (;;) {
        TRY(get_configuration(client, name, live, err));
        ENSURE(*live, err, AWS_ERROR_SERVICE, "ResourceNotFoundException",
               "function %s does not exist; run scribblectl up first", name);
        const char *status = string_at(*live, "LastUpdateStatus");
        if (status && strcmp(status, "Failed") == 0) {
            const char *reason = string_at(*live, "LastUpdateStatusReason");
            aws_error_set(err, AWS_ERROR_SERVICE, "FunctionUpdateFailed",
                          "function %s: the update failed: %s", name, reason ? reason : "");
            cJSON_Delete(*live);
            *live = NULL;
            return -1;
        }
        if (!status || strcmp(status, "InProgress") != 0)
            return 0;
        cJSON_Delete(*live);
        *live = NULL;
        ENSURE(now_s() < deadline, err, AWS_ERROR_SERVICE, "Timeout",
               "function %s: update still in progress after %d s", name, UPDATE_TIMEOUT_S);
        sleep_ms(POLL_INTERVAL_MS);
    }
}

/* UpdateFunctionCode, retried while Lambda is still applying another update. */
static int update_code(aws_client *client, const char *name, const lambda_package *package,
                       aws_error *err)
{
    size_t n = package->zip.len;
    char *zip = aws_xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)zip, (const unsigned char *)package->zip.data, (int)n);
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "ZipFile", zip);
    free(zip);
    char path[256];
    snprintf(path, sizeof path, "/2015-03-31/functions/%s/code", name);
    double deadline = now_s() + UPDATE_TIMEOUT_S;
    int rc;
    for (;;) {
        cJSON *out = NULL;
        rc = aws_rest_json_call(client, &aws_service_lambda, "PUT", path, NULL, in, &out, err);
        cJSON_Delete(out);
        if (rc == 0 || strcmp(err->code, "ResourceConflictException") != 0 || now_s() > deadline)
            break;
        sleep_ms(POLL_INTERVAL_MS);
    }
    cJSON_Delete(in);
    return rc;
}

/* Brings one function's code to the package; says what it did in *updated. */
static int redeploy_one(aws_client *client, const char *name, const lambda_package *package,
                        bool *updated, char deployed[64], aws_error *err)
{
    cJSON *live = NULL;
    TRY(wait_settled(client, name, &live, err));
    const char *sha = string_at(live, "CodeSha256");
    *updated = !sha || strcmp(sha, package->code_sha256) != 0;
    cJSON_Delete(live);
    if (*updated) {
        TRY(update_code(client, name, package, err));
        TRY(wait_settled(client, name, &live, err));
        cJSON_Delete(live);
    }
    TRY(get_configuration(client, name, &live, err));
    ENSURE(live, err, AWS_ERROR_SERVICE, "ResourceNotFoundException",
           "function %s was deleted during the redeploy", name);
    sha = string_at(live, "CodeSha256");
    snprintf(deployed, 64, "%s", sha ? sha : "");
    cJSON_Delete(live);
    ENSURE(strcmp(deployed, package->code_sha256) == 0, err, AWS_ERROR_SERVICE, "CodeMismatch",
           "function %s: deployed code %s, but the package is %s", name, deployed,
           package->code_sha256);
    return 0;
}

int cmd_redeploy(int argc, char **argv, const scribble_globals *g)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: scribblectl redeploy <handler>|all\n");
        return 2;
    }
    stack_session ss;
    int rc = session_open_stack(g, &ss);
    if (rc != 0)
        return rc;
    const char *wanted = argv[1];
    bool all = strcmp(wanted, "all") == 0;
    bool known = all;
    for (size_t i = 0; !known && i < stack_count(ss.stack); i++) {
        const resource *r = stack_at(ss.stack, i);
        known = r->ops == &function_ops && strcmp(r->variant, wanted) == 0;
    }
    if (!known) {
        fprintf(stderr, "scribblectl redeploy: '%s' is not a handler\n", wanted);
        usage(stderr, ss.stack);
        session_close_stack(&ss);
        return 2;
    }

    aws_error err = {0};
    aws_client *client = NULL;
    const lambda_package *package = NULL;
    if (aws_client_new(&ss.options, &client, &err) != 0 || package_get(&package, &err) != 0) {
        session_print_error("redeploy", &err);
        aws_client_free(client);
        session_close_stack(&ss);
        return 1;
    }
    rc = 0;
    for (size_t i = 0; i < stack_count(ss.stack) && rc == 0; i++) {
        const resource *r = stack_at(ss.stack, i);
        if (r->ops != &function_ops || (!all && strcmp(r->variant, wanted) != 0))
            continue;
        bool updated = false;
        char deployed[64];
        if (redeploy_one(client, r->name, package, &updated, deployed, &err) != 0) {
            session_print_error("redeploy", &err);
            rc = 1;
        } else {
            printf("%s: code %s (%s)\n", r->name, deployed, updated ? "updated" : "already current");
            fflush(stdout);
        }
    }
    aws_client_free(client);
    session_close_stack(&ss);
    return rc;
}

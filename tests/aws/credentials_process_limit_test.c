/*
 * credentials_process_limit_test.c - a profile's credential_process that runs
 * past its time limit is killed with everything it started, and the error
 * names the profile and the limit but never what the command printed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/credentials_providers.h"
#include "test.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Alive and not a zombie (a zombie has been killed; only its parent has not reaped it). */
static bool running(pid_t pid)
{
    char path[64], stat[512] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *state = strrchr(stat, ')');
    return state && state[1] == ' ' && state[2] != 'Z' && state[2] != 'X';
}

/* Waits (with a deadline, not a fixed sleep) until pid is gone. */
static bool gone_within(pid_t pid, double seconds)
{
    double deadline = now_s() + seconds;
    while (running(pid)) {
        if (now_s() > deadline)
            return false;
        struct timespec pause = {0, 20 * 1000000L};
        nanosleep(&pause, NULL);
    }
    return true;
}

static pid_t read_pid(const char *path)
{
    FILE *f = fopen(path, "r");
    int pid = 0;
    if (f) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return (pid_t)pid;
}

/* A command that prints a secret, starts a grandchild that holds its pipes,
 * and never finishes: killed at the limit, grandchild and all. */
static void test_slow_command_is_killed_with_its_group(const char *dir)
{
    char pid_file[600], command[1400];
    snprintf(pid_file, sizeof pid_file, "%s/grandchild.pid", dir);
    snprintf(command, sizeof command,
             "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDSLOW\", \"SecretAccessKey\": "
             "\"very-secret-value\"'; sleep 60 & echo $! > %s; echo 'still thinking' >&2; sleep 60",
             pid_file);
    aws_credentials_provider *p = aws_credentials_provider_new_process(command, "slowpoke", 300);
    aws_credentials creds;
    base_error err = {0};
    double start = now_s();
    int rc = aws_credentials_provider_get(p, &creds, &err);
    double took = now_s() - start;
    CHECK_INT_EQ(rc, -1);
    CHECK(took >= 0.3 && took < 5);
    CHECK_STR_EQ(err.code, "CredentialProcessTimeout");
    CHECK_INT_EQ(err.kind, BASE_ERROR_CREDENTIALS);
    CHECK(strstr(err.message, "profile \"slowpoke\"") != NULL);
    CHECK(strstr(err.message, "0.3 s") != NULL);
    CHECK(strstr(err.message, "still thinking") != NULL); /* stderr is quoted */
    CHECK(strstr(err.message, "very-secret-value") == NULL);
    CHECK(strstr(err.message, "AKIDSLOW") == NULL);
    pid_t grandchild = read_pid(pid_file);
    CHECK(grandchild > 0);
    if (grandchild > 0) {
        CHECK(gone_within(grandchild, 5));
        if (running(grandchild))
            kill(grandchild, SIGKILL);
    }
    aws_credentials_provider_free(p);
}

/* A command well within the limit is not disturbed by it. */
static void test_quick_command_within_limit(void)
{
    aws_credentials_provider *p = aws_credentials_provider_new_process(
        "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDQUICK\", \"SecretAccessKey\": \"s\"}'",
        "quick", 5000);
    aws_credentials creds;
    base_error err = {0};
    CHECK_INT_EQ(aws_credentials_provider_get(p, &creds, &err), 0);
    CHECK_STR_EQ(creds.access_key_id, "AKIDQUICK");
    aws_credentials_free(&creds);
    aws_credentials_provider_free(p);
}

/* The limit reaches the process through the profile provider's context. */
static void test_limit_set_through_the_context(const char *dir)
{
    char config[600];
    snprintf(config, sizeof config, "%s/config", dir);
    FILE *f = fopen(config, "w");
    fprintf(f, "[profile patient]\ncredential_process = sleep 30\n");
    fclose(f);
    setenv("AWS_CONFIG_FILE", config, 1);
    unsetenv("AWS_PROFILE");
    aws_credentials_context ctx = {.profile = "patient", .credential_process_timeout_ms = 200};
    aws_credentials_provider *p = aws_credentials_provider_new_profile(&ctx);
    aws_credentials creds;
    base_error err = {0};
    double start = now_s();
    CHECK_INT_EQ(aws_credentials_provider_get(p, &creds, &err), -1);
    CHECK(now_s() - start < 5);
    CHECK_STR_EQ(err.code, "CredentialProcessTimeout");
    CHECK(strstr(err.message, "profile \"patient\"") && strstr(err.message, "0.2 s"));
    aws_credentials_provider_free(p);
}

int main(void)
{
    char dir[] = "/tmp/credentials-process-limit-XXXXXX";
    if (!mkdtemp(dir))
        return 2;
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
    test_slow_command_is_killed_with_its_group(dir);
    test_quick_command_within_limit();
    test_limit_set_through_the_context(dir);
    char cleanup[700];
    snprintf(cleanup, sizeof cleanup, "rm -rf '%s'", dir);
    if (system(cleanup) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return TEST_EXIT();
}

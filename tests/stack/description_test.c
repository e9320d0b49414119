/*
 * description_test.c - the stack's description (stack/description.h) agrees
 * with the runtime and with scribblectl's plan: every described handler has
 * code, every trigger names a described handler, every handler has a
 * trigger, names are unique, and the plan made from scribble.ini holds every
 * role the description and the role constants name. A role the plan does not
 * hold stops stack_output loudly.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "provision/config.h"
#include "provision/stack.h"
#include "runtime/handler.h"
#include "stack/description.h"
#include "test.h"

static void check_handlers_have_code(void)
{
    CHECK(described_handler_count > 0);
    for (size_t i = 0; i < described_handler_count; i++) {
        const char *name = described_handlers[i].name;
        if (!runtime_handler_find(name))
            fprintf(stderr, "handler %s is described but the runtime has no code for it\n", name);
        CHECK(runtime_handler_find(name) != NULL);
        CHECK(described_handler_find(name) == &described_handlers[i]);
        for (size_t j = 0; j < i; j++)
            CHECK(runtime_handler_find(name) != runtime_handler_find(described_handlers[j].name));
    }
    CHECK(runtime_handler_find("no-such-handler") == NULL);
    CHECK(runtime_handler_find(NULL) == NULL);
}

static void check_named_handler(const char *what, const char *name, const char *handler)
{
    if (!described_handler_find(handler))
        fprintf(stderr, "%s %s names handler %s, which is not described\n", what, name, handler);
    CHECK(described_handler_find(handler) != NULL);
}

/* Every trigger names a described handler, and every handler has one. */
static void check_triggers(void)
{
    for (size_t i = 0; i < described_route_count; i++)
        check_named_handler("route", described_routes[i].route_key, described_routes[i].handler);
    for (size_t i = 0; i < described_queue_count; i++)
        check_named_handler("queue", described_queues[i].name, described_queues[i].handler);
    for (size_t i = 0; i < described_schedule_count; i++)
        check_named_handler("schedule", described_schedules[i].name, described_schedules[i].handler);
    for (size_t i = 0; i < described_invoked_count; i++)
        check_named_handler("invoked handler", described_invoked_handlers[i].by,
                            described_invoked_handlers[i].handler);
    for (size_t h = 0; h < described_handler_count; h++) {
        const char *name = described_handlers[h].name;
        int triggers = described_handler_answers_route(name);
        for (size_t i = 0; i < described_queue_count; i++)
            triggers += strcmp(described_queues[i].handler, name) == 0;
        for (size_t i = 0; i < described_schedule_count; i++)
            triggers += strcmp(described_schedules[i].handler, name) == 0;
        triggers += described_invoked_find(name) != NULL;
        if (!triggers)
            fprintf(stderr, "handler %s has no route, queue or schedule, and nothing invokes it\n",
                    name);
        CHECK(triggers > 0);
    }
    /* A route answers clients; a queue's or a schedule's handler is a worker. */
    CHECK(described_handler_answers_route("send"));
    CHECK(!described_handler_answers_route("broadcast"));
    CHECK(described_route_find("$default") != NULL);
}

static void check_unique(void)
{
    for (size_t i = 0; i < described_route_count; i++)
        CHECK(described_route_find(described_routes[i].route_key) == &described_routes[i]);
    for (size_t i = 0; i < described_queue_count; i++)
        CHECK(described_queue_find(described_queues[i].name) == &described_queues[i]);
    for (size_t i = 0; i < described_schedule_count; i++)
        CHECK(described_schedule_find(described_schedules[i].name) == &described_schedules[i]);
    for (size_t i = 0; i < described_table_count; i++) {
        CHECK(described_table_find(described_tables[i].name) == &described_tables[i]);
        CHECK(described_tables[i].partition_key.attribute != NULL);
        CHECK(!described_tables[i].sort_key.attribute == !described_tables[i].sort_key.type);
    }
    for (int i = 0; i < STACK_ENV_COUNT; i++) {
        CHECK(strncmp(stack_env_names[i], "SCRIBBLE_", 9) == 0);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(stack_env_names[i], stack_env_names[j]) != 0);
    }
    CHECK_STR_EQ(STACK_ENV(CACHE_ENDPOINT), "SCRIBBLE_CACHE_ENDPOINT");
}

static void check_role(stack *s, const char *role)
{
    if (!stack_find(s, role))
        fprintf(stderr, "role %s is not in the plan\n", role);
    CHECK(stack_find(s, role) != NULL);
}

/* The role a ROLE_*_FORMAT makes with name is in the plan. */
#define CHECK_FORMATTED(s, format, name)                                                    \
    do {                                                                                    \
        char role_[ROLE_SIZE];                                                              \
        snprintf(role_, sizeof role_, format, name);                                        \
        check_role(s, role_);                                                               \
    } while (0)

/* The plan scribble.ini makes holds every described and every named role. */
static void check_plan(stack *s)
{
    static const char *const named[] = {
        ROLE_VPC, ROLE_INTERNET_GATEWAY, ROLE_FUNCTIONS_SECURITY_GROUP, ROLE_CACHE_SECURITY_GROUP,
        ROLE_CACHE, ROLE_FUNCTIONS_ROLE, ROLE_SCHEDULER_ROLE, ROLE_SITE_BUCKET,
        ROLE_ARTIFACTS_BUCKET, ROLE_FUNCTION_PACKAGE, ROLE_WEBSOCKET_API, ROLE_WEBSOCKET_ROUTES,
        ROLE_CACHE_POLICY, ROLE_ORIGIN_ACCESS_CONTROL, ROLE_RESPONSE_HEADERS_POLICY,
        ROLE_DISTRIBUTION, ROLE_SITE_BUCKET_POLICY, ROLE_SITE_CONTENT,
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        check_role(s, named[i]);
    for (size_t i = 0; i < described_handler_count; i++) {
        CHECK_FORMATTED(s, ROLE_FUNCTION_FORMAT, described_handlers[i].name);
        CHECK_FORMATTED(s, ROLE_LOGS_FORMAT, described_handlers[i].name);
    }
    for (size_t i = 0; i < described_queue_count; i++) {
        CHECK_FORMATTED(s, ROLE_QUEUE_FORMAT, described_queues[i].name);
        CHECK_FORMATTED(s, ROLE_DEAD_LETTER_QUEUE_FORMAT, described_queues[i].name);
        CHECK_FORMATTED(s, ROLE_QUEUE_TRIGGER_FORMAT, described_queues[i].name);
    }
    for (size_t i = 0; i < described_schedule_count; i++)
        CHECK_FORMATTED(s, ROLE_SCHEDULE_FORMAT, described_schedules[i].name);
    for (size_t i = 0; i < described_table_count; i++)
        CHECK_FORMATTED(s, ROLE_TABLE_FORMAT, described_tables[i].name);
}

/* stack_output on a role the plan does not hold aborts the process. */
static void check_unknown_role_is_loud(stack *s)
{
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        stack_output(s, "no-such-role", "id");
        _exit(0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    CHECK(stack_output(s, ROLE_SITE_BUCKET, "bucket_arn") == NULL); /* planned, not read */
}

int main(void)
{
    check_handlers_have_code();
    check_triggers();
    check_unique();

    const char *source = getenv("SCRIBBLE_SOURCE_DIR");
    CHECK(source != NULL);
    char path[4096];
    snprintf(path, sizeof path, "%s/scribble.ini", source ? source : ".");
    scribble_config cfg;
    base_buf errors = {0};
    int rc = scribble_config_load(path, &cfg, &errors);
    if (rc != 0)
        fprintf(stderr, "%s", base_buf_str(&errors));
    CHECK(rc == 0);
    base_buf_free(&errors);
    stack *s = NULL;
    base_error err = {0};
    if (rc == 0 && stack_build(&cfg, &s, &err) == 0) {
        check_plan(s);
        check_unknown_role_is_loud(s);
        stack_free(s);
    } else {
        CHECK(!"the plan was built");
    }
    if (rc == 0)
        scribble_config_free(&cfg);
    return TEST_EXIT();
}

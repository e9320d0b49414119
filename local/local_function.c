/*
 * local_function.c - a handler as a local Lambda function (local_function.h).
 *
 * The Runtime API is the one Lambda serves: GET .../invocation/next is held
 * until there is an invocation; .../response and .../error end it;
 * .../init/error fails what is queued. A process that exits is restarted:
 * at once if it ran a while, otherwise after a delay that doubles up to
 * 30 s, so a handler that cannot start does not spin.
 *
 * The Runtime API hands out events and takes results: whoever reaches it
 * could read what clients send and answer in the handler's name. So it
 * listens on 127.0.0.1 whatever [local] bind says, and lets in a connection
 * only when the function's current process holds its other end
 * (local_peer.h); any other is closed at once and reported. Lambda needs no
 * such check, its Runtime API being inside the sandbox. A secret in the
 * process's environment would not do instead: the Runtime API protocol has
 * no place for one, and the handler's client is the one Lambda talks to.
 */
#include "local/local_function.h"
#include "local/local_clock.h"
#include "local/local_child.h"
#include "local/local_json.h"
#include "local/local_peer.h"
#include "local/local_private.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/rand.h>

#define API "/2018-06-01/runtime"
#define RESTART_MIN_MS 1000
#define RESTART_MAX_MS 30000
#define STOP_WAIT_MS 5000
#define RUNTIME_API_ADDRESS "127.0.0.1" /* whatever [local] bind says */

typedef struct invocation {
    struct invocation *next;
    char request_id[40];
    char *event;
    long long deadline_ms;
    local_invoke_done done;
    void *ctx;
} invocation;

struct local_function {
    local_function_options options;
    struct lws_context *ctx;
    local_endpoint endpoint;
    bool stopped;       /* invocations fail at once */
    char *log_path;
    char **environment; /* the options' pairs plus the Lambda variables */
    pid_t pid;
    long long started_ms;
    int restart_delay_ms;
    invocation *queue, *queue_tail;
    invocation *running;
    struct lws *waiter; /* a held .../next */
    local_session *waiter_session;
    lws_sorted_usec_list_t deadline_timer;
    lws_sorted_usec_list_t restart_timer;
};

static void new_request_id(char out[40])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        abort();
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
}

static void report(local_function *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(local_function *f, const char *fmt, ...)
{
    if (!f->options.report)
        return;
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    f->options.report(f->options.name, message);
}

/* -- invocations ------------------------------------------------------------------ */

static void finish(local_function *f, bool ok, const char *body, size_t len)
{
    invocation *inv = f->running;
    if (!inv)
        return;
    f->running = NULL;
    lws_sul_cancel(&f->deadline_timer);
    inv->done(inv->ctx, ok, body, len);
    free(inv->event);
    free(inv);
}

static void fail_with(local_invoke_done done, void *ctx, const char *type, const char *message)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "errorType", type);
    cJSON_AddStringToObject(doc, "errorMessage", message);
    char *body = local_json_print(doc);
    done(ctx, false, body, strlen(body));
    free(body);
    cJSON_Delete(doc);
}

static void fail_running(local_function *f, const char *type, const char *message)
{
    invocation *inv = f->running;
    if (!inv)
        return;
    f->running = NULL;
    lws_sul_cancel(&f->deadline_timer);
    fail_with(inv->done, inv->ctx, type, message);
    free(inv->event);
    free(inv);
}

static void fail_queued(local_function *f, const char *type, const char *message)
{
    while (f->queue) {
        invocation *inv = f->queue;
        f->queue = inv->next;
        fail_with(inv->done, inv->ctx, type, message);
        free(inv->event);
        free(inv);
    }
    f->queue_tail = NULL;
}

static void on_deadline(lws_sorted_usec_list_t *sul)
{
    local_function *f = (local_function *)((char *)sul - offsetof(local_function, deadline_timer));
    if (!f->running)
        return;
    report(f, "invocation %s timed out after %d s; restarting the function", f->running->request_id,
           f->options.timeout_s);
    fail_running(f, "Sandbox.Timedout", "Task timed out");
    if (f->pid > 0)
        kill(f->pid, SIGKILL);
}

/* Hands the next queued invocation to the held .../next. */
static void deliver(local_function *f)
{
    if (!f->waiter || f->running || !f->queue)
        return;
    invocation *inv = f->queue;
    f->queue = inv->next;
    if (!f->queue)
        f->queue_tail = NULL;
    inv->next = NULL;
    f->running = inv;
    inv->deadline_ms = local_now_ms() + (long long)f->options.timeout_s * 1000;
    lws_sul_schedule(f->ctx, 0, &f->deadline_timer, on_deadline,
                     (lws_usec_t)f->options.timeout_s * LWS_US_PER_SEC);
    local_session *s = f->waiter_session;
    local_reply_set(&s->reply, 200, "application/json", inv->event);
    unsigned char trace[16];
    if (RAND_bytes(trace, sizeof trace) != 1)
        abort();
    base_buf_printf(&s->reply.headers,
                   "Lambda-Runtime-Aws-Request-Id: %s\r\n"
                   "Lambda-Runtime-Deadline-Ms: %lld\r\n"
                   "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:local:000000000000:function:%s\r\n"
                   "Lambda-Runtime-Trace-Id: Root=1-%08llx-%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x;Sampled=0\r\n",
                   inv->request_id, inv->deadline_ms, f->options.name,
                   (unsigned long long)(local_now_ms() / 1000), trace[0], trace[1], trace[2],
                   trace[3], trace[4], trace[5], trace[6], trace[7], trace[8], trace[9], trace[10],
                   trace[11]);
    struct lws *wsi = f->waiter;
    f->waiter = NULL;
    f->waiter_session = NULL;
    local_session_reply(wsi, s);
}

void local_function_invoke(local_function *f, const char *event, local_invoke_done done, void *ctx)
{
    if (f->stopped) {
        fail_with(done, ctx, "Runtime.Stopped", "scribblectl local is stopping");
        return;
    }
    invocation *inv = base_xcalloc(1, sizeof *inv);
    new_request_id(inv->request_id);
    inv->event = base_xstrdup(event);
    inv->done = done;
    inv->ctx = ctx;
    if (f->queue_tail)
        f->queue_tail->next = inv;
    else
        f->queue = inv;
    f->queue_tail = inv;
    deliver(f);
}

/* -- the Runtime API --------------------------------------------------------------- */

static void accepted(struct lws *wsi, local_session *s)
{
    local_reply_set(&s->reply, 202, "application/json", "{\"status\":\"OK\"}");
    local_session_reply(wsi, s);
}

/* POST .../invocation/<id>/response or /error. */
static void on_result(local_function *f, struct lws *wsi, local_session *s, const char *rest)
{
    const char *slash = strchr(rest, '/');
    size_t id_len = slash ? (size_t)(slash - rest) : 0;
    bool ok = slash && strcmp(slash, "/response") == 0;
    bool error = slash && strcmp(slash, "/error") == 0;
    if (!(ok || error) || !f->running || strlen(f->running->request_id) != id_len ||
        memcmp(f->running->request_id, rest, id_len) != 0) {
        local_reply_set(&s->reply, 400, "application/json",
                        "{\"errorType\":\"InvalidRequestID\",\"errorMessage\":\"no such invocation\"}");
        local_session_reply(wsi, s);
        return;
    }
    if (error)
        report(f, "invocation %s failed: %.300s", f->running->request_id,
               s->req.body.data ? s->req.body.data : s->req.error_type);
    finish(f, ok, s->req.body.data ? s->req.body.data : "", s->req.body.len);
    accepted(wsi, s);
}

static void runtime_request(void *owner, struct lws *wsi, local_session *s)
{
    local_function *f = owner;
    const char *path = s->req.path;
    if (strcmp(s->req.method, "GET") == 0 && strcmp(path, API "/invocation/next") == 0) {
        if (f->waiter) {
            local_reply_set(&s->reply, 400, "application/json",
                            "{\"errorType\":\"InvalidRequest\",\"errorMessage\":\"next is already waiting\"}");
            local_session_reply(wsi, s);
            return;
        }
        f->waiter = wsi;
        f->waiter_session = s;
        s->waiting = f;
        lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
        deliver(f);
        return;
    }
    if (strcmp(s->req.method, "POST") == 0 && strncmp(path, API "/invocation/", strlen(API "/invocation/")) == 0) {
        on_result(f, wsi, s, path + strlen(API "/invocation/"));
        return;
    }
    if (strcmp(s->req.method, "POST") == 0 && strcmp(path, API "/init/error") == 0) {
        report(f, "could not start: %.300s", s->req.body.data ? s->req.body.data : s->req.error_type);
        fail_queued(f, "Runtime.InitError", "the function could not start");
        accepted(wsi, s);
        return;
    }
    local_reply_set(&s->reply, 404, "application/json",
                    "{\"errorType\":\"NotFound\",\"errorMessage\":\"no such Runtime API path\"}");
    local_session_reply(wsi, s);
}

static void runtime_abandoned(void *owner, local_session *s)
{
    local_function *f = owner;
    if (f->waiter_session == s) {
        f->waiter = NULL;
        f->waiter_session = NULL;
    }
}

/* Only the function's own process may use its Runtime API. */
static bool runtime_admit(void *owner, int fd)
{
    local_function *f = owner;
    if (f->pid > 0 && local_peer_is_process(fd, f->pid))
        return true;
    report(f, "refused a connection to its Runtime API from a process other than its own "
              "(pid %ld)", (long)f->pid);
    return false;
}

static const local_endpoint_ops runtime_ops = {
    .admit = runtime_admit,
    .request = runtime_request,
    .abandoned = runtime_abandoned,
};

/* -- the process -------------------------------------------------------------------- */

static void add_variable(local_function *f, size_t *count, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_variable(local_function *f, size_t *count, const char *fmt, ...)
{
    base_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    char line[4096];
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    base_buf_append_str(&b, line);
    f->environment = base_xrealloc(f->environment, (*count + 2) * sizeof *f->environment);
    f->environment[(*count)++] = base_buf_detach(&b);
    f->environment[*count] = NULL;
}

/* The variables Lambda sets for provided.al2023, then the function's own. */
static void build_environment(local_function *f)
{
    size_t count = 0;
    static const char *const passed[] = {"PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
    for (size_t i = 0; i < sizeof passed / sizeof passed[0]; i++)
        if (getenv(passed[i]))
            add_variable(f, &count, "%s=%s", passed[i], getenv(passed[i]));
    add_variable(f, &count, "AWS_LAMBDA_RUNTIME_API=" RUNTIME_API_ADDRESS ":%d", f->endpoint.port);
    add_variable(f, &count, "_HANDLER=%s", f->options.name);
    add_variable(f, &count, "AWS_LAMBDA_FUNCTION_NAME=%s", f->options.name);
    add_variable(f, &count, "AWS_LAMBDA_FUNCTION_VERSION=$LATEST");
    add_variable(f, &count, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128");
    add_variable(f, &count, "LAMBDA_TASK_ROOT=%s", ".");
    add_variable(f, &count, "TZ=:UTC");
    for (const char *const *v = f->options.environment; v && *v; v++)
        add_variable(f, &count, "%s", *v);
}

int local_function_new(struct lws_context *ctx, const local_function_options *options,
                       local_function **out, base_error *err)
{
    local_function *f = base_xcalloc(1, sizeof *f);
    f->options = *options;
    f->log_path = base_xstrdup(options->log_path);
    f->options.log_path = f->log_path; /* the caller's may be a buffer it reuses */
    f->ctx = ctx;
    f->endpoint = (local_endpoint){.ops = &runtime_ops, .owner = f};
    f->restart_delay_ms = RESTART_MIN_MS;
    if (local_server_listen(ctx, RUNTIME_API_ADDRESS, 0, &f->endpoint, err) != 0) {
        free(f->log_path);
        free(f);
        return -1;
    }
    build_environment(f);
    *out = f;
    return 0;
}

int local_function_start(local_function *f, base_error *err)
{
    int log = local_private_open(f->options.log_path, O_WRONLY | O_APPEND, err);
    if (log < 0)
        return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        local_child_detach(parent);
        dup2(log, STDOUT_FILENO);
        dup2(log, STDERR_FILENO);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, STDIN_FILENO);
        char *argv[] = {(char *)f->options.binary, NULL};
        execve(f->options.binary, argv, f->environment);
        dprintf(STDERR_FILENO, "cannot run %s\n", f->options.binary);
        _exit(127);
    }
    close(log);
    ENSURE(pid > 0, err, BASE_ERROR_CONFIG, "ForkFailed", "cannot start the %s handler",
           f->options.name);
    f->pid = pid;
    f->started_ms = local_monotonic_ms();
    return 0;
}

static void on_restart(lws_sorted_usec_list_t *sul)
{
    local_function *f = (local_function *)((char *)sul - offsetof(local_function, restart_timer));
    base_error err = {0};
    if (f->pid == 0 && local_function_start(f, &err) != 0)
        report(f, "cannot restart: %s", err.message);
}

void local_function_check(local_function *f)
{
    int status;
    if (f->pid <= 0 || waitpid(f->pid, &status, WNOHANG) != f->pid)
        return;
    f->pid = 0;
    f->waiter = NULL;
    f->waiter_session = NULL;
    char why[64];
    if (WIFSIGNALED(status))
        snprintf(why, sizeof why, "was killed by signal %d", WTERMSIG(status));
    else
        snprintf(why, sizeof why, "exited with status %d", WEXITSTATUS(status));
    if (f->running) {
        report(f, "the process %s during invocation %s; see %s", why, f->running->request_id,
               f->options.log_path);
        fail_running(f, "Runtime.ExitError", "the process exited");
    } else {
        report(f, "the process %s; see %s", why, f->options.log_path);
    }
    bool quick = local_monotonic_ms() - f->started_ms < 2000;
    int delay = quick ? f->restart_delay_ms : 0;
    f->restart_delay_ms = quick ? (f->restart_delay_ms * 2 > RESTART_MAX_MS ? RESTART_MAX_MS
                                                                            : f->restart_delay_ms * 2)
                                : RESTART_MIN_MS;
    lws_sul_schedule(f->ctx, 0, &f->restart_timer, on_restart, (lws_usec_t)delay * 1000);
}

void local_function_stop(local_function *f)
{
    f->stopped = true;
    lws_sul_cancel(&f->restart_timer);
    fail_queued(f, "Runtime.Stopped", "scribblectl local is stopping");
    fail_running(f, "Runtime.Stopped", "scribblectl local is stopping");
    if (f->pid <= 0)
        return;
    local_child_stop(f->pid, STOP_WAIT_MS, NULL);
    f->pid = 0;
    f->waiter = NULL;
    f->waiter_session = NULL;
}

void local_function_free(local_function *f)
{
    if (!f)
        return;
    for (char **v = f->environment; v && *v; v++)
        free(*v);
    free(f->environment);
    free(f->log_path);
    free(f);
}

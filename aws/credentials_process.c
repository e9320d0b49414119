/*
 * credentials_process.c - credentials printed by a profile's
 * credential_process command, run through /bin/sh as the SDKs do.
 *
 * The command's stdout must be the JSON document
 * {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?}.
 * A non-zero exit, a signal, or output that is not that document is a real
 * error (not "NotFound"): the profile asked for this command. Errors quote
 * the command's stderr (its own diagnostics) but never its stdout, which
 * holds the secret. stdin is inherited, so a command may prompt (e.g. MFA).
 *
 * A command that runs longer than its time limit (60 s unless the context
 * says otherwise) is killed with everything it started: it runs in a process
 * group of its own, and the whole group gets SIGKILL, so a grandchild holding
 * the pipes cannot keep us waiting. When we own the terminal, the group gets
 * the terminal's foreground for its run (and we take it back after), so a
 * prompt still reads the keyboard.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cursor.h"
#include "clock.h"
#include "credentials_parse.h"
#include "credentials_providers.h"

#define OUTPUT_LIMIT (1024 * 1024)
#define STDERR_SHOWN 300

typedef struct process {
    char *command;
    char *what; /* "credential_process of profile \"x\"" */
    long timeout_ms;
} process;

typedef struct run_result {
    base_buf out;
    base_buf err;
    int status;
    bool timed_out;
} run_result;

/* Reads one ready pipe into buf (up to OUTPUT_LIMIT); closes it at EOF. */
static void drain(struct pollfd *pfd, base_buf *buf)
{
    char chunk[4096];
    ssize_t n = read(pfd->fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        close(pfd->fd);
        pfd->fd = -1;
        return;
    }
    if (buf->len + (size_t)n <= OUTPUT_LIMIT)
        base_buf_append(buf, chunk, (size_t)n);
    memset(chunk, 0, sizeof chunk);
}

/* Gives the terminal's foreground to process group `group` (SIGTTOU blocked
 * in this thread: we may be in the background by then). */
static void hand_terminal(pid_t group)
{
    sigset_t ttou, old;
    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    pthread_sigmask(SIG_BLOCK, &ttou, &old);
    tcsetpgrp(STDIN_FILENO, group);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Do we hold the terminal's foreground (so the command may prompt on it)? */
static bool own_terminal(void)
{
    return isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
}

/* In the child: only async-signal-safe calls until exec. */
static void run_child(const char *command, int out_fd[2], int err_fd[2], bool terminal)
{
    setpgid(0, 0);
    if (terminal) {
        signal(SIGTTOU, SIG_IGN);
        tcsetpgrp(STDIN_FILENO, getpid());
        signal(SIGTTOU, SIG_DFL);
    }
    dup2(out_fd[1], STDOUT_FILENO);
    dup2(err_fd[1], STDERR_FILENO);
    close(out_fd[0]);
    close(out_fd[1]);
    close(err_fd[0]);
    close(err_fd[1]);
    signal(SIGPIPE, SIG_DFL);
    execl("/bin/sh", "sh", "-c", command, (char *)NULL);
    _exit(127);
}

/* Reads both pipes until they close or the deadline passes; then kills the
 * whole group, whatever is left of it. */
static void collect(const process *proc, pid_t pid, int out_fd, int err_fd, run_result *r)
{
    long deadline = aws_monotonic_ms() + proc->timeout_ms;
    struct pollfd fds[2] = {{.fd = out_fd, .events = POLLIN}, {.fd = err_fd, .events = POLLIN}};
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        long left = deadline - aws_monotonic_ms();
        if (left <= 0) {
            r->timed_out = true;
            break;
        }
        if (poll(fds, 2, left > 1000 ? 1000 : (int)left) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++)
            if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                drain(&fds[i], i == 0 ? &r->out : &r->err);
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    if (r->timed_out)
        kill(-pid, SIGKILL);
    while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
        ;
}

/* Runs command with /bin/sh in a process group of its own, collecting stdout
 * and stderr without deadlocking on either, within the time limit. */
static int run_command(const process *proc, run_result *r, base_error *err)
{
    int out_fd[2], err_fd[2];
    if (pipe(out_fd) != 0)
        return base_error_set(err, BASE_ERROR_CREDENTIALS, "CredentialProcessError",
                             "%s: cannot create a pipe: %s", proc->what, strerror(errno));
    if (pipe(err_fd) != 0) {
        close(out_fd[0]);
        close(out_fd[1]);
        return base_error_set(err, BASE_ERROR_CREDENTIALS, "CredentialProcessError",
                             "%s: cannot create a pipe: %s", proc->what, strerror(errno));
    }
    bool terminal = own_terminal();
    pid_t pid = fork();
    if (pid == 0)
        run_child(proc->command, out_fd, err_fd, terminal);
    close(out_fd[1]);
    close(err_fd[1]);
    if (pid < 0) {
        close(out_fd[0]);
        close(err_fd[0]);
        return base_error_set(err, BASE_ERROR_CREDENTIALS, "CredentialProcessError",
                             "%s: cannot start /bin/sh: %s", proc->what, strerror(errno));
    }
    setpgid(pid, pid); /* as the child does: whichever runs first */
    if (terminal)
        hand_terminal(pid);
    collect(proc, pid, out_fd[0], err_fd[0], r);
    if (terminal)
        hand_terminal(getpgrp());
    return 0;
}

/* "60 s", "0.2 s". */
static void format_limit(long ms, char *out, size_t size)
{
    if (ms % 1000 == 0)
        snprintf(out, size, "%ld s", ms / 1000);
    else
        snprintf(out, size, "%.1f s", (double)ms / 1000);
}

/* The first line of the command's stderr, shortened, for a message. */
static void first_stderr_line(const base_buf *err_text, char *out, size_t size)
{
    base_cursor rest = base_cursor_trim(base_cursor_of(base_buf_str(err_text), err_text->len)), line;
    out[0] = '\0';
    if (!base_cursor_next_token(&rest, '\n', &line))
        return;
    line = base_cursor_trim(line);
    size_t n = line.len < STDERR_SHOWN ? line.len : STDERR_SHOWN;
    snprintf(out, size, ": %.*s%s", (int)n, line.ptr, n < line.len ? "..." : "");
}

static int check_exit(const process *proc, const run_result *r, base_error *err)
{
    char detail[STDERR_SHOWN + 8];
    first_stderr_line(&r->err, detail, sizeof detail);
    if (r->timed_out) {
        char limit[32];
        format_limit(proc->timeout_ms, limit, sizeof limit);
        return base_error_set(err, BASE_ERROR_CREDENTIALS, "CredentialProcessTimeout",
                             "%s did not finish within its time limit of %s and was killed "
                             "with every process it started%s",
                             proc->what, limit, detail);
    }
    if (WIFSIGNALED(r->status))
        return base_error_set(err, BASE_ERROR_CREDENTIALS, "CredentialProcessError",
                             "%s was killed by signal %d%s", proc->what, WTERMSIG(r->status), detail);
    ENSURE(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0, err, BASE_ERROR_CREDENTIALS,
           "CredentialProcessError", "%s exited with status %d%s", proc->what,
           WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1, detail);
    return 0;
}

static int parse_output(const process *proc, const base_buf *text, aws_credentials *out, base_error *err)
{
    cJSON *doc = cJSON_ParseWithLength(base_buf_str(text), text->len);
    ENSURE(doc, err, BASE_ERROR_CREDENTIALS, "CredentialProcessError",
           "%s did not print a JSON document on stdout", proc->what);
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "Version");
    int rc = 0;
    if (!cJSON_IsNumber(version) || version->valuedouble != 1)
        rc = base_error_set(err, BASE_ERROR_CREDENTIALS, "CredentialProcessError",
                           "%s printed JSON without \"Version\": 1", proc->what);
    else
        rc = aws_credentials_from_json(doc, "SessionToken", proc->what, out, err);
    cJSON_Delete(doc);
    if (rc != 0 && err && strcmp(err->code, "MalformedCredentials") == 0)
        snprintf(err->code, sizeof err->code, "CredentialProcessError");
    return rc;
}

static int process_get(aws_credentials_provider *self, aws_credentials *out, base_error *err)
{
    process *proc = self->impl;
    run_result r = {0};
    int rc = run_command(proc, &r, err);
    if (rc == 0)
        rc = check_exit(proc, &r, err);
    if (rc == 0)
        rc = parse_output(proc, &r.out, out, err);
    base_buf_free_secret(&r.out);
    base_buf_free(&r.err);
    if (rc == 0)
        snprintf(out->source, sizeof out->source, "process");
    return rc;
}

static void process_destroy(aws_credentials_provider *self)
{
    process *proc = self->impl;
    free(proc->command);
    free(proc->what);
    free(proc);
    free(self);
}

aws_credentials_provider *aws_credentials_provider_new_process(const char *command, const char *profile,
                                                               long timeout_ms)
{
    process *proc = base_xcalloc(1, sizeof *proc);
    proc->command = base_xstrdup(command ? command : "");
    proc->timeout_ms = timeout_ms > 0 ? timeout_ms : AWS_CREDENTIAL_PROCESS_TIMEOUT_MS;
    base_buf what = {0};
    base_buf_printf(&what, "credential_process of profile \"%s\"", profile ? profile : "default");
    proc->what = base_buf_detach(&what);
    aws_credentials_provider *p = base_xcalloc(1, sizeof *p);
    *p = (aws_credentials_provider){.name = "process", .get = process_get,
                                    .destroy = process_destroy, .impl = proc};
    return p;
}

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
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "credentials_parse.h"
#include "credentials_providers.h"

#define OUTPUT_LIMIT (1024 * 1024)
#define STDERR_SHOWN 300

typedef struct process {
    char *command;
    char *what; /* "credential_process of profile \"x\"" */
} process;

typedef struct run_result {
    aws_buf out;
    aws_buf err;
    int status;
} run_result;

/* Reads one ready pipe into buf (up to OUTPUT_LIMIT); closes it at EOF. */
static void drain(struct pollfd *pfd, aws_buf *buf)
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
        aws_buf_append(buf, chunk, (size_t)n);
    memset(chunk, 0, sizeof chunk);
}

static void run_child(const char *command, int out_fd[2], int err_fd[2])
{
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

/* Runs command with /bin/sh, collecting stdout and stderr without deadlocking on either. */
static int run_command(const process *proc, run_result *r, aws_error *err)
{
    int out_fd[2], err_fd[2];
    if (pipe(out_fd) != 0)
        return aws_error_set(err, AWS_ERROR_CREDENTIALS, "CredentialProcessError",
                             "%s: cannot create a pipe: %s", proc->what, strerror(errno));
    if (pipe(err_fd) != 0) {
        close(out_fd[0]);
        close(out_fd[1]);
        return aws_error_set(err, AWS_ERROR_CREDENTIALS, "CredentialProcessError",
                             "%s: cannot create a pipe: %s", proc->what, strerror(errno));
    }
    pid_t pid = fork();
    if (pid == 0)
        run_child(proc->command, out_fd, err_fd);
    close(out_fd[1]);
    close(err_fd[1]);
    if (pid < 0) {
        close(out_fd[0]);
        close(err_fd[0]);
        return aws_error_set(err, AWS_ERROR_CREDENTIALS, "CredentialProcessError",
                             "%s: cannot start /bin/sh: %s", proc->what, strerror(errno));
    }
    struct pollfd fds[2] = {{.fd = out_fd[0], .events = POLLIN}, {.fd = err_fd[0], .events = POLLIN}};
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++)
            if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                drain(&fds[i], i == 0 ? &r->out : &r->err);
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

/* The first line of the command's stderr, shortened, for a message. */
static void first_stderr_line(const aws_buf *err_text, char *out, size_t size)
{
    aws_cursor rest = aws_cursor_trim(aws_cursor_of(aws_buf_str(err_text), err_text->len)), line;
    out[0] = '\0';
    if (!aws_cursor_next_token(&rest, '\n', &line))
        return;
    line = aws_cursor_trim(line);
    size_t n = line.len < STDERR_SHOWN ? line.len : STDERR_SHOWN;
    snprintf(out, size, ": %.*s%s", (int)n, line.ptr, n < line.len ? "..." : "");
}

static int check_exit(const process *proc, const run_result *r, aws_error *err)
{
    char detail[STDERR_SHOWN + 8];
    first_stderr_line(&r->err, detail, sizeof detail);
    if (WIFSIGNALED(r->status))
        return aws_error_set(err, AWS_ERROR_CREDENTIALS, "CredentialProcessError",
                             "%s was killed by signal %d%s", proc->what, WTERMSIG(r->status), detail);
    ENSURE(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0, err, AWS_ERROR_CREDENTIALS,
           "CredentialProcessError", "%s exited with status %d%s", proc->what,
           WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1, detail);
    return 0;
}

static int parse_output(const process *proc, const aws_buf *text, aws_credentials *out, aws_error *err)
{
    cJSON *doc = cJSON_ParseWithLength(aws_buf_str(text), text->len);
    ENSURE(doc, err, AWS_ERROR_CREDENTIALS, "CredentialProcessError",
           "%s did not print a JSON document on stdout", proc->what);
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "Version");
    int rc = 0;
    if (!cJSON_IsNumber(version) || version->valuedouble != 1)
        rc = aws_error_set(err, AWS_ERROR_CREDENTIALS, "CredentialProcessError",
                           "%s printed JSON without \"Version\": 1", proc->what);
    else
        rc = aws_credentials_from_json(doc, "SessionToken", proc->what, out, err);
    cJSON_Delete(doc);
    if (rc != 0 && err && strcmp(err->code, "MalformedCredentials") == 0)
        snprintf(err->code, sizeof err->code, "CredentialProcessError");
    return rc;
}

static int process_get(aws_credentials_provider *self, aws_credentials *out, aws_error *err)
{
    process *proc = self->impl;
    run_result r = {0};
    int rc = run_command(proc, &r, err);
    if (rc == 0)
        rc = check_exit(proc, &r, err);
    if (rc == 0)
        rc = parse_output(proc, &r.out, out, err);
    aws_buf_free_secret(&r.out);
    aws_buf_free(&r.err);
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

aws_credentials_provider *aws_credentials_provider_new_process(const char *command, const char *profile)
{
    process *proc = aws_xcalloc(1, sizeof *proc);
    proc->command = aws_xstrdup(command ? command : "");
    aws_buf what = {0};
    aws_buf_printf(&what, "credential_process of profile \"%s\"", profile ? profile : "default");
    proc->what = aws_buf_detach(&what);
    aws_credentials_provider *p = aws_xcalloc(1, sizeof *p);
    *p = (aws_credentials_provider){.name = "process", .get = process_get,
                                    .destroy = process_destroy, .impl = proc};
    return p;
}

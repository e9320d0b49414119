/*
 * startup_bench.c - how long the handler binary takes from fork and exec to
 * its first Runtime API request (GET /2018-06-01/runtime/invocation/next):
 * the part of a Lambda cold start that is ours, once Lambda has the sandbox
 * and the package ready. A measurement, not a test: ctest never runs it
 * (bench/README.md).
 *
 *   startup_bench [HANDLER_BINARY] [RUNS]
 *       (default: this build's scribble-handler, 50 runs per row)
 *   startup_bench --package LABEL=ZIP [--package LABEL=ZIP ...] [RUNS]
 *       (each package's bootstrap run from /var/task, warm and cold)
 *
 * Lambda runs scribble-handler-lambda, whose loader and RPATH point into
 * /var/task/lib, so it starts only inside the package. The first form times
 * scribble-handler, the same code built for this machine, as the send,
 * broadcast and snapshot handlers. The second times what Lambda runs: each
 * package is unpacked and takes its turn at /var/task (task_root.h), and its
 * bootstrap starts as the send handler twice a round: warm (its files in the
 * page cache, as the last run left them) and cold (just dropped from it).
 * Rows compare against the first package's.
 *
 * This program plays the Runtime API: it listens on 127.0.0.1 (a port the OS
 * gives), starts the handler with the settings every handler needs, takes
 * the time when the request line arrives, then kills the handler. The cache
 * is opened on the first invocation, never reached here, so its endpoint
 * need not answer. Against the handlers stands the floor of process creation
 * on this machine: fork, exec and exit of /bin/true. Rows are interleaved,
 * one run of each per round, so a busy moment of the machine falls on all
 * of them alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "task_root.h"

#ifndef SCRIBBLE_HANDLER_PATH
#define SCRIBBLE_HANDLER_PATH "build/scribble-handler"
#endif

#define FLOOR_PROGRAM "/bin/true"
#define FIRST_REQUEST_TIMEOUT_MS 10000
#define EXPECTED_REQUEST "GET /2018-06-01/runtime/invocation/next "
#define PACKAGE_HANDLER "send"
#define MAX_PACKAGES 8

static const char *const handler_names[] = {"send", "broadcast", "snapshot"};
#define HANDLER_COUNT (sizeof handler_names / sizeof handler_names[0])

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int listen_local(int *port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(addr.sin_port);
    return fd;
}

/* The child's output goes to /dev/null: the handler logs a line at start,
 * and a terminal would time its drawing of it. */
static pid_t start_program(const char *path, int null_fd)
{
    pid_t pid = fork();
    if (pid == 0) {
        dup2(null_fd, STDOUT_FILENO);
        dup2(null_fd, STDERR_FILENO);
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Milliseconds from fork to exit of FLOOR_PROGRAM, or -1. */
static double time_floor(int null_fd)
{
    double start = now_ms();
    pid_t pid = start_program(FLOOR_PROGRAM, null_fd);
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    double elapsed = now_ms() - start;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? elapsed : -1;
}

/* The request line of the first request on listen_fd, and when it arrived;
 * what follows it in the same packets too, for an unexpected request's
 * reason. 0, or -1 with why in problem; *exited is set when the child exited
 * (and was reaped) first. */
static int first_request(int listen_fd, pid_t pid, double start, char *request, size_t size,
                         double *arrived, int *exited, char *problem, size_t problem_size)
{
    int status;
    for (;;) {
        struct pollfd p = {.fd = listen_fd, .events = POLLIN};
        if (poll(&p, 1, 50) > 0)
            break;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            *exited = 1;
            snprintf(problem, problem_size, "the handler exited (%s %d) before asking for work",
                     WIFEXITED(status) ? "status" : "signal",
                     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            return -1;
        }
        if (now_ms() - start > FIRST_REQUEST_TIMEOUT_MS) {
            snprintf(problem, problem_size, "no request within %d ms", FIRST_REQUEST_TIMEOUT_MS);
            return -1;
        }
    }
    int fd = accept(listen_fd, NULL, NULL);
    if (fd < 0) {
        snprintf(problem, problem_size, "accept: %s", strerror(errno));
        return -1;
    }
    size_t have = 0;
    while (have < size - 1 && !memchr(request, '\n', have)) {
        ssize_t n = recv(fd, request + have, size - 1 - have, 0);
        if (n <= 0)
            break;
        have += (size_t)n;
    }
    *arrived = now_ms();
    request[have] = '\0';
    if (strncmp(request, EXPECTED_REQUEST, sizeof EXPECTED_REQUEST - 1) != 0) {
        /* Most likely POST .../runtime/init/error, whose body says why. */
        usleep(100 * 1000);
        ssize_t n = recv(fd, request + have, size - 1 - have, MSG_DONTWAIT);
        if (n > 0)
            have += (size_t)n;
    }
    request[have] = '\0';
    close(fd);
    return 0;
}

/* Milliseconds from fork of the handler to the request line of its first
 * request, or -1 with why in problem. The handler is killed and reaped
 * either way. */
static double time_handler(const char *path, int listen_fd, int null_fd, char *problem,
                           size_t problem_size)
{
    double start = now_ms();
    pid_t pid = start_program(path, null_fd);
    if (pid < 0) {
        snprintf(problem, problem_size, "fork: %s", strerror(errno));
        return -1;
    }
    char request[4096];
    double arrived = 0;
    int exited = 0;
    int rc = first_request(listen_fd, pid, start, request, sizeof request, &arrived, &exited,
                           problem, problem_size);
    if (!exited) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    if (rc != 0)
        return -1;
    if (strncmp(request, EXPECTED_REQUEST, sizeof EXPECTED_REQUEST - 1) != 0) {
        const char *body = strstr(request, "\r\n\r\n");
        snprintf(problem, problem_size, "the first request was \"%.*s\"%s%s",
                 (int)strcspn(request, "\r\n"), request, body && body[4] ? ": " : "",
                 body ? body + 4 : "");
        return -1;
    }
    return arrived - start;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct summary {
    double min, median, p90;
} summary;

static summary summarise(double *values, int count)
{
    qsort(values, (size_t)count, sizeof *values, compare_doubles);
    int p90 = (count * 9 + 9) / 10 - 1; /* the nearest-rank 90th percentile */
    return (summary){
        .min = values[0],
        .median = count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2,
        .p90 = values[p90],
    };
}

static void print_row(const char *name, summary s, double floor_median)
{
    printf("%-17s  %7.2f  %9.2f  %7.2f  %13.1fx\n", name, s.min, s.median, s.p90,
           s.median / floor_median);
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int signo)
{
    (void)signo;
    interrupted = 1;
}

/* The handler binary's rows: send, broadcast and snapshot, against the floor. */
static int bench_binary(const char *path, int runs, int listen_fd, int null_fd)
{
    if (access(path, X_OK) != 0) {
        fprintf(stderr, "startup_bench: %s: %s\n", path, strerror(errno));
        return 1;
    }
    double *floor_ms = calloc((size_t)runs, sizeof *floor_ms);
    double *handler_ms[HANDLER_COUNT];
    for (size_t h = 0; h < HANDLER_COUNT; h++)
        handler_ms[h] = calloc((size_t)runs, sizeof *handler_ms[h]);
    int rc = 0;
    for (int run = 0; run < runs && rc == 0; run++) {
        if ((floor_ms[run] = time_floor(null_fd)) < 0) {
            fprintf(stderr, "startup_bench: %s did not run and exit 0\n", FLOOR_PROGRAM);
            rc = 1;
        }
        for (size_t h = 0; h < HANDLER_COUNT && rc == 0; h++) {
            char problem[1024] = "";
            setenv("_HANDLER", handler_names[h], 1);
            if ((handler_ms[h][run] = time_handler(path, listen_fd, null_fd, problem,
                                                   sizeof problem)) < 0) {
                fprintf(stderr, "startup_bench: %s handler: %s\n", handler_names[h], problem);
                rc = 1;
            }
        }
    }
    if (rc == 0) {
        printf("startup: fork+exec of %s to its first GET /2018-06-01/runtime/invocation/next,\n"
               "%d runs each; the floor is fork+exec+exit of %s\n",
               path, runs, FLOOR_PROGRAM);
        printf("%-17s  %7s  %9s  %7s  %14s\n", "handler", "min ms", "median ms", "p90 ms",
               "median / floor");
        summary floor = summarise(floor_ms, runs);
        print_row(FLOOR_PROGRAM " (floor)", floor, floor.median);
        for (size_t h = 0; h < HANDLER_COUNT; h++)
            print_row(handler_names[h], summarise(handler_ms[h], runs), floor.median);
    }
    for (size_t h = 0; h < HANDLER_COUNT; h++)
        free(handler_ms[h]);
    free(floor_ms);
    return rc;
}

typedef struct package_rows {
    const char *label;
    const char *zip;
    task_root root;
    double *warm_ms;
    double *cold_ms;
} package_rows;

/* One round for one package: at /var/task, a warm run, eviction, a cold run,
 * and back. Records the share of pages eviction left in *resident_max. */
static int package_round(package_rows *p, int run, int listen_fd, int null_fd,
                         double *resident_max, char *problem, size_t problem_size)
{
    if (task_root_enter(&p->root, problem, problem_size) != 0)
        return -1;
    double resident = 0;
    int rc = (p->warm_ms[run] = time_handler(TASK_ROOT "/bootstrap", listen_fd, null_fd, problem,
                                             problem_size)) < 0 ||
                     task_root_evict(&p->root, &resident, problem, problem_size) != 0 ||
                     (p->cold_ms[run] = time_handler(TASK_ROOT "/bootstrap", listen_fd, null_fd,
                                                     problem, problem_size)) < 0
                 ? -1
                 : 0;
    if (resident > *resident_max)
        *resident_max = resident;
    char leave_problem[512];
    if (task_root_leave(&p->root, leave_problem, sizeof leave_problem) != 0) {
        snprintf(problem, problem_size, "%s", leave_problem);
        return -1;
    }
    return rc;
}

static void print_package_rows(package_rows *packages, int count, int runs, double resident_max,
                               double *floor_ms)
{
    printf("startup of each package's bootstrap at " TASK_ROOT ": fork+exec to its first\n"
           "GET /2018-06-01/runtime/invocation/next as the %s handler, %d runs per row;\n"
           "cold: the package's files dropped from the page cache before each run (at most\n"
           "%.1f%% of their pages stayed)\n\n",
           PACKAGE_HANDLER, runs, resident_max * 100);
    printf("%-12s  %5s  %9s  %11s  %11s\n", "package", "files", "zipped MB", "unzipped MB",
           "zipped ratio");
    for (int i = 0; i < count; i++)
        printf("%-12s  %5zu  %9.2f  %11.2f  %11.2fx\n", packages[i].label,
               packages[i].root.file_count, (double)packages[i].root.zip_bytes / 1e6,
               (double)packages[i].root.unpacked_bytes / 1e6,
               (double)packages[i].root.zip_bytes / (double)packages[0].root.zip_bytes);
    printf("\n%-19s  %7s  %9s  %7s  %14s\n", "row", "min ms", "median ms", "p90 ms",
           "median ratio");
    summary floor = summarise(floor_ms, runs);
    printf("%-19s  %7.2f  %9.2f  %7.2f\n", FLOOR_PROGRAM " (floor)", floor.min, floor.median,
           floor.p90);
    for (int cold = 0; cold <= 1; cold++) {
        summary first = {0};
        for (int i = 0; i < count; i++) {
            summary s = summarise(cold ? packages[i].cold_ms : packages[i].warm_ms, runs);
            if (i == 0)
                first = s;
            char row[64];
            snprintf(row, sizeof row, "%s, %s", packages[i].label, cold ? "cold" : "warm");
            printf("%-19s  %7.2f  %9.2f  %7.2f  %13.2fx\n", row, s.min, s.median, s.p90,
                   s.median / first.median);
        }
    }
}

/* The packages' rows: each unpacked, then run from /var/task warm and cold. */
static int bench_packages(package_rows *packages, int count, int runs, int listen_fd, int null_fd)
{
    char stage[PATH_MAX], problem[1024] = "";
    if (task_root_stage_dir(stage, sizeof stage, problem, sizeof problem) != 0) {
        fprintf(stderr, "startup_bench: %s\n", problem);
        return 1;
    }
    signal(SIGINT, on_interrupt);
    signal(SIGTERM, on_interrupt);
    setenv("_HANDLER", PACKAGE_HANDLER, 1);
    double *floor_ms = calloc((size_t)runs, sizeof *floor_ms);
    int rc = 0;
    for (int i = 0; i < count && rc == 0; i++) {
        packages[i].warm_ms = calloc((size_t)runs, sizeof *packages[i].warm_ms);
        packages[i].cold_ms = calloc((size_t)runs, sizeof *packages[i].cold_ms);
        rc = task_root_unpack(&packages[i].root, packages[i].zip, stage, i, problem,
                              sizeof problem);
    }
    double resident_max = 0;
    for (int run = 0; run < runs && rc == 0; run++) {
        if ((floor_ms[run] = time_floor(null_fd)) < 0) {
            snprintf(problem, sizeof problem, "%s did not run and exit 0", FLOOR_PROGRAM);
            rc = -1;
        }
        for (int i = 0; i < count && rc == 0; i++) {
            rc = package_round(&packages[i], run, listen_fd, null_fd, &resident_max, problem,
                               sizeof problem);
            if (rc != 0)
                snprintf(problem + strlen(problem), sizeof problem - strlen(problem), " (%s)",
                         packages[i].label);
        }
        if (interrupted && rc == 0) {
            snprintf(problem, sizeof problem, "interrupted");
            rc = -1;
        }
    }
    if (rc == 0)
        print_package_rows(packages, count, runs, resident_max, floor_ms);
    else
        fprintf(stderr, "startup_bench: %s\n", problem);
    for (int i = 0; i < count; i++) {
        task_root_remove(&packages[i].root);
        free(packages[i].warm_ms);
        free(packages[i].cold_ms);
    }
    rmdir(stage);
    free(floor_ms);
    return rc == 0 ? 0 : 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: startup_bench [HANDLER_BINARY] [RUNS]\n"
                    "       startup_bench --package LABEL=ZIP [--package LABEL=ZIP ...] [RUNS]\n");
    return 2;
}

int main(int argc, char **argv)
{
    package_rows packages[MAX_PACKAGES];
    int package_count = 0, next = 1;
    while (next + 1 < argc && strcmp(argv[next], "--package") == 0) {
        char *equals = strchr(argv[next + 1], '=');
        if (!equals || equals == argv[next + 1] || package_count == MAX_PACKAGES)
            return usage();
        *equals = '\0';
        packages[package_count++] = (package_rows){.label = argv[next + 1], .zip = equals + 1};
        next += 2;
    }
    const char *path = SCRIBBLE_HANDLER_PATH;
    if (!package_count && next < argc)
        path = argv[next++];
    int runs = next < argc ? atoi(argv[next++]) : 50;
    if (next != argc || runs < 1)
        return usage();
    int port;
    int listen_fd = listen_local(&port);
    int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (listen_fd < 0 || null_fd < 0) {
        fprintf(stderr, "startup_bench: %s\n", strerror(errno));
        return 1;
    }
    char api[32];
    snprintf(api, sizeof api, "127.0.0.1:%d", port);
    setenv("AWS_LAMBDA_RUNTIME_API", api, 1);
    setenv("SCRIBBLE_STACK", "bench", 1);
    setenv("SCRIBBLE_CACHE_ENDPOINT", "127.0.0.1:1", 1);
    setenv("SCRIBBLE_CANVAS_WIDTH", "1000", 1);
    setenv("SCRIBBLE_CANVAS_HEIGHT", "1000", 1);
    setenv("SCRIBBLE_CANVAS_DEPTH", "1", 1);
    int rc = package_count ? bench_packages(packages, package_count, runs, listen_fd, null_fd)
                           : bench_binary(path, runs, listen_fd, null_fd);
    close(null_fd);
    close(listen_fd);
    return rc;
}

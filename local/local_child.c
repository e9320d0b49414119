/*
 * local_child.c - starting and stopping scribblectl local's children
 * (local_child.h).
 */
#include "local/local_child.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "local/local_clock.h"

void local_child_detach(pid_t parent)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) /* it died before prctl */
        _exit(1);
}

void local_sleep_ms(long long ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void signal_group(pid_t pid, int sig)
{
    if (kill(-pid, sig) != 0)
        kill(pid, sig);
}

void local_child_stop(pid_t pid, int wait_ms, int *status)
{
    int ignored;
    if (!status)
        status = &ignored;
    signal_group(pid, SIGTERM);
    int64_t deadline = local_monotonic_ms() + wait_ms;
    while (waitpid(pid, status, WNOHANG) == 0) {
        if (local_monotonic_ms() >= deadline) {
            signal_group(pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
            }
            return;
        }
        local_sleep_ms(10);
    }
}

/*
 * stop_signal.c - SIGINT and SIGTERM as a request to stop (stop_signal.h).
 */
#include "provision/stop_signal.h"

#include <signal.h>
#include <time.h>

#define WAIT_SLICE_MS 50

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void stop_signal_catch(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

bool stop_signal_requested(void) { return stop_requested != 0; }

void stop_signal_wait_ms(long ms)
{
    for (long waited = 0; waited < ms && !stop_requested; waited += WAIT_SLICE_MS) {
        struct timespec slice = {0, WAIT_SLICE_MS * 1000000L};
        nanosleep(&slice, NULL);
    }
}

/*
 * clock.h - the monotonic clock that waits, deadlines and elapsed times are
 * measured on, and a pause that a signal does not cut short. Wall time (for
 * signing, expirations) is time(2)'s; nothing here depends on it.
 */
#ifndef SCRIBBLE_AWS_CLOCK_H
#define SCRIBBLE_AWS_CLOCK_H

#include <time.h>

/* Seconds on the monotonic clock (the origin means nothing). */
static inline double aws_monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds on the monotonic clock. */
static inline long aws_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps ms milliseconds, resuming after a signal until the time is up. */
static inline void aws_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

#endif

/*
 * local_clock.h - the two clocks scribblectl local reads: wall time in
 * milliseconds since the Unix epoch (what AWS puts in events, deadlines and
 * timestamps) and a monotonic clock for measuring waits.
 */
#ifndef SCRIBBLE_LOCAL_CLOCK_H
#define SCRIBBLE_LOCAL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t local_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t local_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif

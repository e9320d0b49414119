/*
 * stop_signal.h - how a verb that runs until told (logs --follow, status
 * --watch) learns it is told: SIGINT or SIGTERM set a flag it checks, and
 * its waits end early when they arrive, so it ends cleanly with status 0.
 */
#ifndef SCRIBBLE_PROVISION_STOP_SIGNAL_H
#define SCRIBBLE_PROVISION_STOP_SIGNAL_H

#include <stdbool.h>

/* From now on SIGINT and SIGTERM ask the verb to stop. */
void stop_signal_catch(void);
/* Whether one of them came. */
bool stop_signal_requested(void);
/* Waits up to ms, returning early when a stop is requested. */
void stop_signal_wait_ms(long ms);

#endif

/*
 * local_child.h - how scribblectl local starts and stops its children
 * (redis-server, the handlers).
 *
 * Started: each in a process group of its own, so a terminal's Ctrl-C
 * reaches only scribblectl, which then stops them in order; and set to die
 * with scribblectl if it is killed outright, so none outlives it.
 * scribblectl local forks from its only thread, which is what
 * PR_SET_PDEATHSIG watches.
 */
#ifndef SCRIBBLE_LOCAL_CHILD_H
#define SCRIBBLE_LOCAL_CHILD_H

#include <sys/types.h>

/* In the child between fork and exec; parent is getpid() before the fork.
 * Async-signal-safe. */
void local_child_detach(pid_t parent);

/* SIGTERM to the child's group; SIGKILL if it has not exited after wait_ms;
 * reaps it. *status (may be NULL) gets its wait status. */
void local_child_stop(pid_t pid, int wait_ms, int *status);

void local_sleep_ms(long long ms);

#endif

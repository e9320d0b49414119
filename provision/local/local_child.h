/*
 * local_child.h - how scribblectl local's children (redis-server, the
 * handlers) are set apart, called in the child between fork and exec: a
 * process group of their own, so a terminal's Ctrl-C reaches only
 * scribblectl, which then stops them in order; and death with scribblectl
 * if it is killed outright, so none outlives it. scribblectl local forks
 * from its only thread, which is what PR_SET_PDEATHSIG watches.
 */
#ifndef SCRIBBLE_LOCAL_CHILD_H
#define SCRIBBLE_LOCAL_CHILD_H

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

/* parent: getpid() before the fork. Async-signal-safe. */
static inline void local_child_detach(pid_t parent)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) /* it died before prctl */
        _exit(1);
}

#endif

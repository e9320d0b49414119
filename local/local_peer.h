/*
 * local_peer.h - which process is at the other end of a TCP connection
 * made on this machine, for the Runtime API's listeners (local_function.c):
 * each serves its own handler's process and no other.
 */
#ifndef SCRIBBLE_LOCAL_PEER_H
#define SCRIBBLE_LOCAL_PEER_H

#include <stdbool.h>
#include <sys/types.h>

/* Whether process pid holds the client end of fd, an accepted IPv4 TCP
 * connection from this machine. false when that cannot be told (the client
 * end already closed, pid gone, /proc unreadable). */
bool local_peer_is_process(int fd, pid_t pid);

#endif

/*
 * local_peer.c - tells whether a given process holds the client end of an
 * accepted connection (local_peer.h), from what Linux shows in /proc.
 *
 * The client's socket is the one whose local address is our connection's
 * peer address and whose remote address is our local one: its line in
 * /proc/net/tcp gives its inode, and the process holds it when one of
 * /proc/<pid>/fd links to "socket:[<inode>]". Both ends are on this
 * machine, so both are in our network namespace's table. The listeners are
 * IPv4 only, so /proc/net/tcp6 is never needed. A port alone would not do:
 * any process may connect from any free port, but only the holder of a
 * socket has it among its descriptors.
 */
#include "local/local_peer.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* "0100007F:1F90": an IPv4 address and port as /proc/net/tcp writes them
 * (the address's four bytes as one number in this machine's byte order). */
static void proc_address(const struct sockaddr_in *a, char out[16])
{
    snprintf(out, 16, "%08X:%04X", (unsigned)a->sin_addr.s_addr, (unsigned)ntohs(a->sin_port));
}

/* The inode of the socket from `local` to `remote`, or 0. */
static unsigned long socket_inode(const char *local, const char *remote)
{
    FILE *f = fopen("/proc/net/tcp", "re");
    if (!f)
        return 0;
    char line[512], l[64], r[64];
    unsigned long inode, found = 0;
    while (!found && fgets(line, sizeof line, f))
        if (sscanf(line, " %*u: %63s %63s %*x %*s %*s %*s %*u %*u %lu", l, r, &inode) == 3 &&
            strcmp(l, local) == 0 && strcmp(r, remote) == 0)
            found = inode;
    fclose(f);
    return found;
}

static bool holds_socket(pid_t pid, unsigned long inode)
{
    char dir_path[64], want[48], link_path[320], target[64];
    snprintf(dir_path, sizeof dir_path, "/proc/%ld/fd", (long)pid);
    snprintf(want, sizeof want, "socket:[%lu]", inode);
    DIR *dir = opendir(dir_path);
    if (!dir)
        return false;
    bool held = false;
    for (struct dirent *e; !held && (e = readdir(dir));) {
        snprintf(link_path, sizeof link_path, "%s/%s", dir_path, e->d_name);
        ssize_t n = readlink(link_path, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        held = strcmp(target, want) == 0;
    }
    closedir(dir);
    return held;
}

bool local_peer_is_process(int fd, pid_t pid)
{
    struct sockaddr_in ours, theirs;
    socklen_t ours_len = sizeof ours, theirs_len = sizeof theirs;
    if (pid <= 0 || getsockname(fd, (struct sockaddr *)&ours, &ours_len) != 0 ||
        getpeername(fd, (struct sockaddr *)&theirs, &theirs_len) != 0 ||
        ours.sin_family != AF_INET || theirs.sin_family != AF_INET)
        return false;
    char local[16], remote[16];
    proc_address(&theirs, local);
    proc_address(&ours, remote);
    unsigned long inode = socket_inode(local, remote);
    return inode != 0 && holds_socket(pid, inode);
}

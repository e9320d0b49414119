/*
 * file_write.c - see file_write.h.
 */
#include "file_write.h"

#include <errno.h>
#include <unistd.h>

bool base_file_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

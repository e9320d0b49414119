/*
 * file_write.h - writing a whole buffer to a file descriptor, through short
 * writes and interrupted calls: what every file scribblectl writes in place
 * (the package cache, scribblectl local's TLS material) needs.
 */
#ifndef SCRIBBLE_PROVISION_FILE_WRITE_H
#define SCRIBBLE_PROVISION_FILE_WRITE_H

#include <stdbool.h>
#include <stddef.h>

/* Writes all len bytes; false (errno set) when a write fails. */
bool file_write_all(int fd, const void *data, size_t len);

#endif

/*
 * file_write.h - writing a whole buffer to a file descriptor, through short
 * writes and interrupted calls: what every file written in place needs
 * (scribblectl's package cache, scribblectl local's credentials and TLS
 * material).
 */
#ifndef SCRIBBLE_BASE_FILE_WRITE_H
#define SCRIBBLE_BASE_FILE_WRITE_H

#include <stdbool.h>
#include <stddef.h>

/* Writes all len bytes; false (errno set) when a write fails. */
bool base_file_write_all(int fd, const void *data, size_t len);

#endif

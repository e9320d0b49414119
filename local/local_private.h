/*
 * local_private.h - what scribblectl local keeps from other users of the
 * machine: its folders (the data directory, logs/, cache/, cache/tls/), the
 * files in them that hold the canvas, keys and passwords, and the random
 * secrets it makes for each run.
 *
 * Folders are made 0700 and files 0600, never through a symlink, and an
 * existing one that another user could swap or read into is refused rather
 * than repaired (a file of ours that others may read is narrowed to 0600).
 * Inside a folder local_private_dir accepts, only this user can put a
 * symlink, so what is opened there afterwards is ours. Nothing here prints.
 */
#ifndef SCRIBBLE_LOCAL_PRIVATE_H
#define SCRIBBLE_LOCAL_PRIVATE_H

#include <stddef.h>

#include "base/error.h"

/* Creates dir (mode 0700) when missing, then checks it without following a
 * symlink: it must be a directory (not a symlink to one), owned by this
 * user, and writable by neither its group nor others. Errors: code
 * "UnsafeDirectory", naming the directory and what to do; "LocalTlsWrite"
 * when it cannot be created. */
int local_private_dir(const char *dir, base_error *err);

/* mkdir -p with mode 0700 for every folder made, then local_private_dir on
 * the last. Errors: "InvalidDataDir" (empty, too long, or a folder that
 * cannot be made), and local_private_dir's. */
int local_private_dirs(const char *path, base_error *err);

/* Opens path with flags (O_WRONLY | O_APPEND, O_RDWR, ...), creating it mode
 * 0600 when missing, never through a symlink; an existing file must be a
 * regular file of this user's, and is narrowed to 0600. Returns the
 * descriptor (close-on-exec), or -1 with code "UnsafeFile" naming it. */
int local_private_open(const char *path, int flags, base_error *err);

/* Makes path anew for writing, mode 0600: what was there (a symlink
 * included, which is removed, not followed) goes first, and O_EXCL refuses
 * whatever appears meanwhile. Returns the descriptor, or -1 with code. */
int local_private_create(const char *path, const char *code, base_error *err);

/* bytes random bytes from OpenSSL as lowercase hex into out (size > 2 * bytes).
 * Errors: code, when OpenSSL gives none. */
int local_private_random_hex(char *out, size_t size, size_t bytes, const char *code, base_error *err);

#endif

/*
 * local_private.c - scribblectl local's private folders, files and secrets
 * (local_private.h).
 *
 * Folders are checked through a descriptor opened with O_NOFOLLOW, so the
 * check is of the folder itself, not of whatever a symlink points at. Files
 * are opened with O_NOFOLLOW too and checked with fstat on that descriptor.
 */
#include "local/local_private.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#define UNSAFE "UnsafeDirectory"
#define UNSAFE_FILE "UnsafeFile"

static bool is_symlink_error(const char *path, int open_error)
{
    struct stat link;
    return open_error == ELOOP ||
           (open_error == ENOTDIR && lstat(path, &link) == 0 && S_ISLNK(link.st_mode));
}

int local_private_dir(const char *dir, base_error *err)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return base_error_set(err, BASE_ERROR_CONFIG, "LocalTlsWrite", "creating %s: %s", dir,
                             strerror(errno));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int open_error = errno;
    if (fd < 0 && is_symlink_error(dir, open_error))
        return base_error_set(err, BASE_ERROR_CONFIG, UNSAFE,
                             "%s is a symbolic link; scribblectl local keeps its keys and "
                             "passwords only in a directory of its own: remove the link, or "
                             "choose another data_dir", dir);
    ENSURE(fd >= 0, err, BASE_ERROR_CONFIG, UNSAFE, "%s: %s", dir,
           open_error == ENOTDIR ? "not a directory" : strerror(open_error));
    struct stat st;
    bool stat_ok = fstat(fd, &st) == 0;
    int saved = errno;
    close(fd);
    ENSURE(stat_ok, err, BASE_ERROR_CONFIG, UNSAFE, "%s: %s", dir, strerror(saved));
    ENSURE(st.st_uid == geteuid(), err, BASE_ERROR_CONFIG, UNSAFE,
           "%s belongs to user %lu, not to you (user %lu); scribblectl local keeps its keys and "
           "passwords only in a directory of your own: remove it, or choose another data_dir",
           dir, (unsigned long)st.st_uid, (unsigned long)geteuid());
    ENSURE(!(st.st_mode & (S_IWGRP | S_IWOTH)), err, BASE_ERROR_CONFIG, UNSAFE,
           "%s is writable by %s (mode %04o); allowed: writable by you alone (chmod 700 %s)",
           dir, st.st_mode & S_IWOTH ? "every user" : "its group", (unsigned)(st.st_mode & 07777),
           dir);
    return 0;
}

int local_private_dirs(const char *path, base_error *err)
{
    char dir[PATH_MAX];
    ENSURE(path && path[0] && strlen(path) < sizeof dir, err, BASE_ERROR_INVALID, "InvalidDataDir",
           "the data directory is empty or longer than %zu characters", sizeof dir - 1);
    strcpy(dir, path);
    for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        bool made = mkdir(dir, 0700) == 0 || errno == EEXIST;
        int saved = errno;
        *slash = '/';
        ENSURE(made, err, BASE_ERROR_CONFIG, "InvalidDataDir", "creating %.*s: %s",
               (int)(slash - dir), dir, strerror(saved));
    }
    return local_private_dir(dir, err);
}

int local_private_open(const char *path, int flags, base_error *err)
{
    int fd = open(path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    int open_error = errno;
    ENSURE(fd >= 0 || open_error != ELOOP, err, BASE_ERROR_CONFIG, UNSAFE_FILE,
           "%s: a symbolic link, which scribblectl local does not follow: remove it", path);
    ENSURE(fd >= 0, err, BASE_ERROR_CONFIG, UNSAFE_FILE, "opening %s: %s", path,
           strerror(open_error));
    struct stat st;
    const char *why = fstat(fd, &st) != 0 ? "it cannot be examined"
                      : !S_ISREG(st.st_mode) ? "not a regular file"
                      : st.st_uid != geteuid() ? "another user's file"
                      : (st.st_mode & 077) && fchmod(fd, 0600) != 0 ? "others may read it, and it cannot be narrowed to 0600"
                      : NULL;
    if (why)
        close(fd);
    ENSURE(!why, err, BASE_ERROR_CONFIG, UNSAFE_FILE, "%s: %s; remove it, or choose another data_dir",
           path, why);
    return fd;
}

int local_private_create(const char *path, const char *code, base_error *err)
{
    ENSURE(unlink(path) == 0 || errno == ENOENT, err, BASE_ERROR_CONFIG, code,
           "removing the old %s: %s", path, strerror(errno));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    ENSURE(fd >= 0, err, BASE_ERROR_CONFIG, code, "creating %s: %s", path, strerror(errno));
    if (fchmod(fd, 0600) != 0) { /* against an umask that took more than asked: it never adds */
        int saved = errno;
        close(fd);
        unlink(path);
        return base_error_set(err, BASE_ERROR_CONFIG, code, "creating %s: %s", path, strerror(saved));
    }
    return fd;
}

int local_private_random_hex(char *out, size_t size, size_t bytes, const char *code, base_error *err)
{
    unsigned char raw[64];
    ENSURE(bytes <= sizeof raw && size > 2 * bytes && RAND_bytes(raw, (int)bytes) == 1, err,
           BASE_ERROR_CONFIG, code, "could not make a secret: OpenSSL gave no random bytes");
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < bytes; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * bytes] = '\0';
    explicit_bzero(raw, sizeof raw);
    return 0;
}

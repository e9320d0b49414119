/*
 * package_cache.c - built Lambda packages kept between runs (package_cache.h).
 *
 * One directory, mode 0700: a package is code this user deploys, so no one
 * else may put one there. Each entry is one plain zip named
 * <inputs key>-<SHA-256 of the zip>.zip: the name says what it was built
 * from and what its bytes must hash to, so an entry verifies itself, and one
 * that was damaged or cut short is removed and built again. Entries are
 * written to a temporary file in the same directory and renamed into place,
 * so a reader (another scribblectl at the same time) sees a whole entry or
 * none. An entry's modification time is when it was last built or taken;
 * after each store only the PACKAGE_CACHE_KEEP most recent remain, and
 * temporary files a crashed run left are removed once they are an hour old.
 */
#define _GNU_SOURCE /* mkostemp */

#include "provision/package_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws/sigv4.h"
#include "base/file_write.h"

#define HEX_LEN 64
#define ENTRY_SUFFIX ".zip"
#define ENTRY_NAME_LEN (HEX_LEN + 1 + HEX_LEN + sizeof ENTRY_SUFFIX - 1)
#define TEMP_PREFIX ".tmp-"
#define STALE_TEMP_SECONDS 3600

static bool is_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool is_entry_name(const char *name)
{
    return strlen(name) == ENTRY_NAME_LEN && is_hex(name, HEX_LEN) && name[HEX_LEN] == '-' &&
           is_hex(name + HEX_LEN + 1, HEX_LEN) &&
           strcmp(name + 2 * HEX_LEN + 1, ENTRY_SUFFIX) == 0;
}

static bool join(char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    return n > 0 && (size_t)n < size;
}

/* Makes one directory with mode 0700 when missing. An existing one must be a
 * directory; when private, also ours, and set to 0700. */
static bool make_dir(const char *path, bool private)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return false;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return false;
    if (!private)
        return true;
    if (st.st_uid != geteuid())
        return false;
    return (st.st_mode & 07777) == 0700 || chmod(path, 0700) == 0;
}

bool package_cache_open(package_cache *cache)
{
    char base[PATH_MAX];
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n;
    /* The XDG base directory specification ignores a relative path. */
    if (xdg && xdg[0] == '/')
        n = snprintf(base, sizeof base, "%s", xdg);
    else if (home && home[0] == '/')
        n = snprintf(base, sizeof base, "%s/.cache", home);
    else
        return false;
    if (n <= 0 || (size_t)n >= sizeof base || !make_dir(base, false))
        return false;
    char scribble[PATH_MAX];
    return join(scribble, sizeof scribble, base, "scribble") && make_dir(scribble, false) &&
           join(cache->dir, sizeof cache->dir, scribble, "packages") && make_dir(cache->dir, true);
}

static bool read_fd(int fd, base_buf *out)
{
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n == 0)
            return true;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        base_buf_append(out, chunk, (size_t)n);
    }
}

/* Reads one entry and checks its bytes against its name; removes it when
 * they differ (or cannot be read). */
static bool load_entry(const package_cache *cache, const char *name, base_buf *zip,
                       char sha256_hex[65])
{
    char path[PATH_MAX];
    if (!join(path, sizeof path, cache->dir, name))
        return false;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return false;
    base_buf bytes = {0};
    char actual[65] = "";
    bool ok = read_fd(fd, &bytes);
    if (ok) {
        aws_sha256_hex(bytes.data ? bytes.data : "", bytes.len, actual);
        ok = memcmp(actual, name + HEX_LEN + 1, HEX_LEN) == 0;
    }
    if (ok) {
        futimens(fd, NULL); /* just used: the last to be pruned */
        base_buf_free(zip);
        *zip = bytes;
        memcpy(sha256_hex, actual, sizeof actual);
    } else {
        base_buf_free(&bytes);
        unlink(path);
    }
    close(fd);
    return ok;
}

bool package_cache_load(const package_cache *cache, const char *inputs_key, base_buf *zip,
                        char sha256_hex[65])
{
    if (strlen(inputs_key) != HEX_LEN)
        return false;
    DIR *dir = opendir(cache->dir);
    if (!dir)
        return false;
    bool found = false;
    struct dirent *d;
    while (!found && (d = readdir(dir)) != NULL)
        if (is_entry_name(d->d_name) && strncmp(d->d_name, inputs_key, HEX_LEN) == 0)
            found = load_entry(cache, d->d_name, zip, sha256_hex);
    closedir(dir);
    return found;
}

typedef struct cached_entry {
    char name[ENTRY_NAME_LEN + 1];
    struct timespec used;
} cached_entry;

static int most_recent_first(const void *a, const void *b)
{
    const cached_entry *x = a, *y = b;
    if (x->used.tv_sec != y->used.tv_sec)
        return x->used.tv_sec < y->used.tv_sec ? 1 : -1;
    if (x->used.tv_nsec != y->used.tv_nsec)
        return x->used.tv_nsec < y->used.tv_nsec ? 1 : -1;
    return strcmp(x->name, y->name);
}

static void prune(const package_cache *cache)
{
    DIR *dir = opendir(cache->dir);
    if (!dir)
        return;
    cached_entry *entries = NULL;
    size_t count = 0, cap = 0;
    time_t now = time(NULL);
    struct dirent *d;
    while ((d = readdir(dir)) != NULL) {
        char path[PATH_MAX];
        struct stat st;
        if (!join(path, sizeof path, cache->dir, d->d_name) || lstat(path, &st) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        if (strncmp(d->d_name, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0) {
            if (now - st.st_mtime > STALE_TEMP_SECONDS)
                unlink(path);
            continue;
        }
        if (!is_entry_name(d->d_name))
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            entries = base_xrealloc(entries, cap * sizeof *entries);
        }
        memcpy(entries[count].name, d->d_name, ENTRY_NAME_LEN + 1);
        entries[count].used = st.st_mtim;
        count++;
    }
    closedir(dir);
    if (count > PACKAGE_CACHE_KEEP) {
        qsort(entries, count, sizeof *entries, most_recent_first);
        for (size_t i = PACKAGE_CACHE_KEEP; i < count; i++) {
            char path[PATH_MAX];
            if (join(path, sizeof path, cache->dir, entries[i].name))
                unlink(path);
        }
    }
    free(entries);
}

bool package_cache_store(const package_cache *cache, const char *inputs_key, const base_buf *zip,
                         const char *sha256_hex)
{
    char name[ENTRY_NAME_LEN + 1];
    snprintf(name, sizeof name, "%.64s-%.64s" ENTRY_SUFFIX, inputs_key, sha256_hex);
    char path[PATH_MAX], temp[PATH_MAX];
    if (!is_entry_name(name) || !join(path, sizeof path, cache->dir, name) ||
        !join(temp, sizeof temp, cache->dir, TEMP_PREFIX "XXXXXX"))
        return false;
    int fd = mkostemp(temp, O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = base_file_write_all(fd, zip->data, zip->len);
    ok = close(fd) == 0 && ok;
    ok = ok && rename(temp, path) == 0;
    if (!ok)
        unlink(temp);
    prune(cache);
    return ok;
}

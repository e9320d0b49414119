/*
 * task_root.c - Lambda packages staged for runs at /var/task (task_root.h).
 *
 * Eviction is posix_fadvise(POSIX_FADV_DONTNEED) on each file: unlike
 * writing to /proc/sys/vm/drop_caches it needs no privilege, and it touches
 * only the package's pages, not those of everything else on the machine.
 * The kernel may keep a page it cannot drop at once, so mincore() then
 * counts what is still resident, and the bench reports it.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include "task_root.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#define STAGE_TEMPLATE "/var/task-bench-XXXXXX"

__attribute__((format(printf, 3, 4))) static int fail(char *problem, size_t size,
                                                       const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(problem, size, fmt, args);
    va_end(args);
    return -1;
}

int task_root_stage_dir(char *dir, size_t size, char *problem, size_t problem_size)
{
    struct stat st;
    if (lstat(TASK_ROOT, &st) == 0)
        return fail(problem, problem_size, TASK_ROOT " exists: move it away to run packages there");
    if (snprintf(dir, size, "%s", STAGE_TEMPLATE) >= (int)size || !mkdtemp(dir))
        return fail(problem, problem_size, "cannot make %s: %s", STAGE_TEMPLATE, strerror(errno));
    return 0;
}

/* An entry's name as a relative path that stays inside the package. */
static int safe_name(const char *name)
{
    return name[0] && name[0] != '/' && !strstr(name, "..");
}

static int make_parents(char *path)
{
    for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        int rc = mkdir(path, 0755);
        *slash = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    return 0;
}

static int copy_entry(zip_t *za, zip_uint64_t i, const char *target, mode_t mode,
                      long long *bytes)
{
    zip_file_t *in = zip_fopen_index(za, i, 0);
    int out = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    int rc = in && out >= 0 ? 0 : -1;
    char chunk[65536];
    zip_int64_t n = 0;
    while (rc == 0 && (n = zip_fread(in, chunk, sizeof chunk)) > 0) {
        rc = write(out, chunk, (size_t)n) == n ? 0 : -1;
        *bytes += n;
    }
    if (rc == 0 && n < 0)
        rc = -1;
    if (in)
        zip_fclose(in);
    /* Written back now, so eviction finds clean pages it can drop. */
    if (out >= 0 && (fsync(out) != 0 || close(out) != 0 || chmod(target, mode) != 0))
        rc = -1;
    return rc;
}

int task_root_unpack(task_root *t, const char *zip_path, const char *stage_dir, int index,
                     char *problem, size_t problem_size)
{
    memset(t, 0, sizeof *t);
    struct stat st;
    if (stat(zip_path, &st) != 0)
        return fail(problem, problem_size, "%s: %s", zip_path, strerror(errno));
    t->zip_bytes = st.st_size;
    snprintf(t->staged, sizeof t->staged, "%s/%d", stage_dir, index);
    if (mkdir(t->staged, 0755) != 0)
        return fail(problem, problem_size, "%s: %s", t->staged, strerror(errno));
    int zip_error = 0;
    zip_t *za = zip_open(zip_path, ZIP_RDONLY, &zip_error);
    if (!za)
        return fail(problem, problem_size, "%s: not a zip (libzip error %d)", zip_path, zip_error);
    zip_int64_t count = zip_get_num_entries(za, 0);
    t->files = calloc((size_t)(count > 0 ? count : 1), sizeof *t->files);
    int rc = 0;
    for (zip_int64_t i = 0; rc == 0 && i < count; i++) {
        const char *name = zip_get_name(za, (zip_uint64_t)i, 0);
        zip_uint8_t opsys;
        zip_uint32_t attributes;
        if (!name || !safe_name(name) || name[strlen(name) - 1] == '/' ||
            zip_file_get_external_attributes(za, (zip_uint64_t)i, 0, &opsys, &attributes) != 0) {
            rc = fail(problem, problem_size, "%s: an entry it will not unpack: %s", zip_path,
                      name ? name : "(no name)");
            break;
        }
        mode_t mode = opsys == ZIP_OPSYS_UNIX ? (attributes >> 16) & 07777 : 0644;
        char target[PATH_MAX * 2];
        snprintf(target, sizeof target, "%s/%s", t->staged, name);
        if (make_parents(target) != 0 || copy_entry(za, (zip_uint64_t)i, target, mode,
                                                     &t->unpacked_bytes) != 0)
            rc = fail(problem, problem_size, "unpacking %s: %s", name, strerror(errno));
        else
            t->files[t->file_count++] = strdup(name);
    }
    zip_discard(za);
    return rc;
}

int task_root_enter(const task_root *t, char *problem, size_t problem_size)
{
    if (rename(t->staged, TASK_ROOT) != 0)
        return fail(problem, problem_size, "cannot put %s at " TASK_ROOT ": %s", t->staged,
                    strerror(errno));
    return 0;
}

int task_root_leave(const task_root *t, char *problem, size_t problem_size)
{
    if (rename(TASK_ROOT, t->staged) != 0)
        return fail(problem, problem_size, "cannot move " TASK_ROOT " back to %s: %s", t->staged,
                    strerror(errno));
    return 0;
}

/* Pages of the open file fd still in the page cache, and its pages in all. */
static void count_resident(int fd, size_t length, size_t *resident, size_t *total)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t pages = (length + (size_t)page - 1) / (size_t)page;
    *total += pages;
    if (!length)
        return;
    void *map = mmap(NULL, length, PROT_READ, MAP_SHARED, fd, 0);
    unsigned char *vector = malloc(pages);
    if (map != MAP_FAILED && vector && mincore(map, length, vector) == 0)
        for (size_t i = 0; i < pages; i++)
            *resident += vector[i] & 1;
    else
        *resident += pages; /* unknown: count it as not evicted */
    free(vector);
    if (map != MAP_FAILED)
        munmap(map, length);
}

int task_root_evict(const task_root *t, double *resident, char *problem, size_t problem_size)
{
    size_t resident_pages = 0, total_pages = 0;
    for (size_t i = 0; i < t->file_count; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, TASK_ROOT "/%s", t->files[i]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            if (fd >= 0)
                close(fd);
            return fail(problem, problem_size, "%s: %s", path, strerror(errno));
        }
        int rc = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        if (rc == 0)
            count_resident(fd, (size_t)st.st_size, &resident_pages, &total_pages);
        close(fd);
        if (rc != 0)
            return fail(problem, problem_size, "posix_fadvise %s: %s", path, strerror(rc));
    }
    *resident = total_pages ? (double)resident_pages / (double)total_pages : 0;
    return 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    remove(path);
    return 0;
}

void task_root_remove(task_root *t)
{
    if (t->staged[0])
        nftw(t->staged, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    for (size_t i = 0; i < t->file_count; i++)
        free(t->files[i]);
    free(t->files);
    memset(t, 0, sizeof *t);
}

/*
 * task_root.h - Lambda packages unpacked where Lambda puts them, for
 * startup_bench's package rows. Each zip is unpacked once into a staging
 * directory beside /var/task (same file system), and is renamed to /var/task
 * only while its bootstrap runs, then back: renaming moves no data, so the
 * page cache holds what the runs left there, and several packages take turns
 * at the one path their ELF interpreter and RPATH name. /var/task must not
 * exist when staging starts, so nothing of the machine's is ever moved or
 * removed; task_root_remove deletes only what was staged.
 */
#ifndef SCRIBBLE_BENCH_TASK_ROOT_H
#define SCRIBBLE_BENCH_TASK_ROOT_H

#include <limits.h>
#include <stddef.h>

#define TASK_ROOT "/var/task"

typedef struct task_root {
    char staged[PATH_MAX]; /* where the unpacked package waits while not at /var/task */
    char **files;          /* its files, relative to the package's root */
    size_t file_count;
    long long zip_bytes;
    long long unpacked_bytes;
} task_root;

/* Makes the staging directory (/var/task-bench-XXXXXX) into dir. -1 with why
 * in problem, e.g. when /var/task exists. */
int task_root_stage_dir(char *dir, size_t size, char *problem, size_t problem_size);
/* Unpacks zip_path into stage_dir/<index>, keeping each entry's Unix mode. */
int task_root_unpack(task_root *t, const char *zip_path, const char *stage_dir, int index,
                     char *problem, size_t problem_size);
/* Puts the package at /var/task, and back where it was staged. */
int task_root_enter(const task_root *t, char *problem, size_t problem_size);
int task_root_leave(const task_root *t, char *problem, size_t problem_size);
/* Drops the package's files (at /var/task) from the page cache; sets
 * *resident to the fraction of their pages still cached afterwards. */
int task_root_evict(const task_root *t, double *resident, char *problem, size_t problem_size);
/* Deletes the staged copy (the package must not be at /var/task). */
void task_root_remove(task_root *t);

#endif

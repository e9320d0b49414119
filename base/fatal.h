/*
 * fatal.h - the last words of a program that cannot go on: memory ran out,
 * or an invariant the code relies on is broken (a bug, not an input). One
 * line on stderr, then abort(), so a core or a sanitizer shows where.
 *
 * Everything that can fail for a reason outside the program returns a
 * base_error instead (error.h); this is the one place in the libraries that
 * prints.
 */
#ifndef SCRIBBLE_BASE_FATAL_H
#define SCRIBBLE_BASE_FATAL_H

_Noreturn void base_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

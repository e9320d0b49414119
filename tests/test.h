/*
 * test.h - the assertions of the C unit tests. A failed check prints what
 * differed and where, and the test's exit status counts the failures.
 */
#ifndef SCRIBBLE_TEST_H
#define SCRIBBLE_TEST_H

#include <stdio.h>
#include <string.h>

static int test_failures;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);    \
            test_failures++;                                                            \
        }                                                                               \
    } while (0)

#define CHECK_STR_EQ(got, want)                                                         \
    do {                                                                                \
        const char *got_ = (got), *want_ = (want);                                      \
        if (!got_ || !want_ || strcmp(got_, want_) != 0) {                              \
            fprintf(stderr, "%s:%d: %s differs\n  got:  %s\n  want: %s\n", __FILE__,    \
                    __LINE__, #got, got_ ? got_ : "(null)", want_ ? want_ : "(null)");  \
            test_failures++;                                                            \
        }                                                                               \
    } while (0)

#define CHECK_INT_EQ(got, want)                                                         \
    do {                                                                                \
        long long got_ = (long long)(got), want_ = (long long)(want);                   \
        if (got_ != want_) {                                                            \
            fprintf(stderr, "%s:%d: %s is %lld, want %lld\n", __FILE__, __LINE__, #got, \
                    got_, want_);                                                       \
            test_failures++;                                                            \
        }                                                                               \
    } while (0)

#define TEST_EXIT() (test_failures ? (fprintf(stderr, "%d check(s) failed\n", test_failures), 1) : 0)

#endif

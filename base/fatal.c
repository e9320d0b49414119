/*
 * fatal.c - one line on stderr, then abort().
 */
#include "fatal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void base_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fatal: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

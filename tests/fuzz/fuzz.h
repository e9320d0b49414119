/*
 * fuzz.h - what the harnesses share: splitting the fuzzer's bytes into
 * fields, and a file whose contents are the bytes (for loaders that take a
 * path). Harnesses call abort() when a property fails: libFuzzer reports it
 * as a crash, with the input that caused it.
 */
#ifndef SCRIBBLE_FUZZ_H
#define SCRIBBLE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Takes the bytes before the next '\n' (or all that is left) as a field, NUL-terminated. */
static inline char *fuzz_take_line(const uint8_t **data, size_t *size)
{
    const uint8_t *end = memchr(*data, '\n', *size);
    size_t n = end ? (size_t)(end - *data) : *size;
    char *field = malloc(n + 1);
    if (!field)
        abort();
    memcpy(field, *data, n);
    field[n] = '\0';
    *data += n + (end ? 1 : 0);
    *size -= n + (end ? 1 : 0);
    return field;
}

/* Replaces the contents of path with the bytes. */
static inline void fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
}

/* A directory of this process's own, made once. */
static inline const char *fuzz_temp_dir(void)
{
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/scribble-fuzz.XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
    return dir;
}

#endif

/*
 * package_probe.c - builds the Lambda package as scribblectl does
 * (package_get, from the binary install_path finds, i.e. $SCRIBBLE_HANDLER_BINARY,
 * with the local cache under $XDG_CACHE_HOME) and writes the zip to the file
 * named by its argument, for test_package.py. Prints what package_get says
 * of it, one "name=value" a line (code_sha256, sha256_hex, reused), and
 * checks that a second package_get returns the very same package (built once
 * per process).
 */
#include <stdio.h>

#include "provision/package.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: package_probe OUT.zip\n");
        return 2;
    }
    base_error err = {0};
    const lambda_package *first = NULL, *second = NULL;
    if (package_get(&first, &err) != 0 || package_get(&second, &err) != 0) {
        char line[1400];
        base_error_format(&err, line, sizeof line);
        fprintf(stderr, "package_probe: %s\n", line);
        return 1;
    }
    if (first != second) {
        fprintf(stderr, "package_probe: package_get built the package twice\n");
        return 1;
    }
    FILE *f = fopen(argv[1], "wb");
    if (!f || fwrite(first->zip.data, 1, first->zip.len, f) != first->zip.len || fclose(f) != 0) {
        perror(argv[1]);
        return 1;
    }
    printf("code_sha256=%s\nsha256_hex=%s\nreused=%d\n", first->code_sha256, first->sha256_hex,
           first->reused ? 1 : 0);
    return 0;
}

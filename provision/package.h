/*
 * package.h - the Lambda deployment package: the handler binary built for
 * Lambda (its ELF interpreter is /var/task/lib/ld-linux-*.so, its RPATH
 * /var/task/lib), every shared library it loads, and nothing else. The binary
 * itself is the package's `bootstrap`, so it runs on Lambda's Amazon Linux
 * whatever the build machine's glibc. The build links everything but glibc
 * into it, so the libraries are glibc's own: the loader, libc and libm.
 * One package serves every function. The zip is deterministic (fixed order
 * and timestamps), so its SHA-256 says whether the deployed code is current
 * and names it in S3. A built package is kept in a local cache
 * (package_cache.h), found again by the hash of its inputs.
 */
#ifndef SCRIBBLE_PROVISION_PACKAGE_H
#define SCRIBBLE_PROVISION_PACKAGE_H

#include <stdbool.h>

#include "base/buf.h"
#include "base/error.h"

typedef struct lambda_package {
    base_buf zip;
    char code_sha256[64]; /* base64 of the zip's SHA-256, as Lambda reports CodeSha256 */
    char sha256_hex[65];  /* the same digest in lowercase hex: the package's S3 key */
    bool reused;          /* taken from the local cache, not zipped by this process */
} lambda_package;

/* Builds the package from binary_path, or takes it from the local cache when
 * an entry there was built from the same files. */
int package_build(const char *binary_path, lambda_package *out, base_error *err);
/* Built once per process (thread-safe) from the Lambda build of the handler
 * (install_paths.h); later calls return the same package. */
int package_get(const lambda_package **out, base_error *err);
void package_free(lambda_package *p);

#endif

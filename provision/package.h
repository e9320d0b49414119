/*
 * package.h - the Lambda deployment package: the handler binary built for
 * Lambda (its ELF interpreter is /var/task/lib/ld-linux-*.so, its RPATH
 * /var/task/lib), every shared library it loads, and nothing else. The binary
 * itself is the package's `bootstrap`, so it runs on Lambda's Amazon Linux
 * whatever the build machine's glibc. One package serves every function.
 * The zip is deterministic (fixed order and timestamps), so its SHA-256 says
 * whether the deployed code is current.
 */
#ifndef SCRIBBLE_PROVISION_PACKAGE_H
#define SCRIBBLE_PROVISION_PACKAGE_H

#include "aws/buf.h"
#include "aws/error.h"

typedef struct lambda_package {
    aws_buf zip;
    char code_sha256[64]; /* base64 of the zip's SHA-256, as Lambda reports CodeSha256 */
} lambda_package;

/* The Lambda build of the handler binary: $SCRIBBLE_HANDLER_BINARY, else
 * scribble-handler-lambda beside the running scribblectl. */
const char *package_handler_binary(void);
/* Builds the package from binary_path. */
int package_build(const char *binary_path, lambda_package *out, aws_error *err);
/* Built once per process (thread-safe); later calls return the same package. */
int package_get(const lambda_package **out, aws_error *err);
void package_free(lambda_package *p);

#endif

/*
 * credentials.h - AWS credentials and the providers that find them.
 *
 * One provider per file (credentials_environment.c, credentials_profile.c,
 * credentials_process.c, credentials_container.c, credentials_imds.c,
 * credentials_sts.c), composed by credentials_chain.c in the order the AWS
 * SDKs use. A provider that finds nothing returns -1 with kind
 * BASE_ERROR_CREDENTIALS and code "NotFound", and a message saying why; any
 * other failure is a real error. The chain's error lists every source tried.
 */
#ifndef SCRIBBLE_AWS_CREDENTIALS_H
#define SCRIBBLE_AWS_CREDENTIALS_H

#include <stdbool.h>
#include <time.h>

#include "base/error.h"

typedef struct aws_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL for long-term credentials */
    time_t expiration;   /* 0: does not expire */
    char source[64];     /* the provider that produced them, e.g. "environment" */
} aws_credentials;

void aws_credentials_free(aws_credentials *c);
void aws_credentials_copy(aws_credentials *dst, const aws_credentials *src);

typedef struct aws_credentials_provider aws_credentials_provider;
struct aws_credentials_provider {
    const char *name;
    int (*get)(aws_credentials_provider *self, aws_credentials *out, base_error *err);
    void (*destroy)(aws_credentials_provider *self);
    void *impl;
};

int aws_credentials_provider_get(aws_credentials_provider *p, aws_credentials *out, base_error *err);
void aws_credentials_provider_free(aws_credentials_provider *p);

#endif

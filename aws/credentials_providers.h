/*
 * credentials_providers.h - constructors of the credential providers, one
 * file each, and the default chain that composes them in the SDKs' order:
 *
 *   1. environment      AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
 *   2. profile          shared credentials/config files: static keys, role_arn with
 *                       source_profile (STS AssumeRole), credential_process
 *   3. container        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI
 *   4. instance metadata (IMDSv2 token, then the role's credentials)
 *
 * The chain wraps the result in a cache that refreshes temporary credentials
 * before they expire. The cache is thread-safe (one fetch at a time, the
 * others wait for its result), so one default chain can serve several
 * clients through borrowed references.
 */
#ifndef SCRIBBLE_AWS_CREDENTIALS_PROVIDERS_H
#define SCRIBBLE_AWS_CREDENTIALS_PROVIDERS_H

#include "credentials.h"
#include "http.h"
#include "shared_config.h"

/* What providers that make HTTP calls (STS, container, IMDS) need to know. */
typedef struct aws_credentials_context {
    const char *profile;      /* NULL: AWS_PROFILE, then "default" */
    const char *region;       /* for STS; NULL: AWS_REGION, AWS_DEFAULT_REGION, the profile's, then us-east-1 */
    const char *endpoint_url; /* scribble.ini override, passed on to STS */
    aws_log_fn debug_log;
    void *debug_ctx;
    long credential_process_timeout_ms; /* 0: AWS_CREDENTIAL_PROCESS_TIMEOUT_MS */
} aws_credentials_context;

/* How long a profile's credential_process may run before it is killed (its
 * whole process group) and the fetch fails: long enough to type an MFA code. */
#define AWS_CREDENTIAL_PROCESS_TIMEOUT_MS 60000

aws_credentials_provider *aws_credentials_provider_new_static(const aws_credentials *creds);
aws_credentials_provider *aws_credentials_provider_new_environment(void);
aws_credentials_provider *aws_credentials_provider_new_profile(const aws_credentials_context *ctx);
/* timeout_ms 0: AWS_CREDENTIAL_PROCESS_TIMEOUT_MS. */
aws_credentials_provider *aws_credentials_provider_new_process(const char *command, const char *profile,
                                                               long timeout_ms);
aws_credentials_provider *aws_credentials_provider_new_container(const aws_credentials_context *ctx);
aws_credentials_provider *aws_credentials_provider_new_imds(const aws_credentials_context *ctx);
/* AssumeRole with credentials from `source`, which it takes ownership of. */
aws_credentials_provider *aws_credentials_provider_new_sts_assume_role(
    const aws_credentials_context *ctx, const char *role_arn, const char *session_name,
    const char *external_id, aws_credentials_provider *source);
/* Tries each in order; takes ownership of the array's providers. */
aws_credentials_provider *aws_credentials_provider_new_chain(aws_credentials_provider **providers,
                                                             int count);
/* Caches another provider's credentials, refreshing them `refresh_before_s`
 * seconds before they expire. Takes ownership of inner. */
aws_credentials_provider *aws_credentials_provider_new_cached(aws_credentials_provider *inner,
                                                              int refresh_before_s);
aws_credentials_provider *aws_credentials_provider_new_default_chain(const aws_credentials_context *ctx);
/* Hands out another provider's credentials without owning it: freeing the
 * borrowed reference leaves `shared` alone, which must outlive it and be
 * thread-safe if several threads borrow it (the cache is). */
aws_credentials_provider *aws_credentials_provider_new_borrowed(aws_credentials_provider *shared);

#endif

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
 * before they expire.
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
} aws_credentials_context;

aws_credentials_provider *aws_credentials_provider_new_static(const aws_credentials *creds);
aws_credentials_provider *aws_credentials_provider_new_environment(void);
aws_credentials_provider *aws_credentials_provider_new_profile(const aws_credentials_context *ctx);
aws_credentials_provider *aws_credentials_provider_new_process(const char *command, const char *profile);
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

#endif

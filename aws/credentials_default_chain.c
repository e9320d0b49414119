/*
 * credentials_default_chain.c - the SDKs' default order, cached:
 * environment, profile (static keys, assumed roles, credential_process),
 * container, instance metadata. The cache refreshes temporary credentials
 * five minutes before they expire, as the SDKs' refresh window does.
 */
#include "credentials_providers.h"

#define REFRESH_BEFORE_SECONDS 300

aws_credentials_provider *aws_credentials_provider_new_default_chain(const aws_credentials_context *ctx)
{
    aws_credentials_provider *providers[] = {
        aws_credentials_provider_new_environment(),
        aws_credentials_provider_new_profile(ctx),
        aws_credentials_provider_new_container(ctx),
        aws_credentials_provider_new_imds(ctx),
    };
    aws_credentials_provider *chain =
        aws_credentials_provider_new_chain(providers, (int)(sizeof providers / sizeof providers[0]));
    return aws_credentials_provider_new_cached(chain, REFRESH_BEFORE_SECONDS);
}

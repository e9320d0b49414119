/*
 * client_default.c - a client over the default credentials chain.
 */
#include "aws/client_default.h"

#include "aws/credentials_providers.h"

int aws_client_new_default(const aws_client_options *opts, aws_client **out, base_error *err)
{
    aws_client_options o = opts ? *opts : (aws_client_options){0};
    if (!o.credentials) {
        /* The caller's own choice (NULL when none), so the chain can tell a
         * chosen profile that is missing (an error) from the default one;
         * likewise the region: STS resolves an unset one as the client does. */
        aws_credentials_context ctx = {.profile = o.profile && o.profile[0] ? o.profile : NULL,
                                       .region = o.region && o.region[0] ? o.region : NULL,
                                       .endpoint_url = o.endpoint_url && o.endpoint_url[0]
                                                           ? o.endpoint_url
                                                           : NULL,
                                       .debug_log = o.debug_log,
                                       .debug_ctx = o.debug_ctx,
                                       .credential_process_timeout_ms =
                                           o.credential_process_timeout_ms};
        o.credentials = aws_credentials_provider_new_default_chain(&ctx);
    }
    return aws_client_new(&o, out, err);
}

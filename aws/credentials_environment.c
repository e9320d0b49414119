/*
 * credentials_environment.c - credentials from AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (and AWS_CREDENTIAL_EXPIRATION).
 *
 * Neither key set: "NotFound", and the chain moves on. One set without the
 * other is a real error, as in the SDKs: the user meant to use these and a
 * silent fall-through to another identity would be worse. Empty values count
 * as unset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "credentials_parse.h"
#include "credentials_providers.h"

static const char *env_value(const char *name)
{
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

static int environment_get(aws_credentials_provider *self, aws_credentials *out, base_error *err)
{
    (void)self;
    const char *key_id = env_value("AWS_ACCESS_KEY_ID");
    const char *secret = env_value("AWS_SECRET_ACCESS_KEY");
    const char *token = env_value("AWS_SESSION_TOKEN");
    const char *expiration = env_value("AWS_CREDENTIAL_EXPIRATION");
    ENSURE(key_id || secret, err, BASE_ERROR_CREDENTIALS, "NotFound",
           "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
    ENSURE(key_id && secret, err, BASE_ERROR_CREDENTIALS, "PartialCredentials",
           "%s is set but %s is not; set both, or neither to use another source",
           key_id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
           key_id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    time_t expires = 0;
    ENSURE(!expiration || aws_credentials_parse_time(expiration, &expires) == 0, err,
           BASE_ERROR_CREDENTIALS, "InvalidCredentials",
           "AWS_CREDENTIAL_EXPIRATION is not an ISO-8601 time such as 2024-05-01T12:00:00Z");
    out->access_key_id = base_xstrdup(key_id);
    out->secret_access_key = base_xstrdup(secret);
    out->session_token = token ? base_xstrdup(token) : NULL;
    out->expiration = expires;
    snprintf(out->source, sizeof out->source, "environment");
    return 0;
}

static void environment_destroy(aws_credentials_provider *self)
{
    free(self);
}

aws_credentials_provider *aws_credentials_provider_new_environment(void)
{
    aws_credentials_provider *p = base_xcalloc(1, sizeof *p);
    *p = (aws_credentials_provider){.name = "environment", .get = environment_get,
                                    .destroy = environment_destroy};
    return p;
}

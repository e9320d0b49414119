/*
 * credentials_profile.c - credentials that a profile of the shared config
 * and credentials files describes, resolved as the SDKs do:
 *
 *   role_arn + source_profile     AssumeRole with the source profile's
 *                                 credentials (itself resolved the same way;
 *                                 a profile naming itself uses its own keys)
 *   role_arn + credential_source  AssumeRole with Environment, EcsContainer or
 *                                 Ec2InstanceMetadata credentials
 *   aws_access_key_id             static keys (+ aws_session_token)
 *   credential_process            the process provider
 *
 * The files are read on every fetch, so edits are seen after a refresh.
 * Only "the default profile is absent or holds no credentials" is
 * "NotFound"; a profile named by AWS_PROFILE that does not exist, a broken
 * role setup or an unsupported kind (SSO, web identity) is a real error,
 * because the user asked for that profile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "credentials_providers.h"

#define MAX_ROLE_CHAIN 8

typedef struct profile_provider {
    char *profile; /* NULL: AWS_PROFILE, then "default" */
    char *region;
    char *endpoint_url;
    aws_log_fn debug_log;
    void *debug_ctx;
    long process_timeout_ms;
} profile_provider;

typedef struct resolver {
    const profile_provider *config;
    const aws_shared_config *files;
    const char *visited[MAX_ROLE_CHAIN];
    int depth;
} resolver;

static int resolve(resolver *r, const char *profile, aws_credentials_provider **out, base_error *err);

static const char *value(const resolver *r, const char *profile, const char *key)
{
    const char *v = aws_shared_config_get(r->files, profile, key);
    return v && v[0] ? v : NULL;
}

static int config_error(base_error *err, const char *code, const char *profile, const char *what)
{
    return base_error_set(err, BASE_ERROR_CREDENTIALS, code, "profile \"%s\": %s", profile, what);
}

static aws_credentials_context context_for(const resolver *r, const char *profile)
{
    return (aws_credentials_context){.profile = profile, .region = r->config->region,
                                     .endpoint_url = r->config->endpoint_url,
                                     .debug_log = r->config->debug_log,
                                     .debug_ctx = r->config->debug_ctx,
                                     .credential_process_timeout_ms = r->config->process_timeout_ms};
}

/* aws_access_key_id and aws_secret_access_key (+ aws_session_token) as a static provider. */
static int static_keys(const resolver *r, const char *profile, aws_credentials_provider **out,
                       base_error *err)
{
    const char *key_id = value(r, profile, "aws_access_key_id");
    const char *secret = value(r, profile, "aws_secret_access_key");
    if (!key_id || !secret)
        return config_error(err, "PartialCredentials", profile,
                            key_id ? "aws_access_key_id is set but aws_secret_access_key is not"
                            : secret ? "aws_secret_access_key is set but aws_access_key_id is not"
                                     : "has no aws_access_key_id and aws_secret_access_key");
    aws_credentials creds = {.access_key_id = (char *)key_id, .secret_access_key = (char *)secret,
                             .session_token = (char *)value(r, profile, "aws_session_token")};
    snprintf(creds.source, sizeof creds.source, "profile");
    *out = aws_credentials_provider_new_static(&creds);
    return 0;
}

static int named_source(const resolver *r, const char *profile, const char *name,
                        aws_credentials_provider **out, base_error *err)
{
    aws_credentials_context ctx = context_for(r, profile);
    if (strcasecmp(name, "Environment") == 0)
        *out = aws_credentials_provider_new_environment();
    else if (strcasecmp(name, "EcsContainer") == 0)
        *out = aws_credentials_provider_new_container(&ctx);
    else if (strcasecmp(name, "Ec2InstanceMetadata") == 0)
        *out = aws_credentials_provider_new_imds(&ctx);
    else
        return config_error(err, "InvalidProfile", profile,
                            "credential_source must be Environment, EcsContainer or Ec2InstanceMetadata");
    return 0;
}

/* The provider whose credentials call AssumeRole for this profile's role_arn. */
static int role_source(resolver *r, const char *profile, aws_credentials_provider **out, base_error *err)
{
    const char *source_profile = value(r, profile, "source_profile");
    const char *credential_source = value(r, profile, "credential_source");
    if (source_profile && credential_source)
        return config_error(err, "InvalidProfile", profile,
                            "role_arn needs source_profile or credential_source, not both");
    if (credential_source)
        return named_source(r, profile, credential_source, out, err);
    if (!source_profile)
        return config_error(err, "InvalidProfile", profile,
                            "role_arn needs source_profile or credential_source");
    if (strcmp(source_profile, profile) == 0)
        return static_keys(r, profile, out, err);
    if (!aws_shared_config_has_profile(r->files, source_profile)) {
        char what[512];
        snprintf(what, sizeof what, "source_profile \"%s\" is not in %s or %s", source_profile,
                 aws_shared_config_config_path(r->files), aws_shared_config_credentials_path(r->files));
        return config_error(err, "ProfileNotFound", profile, what);
    }
    return resolve(r, source_profile, out, err);
}

static int assume_role(resolver *r, const char *profile, const char *role_arn,
                       aws_credentials_provider **out, base_error *err)
{
    aws_credentials_provider *source = NULL;
    TRY(role_source(r, profile, &source, err));
    aws_credentials_context ctx = context_for(r, profile);
    *out = aws_credentials_provider_new_sts_assume_role(&ctx, role_arn,
                                                        value(r, profile, "role_session_name"),
                                                        value(r, profile, "external_id"), source);
    return 0;
}

static int enter(resolver *r, const char *profile, base_error *err)
{
    for (int i = 0; i < r->depth; i++)
        if (strcmp(r->visited[i], profile) == 0)
            return config_error(err, "InvalidProfile", profile,
                                "source_profile leads back to this profile (a cycle)");
    if (r->depth == MAX_ROLE_CHAIN)
        return config_error(err, "InvalidProfile", profile, "too many source_profile hops");
    r->visited[r->depth++] = profile;
    return 0;
}

/* The provider a profile describes; NotFound when it describes none. */
static int resolve(resolver *r, const char *profile, aws_credentials_provider **out, base_error *err)
{
    TRY(enter(r, profile, err));
    const char *role_arn = value(r, profile, "role_arn");
    if (role_arn)
        return assume_role(r, profile, role_arn, out, err);
    if (value(r, profile, "web_identity_token_file"))
        return config_error(err, "UnsupportedProfile", profile,
                            "web identity credentials (web_identity_token_file) are not supported");
    if (value(r, profile, "sso_session") || value(r, profile, "sso_start_url"))
        return config_error(err, "UnsupportedProfile", profile,
                            "SSO credentials are not supported; use credential_process or static keys");
    if (value(r, profile, "aws_access_key_id") || value(r, profile, "aws_secret_access_key"))
        return static_keys(r, profile, out, err);
    const char *command = value(r, profile, "credential_process");
    if (command) {
        *out = aws_credentials_provider_new_process(command, profile, r->config->process_timeout_ms);
        return 0;
    }
    return base_error_set(err, BASE_ERROR_CREDENTIALS, r->depth > 1 ? "InvalidProfile" : "NotFound",
                         "profile \"%s\" has no aws_access_key_id, role_arn or credential_process",
                         profile);
}

/* A profile someone chose (AWS_PROFILE, or a caller's non-default name) must exist.
 * A caller passing "default" has only resolved the default, not chosen it. */
static bool profile_named_explicitly(const profile_provider *config)
{
    const char *env = getenv("AWS_PROFILE");
    return (env && env[0]) || (config->profile && strcmp(config->profile, "default") != 0);
}

static int missing_profile(const profile_provider *config, const aws_shared_config *files,
                           const char *profile, base_error *err)
{
    bool explicit_profile = profile_named_explicitly(config);
    return base_error_set(err, BASE_ERROR_CREDENTIALS, explicit_profile ? "ProfileNotFound" : "NotFound",
                         "%s \"%s\" is not in %s or %s", explicit_profile ? "the profile" : "profile",
                         profile, aws_shared_config_config_path(files),
                         aws_shared_config_credentials_path(files));
}

static int fetch(const profile_provider *config, const aws_shared_config *files,
                 aws_credentials *out, base_error *err)
{
    const char *profile = aws_shared_config_profile_name(config->profile);
    if (!aws_shared_config_has_profile(files, profile))
        return missing_profile(config, files, profile, err);
    resolver r = {.config = config, .files = files};
    aws_credentials_provider *provider = NULL;
    TRY(resolve(&r, profile, &provider, err));
    int rc = aws_credentials_provider_get(provider, out, err);
    aws_credentials_provider_free(provider);
    /* The profile chose this source: its finding nothing is this profile's failure. */
    if (rc != 0 && err && strcmp(err->code, "NotFound") == 0)
        snprintf(err->code, sizeof err->code, "CredentialSourceError");
    return rc;
}

static int profile_get(aws_credentials_provider *self, aws_credentials *out, base_error *err)
{
    aws_shared_config *files = NULL;
    TRY(aws_shared_config_load(&files, err));
    int rc = fetch(self->impl, files, out, err);
    aws_shared_config_free(files);
    return rc;
}

static void profile_destroy(aws_credentials_provider *self)
{
    profile_provider *config = self->impl;
    free(config->profile);
    free(config->region);
    free(config->endpoint_url);
    free(config);
    free(self);
}

static char *dup_or_null(const char *s)
{
    return s && s[0] ? base_xstrdup(s) : NULL;
}

aws_credentials_provider *aws_credentials_provider_new_profile(const aws_credentials_context *ctx)
{
    profile_provider *config = base_xcalloc(1, sizeof *config);
    if (ctx) {
        config->profile = dup_or_null(ctx->profile);
        config->region = dup_or_null(ctx->region);
        config->endpoint_url = dup_or_null(ctx->endpoint_url);
        config->debug_log = ctx->debug_log;
        config->debug_ctx = ctx->debug_ctx;
        config->process_timeout_ms = ctx->credential_process_timeout_ms;
    }
    aws_credentials_provider *p = base_xcalloc(1, sizeof *p);
    *p = (aws_credentials_provider){.name = "profile", .get = profile_get,
                                    .destroy = profile_destroy, .impl = config};
    return p;
}

/*
 * credentials_sts.c - temporary credentials from STS AssumeRole, signed
 * with the credentials of a source provider (a profile's keys, another
 * role, the environment, the container or the instance).
 *
 * Each fetch builds a short-lived client for the profile (so AWS_ENDPOINT_URL,
 * AWS_ENDPOINT_URL_STS and the profile's endpoint settings apply to STS) that
 * borrows the source provider; the cache above this provider decides how
 * often that happens. STS errors are real errors, never "NotFound": a
 * profile that names a role means that role.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "client.h"
#include "credentials_parse.h"
#include "credentials_providers.h"

typedef struct sts {
    char *role_arn;
    char *session_name;
    char *external_id; /* NULL: none */
    char *profile;     /* NULL: the default resolution */
    char *region;      /* NULL: the client's resolution, else us-east-1 */
    char *endpoint_url;
    aws_log_fn debug_log;
    void *debug_ctx;
    aws_credentials_provider *source;
} sts;

static char *dup_or_null(const char *s)
{
    return s && s[0] ? base_xstrdup(s) : NULL;
}

/* A provider that forwards to one it does not own: the client frees it, not the source. */
static int borrowed_get(aws_credentials_provider *self, aws_credentials *out, base_error *err)
{
    return aws_credentials_provider_get(self->impl, out, err);
}

static void borrowed_destroy(aws_credentials_provider *self)
{
    free(self);
}

static aws_credentials_provider *borrow(aws_credentials_provider *source)
{
    aws_credentials_provider *p = base_xcalloc(1, sizeof *p);
    *p = (aws_credentials_provider){.name = source->name, .get = borrowed_get,
                                    .destroy = borrowed_destroy, .impl = source};
    return p;
}

/* STS needs some region; when nothing names one, us-east-1 as the SDKs' fallback. */
static const char *region_for(const sts *s, aws_shared_config *shared)
{
    if (s->region)
        return s->region;
    const char *profile = aws_shared_config_profile_name(s->profile);
    const char *env = getenv("AWS_REGION");
    const char *env_default = getenv("AWS_DEFAULT_REGION");
    bool named = (env && env[0]) || (env_default && env_default[0]) ||
                 aws_shared_config_get(shared, profile, "region");
    return named ? NULL : "us-east-1";
}

static int start_client(const sts *s, aws_client **client, base_error *err)
{
    aws_shared_config *shared = NULL;
    TRY(aws_shared_config_load(&shared, err));
    aws_client_options opts = {.region = region_for(s, shared), .profile = s->profile,
                               .endpoint_url = s->endpoint_url, .debug_log = s->debug_log,
                               .debug_ctx = s->debug_ctx, .credentials = borrow(s->source)};
    int rc = aws_client_new(&opts, client, err);
    aws_shared_config_free(shared);
    return rc;
}

static int read_credentials(const sts *s, xmlDocPtr doc, aws_credentials *out, base_error *err)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    out->access_key_id = aws_xml_find_text(root, "AccessKeyId");
    out->secret_access_key = aws_xml_find_text(root, "SecretAccessKey");
    out->session_token = aws_xml_find_text(root, "SessionToken");
    char *expiration = aws_xml_find_text(root, "Expiration");
    int parsed = expiration ? aws_credentials_parse_time(expiration, &out->expiration) : -1;
    free(expiration);
    if (!out->access_key_id || !out->secret_access_key || !out->session_token || parsed != 0) {
        aws_credentials_free(out);
        return base_error_set(err, BASE_ERROR_PARSE, "MalformedCredentials",
                             "AssumeRole %s: the answer lacks AccessKeyId, SecretAccessKey, "
                             "SessionToken or a valid Expiration", s->role_arn);
    }
    snprintf(out->source, sizeof out->source, "sts-assume-role");
    return 0;
}

/* Puts "AssumeRole <role>: " in front of a failure's message. */
static void name_the_call(base_error *err, const sts *s)
{
    if (!err)
        return;
    base_buf message = {0};
    base_buf_printf(&message, "AssumeRole %s: %s", s->role_arn, err->message);
    snprintf(err->message, sizeof err->message, "%s", base_buf_str(&message));
    base_buf_free(&message);
}

static int sts_get(aws_credentials_provider *self, aws_credentials *out, base_error *err)
{
    sts *s = self->impl;
    ENSURE(s->source, err, BASE_ERROR_INVALID, "InvalidArgument",
           "AssumeRole %s: no source of credentials to call STS with", s->role_arn);
    aws_client *client = NULL;
    if (start_client(s, &client, err) != 0) {
        name_the_call(err, s);
        return -1;
    }
    aws_params params = {0};
    aws_params_add(&params, "RoleArn", s->role_arn);
    aws_params_add(&params, "RoleSessionName", s->session_name);
    if (s->external_id)
        aws_params_add(&params, "ExternalId", s->external_id);
    xmlDocPtr doc = NULL;
    int rc = aws_query_call(client, &aws_service_sts, "AssumeRole", &params, &doc, err);
    if (rc != 0)
        name_the_call(err, s);
    else
        rc = read_credentials(s, doc, out, err);
    if (doc)
        xmlFreeDoc(doc);
    aws_params_free(&params);
    aws_client_free(client);
    return rc;
}

static void sts_destroy(aws_credentials_provider *self)
{
    sts *s = self->impl;
    aws_credentials_provider_free(s->source);
    free(s->role_arn);
    free(s->session_name);
    free(s->external_id);
    free(s->profile);
    free(s->region);
    free(s->endpoint_url);
    free(s);
    free(self);
}

aws_credentials_provider *aws_credentials_provider_new_sts_assume_role(
    const aws_credentials_context *ctx, const char *role_arn, const char *session_name,
    const char *external_id, aws_credentials_provider *source)
{
    sts *s = base_xcalloc(1, sizeof *s);
    s->role_arn = base_xstrdup(role_arn ? role_arn : "");
    if (session_name && session_name[0]) {
        s->session_name = base_xstrdup(session_name);
    } else {
        base_buf name = {0};
        base_buf_printf(&name, "scribblectl-%lld", (long long)time(NULL));
        s->session_name = base_buf_detach(&name);
    }
    s->external_id = dup_or_null(external_id);
    if (ctx) {
        s->profile = dup_or_null(ctx->profile);
        s->region = dup_or_null(ctx->region);
        s->endpoint_url = dup_or_null(ctx->endpoint_url);
        s->debug_log = ctx->debug_log;
        s->debug_ctx = ctx->debug_ctx;
    }
    s->source = source;
    aws_credentials_provider *p = base_xcalloc(1, sizeof *p);
    *p = (aws_credentials_provider){.name = "sts-assume-role", .get = sts_get,
                                    .destroy = sts_destroy, .impl = s};
    return p;
}

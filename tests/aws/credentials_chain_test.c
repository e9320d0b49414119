/*
 * credentials_chain_test.c - the chain's rules (NotFound moves on, any other
 * error stops, nothing found lists every source), the cache's refresh
 * window, and the pieces providers share: ISO-8601 times, the JSON
 * credentials document, the environment and static providers.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "aws/credentials_parse.h"
#include "aws/credentials_providers.h"
#include "test.h"

/* A provider scripted by the test: yields, finds nothing, or fails; counts its calls. */
typedef struct fake {
    const char *key_id;  /* NULL: fails */
    const char *code;    /* the failure's code, e.g. "NotFound" */
    const char *reason;
    time_t expiration;
    int calls;
} fake;

static int fake_get(aws_credentials_provider *self, aws_credentials *out, base_error *err)
{
    fake *f = self->impl;
    f->calls++;
    if (!f->key_id)
        return base_error_set(err, BASE_ERROR_CREDENTIALS, f->code, "%s", f->reason);
    out->access_key_id = base_xstrdup(f->key_id);
    out->secret_access_key = base_xstrdup("secret");
    out->expiration = f->expiration;
    snprintf(out->source, sizeof out->source, "fake");
    return 0;
}

static void fake_destroy(aws_credentials_provider *self)
{
    free(self);
}

static aws_credentials_provider *new_fake(const char *name, fake *f)
{
    aws_credentials_provider *p = base_xcalloc(1, sizeof *p);
    *p = (aws_credentials_provider){.name = name, .get = fake_get, .destroy = fake_destroy, .impl = f};
    return p;
}

static void test_chain_moves_on_after_not_found(void)
{
    fake a = {.code = "NotFound", .reason = "nothing in a"}, b = {.key_id = "AKIAB"}, c = {.key_id = "AKIAC"};
    aws_credentials_provider *ps[] = {new_fake("a", &a), new_fake("b", &b), new_fake("c", &c)};
    aws_credentials_provider *chain = aws_credentials_provider_new_chain(ps, 3);
    aws_credentials creds;
    base_error err = {0};
    CHECK_INT_EQ(aws_credentials_provider_get(chain, &creds, &err), 0);
    CHECK_STR_EQ(creds.access_key_id, "AKIAB");
    CHECK_INT_EQ(a.calls, 1);
    CHECK_INT_EQ(c.calls, 0);
    aws_credentials_free(&creds);
    aws_credentials_provider_free(chain);
}

static void test_chain_stops_at_a_real_error(void)
{
    fake a = {.code = "NotFound", .reason = "nothing in a"};
    fake b = {.code = "PartialCredentials", .reason = "half a key"}, c = {.key_id = "AKIAC"};
    aws_credentials_provider *ps[] = {new_fake("a", &a), new_fake("b", &b), new_fake("c", &c)};
    aws_credentials_provider *chain = aws_credentials_provider_new_chain(ps, 3);
    aws_credentials creds;
    base_error err = {0};
    CHECK_INT_EQ(aws_credentials_provider_get(chain, &creds, &err), -1);
    CHECK_STR_EQ(err.code, "PartialCredentials");
    CHECK_STR_EQ(err.message, "b: half a key");
    CHECK_INT_EQ(c.calls, 0);
    aws_credentials_provider_free(chain);
}

static void test_chain_lists_every_source(void)
{
    fake a = {.code = "NotFound", .reason = "no a here"}, b = {.code = "NotFound", .reason = "no b either"};
    aws_credentials_provider *ps[] = {new_fake("alpha", &a), new_fake("beta", &b)};
    aws_credentials_provider *chain = aws_credentials_provider_new_chain(ps, 2);
    aws_credentials creds;
    base_error err = {0};
    CHECK_INT_EQ(aws_credentials_provider_get(chain, &creds, &err), -1);
    CHECK_INT_EQ(err.kind, BASE_ERROR_CREDENTIALS);
    CHECK_STR_EQ(err.code, "NoCredentials");
    CHECK_STR_EQ(err.message, "no AWS credentials found; tried alpha: no a here; beta: no b either");
    aws_credentials_provider_free(chain);
}

static int fetch(aws_credentials_provider *p, const char *want_key_id)
{
    aws_credentials creds;
    base_error err = {0};
    int rc = aws_credentials_provider_get(p, &creds, &err);
    if (rc == 0 && want_key_id)
        CHECK_STR_EQ(creds.access_key_id, want_key_id);
    aws_credentials_free(&creds);
    return rc;
}

static void test_cache_refresh_window(void)
{
    time_t now = time(NULL);
    fake forever = {.key_id = "AKIA0"}, later = {.key_id = "AKIA1", .expiration = now + 3600},
         soon = {.key_id = "AKIA2", .expiration = now + 60};
    aws_credentials_provider *p0 = aws_credentials_provider_new_cached(new_fake("f", &forever), 300);
    aws_credentials_provider *p1 = aws_credentials_provider_new_cached(new_fake("f", &later), 300);
    aws_credentials_provider *p2 = aws_credentials_provider_new_cached(new_fake("f", &soon), 300);
    for (int i = 0; i < 3; i++) {
        CHECK_INT_EQ(fetch(p0, "AKIA0"), 0);
        CHECK_INT_EQ(fetch(p1, "AKIA1"), 0);
        CHECK_INT_EQ(fetch(p2, "AKIA2"), 0);
    }
    CHECK_INT_EQ(forever.calls, 1); /* no expiration: never refreshed */
    CHECK_INT_EQ(later.calls, 1);   /* expires after the window: kept */
    CHECK_INT_EQ(soon.calls, 3);    /* inside the window: refreshed every time */
    soon.key_id = NULL;
    soon.code = "ExpiredToken";
    soon.reason = "refresh failed";
    CHECK_INT_EQ(fetch(p2, NULL), -1);
    aws_credentials_provider_free(p0);
    aws_credentials_provider_free(p1);
    aws_credentials_provider_free(p2);
}

static void test_parse_time(void)
{
    time_t t = 0;
    CHECK_INT_EQ(aws_credentials_parse_time("2024-05-01T12:00:00Z", &t), 0);
    CHECK_INT_EQ(t, 1714564800);
    CHECK_INT_EQ(aws_credentials_parse_time("2024-05-01T12:00:00.123Z", &t), 0);
    CHECK_INT_EQ(t, 1714564800);
    CHECK_INT_EQ(aws_credentials_parse_time("2024-05-01T14:30:00+02:30", &t), 0);
    CHECK_INT_EQ(t, 1714564800);
    CHECK_INT_EQ(aws_credentials_parse_time("2024-05-01T07:00:00-0500", &t), 0);
    CHECK_INT_EQ(t, 1714564800);
    CHECK_INT_EQ(aws_credentials_parse_time("2024-05-01T12:00:00", &t), -1);
    CHECK_INT_EQ(aws_credentials_parse_time("2024-13-01T12:00:00Z", &t), -1);
    CHECK_INT_EQ(aws_credentials_parse_time("yesterday", &t), -1);
    CHECK_INT_EQ(aws_credentials_parse_time("2024-05-01T12:00:00Zjunk", &t), -1);
}

static void test_json_document(void)
{
    cJSON *doc = cJSON_Parse("{\"AccessKeyId\":\"AKIAJ\",\"SecretAccessKey\":\"s3cr3t\",\"Token\":\"tok\","
                             "\"Expiration\":\"2024-05-01T12:00:00Z\"}");
    aws_credentials creds;
    base_error err = {0};
    CHECK_INT_EQ(aws_credentials_from_json(doc, "Token", "test", &creds, &err), 0);
    CHECK_STR_EQ(creds.access_key_id, "AKIAJ");
    CHECK_STR_EQ(creds.session_token, "tok");
    CHECK_INT_EQ(creds.expiration, 1714564800);
    aws_credentials_free(&creds);
    cJSON_Delete(doc);

    doc = cJSON_Parse("{\"AccessKeyId\":\"AKIAJ\",\"Expiration\":\"s3cr3t-not-a-time\"}");
    CHECK_INT_EQ(aws_credentials_from_json(doc, "Token", "test", &creds, &err), -1);
    CHECK_STR_EQ(err.message, "test: the credentials have no SecretAccessKey");
    cJSON_Delete(doc);

    doc = cJSON_Parse("{\"AccessKeyId\":\"AKIAJ\",\"SecretAccessKey\":\"s3cr3t\",\"Expiration\":\"s3cr3t\"}");
    CHECK_INT_EQ(aws_credentials_from_json(doc, "Token", "test", &creds, &err), -1);
    CHECK(strstr(err.message, "Expiration") != NULL);
    CHECK(strstr(err.message, "s3cr3t") == NULL);
    cJSON_Delete(doc);
}

static void test_environment_and_static(void)
{
    aws_credentials_provider *env = aws_credentials_provider_new_environment();
    aws_credentials creds;
    base_error err = {0};
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    CHECK_INT_EQ(aws_credentials_provider_get(env, &creds, &err), -1);
    CHECK_STR_EQ(err.code, "NotFound");
    setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t", 1);
    CHECK_INT_EQ(aws_credentials_provider_get(env, &creds, &err), -1);
    CHECK_STR_EQ(err.code, "PartialCredentials");
    CHECK(strstr(err.message, "s3cr3t") == NULL);
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_CREDENTIAL_EXPIRATION", "2024-05-01T12:00:00Z", 1);
    CHECK_INT_EQ(aws_credentials_provider_get(env, &creds, &err), 0);
    CHECK_STR_EQ(creds.source, "environment");
    CHECK(creds.session_token == NULL);
    CHECK_INT_EQ(creds.expiration, 1714564800);

    aws_credentials_provider *fixed = aws_credentials_provider_new_static(&creds);
    aws_credentials_free(&creds);
    CHECK_INT_EQ(aws_credentials_provider_get(fixed, &creds, &err), 0);
    CHECK_STR_EQ(creds.access_key_id, "AKIAENV");
    CHECK_STR_EQ(creds.secret_access_key, "s3cr3t");
    aws_credentials_free(&creds);
    aws_credentials_provider_free(fixed);
    aws_credentials_provider_free(env);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_CREDENTIAL_EXPIRATION");
}

int main(void)
{
    test_chain_moves_on_after_not_found();
    test_chain_stops_at_a_real_error();
    test_chain_lists_every_source();
    test_cache_refresh_window();
    test_parse_time();
    test_json_document();
    test_environment_and_static();
    return TEST_EXIT();
}

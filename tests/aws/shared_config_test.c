/*
 * shared_config_test.c - the shared config and credentials files reader:
 * which file and section a value comes from, sub-properties of
 * "[services x]", lines longer than inih's buffer, and malformed files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "aws/shared_config.h"
#include "test.h"

static char dir[] = "/tmp/shared_config_test.XXXXXX";

static char *path_of(const char *name)
{
    base_buf b = {0};
    base_buf_printf(&b, "%s/%s", dir, name);
    return base_buf_detach(&b);
}

static void write_file(const char *name, const char *text)
{
    char *path = path_of(name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    free(path);
}

static void use_files(const char *config, const char *credentials)
{
    char *c = path_of(config), *k = path_of(credentials);
    setenv("AWS_CONFIG_FILE", c, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", k, 1);
    free(c);
    free(k);
}

static aws_shared_config *load(void)
{
    aws_shared_config *cfg = NULL;
    base_error err = {0};
    if (aws_shared_config_load(&cfg, &err) != 0) {
        fprintf(stderr, "load failed: %s: %s\n", err.code, err.message);
        test_failures++;
    }
    return cfg;
}

static void test_profiles_and_precedence(void)
{
    write_file("config",
               "# a comment\n"
               "; another\n"
               "[default]\n"
               "region = eu-west-1\n"
               "aws_access_key_id = AKIACONFIGDEFAULT\n"
               "[profile dev]\n"
               "region = us-west-2 ; inline comment\n"
               "aws_access_key_id = AKIACONFIGDEV\n"
               "output=json\n"
               "[dev]\n"
               "region = not-a-profile-in-config\n"
               "[profile staging]\r\n"
               "region = ap-south-1\r\n");
    write_file("credentials",
               "[default]\n"
               "aws_access_key_id = AKIACREDDEFAULT\n"
               "aws_secret_access_key = secret/with+chars=\n"
               "[dev]\n"
               "aws_access_key_id = AKIACREDDEV\n"
               "[profile dev]\n"
               "aws_access_key_id = AKIANOTAPROFILE\n");
    use_files("config", "credentials");
    aws_shared_config *cfg = load();
    CHECK_STR_EQ(aws_shared_config_get(cfg, "default", "aws_access_key_id"), "AKIACREDDEFAULT");
    CHECK_STR_EQ(aws_shared_config_get(cfg, "default", "aws_secret_access_key"), "secret/with+chars=");
    CHECK_STR_EQ(aws_shared_config_get(cfg, "default", "region"), "eu-west-1");
    CHECK_STR_EQ(aws_shared_config_get(cfg, "dev", "aws_access_key_id"), "AKIACREDDEV");
    CHECK_STR_EQ(aws_shared_config_get(cfg, "dev", "region"), "us-west-2");
    CHECK_STR_EQ(aws_shared_config_get(cfg, "dev", "OUTPUT"), "json");
    CHECK_STR_EQ(aws_shared_config_get(cfg, "staging", "region"), "ap-south-1");
    CHECK(aws_shared_config_get(cfg, "dev", "nothing") == NULL);
    CHECK(aws_shared_config_get(cfg, "missing", "region") == NULL);
    CHECK(aws_shared_config_has_profile(cfg, "dev"));
    CHECK(aws_shared_config_has_profile(cfg, "staging"));
    CHECK(!aws_shared_config_has_profile(cfg, "missing"));
    aws_shared_config_free(cfg);
}

static void test_profile_default_beats_bare_default(void)
{
    write_file("config2", "[default]\nregion = from-bare\n[profile default]\nregion = from-profile\n");
    use_files("config2", "none");
    aws_shared_config *cfg = load();
    CHECK_STR_EQ(aws_shared_config_get(cfg, "default", "region"), "from-profile");
    aws_shared_config_free(cfg);
}

static void test_long_lines(void)
{
    base_buf token = {0}, text = {0}, name = {0};
    for (int i = 0; i < 1500; i++)
        base_buf_append_char(&token, (char)('A' + i % 26));
    for (int i = 0; i < 80; i++)
        base_buf_append_char(&name, (char)('a' + i % 26));
    base_buf_printf(&text, "[%s]\naws_session_token = %s\nafter = yes\n[short]\nk = v\n",
                   base_buf_str(&name), base_buf_str(&token));
    write_file("long", base_buf_str(&text));
    use_files("none", "long");
    aws_shared_config *cfg = load();
    CHECK_STR_EQ(aws_shared_config_get(cfg, base_buf_str(&name), "aws_session_token"), base_buf_str(&token));
    CHECK_STR_EQ(aws_shared_config_get(cfg, base_buf_str(&name), "after"), "yes");
    CHECK_STR_EQ(aws_shared_config_get(cfg, "short", "k"), "v");
    aws_shared_config_free(cfg);
    base_buf_free(&token);
    base_buf_free(&text);
    base_buf_free(&name);
}

static void test_services_sections(void)
{
    write_file("config3",
               "[profile local]\n"
               "services = local-endpoints\n"
               "s3 =\n"
               "  max_concurrent_requests = 20\n"
               "region = us-east-1\n"
               "[services local-endpoints]\n"
               "sqs =\n"
               "  endpoint_url = http://localhost:4566\n"
               "dynamodb =\n"
               "\tendpoint_url = http://localhost:8000/ ; local dynamo\n"
               "[profile plain]\n"
               "region = us-east-1\n");
    use_files("config3", "none");
    aws_shared_config *cfg = load();
    CHECK_STR_EQ(aws_shared_config_service_endpoint(cfg, "local", "sqs"), "http://localhost:4566");
    CHECK_STR_EQ(aws_shared_config_service_endpoint(cfg, "local", "dynamodb"), "http://localhost:8000/");
    CHECK(aws_shared_config_service_endpoint(cfg, "local", "lambda") == NULL);
    CHECK(aws_shared_config_service_endpoint(cfg, "plain", "sqs") == NULL);
    CHECK_STR_EQ(aws_shared_config_get(cfg, "local", "s3.max_concurrent_requests"), "20");
    CHECK_STR_EQ(aws_shared_config_get(cfg, "local", "region"), "us-east-1");
    CHECK(aws_shared_config_get(cfg, "local", "max_concurrent_requests") == NULL);
    aws_shared_config_free(cfg);
}

static void test_missing_and_malformed(void)
{
    use_files("does-not-exist", "neither");
    aws_shared_config *cfg = load();
    CHECK(cfg != NULL);
    CHECK(aws_shared_config_get(cfg, "default", "region") == NULL);
    CHECK(!aws_shared_config_has_profile(cfg, "default"));
    aws_shared_config_free(cfg);

    write_file("bad", "[default]\nregion = us-east-1\nthis line has no equals sign\n");
    use_files("bad", "none");
    base_error err = {0};
    cfg = (aws_shared_config *)1;
    CHECK_INT_EQ(aws_shared_config_load(&cfg, &err), -1);
    CHECK(cfg == NULL);
    CHECK_STR_EQ(err.code, "InvalidConfigFile");
    CHECK(strstr(err.message, "/bad:3:") != NULL);

    write_file("bad2", "[default\nregion = x\n");
    use_files("none", "bad2");
    CHECK_INT_EQ(aws_shared_config_load(&cfg, &err), -1);
    CHECK(strstr(err.message, "/bad2:1:") != NULL);
}

static void test_default_paths_and_profile_name(void)
{
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    setenv("HOME", dir, 1);
    aws_shared_config *cfg = load();
    char *want_config = path_of(".aws/config"), *want_credentials = path_of(".aws/credentials");
    CHECK_STR_EQ(aws_shared_config_config_path(cfg), want_config);
    CHECK_STR_EQ(aws_shared_config_credentials_path(cfg), want_credentials);
    aws_shared_config_free(cfg);
    free(want_config);
    free(want_credentials);

    setenv("AWS_CONFIG_FILE", "~/elsewhere/config", 1);
    cfg = load();
    char *want = path_of("elsewhere/config");
    CHECK_STR_EQ(aws_shared_config_config_path(cfg), want);
    free(want);
    aws_shared_config_free(cfg);

    unsetenv("AWS_PROFILE");
    CHECK_STR_EQ(aws_shared_config_profile_name(NULL), "default");
    setenv("AWS_PROFILE", "from-env", 1);
    CHECK_STR_EQ(aws_shared_config_profile_name(NULL), "from-env");
    CHECK_STR_EQ(aws_shared_config_profile_name("explicit"), "explicit");
    unsetenv("AWS_PROFILE");
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_profiles_and_precedence();
    test_profile_default_beats_bare_default();
    test_long_lines();
    test_services_sections();
    test_missing_and_malformed();
    test_default_paths_and_profile_name();
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    if (system(command) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return TEST_EXIT();
}

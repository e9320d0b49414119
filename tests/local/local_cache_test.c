/*
 * local_cache_test.c - scribblectl local's cache: reading local.cache_url
 * (good forms, and bad ones refused without quoting the password), the
 * handler variables it turns into (read back by runtime/settings.c), the TLS
 * material (made, reused, replaced when expiring, corrupt or mismatched),
 * and a real redis-server started, reached over verified TLS through the
 * handlers' client, and stopped. Stand-in redis-server scripts on PATH cover
 * a server that exits at once and one whose port is always taken; an empty
 * PATH covers redis-server missing. Every folder made is removed.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "local/local_cache.h"
#include "local/local_tls.h"
#include "runtime/cache_client.h"
#include "runtime/settings.h"
#include "test.h"

#define CHECK_CONTAINS(text, part)                                                        \
    do {                                                                                  \
        if (!strstr((text), (part))) {                                                    \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, \
                    (text), (part));                                                      \
            test_failures++;                                                              \
        }                                                                                 \
    } while (0)

/* ---- helpers ---- */

static char *make_temp_dir(void)
{
    char *dir = strdup("/tmp/scribble-local-cache-XXXXXX");
    if (!dir || !mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    return dir;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_dir(char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = calloc(1, 65536);
    size_t n = fread(data, 1, 65535, f);
    data[n] = '\0';
    fclose(f);
    return data;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0 || chmod(path, mode) != 0) {
        perror(path);
        exit(1);
    }
}

static bool same_file(const char *path, const char *before)
{
    char *now = read_file(path);
    bool same = now && before && strcmp(now, before) == 0;
    free(now);
    return same;
}

/* ---- local.cache_url ---- */

static void check_url(const char *url, bool tls, const char *host, int port, const char *user,
                      const char *password)
{
    local_cache_settings s;
    base_error err = {0};
    int rc = local_cache_parse_url(url, &s, &err);
    if (rc != 0) {
        fprintf(stderr, "%s refused: %s\n", url, err.message);
        test_failures++;
        return;
    }
    CHECK_INT_EQ(s.tls, tls);
    CHECK_STR_EQ(s.host, host);
    CHECK_INT_EQ(s.port, port);
    CHECK_STR_EQ(s.username, user);
    CHECK_STR_EQ(s.password, password);
    CHECK_STR_EQ(s.ca_file, "");
}

static void test_url_good(void)
{
    check_url("redis://localhost", false, "localhost", 6379, "", "");
    check_url("rediss://cache.example.com:6380", true, "cache.example.com", 6380, "", "");
    check_url("redis://127.0.0.1:1", false, "127.0.0.1", 1, "", "");
    check_url("rediss://:secret@10.0.0.5:65535", true, "10.0.0.5", 65535, "", "secret");
    check_url("rediss://app:s3cr%40t%3a@my-cache.example:7000", true, "my-cache.example", 7000,
              "app", "s3cr@t:");
    check_url("redis://[::1]:6390", false, "::1", 6390, "", "");
    check_url("rediss://user:p@ss@[fe80::1]", true, "fe80::1", 6379, "user", "p@ss");
}

static void check_bad_url(const char *url, const char *names)
{
    local_cache_settings s;
    base_error err = {0};
    if (local_cache_parse_url(url, &s, &err) == 0) {
        fprintf(stderr, "%s: accepted, want refused\n", url);
        test_failures++;
        return;
    }
    CHECK_STR_EQ(err.code, "InvalidCacheUrl");
    CHECK_INT_EQ(err.kind, BASE_ERROR_CONFIG);
    CHECK_CONTAINS(err.message, names);
    CHECK_CONTAINS(err.message, "allowed");
    if (strstr(err.message, "secret")) {
        fprintf(stderr, "%s: the error quotes the password: %s\n", url, err.message);
        test_failures++;
    }
    CHECK_STR_EQ(s.password, "");
}

static void test_url_bad(void)
{
    check_bad_url("", "neither redis:// nor rediss://");
    check_bad_url("http://secret@localhost", "neither redis:// nor rediss://");
    check_bad_url("REDIS://localhost", "neither redis:// nor rediss://");
    check_bad_url("redis://", "host is \"\"");
    check_bad_url("redis://:secret@", "host is \"\"");
    check_bad_url("redis://localhost:0", "port is \"0\"");
    check_bad_url("rediss://u:secret@localhost:65536", "port is \"65536\"");
    check_bad_url("redis://localhost:abc", "port is \"abc\"");
    check_bad_url("redis://localhost:", "port is \"\"");
    check_bad_url("redis://localhost:63 79", "port is \"63 79\"");
    check_bad_url("redis://localhost/0", "after host:port");
    check_bad_url("rediss://u:secret@localhost:6379?db=1", "after host:port");
    check_bad_url("redis://ho_st", "host is \"ho_st\"");
    check_bad_url("redis://[::1", "opens [");
    check_bad_url("redis://[nonsense]:6379", "not an IPv6 address");
    check_bad_url("redis://[::1]x", "after its host");
    check_bad_url("redis://secret@localhost", "user without a password");
    check_bad_url("redis://@localhost", "nothing before @");
    check_bad_url("redis://user:@localhost", "password is empty");
    check_bad_url("redis://u:secret%zz@localhost", "bad %-escape");
    check_bad_url("redis://u:secret%00@localhost", "bad %-escape");
    check_bad_url("redis://u:secret%4@localhost", "bad %-escape");
}

/* ---- the handlers' variables ---- */

typedef struct collected {
    char names[8][64];
    char values[8][600];
    int count;
} collected;

static void collect(void *context, const char *name, const char *value)
{
    collected *c = context;
    if (c->count < 8) {
        snprintf(c->names[c->count], sizeof c->names[0], "%s", name);
        snprintf(c->values[c->count], sizeof c->values[0], "%s", value);
        c->count++;
    }
    setenv(name, value, 1);
}

static void test_environment(void)
{
    local_cache_settings s;
    base_error err = {0};
    CHECK_INT_EQ(local_cache_parse_url("rediss://app:pw%2Fd@[::1]:7000", &s, &err), 0);
    snprintf(s.ca_file, sizeof s.ca_file, "/tmp/ca.crt");
    collected c = {0};
    local_cache_environment(&s, collect, &c);
    CHECK_INT_EQ(c.count, 5);
    CHECK_STR_EQ(c.names[0], "SCRIBBLE_CACHE_ENDPOINT");
    CHECK_STR_EQ(c.values[0], "::1:7000");
    CHECK_STR_EQ(c.names[1], "SCRIBBLE_CACHE_TLS");
    CHECK_STR_EQ(c.values[1], "true");
    CHECK_STR_EQ(c.names[2], "SCRIBBLE_CACHE_CA_FILE");
    CHECK_STR_EQ(c.values[2], "/tmp/ca.crt");
    CHECK_STR_EQ(c.names[3], "SCRIBBLE_CACHE_USERNAME");
    CHECK_STR_EQ(c.values[3], "app");
    CHECK_STR_EQ(c.names[4], "SCRIBBLE_CACHE_PASSWORD");
    CHECK_STR_EQ(c.values[4], "pw/d");

    /* What the handlers make of them. */
    setenv("SCRIBBLE_STACK", "local", 1);
    setenv("SCRIBBLE_CANVAS_WIDTH", "10", 1);
    setenv("SCRIBBLE_CANVAS_HEIGHT", "10", 1);
    setenv("SCRIBBLE_CANVAS_DEPTH", "1", 1);
    setenv("SCRIBBLE_COOLDOWN", "0", 1);
    runtime_settings rs;
    if (settings_load(&rs, &err) != 0) {
        fprintf(stderr, "settings_load refused the variables: %s\n", err.message);
        test_failures++;
    } else {
        CHECK_STR_EQ(rs.cache_host, "::1");
        CHECK_INT_EQ(rs.cache_port, 7000);
        CHECK_INT_EQ(rs.cache_tls, true);
        CHECK_STR_EQ(rs.cache_ca_file, "/tmp/ca.crt");
        CHECK_STR_EQ(rs.cache_username, "app");
        CHECK_STR_EQ(rs.cache_password, "pw/d");
    }

    /* Plain, no AUTH: the unset ones are given as "", read as unset. */
    CHECK_INT_EQ(local_cache_parse_url("redis://localhost", &s, &err), 0);
    c.count = 0;
    local_cache_environment(&s, collect, &c);
    CHECK_INT_EQ(c.count, 5);
    CHECK_STR_EQ(c.values[0], "localhost:6379");
    CHECK_STR_EQ(c.values[1], "false");
    CHECK_STR_EQ(c.values[2], "");
    CHECK_STR_EQ(c.values[3], "");
    CHECK_STR_EQ(c.values[4], "");
    if (settings_load(&rs, &err) != 0) {
        fprintf(stderr, "settings_load refused the plain variables: %s\n", err.message);
        test_failures++;
    } else {
        CHECK_INT_EQ(rs.cache_tls, false);
        CHECK(rs.cache_ca_file == NULL);
        CHECK(rs.cache_username == NULL);
        CHECK(rs.cache_password == NULL);
    }
    local_cache_settings_clear(&s);
    CHECK_STR_EQ(s.password, "");
}

/* ---- TLS material ---- */

static void test_tls_made_and_reused(void)
{
    char *root = make_temp_dir();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/tls", root);
    local_tls_files files;
    base_error err = {0};
    CHECK_INT_EQ(local_tls_ensure(dir, "127.0.0.1", &files, &err), 0);
    CHECK(files.generated);
    struct stat st;
    CHECK(stat(files.key_file, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
    CHECK_INT_EQ(local_tls_check(dir, "127.0.0.1", LOCAL_TLS_MIN_REMAINING_SECONDS, &err), 0);
    CHECK_INT_EQ(local_tls_check(dir, "localhost", 300L * 86400, &err), 0);
    char *ca = read_file(files.ca_file), *cert = read_file(files.cert_file),
         *key = read_file(files.key_file);
    CHECK(ca && strstr(ca, "BEGIN CERTIFICATE"));
    CHECK(key && strstr(key, "PRIVATE KEY"));

    local_tls_files again;
    CHECK_INT_EQ(local_tls_ensure(dir, "localhost", &again, &err), 0);
    CHECK(!again.generated);
    CHECK(same_file(files.ca_file, ca) && same_file(files.cert_file, cert) &&
          same_file(files.key_file, key));

    /* Another address: the certificate does not name it, so all is made anew. */
    CHECK_INT_EQ(local_tls_check(dir, "10.1.2.3", 0, &err), -1);
    CHECK_STR_EQ(err.code, "LocalTlsUnusable");
    CHECK_CONTAINS(err.message, "does not name 10.1.2.3");
    CHECK_INT_EQ(local_tls_ensure(dir, "10.1.2.3", &again, &err), 0);
    CHECK(again.generated);
    CHECK(!same_file(files.ca_file, ca));
    CHECK_INT_EQ(local_tls_check(dir, "10.1.2.3", LOCAL_TLS_MIN_REMAINING_SECONDS, &err), 0);
    CHECK_INT_EQ(local_tls_check(dir, "127.0.0.1", LOCAL_TLS_MIN_REMAINING_SECONDS, &err), 0);

    /* A name that cannot go into a certificate. */
    CHECK_INT_EQ(local_tls_ensure(dir, "bad,name", &again, &err), -1);
    CHECK_STR_EQ(err.code, "InvalidAddress");
    free(ca);
    free(cert);
    free(key);
    remove_dir(root);
}

static void test_tls_replaced(void)
{
    char *dir = make_temp_dir();
    local_tls_files files, again;
    base_error err = {0};

    /* Expiring within a day. */
    CHECK_INT_EQ(local_tls_generate(dir, NULL, 3600, &files, &err), 0);
    CHECK_INT_EQ(local_tls_check(dir, NULL, 60, &err), 0);
    CHECK_INT_EQ(local_tls_check(dir, NULL, LOCAL_TLS_MIN_REMAINING_SECONDS, &err), -1);
    CHECK_CONTAINS(err.message, "expires within");
    char *short_lived = read_file(files.cert_file);
    CHECK_INT_EQ(local_tls_ensure(dir, NULL, &again, &err), 0);
    CHECK(again.generated);
    CHECK(!same_file(files.cert_file, short_lived));
    CHECK_INT_EQ(local_tls_check(dir, NULL, 300L * 86400, &err), 0);
    free(short_lived);

    /* A certificate that does not parse. */
    write_file(files.cert_file, "-----BEGIN CERTIFICATE-----\ngarbage\n", 0644);
    CHECK_INT_EQ(local_tls_check(dir, NULL, 0, &err), -1);
    CHECK_CONTAINS(err.message, "does not hold a PEM certificate");
    CHECK_INT_EQ(local_tls_ensure(dir, NULL, &again, &err), 0);
    CHECK(again.generated);
    CHECK_INT_EQ(local_tls_check(dir, NULL, LOCAL_TLS_MIN_REMAINING_SECONDS, &err), 0);

    /* A key of another certificate. */
    char *other = make_temp_dir();
    local_tls_files foreign;
    CHECK_INT_EQ(local_tls_generate(other, NULL, 86400 * 30, &foreign, &err), 0);
    char *foreign_key = read_file(foreign.key_file);
    write_file(files.key_file, foreign_key, 0600);
    CHECK_INT_EQ(local_tls_check(dir, NULL, 0, &err), -1);
    CHECK_CONTAINS(err.message, "does not match");
    CHECK_INT_EQ(local_tls_ensure(dir, NULL, &again, &err), 0);
    CHECK(again.generated);
    CHECK(!same_file(files.key_file, foreign_key));
    free(foreign_key);

    /* A server certificate signed by another CA. */
    char *foreign_cert = read_file(foreign.cert_file);
    write_file(files.cert_file, foreign_cert, 0644);
    CHECK_INT_EQ(local_tls_check(dir, NULL, 0, &err), -1);
    CHECK_CONTAINS(err.message, "does not verify against ca.crt");
    free(foreign_cert);
    remove_dir(other);

    /* A key others may read. */
    CHECK_INT_EQ(local_tls_ensure(dir, NULL, &again, &err), 0);
    chmod(files.key_file, 0644);
    CHECK_INT_EQ(local_tls_check(dir, NULL, 0, &err), -1);
    CHECK_CONTAINS(err.message, "may be read by others");
    CHECK_INT_EQ(local_tls_ensure(dir, NULL, &again, &err), 0);
    CHECK(again.generated);
    struct stat st;
    CHECK(stat(files.key_file, &st) == 0 && (st.st_mode & 0777) == 0600);
    remove_dir(dir);
}

/* ---- a real redis-server ---- */

static int run(cache_client *client, int argc, const char *const *argv, cache_reply **reply)
{
    base_error err = {0};
    int rc = cache_command_argv(client, argc, argv, false, reply, &err);
    if (rc != 0)
        fprintf(stderr, "%s: %s: %s\n", argv[0], err.code, err.message);
    return rc;
}

/* Without the run's password the server answers NOAUTH, and with a wrong
 * one AUTH fails. */
static void check_password_required(const local_cache *cache)
{
    base_error err = {0};
    cache_config config = {.host = cache->settings.host,
                           .port = cache->settings.port,
                           .ca_file = cache->settings.ca_file,
                           .connect_timeout_ms = 2000,
                           .io_timeout_ms = 2000};
    cache_client *client = NULL;
    if (cache_client_open(&client, &config, &err) == 0) {
        cache_reply *reply = NULL;
        const char *const ping[] = {"PING"};
        CHECK(cache_command_argv(client, 1, ping, true, &reply, &err) != 0);
        CHECK_STR_EQ(err.code, "NOAUTH");
        cache_reply_free(reply);
        cache_client_close(client);
    } else {
        CHECK_STR_EQ(err.code, "NOAUTH");
    }
    err = (base_error){0};
    char wrong[sizeof cache->settings.password];
    snprintf(wrong, sizeof wrong, "%s", cache->settings.password);
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    config.password = wrong;
    client = NULL;
    CHECK(cache_client_open(&client, &config, &err) != 0);
    CHECK(err.code[0] != '\0');
    CHECK(!strstr(err.message, wrong));
    cache_client_close(client);
}

static void check_through_client(const local_cache *cache)
{
    base_error err = {0};
    cache_config config = {.host = cache->settings.host,
                           .port = cache->settings.port,
                           .ca_file = cache->settings.ca_file,
                           .password = cache->settings.password};
    cache_client *client = NULL;
    if (cache_client_open(&client, &config, &err) != 0) {
        fprintf(stderr, "connecting over TLS: %s: %s\n", err.code, err.message);
        test_failures++;
        return;
    }
    cache_reply *reply = NULL;
    if (run(client, 1, (const char *const[]){"PING"}, &reply) == 0)
        CHECK_STR_EQ(reply->str, "PONG");
    cache_reply_free(reply);
    reply = NULL;
    if (run(client, 3, (const char *const[]){"SET", "{local}:greeting", "hello"}, &reply) == 0)
        CHECK_STR_EQ(reply->str, "OK");
    cache_reply_free(reply);
    reply = NULL;
    if (run(client, 2, (const char *const[]){"GET", "{local}:greeting"}, &reply) == 0) {
        CHECK_INT_EQ(reply->type, CACHE_REPLY_BULK);
        CHECK_STR_EQ(reply->str, "hello");
    }
    cache_reply_free(reply);
    reply = NULL;
    /* Persistence is off. */
    if (run(client, 3, (const char *const[]){"CONFIG", "GET", "appendonly"}, &reply) == 0 &&
        reply->type == CACHE_REPLY_ARRAY && reply->count == 2)
        CHECK_STR_EQ(reply->elements[1].str, "no");
    cache_reply_free(reply);
    cache_client_close(client);

    /* Trusting the system's CAs instead of ca.crt fails: the TLS is verified. */
    config.ca_file = NULL;
    CHECK_INT_EQ(cache_client_open(&client, &config, &err), -1);
    CHECK_STR_EQ(err.code, "CacheTlsVerify");
    /* The port speaks TLS only. */
    config.plaintext = true;
    config.connect_timeout_ms = 1000;
    config.io_timeout_ms = 1000;
    if (cache_client_open(&client, &config, &err) == 0) {
        cache_reply *plain = NULL;
        const char *const ping[] = {"PING"};
        CHECK(cache_command_argv(client, 1, ping, true, &plain, &err) != 0);
        cache_reply_free(plain);
        cache_client_close(client);
    }
}

static void test_start_ping_stop(void)
{
    char *root = make_temp_dir();
    char data_dir[512];
    snprintf(data_dir, sizeof data_dir, "%s/data/nested", root);
    local_cache cache;
    base_error err = {0};
    if (local_cache_start(data_dir, "127.0.0.1", &cache, &err) != 0) {
        fprintf(stderr, "local_cache_start: %s: %s\n", err.code, err.message);
        test_failures++;
        remove_dir(root);
        return;
    }
    pid_t pid = cache.pid;
    CHECK(pid > 0);
    CHECK(cache.settings.port > 0 && cache.settings.port < 65536);
    CHECK_STR_EQ(cache.settings.host, "127.0.0.1");
    CHECK_INT_EQ(cache.settings.tls, true);
    CHECK(cache.settings.ca_file[0] == '/');
    CHECK_CONTAINS(cache.settings.ca_file, "/data/nested/tls/ca.crt");
    CHECK_CONTAINS(cache.log_file, "/data/nested/redis.log");
    CHECK(access(cache.log_file, R_OK) == 0);
    CHECK_INT_EQ(getpgid(pid), pid);
    CHECK_INT_EQ(local_cache_ping(&cache.settings, 2000, &err), 0);
    /* A password of 64 hex digits for this run; its file is gone once started. */
    CHECK_INT_EQ(strlen(cache.settings.password), 64);
    CHECK_INT_EQ(strspn(cache.settings.password, "0123456789abcdef"), 64);
    char conf[600];
    snprintf(conf, sizeof conf, "%s/data/nested/redis.conf", root);
    CHECK(access(conf, F_OK) != 0);
    char *log = read_file(cache.log_file);
    CHECK(log && !strstr(log, cache.settings.password));
    free(log);
    char first_password[sizeof cache.settings.password];
    snprintf(first_password, sizeof first_password, "%s", cache.settings.password);
    check_password_required(&cache);
    check_through_client(&cache);

    local_cache_stop(&cache);
    CHECK_INT_EQ(cache.pid, 0);
    CHECK_STR_EQ(cache.settings.password, ""); /* overwritten */
    errno = 0;
    CHECK(kill(pid, 0) == -1 && errno == ESRCH);
    CHECK(local_cache_ping(&cache.settings, 500, &err) != 0);
    local_cache_stop(&cache); /* again: nothing to do */

    /* A second start in the same folder reuses the TLS material. */
    char *ca = read_file(cache.settings.ca_file);
    local_cache second;
    if (local_cache_start(data_dir, "localhost", &second, &err) != 0) {
        fprintf(stderr, "second local_cache_start: %s: %s\n", err.code, err.message);
        test_failures++;
    } else {
        CHECK(same_file(second.settings.ca_file, ca));
        CHECK_INT_EQ(local_cache_ping(&second.settings, 2000, &err), 0);
        CHECK(strcmp(second.settings.password, first_password) != 0); /* one per run */
        local_cache_stop(&second);
    }
    free(ca);
    remove_dir(root);
}

/* Runs local_cache_start with PATH set to path_dir alone; returns its result. */
static int start_with_path(const char *path_dir, const char *data_dir, local_cache *cache,
                           base_error *err)
{
    char *saved = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    setenv("PATH", path_dir, 1);
    int rc = local_cache_start(data_dir, "127.0.0.1", cache, err);
    setenv("PATH", saved, 1);
    free(saved);
    if (rc == 0)
        local_cache_stop(cache);
    return rc;
}

static void test_missing_redis_server(void)
{
    char *empty = make_temp_dir(), *data = make_temp_dir();
    local_cache cache;
    base_error err = {0};
    CHECK_INT_EQ(start_with_path(empty, data, &cache, &err), -1);
    CHECK_STR_EQ(err.code, "RedisServerMissing");
    CHECK_CONTAINS(err.message, "sudo apt-get install redis-server");
    CHECK_CONTAINS(err.message, "local.cache_url");
    CHECK_INT_EQ(cache.pid, 0);
    remove_dir(empty);
    remove_dir(data);
}

static void test_redis_server_exits(void)
{
    char *bin = make_temp_dir(), *data = make_temp_dir();
    char script[512];
    snprintf(script, sizeof script, "%s/redis-server", bin);
    write_file(script, "#!/bin/sh\necho 'starting'\necho 'fake: refusing to start' >&2\nexit 3\n",
               0755);
    local_cache cache;
    base_error err = {0};
    CHECK_INT_EQ(start_with_path(bin, data, &cache, &err), -1);
    CHECK_STR_EQ(err.code, "RedisServerExited");
    CHECK_CONTAINS(err.message, "exited with status 3");
    CHECK_CONTAINS(err.message, "starting | fake: refusing to start");
    CHECK_CONTAINS(err.message, "redis.log");
    CHECK_INT_EQ(cache.pid, 0);
    remove_dir(bin);
    remove_dir(data);
}

static void test_port_always_taken(void)
{
    char *bin = make_temp_dir(), *data = make_temp_dir();
    char script[512], tries[512];
    snprintf(script, sizeof script, "%s/redis-server", bin);
    snprintf(tries, sizeof tries, "%s/tries", bin);
    char text[1024];
    /* PATH holds only bin, so the script uses shell builtins alone; $4 is the TLS port. */
    snprintf(text, sizeof text,
             "#!/bin/sh\n"
             "echo \"$4\" >> '%s'\n"
             "echo \"# Warning: Could not create server TCP listening socket 127.0.0.1:$4: "
             "bind: Address already in use\"\n"
             "exit 1\n",
             tries);
    write_file(script, text, 0755);
    local_cache cache;
    base_error err = {0};
    CHECK_INT_EQ(start_with_path(bin, data, &cache, &err), -1);
    CHECK_STR_EQ(err.code, "RedisServerExited");
    CHECK_CONTAINS(err.message, "Address already in use");
    char *ports = read_file(tries);
    int lines = 0;
    for (const char *p = ports ? ports : ""; *p; p++)
        lines += *p == '\n';
    CHECK_INT_EQ(lines, 5);
    free(ports);
    remove_dir(bin);
    remove_dir(data);
}

/* ---- folders and files that are not safely ours ---- */

static void expect_unsafe(const char *dir, const char *words)
{
    local_tls_files files;
    base_error err = {0};
    CHECK_INT_EQ(local_tls_ensure(dir, "127.0.0.1", &files, &err), -1);
    CHECK_STR_EQ(err.code, "UnsafeDirectory");
    CHECK_CONTAINS(err.message, dir);
    CHECK_CONTAINS(err.message, words);
}

static void test_unsafe_directories(void)
{
    char *root = make_temp_dir();
    char real[512], link[512], path[1200], victim[600];
    snprintf(real, sizeof real, "%s/real", root);
    snprintf(link, sizeof link, "%s/tls", root);
    CHECK(mkdir(real, 0700) == 0 && symlink(real, link) == 0);

    /* A symlink, even to a folder of one's own: refused, nothing written through it. */
    expect_unsafe(link, "symbolic link");
    snprintf(path, sizeof path, "%s/ca.crt", real);
    CHECK(access(path, F_OK) != 0);
    /* Writable by others. */
    CHECK(chmod(real, 0770) == 0);
    expect_unsafe(real, "writable by its group");
    CHECK(chmod(real, 0703) == 0);
    expect_unsafe(real, "writable by every user");
    CHECK(chmod(real, 0700) == 0);
    /* Someone else's: as root, the folder given to nobody; else one of root's. */
    if (geteuid() == 0) {
        CHECK(chown(real, 65534, 65534) == 0);
        expect_unsafe(real, "belongs to user 65534");
        CHECK(chown(real, 0, 0) == 0);
    } else {
        expect_unsafe("/usr", "belongs to user 0");
    }
    /* Not a folder. */
    snprintf(path, sizeof path, "%s/file", root);
    write_file(path, "x", 0600);
    expect_unsafe(path, "not a directory");
    CHECK(access(path, F_OK) == 0);

    /* The cache's folder (the password's) gets the same checks, before anything starts. */
    local_cache cache;
    base_error err = {0};
    CHECK_INT_EQ(local_cache_start(link, "127.0.0.1", &cache, &err), -1);
    CHECK_STR_EQ(err.code, "UnsafeDirectory");
    CHECK_CONTAINS(err.message, link);
    CHECK_INT_EQ(cache.pid, 0);
    CHECK(chmod(real, 0777) == 0);
    CHECK_INT_EQ(local_cache_start(real, "127.0.0.1", &cache, &err), -1);
    CHECK_STR_EQ(err.code, "UnsafeDirectory");
    CHECK_CONTAINS(err.message, "writable by every user");
    CHECK(chmod(real, 0700) == 0);

    /* Symlinks planted where the key, its temporary file and the password's
     * file go are replaced, never written through. */
    snprintf(victim, sizeof victim, "%s/victim", root);
    write_file(victim, "untouched", 0644);
    static const char *const planted[] = {"server.key", "server.key.tmp", "ca.crt.tmp",
                                          "redis.conf", "redis.log"};
    char tls_dir[600];
    snprintf(tls_dir, sizeof tls_dir, "%s/tls", real);
    CHECK(mkdir(tls_dir, 0700) == 0);
    for (size_t i = 0; i < sizeof planted / sizeof planted[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", i < 3 ? tls_dir : real, planted[i]);
        CHECK(symlink(victim, path) == 0);
    }
    /* The log is not followed either: a clear refusal, then a start without the link. */
    CHECK_INT_EQ(local_cache_start(real, "127.0.0.1", &cache, &err), -1);
    CHECK_STR_EQ(err.code, "UnsafeFile");
    CHECK_CONTAINS(err.message, "redis.log: a symbolic link");
    snprintf(path, sizeof path, "%s/redis.log", real);
    CHECK(unlink(path) == 0);
    snprintf(path, sizeof path, "%s/redis.conf", real);
    CHECK(symlink(victim, path) == 0); /* removed by the failed start: planted again */
    if (local_cache_start(real, "127.0.0.1", &cache, &err) != 0) {
        fprintf(stderr, "local_cache_start past planted links: %s: %s\n", err.code, err.message);
        test_failures++;
    } else {
        CHECK_INT_EQ(local_cache_ping(&cache.settings, 2000, &err), 0);
        local_cache_stop(&cache);
    }
    CHECK(same_file(victim, "untouched"));
    struct stat st;
    snprintf(path, sizeof path, "%s/server.key", tls_dir);
    CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);
    snprintf(path, sizeof path, "%s/redis.conf", real);
    CHECK(lstat(path, &st) != 0); /* removed once started (or failed) */
    remove_dir(root);
}

int main(void)
{
    test_url_good();
    test_url_bad();
    test_environment();
    test_tls_made_and_reused();
    test_tls_replaced();
    test_unsafe_directories();
    test_start_ping_stop();
    test_missing_redis_server();
    test_redis_server_exits();
    test_port_always_taken();
    return TEST_EXIT();
}

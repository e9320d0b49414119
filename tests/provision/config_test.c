/*
 * config_test.c - scribble.ini's loader and validator: every class of bad
 * input gets its exact "line: key: given; allowed" error, all of them at
 * once; the lenient bits of INI syntax still load; the settings table is
 * self-consistent; and the shipped scribble.ini and docs/configuration.md
 * are exactly what the table generates (so none of them can drift).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cursor.h"
#include "provision/config.h"
#include "test.h"

static char temp_dir[] = "/tmp/config_test.XXXXXX";
static int file_counter;

static char *write_temp(const char *text, size_t len)
{
    base_buf path = {0};
    base_buf_printf(&path, "%s/%d.ini", temp_dir, ++file_counter);
    FILE *f = fopen(base_buf_str(&path), "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", base_buf_str(&path));
        exit(1);
    }
    return base_buf_detach(&path);
}

/* Loads text of len bytes; returns the errors with the "path:" prefix taken
 * off each line ("" when it loaded), and checks the return code agrees. */
static char *errors_of_bytes(const char *text, size_t len, scribble_config *cfg)
{
    char *path = write_temp(text, len);
    base_buf raw = {0}, out = {0};
    int rc = scribble_config_load(path, cfg, &raw);
    CHECK(rc == (raw.len ? -1 : 0));
    size_t prefix = strlen(path) + 1;
    base_cursor rest = base_cursor_from(base_buf_str(&raw)), line;
    while (base_cursor_next_token(&rest, '\n', &line)) {
        bool ours = line.len > prefix && !strncmp(line.ptr, path, prefix - 1) && line.ptr[prefix - 1] == ':';
        base_buf_append(&out, line.ptr + (ours ? prefix : 0), line.len - (ours ? prefix : 0));
        base_buf_append_char(&out, '\n');
    }
    unlink(path);
    free(path);
    base_buf_free(&raw);
    return base_buf_detach(&out);
}

static char *errors_of(const char *text)
{
    scribble_config cfg;
    char *errors = errors_of_bytes(text, strlen(text), &cfg);
    scribble_config_free(&cfg);
    return errors;
}

#define EXPECT_ERRORS(text, want)                                                                 \
    do {                                                                                          \
        char *got_errors = errors_of(text);                                                       \
        CHECK_STR_EQ(got_errors, want);                                                           \
        free(got_errors);                                                                         \
    } while (0)

#define EXPECT_OK(text) EXPECT_ERRORS(text, "")

static const scribble_setting *setting(const char *section, const char *key)
{
    size_t n;
    const scribble_setting *s = scribble_config_settings(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s[i].section, section) && !strcmp(s[i].key, key))
            return &s[i];
    return NULL;
}

static char *value_of(const scribble_config *cfg, const char *name)
{
    base_buf b = {0};
    CHECK(scribble_config_format_value(cfg, name, &b) == 0);
    return base_buf_detach(&b);
}

static void test_defaults(void)
{
    scribble_config c;
    scribble_config_defaults(&c);
    CHECK_STR_EQ(c.stack.name, "scribble");
    CHECK_STR_EQ(c.aws.region, "");
    CHECK_STR_EQ(c.aws.profile, "");
    CHECK_STR_EQ(c.aws.endpoint_url, "");
    CHECK_INT_EQ(c.aws.max_attempts, 0);
    CHECK_INT_EQ(c.network.vpc, SCRIBBLE_VPC_NEW);
    CHECK_STR_EQ(c.network.cidr, "10.0.0.0/16");
    CHECK_INT_EQ(c.network.availability_zones, 2);
    CHECK_INT_EQ(c.cache.mode, SCRIBBLE_CACHE_SERVERLESS);
    CHECK_INT_EQ(c.cache.engine, SCRIBBLE_ENGINE_VALKEY);
    CHECK_STR_EQ(c.cache.engine_version, "8");
    CHECK_INT_EQ(c.queues.type, SCRIBBLE_QUEUE_STANDARD);
    CHECK_INT_EQ(c.queues.visibility_timeout, 360); /* 6 x functions.worker_timeout */
    CHECK_INT_EQ(c.queues.retention_days, 4);
    CHECK_INT_EQ(c.queues.max_message_kb, 256);
    CHECK_INT_EQ(c.queues.receive_wait, 1);
    CHECK_INT_EQ(c.queues.max_receive_count, 5);
    CHECK_INT_EQ(c.queues.dead_letter_retention_days, 14);
    CHECK_STR_EQ(c.tables.pixels, "scribble-pixels");
    CHECK_STR_EQ(c.tables.history, "scribble-history");
    CHECK_INT_EQ(c.tables.billing, SCRIBBLE_BILLING_ON_DEMAND);
    CHECK_INT_EQ(c.tables.read_capacity, 0);
    CHECK_INT_EQ(c.functions.worker_timeout, 60);
    CHECK_STR_EQ(c.schedules.snapshot, "rate(1 minute)");
    CHECK_STR_EQ(c.schedules.save, "rate(1 minute)");
    CHECK_STR_EQ(c.site.default_root_object, "scribble.html");
    CHECK_INT_EQ(c.site.default_ttl, 60);
    CHECK_INT_EQ(c.site.max_ttl, 60);
    CHECK_INT_EQ(c.site.price_class, SCRIBBLE_PRICE_CLASS_100);
    CHECK_INT_EQ(c.canvas.width, 1000);
    CHECK_INT_EQ(c.canvas.height, 1000);
    CHECK_INT_EQ(c.canvas.depth, 1);
    CHECK_INT_EQ(c.canvas.cooldown, 0);
    CHECK_INT_EQ(c.local.schedule_interval, 60);
    CHECK_INT_EQ(c.tags.count, 0);
    scribble_config_free(&c);
}

/* An empty file is the defaults, setting for setting. */
static void test_empty_file_is_defaults(void)
{
    scribble_config loaded, defaults;
    char *errors = errors_of_bytes("", 0, &loaded);
    CHECK_STR_EQ(errors, "");
    free(errors);
    scribble_config_defaults(&defaults);
    size_t n;
    const scribble_setting *s = scribble_config_settings(&n);
    for (size_t i = 0; i < n; i++) {
        base_buf name = {0};
        base_buf_printf(&name, "%s.%s", s[i].section, s[i].key);
        char *got = value_of(&loaded, base_buf_str(&name)), *want = value_of(&defaults, base_buf_str(&name));
        CHECK_STR_EQ(got, want);
        free(got);
        free(want);
        base_buf_free(&name);
    }
    scribble_config_free(&loaded);
    scribble_config_free(&defaults);
}

/* The lines that make s apply: its condition, and the other settings that
 * condition makes required. */
static void append_condition(const scribble_setting *s, base_buf *text)
{
    if (!s->when_key)
        return;
    size_t n;
    const scribble_setting *all = scribble_config_settings(&n);
    const char *dot = strchr(s->when_key, '.');
    base_buf_printf(text, "[%.*s]\n%s = %s\n", (int)(dot - s->when_key), s->when_key, dot + 1, s->when_value);
    for (size_t i = 0; i < n; i++)
        if (&all[i] != s && !all[i].default_value && all[i].when_key && !strcmp(all[i].when_key, s->when_key))
            base_buf_printf(text, "[%s]\n%s = %s\n", all[i].section, all[i].key, all[i].example);
}

/* Every default and example is a value its own setting accepts, and every
 * condition names a setting and one of its values. */
static void test_every_default_and_example_loads(void)
{
    size_t n;
    const scribble_setting *s = scribble_config_settings(&n);
    for (size_t i = 0; i < n; i++) {
        base_buf text = {0};
        append_condition(&s[i], &text);
        base_buf_printf(&text, "[%s]\n%s = %s\n", s[i].section, s[i].key,
                       s[i].default_value ? s[i].default_value : s[i].example);
        char *errors = errors_of(base_buf_str(&text));
        if (*errors)
            fprintf(stderr, "setting %s.%s, file:\n%s", s[i].section, s[i].key, base_buf_str(&text));
        CHECK_STR_EQ(errors, "");
        free(errors);
        base_buf_free(&text);
    }
}

static void test_table_is_consistent(void)
{
    size_t n, ns;
    const scribble_setting *s = scribble_config_settings(&n);
    const scribble_config_section *sec = scribble_config_sections(&ns);
    CHECK(n >= 40);
    for (size_t i = 0; i < n; i++) {
        bool known = false;
        for (size_t k = 0; k < ns; k++)
            known |= !strcmp(sec[k].name, s[i].section) && !sec[k].free_form;
        CHECK(known);
        CHECK(s[i].doc && *s[i].doc && s[i].doc[strlen(s[i].doc) - 1] == '.');
        CHECK(s[i].default_value || (s[i].example && s[i].when_key)); /* required only when it applies */
        CHECK(s[i].type != SCRIBBLE_SETTING_STRING || (s[i].allowed && *s[i].allowed));
        CHECK(s[i].type != SCRIBBLE_SETTING_ENUM || s[i].names);
        for (size_t k = 0; k < i; k++)
            CHECK(strcmp(s[k].section, s[i].section) || strcmp(s[k].key, s[i].key));
    }
}

static void test_value_errors(void)
{
    EXPECT_ERRORS("[cache]\nengine = memcached\n",
                  "2: cache.engine: got \"memcached\"; allowed: valkey or redis\n");
    EXPECT_ERRORS("[canvas]\nwidth = wide\n", "2: canvas.width: got \"wide\"; allowed: an integer from 1 to 4096\n");
    EXPECT_ERRORS("[canvas]\nwidth = 0\n", "2: canvas.width: got \"0\"; allowed: an integer from 1 to 4096\n");
    EXPECT_ERRORS("[canvas]\nwidth = 4097\n", "2: canvas.width: got \"4097\"; allowed: an integer from 1 to 4096\n");
    EXPECT_ERRORS("[canvas]\nwidth = -5\n", "2: canvas.width: got \"-5\"; allowed: an integer from 1 to 4096\n");
    EXPECT_ERRORS("[canvas]\nwidth = 12.5\n", "2: canvas.width: got \"12.5\"; allowed: an integer from 1 to 4096\n");
    EXPECT_ERRORS("[canvas]\nwidth = 99999999999999999999\n",
                  "2: canvas.width: got \"99999999999999999999\"; allowed: an integer from 1 to 4096\n");
    EXPECT_ERRORS("[canvas]\nwidth =\n", "2: canvas.width: got an empty value; allowed: an integer from 1 to 4096\n");
    EXPECT_ERRORS("[canvas]\ndepth = 3\n", "2: canvas.depth: got \"3\"; allowed: 1, 2, 4, 8 or 24\n");
    EXPECT_ERRORS("[queues]\ntype = fifo\ncontent_based_deduplication = yes\n",
                  "3: queues.content_based_deduplication: got \"yes\"; allowed: true or false\n");
    EXPECT_ERRORS("[network]\nnat = per_zone\n", "2: network.nat: got \"per_zone\"; allowed: single or per-zone\n");
    EXPECT_ERRORS("[functions]\nlog_retention_days = 10\n",
                  "2: functions.log_retention_days: got \"10\"; allowed: 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, "
                  "150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653\n");
    EXPECT_ERRORS("[network]\ncidr =\n",
                  "2: network.cidr: got an empty value; allowed: an IPv4 CIDR block from /16 to /24 without "
                  "host bits, such as 10.0.0.0/16\n");
    EXPECT_ERRORS("[stack]\nname =\n",
                  "2: stack.name: got an empty value; allowed: 1 to 24 lowercase letters, digits and single "
                  "hyphens, starting with a letter, not ending with a hyphen\n");
    EXPECT_ERRORS("[stack]\nname = \"scribble\"\n",
                  "2: stack.name: got \"\\\"scribble\\\"\"; allowed: 1 to 24 lowercase letters, digits and "
                  "single hyphens, starting with a letter, not ending with a hyphen\n");
    EXPECT_ERRORS("[aws]\nregion = us-est-1\n",
                  "2: aws.region: got \"us-est-1\"; allowed: an AWS region such as us-east-1, eu-west-3 or "
                  "us-gov-west-1, or empty\n");
    EXPECT_ERRORS("[aws]\nendpoint_url = localhost:5000\n",
                  "2: aws.endpoint_url: got \"localhost:5000\"; allowed: an http:// or https:// URL such as "
                  "http://localhost:5000, or empty\n");
    EXPECT_ERRORS("[schedules]\nsnapshot = rate(1 minutes)\n",
                  "2: schedules.snapshot: got \"rate(1 minutes)\"; allowed: rate(1 minute), rate(N minutes), "
                  "rate(N hours), rate(N days), or cron() with six fields\n");
    EXPECT_ERRORS("[local]\nbind = 127.0.0.256\n",
                  "2: local.bind: got \"127.0.0.256\"; allowed: an IP address or localhost\n");
    EXPECT_ERRORS("[local]\n\nallowed_origins = http://a.example:8080 *\n",
                  "3: local.allowed_origins: got \"http://a.example:8080 *\"; allowed: origins such as "
                  "http://192.168.1.20:8080, separated by spaces: http:// or https://, a host, a port "
                  "unless 80 for http or 443 for https, no path, or empty\n");
    /* control characters are shown escaped, and long values cut */
    EXPECT_ERRORS("[site]\ndefault_root_object = a\tb\n",
                  "2: site.default_root_object: got \"a\\x09b\"; allowed: a file of static/ such as "
                  "scribble.html\n");
    EXPECT_ERRORS("[stack]\nname = abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijXYZ\n",
                  "2: stack.name: got \"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
                  "abcdefghij...\"; allowed: 1 to 24 lowercase letters, digits and single hyphens, starting "
                  "with a letter, not ending with a hyphen\n");
}

static bool accepts(const char *text)
{
    char *errors = errors_of(text);
    bool ok = !*errors;
    free(errors);
    return ok;
}

static bool accepts_value(const char *section, const char *key, const char *value)
{
    base_buf text = {0};
    base_buf_printf(&text, "[%s]\n%s = %s\n", section, key, value);
    bool ok = accepts(base_buf_str(&text));
    base_buf_free(&text);
    return ok;
}

static void test_region_syntax(void)
{
    const char *good[] = {"us-east-1", "eu-west-3", "ap-southeast-2", "us-gov-west-1", "cn-north-1",
                          "cn-northwest-1", "us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1",
                          "me-central-1", "il-central-1", "ca-west-1", "ap-east-2", "mx-central-1", NULL};
    const char *bad[] = {"", "us-east", "useast-1", "us-east-0", "us-east-01", "US-EAST-1", "us-est-1",
                         "us-east-1a", "u-east-1", "usa-east-1", "us-gov-1", "us-east-1 ", "us-east-100",
                         "us-iso-", "eu-isoxy-west-1", NULL};
    for (size_t i = 0; good[i]; i++) {
        if (!scribble_region_valid(good[i]))
            fprintf(stderr, "rejected region %s\n", good[i]);
        CHECK(scribble_region_valid(good[i]));
    }
    for (size_t i = 0; bad[i]; i++) {
        if (scribble_region_valid(bad[i]))
            fprintf(stderr, "accepted region '%s'\n", bad[i]);
        CHECK(!scribble_region_valid(bad[i]));
    }
    CHECK(!scribble_region_valid(NULL));
}

typedef struct syntax_case {
    const char *section, *key, *value;
    bool ok;
} syntax_case;

static void test_string_syntax(void)
{
    static const syntax_case cases[] = {
        {"stack", "name", "a", true},
        {"stack", "name", "my-stack-2", true},
        {"stack", "name", "abcdefghijklmnopqrstuvwx", true}, /* 24 */
        {"stack", "name", "abcdefghijklmnopqrstuvwxy", false},
        {"stack", "name", "Scribble", false},
        {"stack", "name", "1scribble", false},
        {"stack", "name", "-scribble", false},
        {"stack", "name", "scribble-", false},
        {"stack", "name", "scri--bble", false},
        {"stack", "name", "scri_bble", false},
        {"aws", "profile", "dev", true},
        {"aws", "profile", "my profile", false},
        {"aws", "endpoint_url", "http://localhost:5000", true},
        {"aws", "endpoint_url", "https://127.0.0.1:4566/", true},
        {"aws", "endpoint_url", "http://[::1]:5000/path", true},
        {"aws", "endpoint_url", "https://sqs.us-east-1.amazonaws.com", true},
        {"aws", "endpoint_url", "http://", false},
        {"aws", "endpoint_url", "http://host:0", false},
        {"aws", "endpoint_url", "http://host:65536", false},
        {"aws", "endpoint_url", "http://ho st", false},
        {"aws", "endpoint_url", "ftp://host", false},
        {"network", "cidr", "10.0.0.0/16", true},
        {"network", "cidr", "172.16.8.0/24", true},
        {"network", "cidr", "10.0.0.1/16", false},
        {"network", "cidr", "10.0.0.0/8", false},
        {"network", "cidr", "10.0.0.0/25", false},
        {"network", "cidr", "10.0.0/16", false},
        {"network", "cidr", "10.0.0.256/24", false},
        {"network", "cidr", "010.0.0.0/16", false},
        {"cache", "engine_version", "7.2", true},
        {"cache", "engine_version", "7.", false},
        {"cache", "engine_version", "v8", false},
        {"tables", "pixels", "my_pixels.v1", true},
        {"tables", "pixels", "px", false},
        {"tables", "pixels", "my pixels", false},
        {"schedules", "save", "rate(5 minutes)", true},
        {"schedules", "save", "rate(1 hour)", true},
        {"schedules", "save", "rate(2 days)", true},
        {"schedules", "save", "cron(0/5 * * * ? *)", true},
        {"schedules", "save", "rate(0 minutes)", false},
        {"schedules", "save", "rate(2 minute)", false},
        {"schedules", "save", "rate(1 week)", false},
        {"schedules", "save", "cron(* * * *)", false},
        {"schedules", "save", "at(2030-01-01T00:00:00)", false},
        {"site", "default_root_object", "pages/index.html", true},
        {"site", "default_root_object", "/scribble.html", false},
        {"local", "bind", "0.0.0.0", true},
        {"local", "bind", "::1", true},
        {"local", "bind", "localhost", true},
        {"local", "bind", "example.com", false},
        {"local", "cache_url", "rediss://127.0.0.1:6380", true},
        {"local", "cache_url", "redis://user:secret@cache.local:6379", true},
        {"local", "cache_url", "rediss://", false},
        {"local", "cache_url", "https://cache:6379", false},
        {"local", "allowed_origins", "http://192.168.1.20:8080", true},
        {"local", "allowed_origins", "https://canvas.example  http://localhost:8080 http://[::1]:8080", true},
        {"local", "allowed_origins", "http://Canvas.Example", true},
        {"local", "allowed_origins", "HTTP://canvas.example", false},
        {"local", "allowed_origins", "http://192.168.1.20:8080/", false},
        {"local", "allowed_origins", "http://canvas.example/page", false},
        {"local", "allowed_origins", "http://canvas.example:80", false},
        {"local", "allowed_origins", "https://canvas.example:443", false},
        {"local", "allowed_origins", "https://canvas.example:80", true},
        {"local", "allowed_origins", "http://[::1]:80", false},
        {"local", "allowed_origins", "http://canvas.example,http://other.example", false},
        {"local", "allowed_origins", "ws://canvas.example", false},
        {"local", "allowed_origins", "null", false},
        {"local", "allowed_origins", "*", false},
        {"local", "allowed_origins", "http://user@canvas.example", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool ok = accepts_value(cases[i].section, cases[i].key, cases[i].value);
        if (ok != cases[i].ok)
            fprintf(stderr, "%s.%s = %s: %s, want %s\n", cases[i].section, cases[i].key, cases[i].value,
                    ok ? "accepted" : "rejected", cases[i].ok ? "accepted" : "rejected");
        CHECK(ok == cases[i].ok);
    }
    CHECK(accepts("[cache]\nmode = replication-group\nnode_type = cache.r7g.large\n"));
    CHECK(!accepts("[cache]\nmode = replication-group\nnode_type = r7g.large\n"));
    CHECK(!accepts("[cache]\nmode = replication-group\nnode_type = cache.r7g\n"));
}

static void test_structure_errors(void)
{
    EXPECT_ERRORS("[caches]\nmode = serverless\n",
                  "1: [caches]: unknown section; allowed: [stack], [aws], [network], [cache], [queues], "
                  "[tables], [functions], [schedules], [site], [canvas], [limits], [local], [domain], [tags]\n");
    EXPECT_ERRORS("[cache]\nnodes = 3\n",
                  "2: cache.nodes: unknown key; allowed in [cache]: mode, engine, engine_version, node_type, "
                  "replicas, port, max_storage_gb\n");
    EXPECT_ERRORS("[cache]\nMode = serverless\n",
                  "2: cache.Mode: unknown key; allowed in [cache]: mode, engine, engine_version, node_type, "
                  "replicas, port, max_storage_gb\n");
    EXPECT_ERRORS("[canvas]\nwidth = 10\n\n[canvas]\nwidth = 20\n",
                  "5: canvas.width: set again (first at line 2); allowed: once\n");
    EXPECT_ERRORS("[canvas]\nwidth 10\n",
                  "2: syntax: got \"width 10\"; allowed: key = value, [section], or a comment starting with "
                  "; or #\n");
    EXPECT_ERRORS("[canvas\nwidth = 10\n", "1: syntax: got \"[canvas\"; allowed: [section] with its closing ]\n");
    EXPECT_ERRORS("width = 10\n[canvas]\n",
                  "1: width: got a key before any [section]; allowed: keys after a section header such as "
                  "[stack]\n");
    EXPECT_ERRORS("[canvas]\n= 10\n", "2: syntax: got \"= 10\"; allowed: key = value\n");
    base_buf long_line = {0};
    base_buf_append_str(&long_line, "[local]\ndata_dir = ");
    for (int i = 0; i < 300; i++)
        base_buf_append_char(&long_line, 'x');
    base_buf_append_str(&long_line, "\nport = 1\n");
    EXPECT_ERRORS(base_buf_str(&long_line), "2: syntax: got a line of 311 characters; allowed: at most 198\n");
    base_buf_free(&long_line);

    scribble_config cfg;
    static const char with_nul[] = "[canvas]\nwid\0th = 5\nheight = 5\n";
    char *errors = errors_of_bytes(with_nul, sizeof with_nul - 1, &cfg);
    CHECK_STR_EQ(errors, "2: syntax: got a NUL byte; allowed: text\n");
    free(errors);
    scribble_config_free(&cfg);
}

/* A URL's password never shows in an error, even an empty one (which once
 * made the loader loop forever, found by fuzzing). */
static void test_url_password_hidden(void)
{
    static const char *const want =
        "2: local.cache_url: got \"rediss://user:****@host:99999\"; allowed: rediss://host:port or "
        "redis://host:port, with user:password@ if any, or empty\n";
    EXPECT_ERRORS("[local]\ncache_url = rediss://user:secret@host:99999\n", want);
    EXPECT_ERRORS("[local]\ncache_url = rediss://user:@host:99999\n", want);
    EXPECT_ERRORS("= x://:@\n", "1: syntax: got \"= x://:****@\"; allowed: key = value\n");
}

/* Keys under a bad or unknown header are not blamed a second time. */
static void test_no_cascade_after_bad_header(void)
{
    EXPECT_ERRORS("[cache\nmode = nonsense\nengine = nonsense\n[canvas]\nwidth = 0\n",
                  "1: syntax: got \"[cache\"; allowed: [section] with its closing ]\n"
                  "5: canvas.width: got \"0\"; allowed: an integer from 1 to 4096\n");
}

static void test_applicability(void)
{
    EXPECT_ERRORS("[cache]\nnode_type = cache.r7g.large\n",
                  "2: cache.node_type: got \"cache.r7g.large\", but cache.mode is serverless (the default); "
                  "allowed: only when cache.mode = replication-group\n");
    EXPECT_ERRORS("[cache]\nmode = serverless\nreplicas = 2\nport = 6380\n",
                  "3: cache.replicas: got \"2\", but cache.mode is serverless (line 2); allowed: only when "
                  "cache.mode = replication-group\n"
                  "4: cache.port: got \"6380\", but cache.mode is serverless (line 2); allowed: only when "
                  "cache.mode = replication-group\n");
    EXPECT_ERRORS("[cache]\nmode = replication-group\nmax_storage_gb = 5\n",
                  "3: cache.max_storage_gb: got \"5\", but cache.mode is replication-group (line 2); allowed: "
                  "only when cache.mode = serverless\n");
    EXPECT_ERRORS("[queues]\ncontent_based_deduplication = true\n",
                  "2: queues.content_based_deduplication: got \"true\", but queues.type is standard (the "
                  "default); allowed: only when queues.type = fifo\n");
    EXPECT_ERRORS("[network]\nvpc = default\ncidr = 10.1.0.0/16\n",
                  "3: network.cidr: got \"10.1.0.0/16\", but network.vpc is default (line 2); allowed: only "
                  "when network.vpc = new\n");
    /* a bad condition leaves it unknown whether the setting applies: one error */
    EXPECT_ERRORS("[cache]\nmode = cluster\nnode_type = cache.r7g.large\n",
                  "2: cache.mode: got \"cluster\"; allowed: serverless or replication-group\n");

    scribble_config cfg;
    const char *text = "[cache]\nmode = replication-group\nengine = redis\nengine_version = 7.1\n"
                       "node_type = cache.r7g.large\nreplicas = 2\nport = 6380\n";
    char *errors = errors_of_bytes(text, strlen(text), &cfg);
    CHECK_STR_EQ(errors, "");
    free(errors);
    CHECK_INT_EQ(cfg.cache.mode, SCRIBBLE_CACHE_REPLICATION_GROUP);
    CHECK_INT_EQ(cfg.cache.engine, SCRIBBLE_ENGINE_REDIS);
    CHECK_STR_EQ(cfg.cache.engine_version, "7.1");
    CHECK_STR_EQ(cfg.cache.node_type, "cache.r7g.large");
    CHECK_INT_EQ(cfg.cache.replicas, 2);
    CHECK_INT_EQ(cfg.cache.port, 6380);
    scribble_config_free(&cfg);
}

static void test_required_when_applicable(void)
{
    EXPECT_ERRORS("[stack]\nname = demo\n\n[tables]\nbilling = provisioned\n",
                  "4: tables.read_capacity: missing; allowed: an integer from 1 to 40000, required when "
                  "tables.billing = provisioned\n"
                  "4: tables.write_capacity: missing; allowed: an integer from 1 to 40000, required when "
                  "tables.billing = provisioned\n");
    EXPECT_ERRORS("[tables]\nread_capacity = 5\n",
                  "2: tables.read_capacity: got \"5\", but tables.billing is on-demand (the default); allowed: "
                  "only when tables.billing = provisioned\n");
    scribble_config cfg;
    const char *text = "[tables]\nbilling = provisioned\nread_capacity = 7\nwrite_capacity = 3\npixels = px-table\n";
    char *errors = errors_of_bytes(text, strlen(text), &cfg);
    CHECK_STR_EQ(errors, "");
    free(errors);
    CHECK_INT_EQ(cfg.tables.billing, SCRIBBLE_BILLING_PROVISIONED);
    CHECK_INT_EQ(cfg.tables.read_capacity, 7);
    CHECK_INT_EQ(cfg.tables.write_capacity, 3);
    CHECK_STR_EQ(cfg.tables.pixels, "px-table");
    CHECK_STR_EQ(cfg.tables.history, "scribble-history");
    scribble_config_free(&cfg);
}

static void test_cross_rules(void)
{
    EXPECT_ERRORS("[queues]\nvisibility_timeout = 30\n",
                  "2: queues.visibility_timeout: got queues.visibility_timeout = 30, functions.worker_timeout = "
                  "60; allowed: queues.visibility_timeout 0 (6 x functions.worker_timeout) or at least "
                  "functions.worker_timeout (Lambda refuses a queue whose messages could reappear while still "
                  "being handled)\n");
    EXPECT_ERRORS("[queues]\nvisibility_timeout = 30\n[functions]\nworker_timeout = 30\n", "");
    EXPECT_ERRORS("[queues]\nvisibility_timeout = 600\n[functions]\nworker_timeout = 601\n",
                  "4: functions.worker_timeout: got queues.visibility_timeout = 600, functions.worker_timeout = "
                  "601; allowed: queues.visibility_timeout 0 (6 x functions.worker_timeout) or at least "
                  "functions.worker_timeout (Lambda refuses a queue whose messages could reappear while still "
                  "being handled)\n");
    EXPECT_OK("[queues]\nvisibility_timeout = 0\n[functions]\nworker_timeout = 900\n");
    EXPECT_ERRORS("[queues]\nretention_days = 7\ndead_letter_retention_days = 6\n",
                  "3: queues.dead_letter_retention_days: got queues.retention_days = 7, "
                  "queues.dead_letter_retention_days = 6; allowed: queues.dead_letter_retention_days at least "
                  "queues.retention_days (a message moved to a standard dead-letter queue keeps the time it was "
                  "first sent, so a shorter retention there could drop it on arrival)\n");
    EXPECT_ERRORS("[queues]\ndead_letter_retention_days = 3\n",
                  "2: queues.dead_letter_retention_days: got queues.retention_days = 4, "
                  "queues.dead_letter_retention_days = 3; allowed: queues.dead_letter_retention_days at least "
                  "queues.retention_days (a message moved to a standard dead-letter queue keeps the time it was "
                  "first sent, so a shorter retention there could drop it on arrival)\n");
    EXPECT_OK("[queues]\nretention_days = 14\ndead_letter_retention_days = 14\n");
    EXPECT_ERRORS("[site]\ndefault_ttl = 120\n",
                  "2: site.default_ttl: got site.default_ttl = 120, site.max_ttl = 60; allowed: site.default_ttl "
                  "at most site.max_ttl\n");
    EXPECT_ERRORS("[canvas]\nwidth = 4096\nheight = 4096\ndepth = 8\n",
                  "4: canvas.depth: got canvas.width = 4096, canvas.height = 4096, canvas.depth = 8; allowed: "
                  "canvas.width x canvas.height x canvas.depth at most 67108864 bits (8 MiB): the canvas is one "
                  "cache value, read whole by every snapshot\n");
    EXPECT_OK("[canvas]\nwidth = 4096\nheight = 4096\ndepth = 4\n");
    EXPECT_OK("[canvas]\nwidth = 2000\nheight = 1000\ndepth = 24\n");
    EXPECT_ERRORS("[cache]\nengine = redis\n",
                  "2: cache.engine: got cache.engine_version = 8, cache.engine = redis, cache.mode = serverless; "
                  "allowed: cache.engine_version 7 or 8 for valkey; 7 for redis serverless; 6 or 7 for a redis "
                  "replication group\n");
    EXPECT_ERRORS("[cache]\nengine_version = 6\n",
                  "2: cache.engine_version: got cache.engine_version = 6, cache.engine = valkey, cache.mode = "
                  "serverless; allowed: cache.engine_version 7 or 8 for valkey; 7 for redis serverless; 6 or 7 "
                  "for a redis replication group\n");
    EXPECT_OK("[cache]\nengine = redis\nengine_version = 7\n");
    EXPECT_ERRORS("[local]\nport = 9000\naws_port = 9000\n",
                  "3: local.aws_port: got local.port = 9000, local.aws_port = 9000; allowed: local.port and "
                  "local.aws_port different unless 0\n");
    EXPECT_OK("[local]\nport = 0\naws_port = 0\n");
    /* a rule over a setting that is itself bad is not checked */
    EXPECT_ERRORS("[canvas]\nwidth = 4096\nheight = 4096\ndepth = 32\n",
                  "4: canvas.depth: got \"32\"; allowed: 1, 2, 4, 8 or 24\n");
}

/* The queues' visibility timeout follows functions.worker_timeout unless set;
 * the dead-letter settings keep SQS's ranges. */
static void test_queue_settings(void)
{
    scribble_config cfg;
    const char *text = "[functions]\nworker_timeout = 900\n";
    char *errors = errors_of_bytes(text, strlen(text), &cfg);
    CHECK_STR_EQ(errors, "");
    free(errors);
    CHECK_INT_EQ(cfg.queues.visibility_timeout, 5400);
    char *shown = value_of(&cfg, "queues.visibility_timeout");
    CHECK_STR_EQ(shown, "5400");
    free(shown);
    scribble_config_free(&cfg);

    text = "[queues]\nvisibility_timeout = 75\nmax_receive_count = 1000\ndead_letter_retention_days = 4\n";
    errors = errors_of_bytes(text, strlen(text), &cfg);
    CHECK_STR_EQ(errors, "");
    free(errors);
    CHECK_INT_EQ(cfg.queues.visibility_timeout, 75);
    CHECK_INT_EQ(cfg.queues.max_receive_count, 1000);
    CHECK_INT_EQ(cfg.queues.dead_letter_retention_days, 4);
    scribble_config_free(&cfg);

    EXPECT_ERRORS("[queues]\nmax_receive_count = 0\nvisibility_timeout = 43201\n",
                  "2: queues.max_receive_count: got \"0\"; allowed: an integer from 1 to 1000\n"
                  "3: queues.visibility_timeout: got \"43201\"; allowed: an integer from 0 to 43200\n");
    EXPECT_ERRORS("[queues]\nmax_receive_count = 1001\ndead_letter_retention_days = 15\n",
                  "2: queues.max_receive_count: got \"1001\"; allowed: an integer from 1 to 1000\n"
                  "3: queues.dead_letter_retention_days: got \"15\"; allowed: an integer from 1 to 14\n");
}

static void test_all_errors_at_once(void)
{
    EXPECT_ERRORS("; a broken file\n"
                  "[stack]\n"
                  "name = My Stack\n"
                  "[canvas]\n"
                  "depth = 5\n"
                  "colours = 16\n"
                  "[queues]\n"
                  "type = lifo\n"
                  "[aws]\n"
                  "region = mars-north-1\n"
                  "max_attempts = 11\n"
                  "[tables]\n"
                  "billing = provisioned\n"
                  "oops\n",
                  "3: stack.name: got \"My Stack\"; allowed: 1 to 24 lowercase letters, digits and single hyphens, "
                  "starting with a letter, not ending with a hyphen\n"
                  "5: canvas.depth: got \"5\"; allowed: 1, 2, 4, 8 or 24\n"
                  "6: canvas.colours: unknown key; allowed in [canvas]: width, height, depth, cooldown, max_batch\n"
                  "8: queues.type: got \"lifo\"; allowed: standard or fifo\n"
                  "10: aws.region: got \"mars-north-1\"; allowed: an AWS region such as us-east-1, eu-west-3 or "
                  "us-gov-west-1, or empty\n"
                  "11: aws.max_attempts: got \"11\"; allowed: an integer from 0 to 10\n"
                  "12: tables.read_capacity: missing; allowed: an integer from 1 to 40000, required when "
                  "tables.billing = provisioned\n"
                  "12: tables.write_capacity: missing; allowed: an integer from 1 to 40000, required when "
                  "tables.billing = provisioned\n"
                  "14: syntax: got \"oops\"; allowed: key = value, [section], or a comment starting with ; or #\n");
}

/* What INI allows and people write: CRLF, a BOM, indentation, comments. */
static void test_lenient_syntax(void)
{
    scribble_config cfg;
    const char *text = "\xEF\xBB\xBF; notes\r\n"
                       "# more notes\r\n"
                       "\r\n"
                       "[ stack ]\r\n"
                       "  name = demo-1 ; an inline comment\r\n"
                       "\t[aws]\r\n"
                       "\tregion = eu-west-3\r\n"
                       "endpoint_url: http://127.0.0.1:4566\r\n"
                       "[canvas]\n"
                       "depth = 24\n"
                       "cooldown = 300\n";
    char *errors = errors_of_bytes(text, strlen(text), &cfg);
    CHECK_STR_EQ(errors, "");
    free(errors);
    CHECK_STR_EQ(cfg.stack.name, "demo-1");
    CHECK_STR_EQ(cfg.aws.region, "eu-west-3");
    CHECK_STR_EQ(cfg.aws.endpoint_url, "http://127.0.0.1:4566");
    CHECK_INT_EQ(cfg.canvas.depth, 24);
    CHECK_INT_EQ(cfg.canvas.cooldown, 300);
    CHECK_STR_EQ(cfg.tables.pixels, "demo-1-pixels");
    scribble_config_free(&cfg);
}

static void test_tags(void)
{
    scribble_config cfg;
    const char *text = "[tags]\nteam = canvas\ncost centre = 42/a@b+c\nempty =\n";
    char *errors = errors_of_bytes(text, strlen(text), &cfg);
    CHECK_STR_EQ(errors, "");
    free(errors);
    CHECK_INT_EQ(cfg.tags.count, 3);
    if (cfg.tags.count == 3) {
        CHECK_STR_EQ(cfg.tags.items[0].key, "team");
        CHECK_STR_EQ(cfg.tags.items[0].value, "canvas");
        CHECK_STR_EQ(cfg.tags.items[1].key, "cost centre");
        CHECK_STR_EQ(cfg.tags.items[1].value, "42/a@b+c");
        CHECK_STR_EQ(cfg.tags.items[2].value, "");
    }
    scribble_config_free(&cfg);

    EXPECT_ERRORS("[tags]\naws:createdBy = me\n",
                  "2: tags.aws: got \"aws:createdBy = me\"; allowed: key = value, where a tag key has no : or =\n");
    EXPECT_ERRORS("[tags]\nteam! = x\n",
                  "2: tags.team!: got \"team!\"; allowed: a tag key of 1 to 128 letters, digits, spaces and "
                  "_ . / + - @\n");
    EXPECT_ERRORS("[tags]\nteam = a|b\n",
                  "2: tags.team: got \"a|b\"; allowed: a tag value of 0 to 256 letters, digits, spaces and "
                  "_ . : / = + - @\n");
    EXPECT_ERRORS("[tags]\nteam = a\nteam = b\n", "3: tags.team: set again (first at line 2); allowed: once\n");
    base_buf many = {0};
    base_buf_append_str(&many, "[tags]\n");
    for (int i = 1; i <= 50; i++)
        base_buf_printf(&many, "t%d = v\n", i);
    EXPECT_ERRORS(base_buf_str(&many),
                  "51: tags.t50: got tag number 50; allowed: at most 49 tags (AWS allows 50, one is "
                  "scribble:stack)\n");
    base_buf_free(&many);
}

static void test_load_failure_leaves_nothing(void)
{
    scribble_config cfg;
    base_buf errors = {0};
    base_buf path = {0};
    base_buf_printf(&path, "%s/absent.ini", temp_dir);
    CHECK_INT_EQ(scribble_config_load(base_buf_str(&path), &cfg, &errors), -1);
    base_buf want = {0};
    base_buf_printf(&want, "%s: cannot read: No such file or directory\n", base_buf_str(&path));
    CHECK_STR_EQ(base_buf_str(&errors), base_buf_str(&want));
    CHECK(cfg.stack.name == NULL && cfg.tags.items == NULL);
    scribble_config_free(&cfg);
    scribble_config_free(&cfg); /* harmless, twice */
    base_buf_free(&path);
    base_buf_free(&want);
    base_buf_free(&errors);

    char *text = errors_of("[tags]\nteam = x\n[canvas]\nwidth = 0\n");
    CHECK(*text);
    free(text);
}

static void test_overrides(void)
{
    scribble_config cfg;
    scribble_config_defaults(&cfg);
    base_buf errors = {0};
    CHECK_INT_EQ(scribble_config_apply_overrides(&cfg, "eu-west-3", "dev", "http://127.0.0.1:5000", &errors), 0);
    CHECK_STR_EQ(cfg.aws.region, "eu-west-3");
    CHECK_STR_EQ(cfg.aws.profile, "dev");
    CHECK_STR_EQ(cfg.aws.endpoint_url, "http://127.0.0.1:5000");
    CHECK_INT_EQ(scribble_config_apply_overrides(&cfg, NULL, NULL, NULL, &errors), 0);
    CHECK_STR_EQ(cfg.aws.region, "eu-west-3");
    CHECK_INT_EQ(scribble_config_apply_overrides(&cfg, "moon-1", NULL, "file:///x", &errors), -1);
    CHECK_STR_EQ(base_buf_str(&errors),
                 "--region: got \"moon-1\"; allowed: an AWS region such as us-east-1, eu-west-3 or us-gov-west-1, "
                 "or empty\n"
                 "--endpoint-url: got \"file:///x\"; allowed: an http:// or https:// URL such as "
                 "http://localhost:5000, or empty\n");
    CHECK_STR_EQ(cfg.aws.region, "eu-west-3");
    base_buf_free(&errors);
    scribble_config_free(&cfg);
}

static void test_format_value(void)
{
    scribble_config cfg;
    scribble_config_defaults(&cfg);
    base_buf b = {0};
    CHECK_INT_EQ(scribble_config_format_value(&cfg, "site.price_class", &b), 0);
    CHECK_STR_EQ(base_buf_str(&b), "PriceClass_100");
    base_buf_reset(&b);
    CHECK_INT_EQ(scribble_config_format_value(&cfg, "queues.content_based_deduplication", &b), 0);
    CHECK_STR_EQ(base_buf_str(&b), "false");
    CHECK_INT_EQ(scribble_config_format_value(&cfg, "canvas.colours", &b), -1);
    CHECK_INT_EQ(scribble_config_format_value(&cfg, "nodot", &b), -1);
    base_buf_free(&b);
    scribble_config_free(&cfg);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    base_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        base_buf_append(&b, chunk, n);
    fclose(f);
    return base_buf_detach(&b);
}

static int first_difference_line(const char *a, const char *b)
{
    int line = 1;
    for (; *a && *a == *b; a++, b++)
        line += *a == '\n';
    return line;
}

/* The shipped file equals what the table generates; when it does not, the
 * generated one is left in the build folder to diff or copy. */
static void check_generated(const char *relative, void (*generate)(base_buf *))
{
    const char *source = getenv("SCRIBBLE_SOURCE_DIR");
    CHECK(source != NULL);
    if (!source)
        return;
    base_buf path = {0}, want = {0};
    base_buf_printf(&path, "%s/%s", source, relative);
    generate(&want);
    char *got = read_file(base_buf_str(&path));
    if (!got || strcmp(got, base_buf_str(&want)) != 0) {
        const char *bin = getenv("SCRIBBLE_TEST_BIN");
        base_buf out = {0};
        base_buf_printf(&out, "%s/%s.generated", bin ? bin : temp_dir, strrchr(relative, '/') ? strrchr(relative, '/') + 1 : relative);
        FILE *f = fopen(base_buf_str(&out), "wb");
        if (f) {
            fputs(base_buf_str(&want), f);
            fclose(f);
        }
        fprintf(stderr, "%s differs from the settings table from line %d; the generated file is %s\n",
                base_buf_str(&path), got ? first_difference_line(got, base_buf_str(&want)) : 0, base_buf_str(&out));
        test_failures++;
        base_buf_free(&out);
    }
    free(got);
    base_buf_free(&path);
    base_buf_free(&want);
}

static void test_shipped_files_match_table(void)
{
    check_generated("scribble.ini", scribble_config_write_ini);
    check_generated("docs/configuration.md", scribble_config_write_reference);
}

/* Independently of the generator: the shipped scribble.ini names every key of
 * the table exactly once, with the table's default (or example), commented
 * out exactly when it does not apply by default. */
static bool applies_by_default(const scribble_setting *s)
{
    if (!s->when_key)
        return true;
    const char *dot = strchr(s->when_key, '.');
    char section[32];
    snprintf(section, sizeof section, "%.*s", (int)(dot - s->when_key), s->when_key);
    const scribble_setting *cond = setting(section, dot + 1);
    return cond && cond->default_value && !strcmp(cond->default_value, s->when_value);
}

static void check_shipped_line(const char *section, const char *line, int *seen)
{
    bool commented = line[0] == '#';
    const char *key = line + commented, *eq = strstr(key, " =");
    if (!eq || !strcmp(section, "tags"))
        return;
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(eq - key), key);
    const char *value = eq[2] == ' ' ? eq + 3 : eq + 2;
    const scribble_setting *s = setting(section, name);
    size_t n;
    const scribble_setting *all = scribble_config_settings(&n);
    if (!s) {
        fprintf(stderr, "scribble.ini has %s.%s, which the table lacks\n", section, name);
        test_failures++;
        return;
    }
    seen[s - all]++;
    CHECK_STR_EQ(value, s->default_value ? s->default_value : s->example);
    bool want_commented = !(s->default_value && applies_by_default(s));
    if (commented != want_commented)
        fprintf(stderr, "scribble.ini: %s.%s should %sbe commented out\n", section, name,
                want_commented ? "" : "not ");
    CHECK(commented == want_commented);
}

static void test_shipped_ini_lists_every_key(void)
{
    const char *source = getenv("SCRIBBLE_SOURCE_DIR");
    if (!source)
        return; /* reported by test_shipped_files_match_table */
    base_buf path = {0};
    base_buf_printf(&path, "%s/scribble.ini", source);
    char *text = read_file(base_buf_str(&path));
    CHECK(text != NULL);
    size_t n;
    scribble_config_settings(&n);
    int *seen = base_xcalloc(n, sizeof *seen);
    char section[32] = "";
    base_cursor rest = base_cursor_from(text), line;
    while (text && base_cursor_next_token(&rest, '\n', &line)) {
        char *l = base_cursor_dup(line);
        if (l[0] == '[')
            snprintf(section, sizeof section, "%.*s", (int)strcspn(l + 1, "]"), l + 1);
        else if (l[0] && l[0] != ';')
            check_shipped_line(section, l, seen);
        free(l);
    }
    const scribble_setting *all = scribble_config_settings(&n);
    for (size_t i = 0; i < n; i++) {
        if (seen[i] != 1)
            fprintf(stderr, "scribble.ini names %s.%s %d times\n", all[i].section, all[i].key, seen[i]);
        CHECK_INT_EQ(seen[i], 1);
    }
    free(seen);
    free(text);

    scribble_config cfg;
    base_buf errors = {0};
    CHECK_INT_EQ(scribble_config_load(base_buf_str(&path), &cfg, &errors), 0);
    CHECK_STR_EQ(base_buf_str(&errors), "");
    scribble_config_free(&cfg);
    base_buf_free(&errors);
    base_buf_free(&path);
}

int main(void)
{
    if (!mkdtemp(temp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_defaults();
    test_empty_file_is_defaults();
    test_every_default_and_example_loads();
    test_table_is_consistent();
    test_value_errors();
    test_region_syntax();
    test_string_syntax();
    test_structure_errors();
    test_no_cascade_after_bad_header();
    test_url_password_hidden();
    test_applicability();
    test_required_when_applicable();
    test_cross_rules();
    test_queue_settings();
    test_all_errors_at_once();
    test_lenient_syntax();
    test_tags();
    test_load_failure_leaves_nothing();
    test_overrides();
    test_format_value();
    test_shipped_files_match_table();
    test_shipped_ini_lists_every_key();
    rmdir(temp_dir);
    return TEST_EXIT();
}

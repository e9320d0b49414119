/*
 * config.c - scribble.ini: the settings table, the loader and validator, and
 * the generators of the documented scribble.ini and docs/configuration.md.
 *
 * The table below is the single description of every setting; parsing,
 * checking and documentation all walk it, so adding a setting is one row and
 * one struct field. inih does the INI syntax. Debian builds it without
 * INI_HANDLER_LINENO, so lines are counted by our own reader, which also sees
 * every section header and every line inih rejects: that is how each problem
 * gets its line and all of them are reported in one go. Nothing here prints
 * or touches the network; the caller decides what to do with the errors.
 */
#include "base/cursor.h"
#include "provision/config.h"
#include "stack/description.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- value syntax ------------------------------------------------------ */

static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c) { return is_lower(c) || is_digit(c) || (c >= 'A' && c <= 'Z'); }

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Every character of s is in the set, or is an alphanumeric when alnum is set. */
static bool all_of(const char *s, bool alnum, const char *set)
{
    for (; *s; s++)
        if (!(alnum && is_alnum(*s)) && !strchr(set, *s))
            return false;
    return true;
}

/* Digits without a leading zero (or "0"), 1 to max_digits of them, value <= max. */
static const char *parse_number(const char *p, int max_digits, long max, long *out)
{
    long v = 0;
    int n = 0;
    for (; is_digit(p[n]) && n < max_digits; n++)
        v = v * 10 + (p[n] - '0');
    if (n == 0 || is_digit(p[n]) || (n > 1 && p[0] == '0') || v > max)
        return NULL;
    *out = v;
    return p + n;
}

static bool valid_stack_name(const char *v)
{
    size_t n = strlen(v);
    return is_lower(v[0]) && all_of(v, false, "abcdefghijklmnopqrstuvwxyz0123456789-") &&
           v[n - 1] != '-' && !strstr(v, "--");
}

bool scribble_region_valid(const char *r)
{
    static const char *const directions[] = {"east", "west", "north", "south", "central",
                                             "northeast", "northwest", "southeast", "southwest", NULL};
    if (!r || !is_lower(r[0]) || !is_lower(r[1]))
        return false;
    const char *p = r + 2;
    if (starts_with(p, "-gov-"))
        p += 4;
    else if (starts_with(p, "-iso"))
        p += is_lower(p[4]) ? 5 : 4;
    if (*p++ != '-')
        return false;
    size_t len = strcspn(p, "-");
    bool known = false;
    for (size_t i = 0; directions[i] && !known; i++)
        known = strlen(directions[i]) == len && strncmp(p, directions[i], len) == 0;
    long number;
    return known && p[len] == '-' && (p = parse_number(p + len + 1, 2, 99, &number)) && !*p &&
           number > 0;
}

static bool valid_region(const char *v) { return scribble_region_valid(v); }

static bool valid_profile(const char *v) { return all_of(v, true, "_.+@/-"); }

/* host[:port] at p, host a DNS name or an IPv4 or [IPv6] literal; returns the end. */
static const char *parse_host_port(const char *p)
{
    if (*p == '[') {
        size_t n = strspn(p + 1, "0123456789abcdefABCDEF:.");
        if (n == 0 || p[n + 1] != ']')
            return NULL;
        p += n + 2;
    } else {
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
        if (n == 0)
            return NULL;
        p += n;
    }
    long port;
    if (*p == ':' && (!(p = parse_number(p + 1, 5, 65535, &port)) || port == 0))
        return NULL;
    return p;
}

static bool valid_endpoint_url(const char *v)
{
    const char *p = starts_with(v, "http://") ? v + 7 : starts_with(v, "https://") ? v + 8 : NULL;
    if (!p || !(p = parse_host_port(p)) || (*p && *p != '/'))
        return false;
    for (; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

static bool valid_cidr(const char *v)
{
    unsigned long address = 0;
    long part, prefix;
    const char *p = v;
    for (int i = 0; i < 4; i++) {
        if (!(p = parse_number(p, 3, 255, &part)) || *p != (i < 3 ? '.' : '/'))
            return false;
        address = address << 8 | (unsigned long)part;
        p++;
    }
    if (!(p = parse_number(p, 2, 24, &prefix)) || *p || prefix < 16)
        return false;
    return (address & ((1UL << (32 - prefix)) - 1)) == 0;
}

static bool valid_engine_version(const char *v)
{
    long part;
    const char *p = parse_number(v, 2, 99, &part);
    if (p && *p == '.')
        p = parse_number(p + 1, 2, 99, &part);
    return p && !*p;
}

static bool valid_node_type(const char *v)
{
    if (!starts_with(v, "cache."))
        return false;
    const char *family = v + 6, *dot = strchr(family, '.');
    return dot && dot > family && dot[1] && all_of(family, false, "abcdefghijklmnopqrstuvwxyz0123456789.") &&
           !strchr(dot + 1, '.');
}

static bool valid_table_name(const char *v) { return strlen(v) >= 3 && all_of(v, true, "_.-"); }

static bool valid_rate(const char *inner)
{
    long n;
    const char *p = parse_number(inner, 6, 999999, &n);
    if (!p || n == 0 || *p != ' ')
        return false;
    static const char *const singular[] = {"minute)", "hour)", "day)", NULL};
    static const char *const plural[] = {"minutes)", "hours)", "days)", NULL};
    const char *const *units = n == 1 ? singular : plural;
    for (size_t i = 0; units[i]; i++)
        if (!strcmp(p + 1, units[i]))
            return true;
    return false;
}

static bool valid_cron(const char *inner)
{
    size_t len = strlen(inner);
    if (len < 2 || inner[len - 1] != ')')
        return false;
    int fields = 0;
    bool in_field = false;
    for (size_t i = 0; i + 1 < len; i++) {
        char c = inner[i];
        if (c == ' ') {
            in_field = false;
        } else if (is_alnum(c) || strchr("*?/,#-", c)) {
            fields += !in_field;
            in_field = true;
        } else {
            return false;
        }
    }
    return fields == 6;
}

static bool valid_schedule(const char *v)
{
    if (starts_with(v, "rate("))
        return valid_rate(v + 5);
    return starts_with(v, "cron(") && valid_cron(v + 5);
}

static bool valid_object_key(const char *v)
{
    size_t n = strlen(v);
    return v[0] != '/' && v[n - 1] != '/' && !strstr(v, "//") && all_of(v, true, "._-/");
}

static bool valid_bind(const char *v)
{
    unsigned char address[16];
    return !strcmp(v, "localhost") || inet_pton(AF_INET, v, address) == 1 ||
           inet_pton(AF_INET6, v, address) == 1;
}

static bool valid_cache_url(const char *v)
{
    const char *p = starts_with(v, "redis://") ? v + 8 : starts_with(v, "rediss://") ? v + 9 : NULL;
    if (!p)
        return false;
    const char *at = strchr(p, '@');
    if (at && at > p && !memchr(p, '/', (size_t)(at - p)))
        p = at + 1;
    p = parse_host_port(p);
    return p && !*p;
}

/* One origin as a browser sends it in Origin: http:// or https://, a host,
 * a port unless it is the scheme's default (which browsers leave out), and
 * nothing after it; n is its length in v. */
static bool valid_origin(const char *v, size_t n)
{
    bool https = starts_with(v, "https://");
    const char *host = https ? v + 8 : starts_with(v, "http://") ? v + 7 : NULL;
    const char *end = host ? parse_host_port(host) : NULL;
    if (!end || end != v + n)
        return false;
    const char *after_host = *host == '[' ? strchr(host, ']') + 1 : host + strcspn(host, ":");
    return !(*after_host == ':' && !strcmp(after_host + 1, https ? "443" : "80"));
}

/* A DNS name as ACM and Route 53 take it: at least two labels of letters,
 * digits and hyphens (not first or last), each at most 63, 253 in all, no
 * trailing dot; lower case, as both store it. */
static bool valid_dns_name(const char *v)
{
    size_t n = strlen(v), labels = 0;
    if (n == 0 || n > 253)
        return false;
    for (const char *p = v; *p; labels++) {
        size_t len = strcspn(p, ".");
        if (len == 0 || len > 63 || p[0] == '-' || p[len - 1] == '-')
            return false;
        for (size_t i = 0; i < len; i++)
            if (!is_lower(p[i]) && !is_digit(p[i]) && p[i] != '-')
                return false;
        p += len;
        if (*p == '.' && !*++p)
            return false;
    }
    return labels >= 2;
}

static bool valid_dns_name_or_empty(const char *v) { return !*v || valid_dns_name(v); }

/* Origins separated by spaces, or none. */
static bool valid_origins(const char *v)
{
    for (;;) {
        v += strspn(v, " ");
        if (!*v)
            return true;
        size_t n = strcspn(v, " ");
        char one[1100];
        if (n >= sizeof one)
            return false;
        memcpy(one, v, n);
        one[n] = '\0';
        if (!valid_origin(one, n))
            return false;
        v += n;
    }
}

static bool valid_path(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < ' ' || *v == 0x7f)
            return false;
    return true;
}

/* ---- the tables ---------------------------------------------------------- */

_Static_assert(sizeof(scribble_vpc_mode) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(scribble_nat_mode) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(scribble_cache_mode) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(scribble_cache_engine) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(scribble_queue_type) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(scribble_billing) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(scribble_architecture) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(scribble_price_class) == sizeof(int), "enums are stored as int");

static const char *const vpc_names[] = {[SCRIBBLE_VPC_NEW] = "new", [SCRIBBLE_VPC_DEFAULT] = "default", NULL};
static const char *const nat_names[] = {[SCRIBBLE_NAT_SINGLE] = "single",
                                        [SCRIBBLE_NAT_PER_ZONE] = "per-zone", NULL};
static const char *const cache_mode_names[] = {[SCRIBBLE_CACHE_SERVERLESS] = "serverless",
                                               [SCRIBBLE_CACHE_REPLICATION_GROUP] = "replication-group",
                                               NULL};
static const char *const engine_names[] = {[SCRIBBLE_ENGINE_VALKEY] = "valkey",
                                           [SCRIBBLE_ENGINE_REDIS] = "redis", NULL};
static const char *const queue_type_names[] = {[SCRIBBLE_QUEUE_STANDARD] = "standard",
                                               [SCRIBBLE_QUEUE_FIFO] = "fifo", NULL};
static const char *const billing_names[] = {[SCRIBBLE_BILLING_ON_DEMAND] = "on-demand",
                                            [SCRIBBLE_BILLING_PROVISIONED] = "provisioned", NULL};
static const char *const architecture_names[] = {[SCRIBBLE_ARCH_AUTO] = "auto",
                                                 [SCRIBBLE_ARCH_X86_64] = "x86_64",
                                                 [SCRIBBLE_ARCH_ARM64] = "arm64", NULL};
static const char *const price_class_names[] = {[SCRIBBLE_PRICE_CLASS_100] = "PriceClass_100",
                                                [SCRIBBLE_PRICE_CLASS_200] = "PriceClass_200",
                                                [SCRIBBLE_PRICE_CLASS_ALL] = "PriceClass_All", NULL};
static const char *const depth_values[] = {"1", "2", "4", "8", "24", NULL};
/* The retention periods CloudWatch Logs accepts, and 0 for none. */
static const char *const log_retention_values[] = {
    "0",   "1",   "3",   "5",    "7",    "14",   "30",   "60",   "90",   "120",  "150",  "180",
    "365", "400", "545", "731", "1096", "1827", "2192", "2557", "2922", "3288", "3653", NULL};

static const scribble_config_section sections[] = {
    {"stack", "The stack: its name prefixes every AWS resource (<name>-<role>) and tags it.", false, NULL},
    {"aws", "How scribblectl reaches AWS; --region, --profile and --endpoint-url override these.", false,
     NULL},
    {"network", "The VPC the functions and the cache live in.", false, NULL},
    {"cache", "ElastiCache, holding the canvas and the connections; encryption in transit is always on.",
     false, NULL},
    {"queues", "The catch-up and pixel SQS queues, each feeding its function; each has a dead-letter queue "
               "for the messages its function keeps failing on.", false, NULL},
    {"tables", "The DynamoDB tables: each pixel's current colour, and every placement.", false, NULL},
    {"functions", "The Lambda handlers built from runtime/, on provided.al2023.", false, NULL},
    {"schedules", "EventBridge Scheduler schedules invoking snapshot and save (no flexible window).", false,
     NULL},
    {"site", "The page: a private S3 bucket behind a CloudFront distribution.", false, NULL},
    {"canvas", "The canvas and the rules of placing pixels.", false, NULL},
    {"limits", "What clients may ask and the stack may spend: throttling, allowances per source "
               "address, reserved Lambda concurrency (docs/protocol.md: what a client sees).", false,
     NULL},
    {"local", "scribblectl local: the whole app on this machine, without an AWS account.", false, NULL},
    {"domain", "The canvas under names people can type, in a Route 53 hosted zone of this account, "
               "with ACM certificates (docs/provisioning.md: a domain of your own); empty: "
               "CloudFront's and API Gateway's names.",
     false, NULL},
    {"tags", "Extra tags on every taggable resource, key = value (scribble:stack is always added).", true,
     "team = canvas"},
};
#define SECTION_COUNT (sizeof sections / sizeof sections[0])

#define AT(sec, k) .section = #sec, .key = #k, .offset = offsetof(scribble_config, sec.k)
#define STRING(def, maxlen, check, text)                                                       \
    .type = SCRIBBLE_SETTING_STRING, .default_value = def, .max = maxlen, .valid = check,     \
    .allowed = text
#define INT(def, lo, hi) .type = SCRIBBLE_SETTING_INT, .default_value = def, .min = lo, .max = hi
#define INT_OF(def, list) .type = SCRIBBLE_SETTING_INT, .default_value = def, .names = list
#define ENUM(def, list) .type = SCRIBBLE_SETTING_ENUM, .default_value = def, .names = list
#define BOOL(def) .type = SCRIBBLE_SETTING_BOOL, .default_value = def
#define WHEN(k, v) .when_key = k, .when_value = v
#define DNS_NAME_TEXT                                                                               \
    "a DNS name such as canvas.example.com: two labels or more of lower-case letters, digits "     \
    "and hyphens, no trailing dot"

/* AWS's advice for a queue feeding a Lambda function: a visibility timeout of
 * at least six times the function's timeout, so a batch retried after
 * throttling or a failure is not delivered again while an earlier try still
 * handles it (the pixel queue's batching window, a second, is well inside
 * that margin). queues.visibility_timeout = 0 means this. */
#define VISIBILITY_FACTOR 6
#define TEXT_OF_(x) #x
#define TEXT_OF(x) TEXT_OF_(x)
#define VISIBILITY_FACTOR_TEXT TEXT_OF(VISIBILITY_FACTOR)

static const scribble_setting settings[] = {
    {AT(stack, name),
     STRING("scribble", SCRIBBLE_STACK_NAME_MAX, valid_stack_name,
            "1 to 24 lowercase letters, digits and single hyphens, starting with a letter, "
            "not ending with a hyphen"),
     .doc = "Names every resource <name>-<role> and tags it scribble:stack; a new name is a new stack."},

    {AT(aws, region),
     STRING("", 32, valid_region, "an AWS region such as us-east-1, eu-west-3 or us-gov-west-1"),
     .doc = "Region of the stack; empty: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region."},
    {AT(aws, profile),
     STRING("", 64, valid_profile, "a profile name of letters, digits and _ . + @ / -"),
     .doc = "Profile of ~/.aws/config and ~/.aws/credentials; empty: AWS_PROFILE, then default."},
    {AT(aws, endpoint_url),
     STRING("", 512, valid_endpoint_url, "an http:// or https:// URL such as http://localhost:5000"),
     .doc = "Send every AWS call here (a local AWS); empty: AWS_ENDPOINT_URL*, then AWS's endpoints."},
    {AT(aws, max_attempts), INT("0", 0, 10),
     .doc = "Attempts per AWS call (standard retries); 0: AWS_MAX_ATTEMPTS, the profile's, then 3."},

    {AT(network, vpc), ENUM("new", vpc_names),
     .doc = "new: a VPC of the stack's own; default: the account's default VPC."},
    {AT(network, cidr),
     STRING("10.0.0.0/16", 18, valid_cidr,
            "an IPv4 CIDR block from /16 to /24 without host bits, such as 10.0.0.0/16"),
     WHEN("network.vpc", "new"), .doc = "Address range of the new VPC; the subnets are carved from it."},
    {AT(network, availability_zones), INT("2", 2, 3),
     .doc = "Zones, each with a public and a private subnet."},
    {AT(network, nat), ENUM("single", nat_names),
     .doc = "single: one NAT gateway; per-zone: one per zone (survives a zone outage, costs more)."},

    {AT(cache, mode), ENUM("serverless", cache_mode_names),
     .doc = "serverless: ElastiCache Serverless; replication-group: the nodes sized below."},
    {AT(cache, engine), ENUM("valkey", engine_names), .doc = "valkey, or redis (Redis OSS)."},
    {AT(cache, engine_version),
     STRING("8", 5, valid_engine_version, "a version N or N.M such as 8 or 7.2"),
     .doc = "Engine version: 7 or 8 for valkey; 7 for redis serverless, 6 or 7 for a redis group."},
    {AT(cache, node_type),
     STRING("cache.t4g.micro", 32, valid_node_type, "an ElastiCache node type such as cache.t4g.micro"),
     WHEN("cache.mode", "replication-group"), .doc = "Node type of the replication group."},
    {AT(cache, replicas), INT("1", 0, 5), WHEN("cache.mode", "replication-group"),
     .doc = "Replicas of the primary, spread over the zones; 0: a single node."},
    {AT(cache, port), INT("6379", 1024, 65535), WHEN("cache.mode", "replication-group"),
     .doc = "Port of the replication group (a serverless cache always listens on 6379)."},
    {AT(cache, max_storage_gb), INT("1", 1, 5000), WHEN("cache.mode", "serverless"),
     .doc = "Most data the serverless cache may hold, in GB: a ceiling on its cost."},

    {AT(queues, type), ENUM("standard", queue_type_names),
     .doc = "standard, or fifo for ordered, deduplicated delivery (queue names then end in .fifo)."},
    {AT(queues, visibility_timeout), INT("0", 0, 43200),
     .doc = "Seconds a received message stays hidden; 0: " VISIBILITY_FACTOR_TEXT " x "
            "functions.worker_timeout (AWS's advice for a queue feeding a function); else at least "
            "functions.worker_timeout."},
    {AT(queues, retention_days), INT("4", 1, 14), .doc = "Days an unhandled message is kept."},
    {AT(queues, max_message_kb), INT("256", 1, 256), .doc = "Largest message, in KB."},
    {AT(queues, receive_wait), INT("1", 0, 20),
     .doc = "Seconds each receive waits for a message (long polling)."},
    {AT(queues, batch_size), INT("10", 1, 10),
     .doc = "Most messages handed to one invocation of catchup, and of broadcast on a FIFO queue "
            "(on a standard queue broadcast gathers up to " TEXT_OF(STACK_COALESCED_BATCH) " for "
            TEXT_OF(STACK_COALESCED_WINDOW_S) " s: limits.broadcast_rate)."},
    {AT(queues, max_receive_count), INT("5", 1, 1000),
     .doc = "Times a message may be delivered without being handled; then SQS moves it to the "
            "dead-letter queue (AWS advises at least 5 when a function reads the queue)."},
    {AT(queues, dead_letter_retention_days), INT("14", 1, 14),
     .doc = "Days a dead-letter queue keeps a message; at least retention_days."},
    {AT(queues, content_based_deduplication), BOOL("false"), WHEN("queues.type", "fifo"),
     .doc = "Deduplicate FIFO messages by a hash of their body instead of by their id."},

    {AT(tables, pixels),
     STRING("", 255, valid_table_name, "a DynamoDB table name: 3 to 255 letters, digits, _ . -"),
     .doc = "Table of each pixel's current colour, keyed by idx; empty: <stack>-pixels."},
    {AT(tables, history),
     STRING("", 255, valid_table_name, "a DynamoDB table name: 3 to 255 letters, digits, _ . -"),
     .doc = "Table of every placement in time order; empty: <stack>-history."},
    {AT(tables, billing), ENUM("on-demand", billing_names),
     .doc = "on-demand: pay per request; provisioned: the fixed capacity below."},
    {AT(tables, read_capacity), INT(NULL, 1, 40000), .example = "5",
     WHEN("tables.billing", "provisioned"), .doc = "Read capacity units of each table."},
    {AT(tables, write_capacity), INT(NULL, 1, 40000), .example = "5",
     WHEN("tables.billing", "provisioned"), .doc = "Write capacity units of each table."},

    {AT(functions, architecture), ENUM("auto", architecture_names),
     .doc = "CPU of the functions; auto: that of the machine building runtime/."},
    {AT(functions, memory_mb), INT("256", 128, 10240),
     .doc = "Memory of each function, in MB (its CPU share grows with it)."},
    {AT(functions, route_timeout), INT("10", 1, 29),
     .doc = "Seconds connect, disconnect and send may run (API Gateway waits 29 at most)."},
    {AT(functions, worker_timeout), INT("60", 1, 900),
     .doc = "Seconds broadcast, catchup, snapshot and save may run."},
    {AT(functions, log_retention_days), INT_OF("14", log_retention_values),
     .doc = "Days CloudWatch Logs keeps the functions' logs; 0: forever."},

    {AT(schedules, snapshot),
     STRING("rate(1 minute)", 256, valid_schedule,
            "rate(1 minute), rate(N minutes), rate(N hours), rate(N days), or cron() with six fields"),
     .doc = "When snapshot runs: a rate() or cron() expression."},
    {AT(schedules, save),
     STRING("rate(1 minute)", 256, valid_schedule,
            "rate(1 minute), rate(N minutes), rate(N hours), rate(N days), or cron() with six fields"),
     .doc = "When save runs: a rate() or cron() expression."},
    {AT(schedules, retry_attempts), INT("2", 0, 185), .doc = "Retries of an invocation that failed."},
    {AT(schedules, max_event_age), INT("60", 60, 86400),
     .doc = "Seconds after which an invocation not yet delivered is dropped."},

    {AT(site, price_class), ENUM("PriceClass_100", price_class_names),
     .doc = "CloudFront edge locations: PriceClass_100 is the cheapest, PriceClass_All the widest."},
    {AT(site, default_root_object),
     STRING("scribble.html", 255, valid_object_key, "a file of static/ such as scribble.html"),
     .doc = "The page served at the distribution's root URL."},
    {AT(site, default_ttl), INT("60", 0, 31536000),
     .doc = "Seconds CloudFront keeps an object that sets no Cache-Control."},
    {AT(site, max_ttl), INT("60", 0, 31536000), .doc = "Most seconds CloudFront keeps any object."},

    {AT(canvas, width), INT("1000", 1, 4096), .doc = "Width in pixels."},
    {AT(canvas, height), INT("1000", 1, 4096), .doc = "Height in pixels."},
    {AT(canvas, depth), INT_OF("1", depth_values),
     .doc = "Bits per pixel: 1 black and white; 2, 4, 8 palettes of 4, 16, 256 colours; 24 RGB."},
    {AT(canvas, cooldown), INT("0", 0, 86400),
     .doc = "Seconds a connection waits after each pixel it places (after a message of n pixels, n "
            "times as long); 0: no cooldown."},
    {AT(canvas, max_batch), INT("100", 1, 1000), .doc = "Most pixels one message may place."},

    {AT(limits, throttle_rate), INT("500", 1, 10000),
     .doc = "Messages a second the WebSocket API takes on each route, on average; API Gateway "
            "refuses more before any function runs (the account's 10,000 is shared by every API)."},
    {AT(limits, throttle_burst), INT("1000", 1, 5000),
     .doc = "Messages the WebSocket API takes at once on each route above the average (the account "
            "allows 5,000)."},
    {AT(limits, address_allowance), INT("20", 0, 100000),
     .doc = "Pixels per cooldown all connections of one source address (IPv6: its /64) place "
            "together: reconnecting keeps the cooldown, people behind a NAT still play; 0: no limit."},
    {AT(limits, address_catchups), INT("60", 0, 60000),
     .doc = "Catch-ups a minute all connections of one source address may ask for (each "
            "connection at most one every 2 s); 0: no limit by address."},
    {AT(limits, broadcast_rate), INT("2", 1, 50),
     .doc = "Messages a second broadcasts send each connection at most, whatever the placement "
            "rate: pixels placed in between wait and go together in the next (docs/protocol.md: "
            "latency; docs/scale.md: cost)."},
    {AT(limits, route_concurrency), INT("0", 0, 100000),
     .doc = "Executions reserved for each of connect, disconnect, send (also the most each runs); "
            "0: none. AWS keeps 100 of the account's unreserved: up and doctor check."},
    {AT(limits, worker_concurrency), INT("0", 0, 100000),
     .doc = "Executions reserved for each of broadcast, catchup, snapshot, save (also the most "
            "each runs); 0: none."},

    {AT(local, bind), STRING("127.0.0.1", 64, valid_bind, "an IP address or localhost"),
     .doc = "Address the page, the WebSocket and the local AWS listen on."},
    {AT(local, port), INT("8080", 0, 65535),
     .doc = "Port of the page and the WebSocket endpoint; 0: any free port."},
    {AT(local, aws_port), INT("0", 0, 65535),
     .doc = "Port of the local AWS endpoints the handlers call; 0: any free port."},
    {AT(local, cache_url),
     STRING("", 512, valid_cache_url, "rediss://host:port or redis://host:port, with user:password@ if any"),
     .doc = "A cache to use instead; empty: start redis-server with TLS on a free port."},
    {AT(local, allowed_origins),
     STRING("", 1024, valid_origins,
            "origins such as http://192.168.1.20:8080, separated by spaces: http:// or https://, a "
            "host, a port unless 80 for http or 443 for https, no path"),
     .doc = "Origins besides the page's own whose pages may open the WebSocket; empty: only the "
            "page's own (http://<bind>:<port>; 127.0.0.1 for localhost or 0.0.0.0)."},
    {AT(local, schedule_interval), INT("60", 1, 3600),
     .doc = "Seconds between local runs of snapshot and save."},
    {AT(local, data_dir), STRING(".scribble-local", 4096, valid_path, "a path"),
     .doc = "Where local tables and bucket are kept, relative to scribble.ini's folder."},

    {AT(domain, name), STRING("", 253, valid_dns_name_or_empty, DNS_NAME_TEXT),
     .doc = "The page's name, such as canvas.example.com (https://<name>/); empty: the "
            "distribution's own (*.cloudfront.net), with no certificate or DNS record."},
    {AT(domain, websocket_name), STRING("", 253, valid_dns_name_or_empty, DNS_NAME_TEXT),
     .doc = "The WebSocket's name (wss://<websocket_name>/); empty: ws. and the page's name. "
            "Only with domain.name."},
    {AT(domain, zone), STRING("", 253, valid_dns_name_or_empty, DNS_NAME_TEXT),
     .doc = "The Route 53 public hosted zone both names are in, by its name; empty: the page's "
            "name without its first label (the name itself when it has two). Only with domain.name."},
};
#define SETTING_COUNT (sizeof settings / sizeof settings[0])

/* Rules between settings, checked once each setting is valid on its own. */
typedef struct cross_rule {
    const char *keys[3]; /* the settings involved; the one set last is blamed */
    bool (*holds)(const scribble_config *cfg);
    const char *allowed;
} cross_rule;

/* Before derive_values: 0 is the default, 6 x worker_timeout. */
static bool visibility_covers_worker(const scribble_config *c)
{
    return c->queues.visibility_timeout == 0 || c->queues.visibility_timeout >= c->functions.worker_timeout;
}

static bool dead_letters_outlive_messages(const scribble_config *c)
{
    return c->queues.dead_letter_retention_days >= c->queues.retention_days;
}

static bool ttls_ordered(const scribble_config *c) { return c->site.default_ttl <= c->site.max_ttl; }

static bool canvas_fits(const scribble_config *c)
{
    return (long long)c->canvas.width * c->canvas.height * c->canvas.depth <= SCRIBBLE_CANVAS_MAX_BITS;
}

static bool engine_version_supported(const scribble_config *c)
{
    long major = atol(c->cache.engine_version);
    if (c->cache.engine == SCRIBBLE_ENGINE_VALKEY)
        return major == 7 || major == 8;
    if (c->cache.mode == SCRIBBLE_CACHE_SERVERLESS)
        return major == 7;
    return major == 6 || major == 7;
}

static bool local_ports_differ(const scribble_config *c)
{
    return c->local.port == 0 || c->local.port != c->local.aws_port;
}

/* Before derive_values: "" is the default. */
static bool domain_named(const scribble_config *c)
{
    return c->domain.name[0] || (!c->domain.websocket_name[0] && !c->domain.zone[0]);
}

/* name is zone, or ends in "." zone. */
static bool within_zone(const char *name, const char *zone)
{
    size_t n = strlen(name), z = strlen(zone);
    return n == z ? strcmp(name, zone) == 0 : n > z && name[n - z - 1] == '.' && !strcmp(name + n - z, zone);
}

/* The zone as derive_domain makes it when not set: the name without its
 * first label, unless that leaves one label. */
static const char *zone_of(const scribble_config *c)
{
    if (c->domain.zone[0])
        return c->domain.zone;
    const char *parent = strchr(c->domain.name, '.');
    return parent && strchr(parent + 1, '.') ? parent + 1 : c->domain.name;
}

static bool names_within_zone(const scribble_config *c)
{
    if (!c->domain.name[0])
        return true;
    const char *zone = zone_of(c);
    return within_zone(c->domain.name, zone) &&
           (!c->domain.websocket_name[0] || within_zone(c->domain.websocket_name, zone));
}

static bool names_differ(const scribble_config *c)
{
    return !c->domain.websocket_name[0] || strcmp(c->domain.websocket_name, c->domain.name) != 0;
}

static const cross_rule rules[] = {
    {{"queues.visibility_timeout", "functions.worker_timeout"}, visibility_covers_worker,
     "queues.visibility_timeout 0 (" VISIBILITY_FACTOR_TEXT " x functions.worker_timeout) or at least "
     "functions.worker_timeout (Lambda refuses a queue whose messages could reappear while still being "
     "handled)"},
    {{"queues.retention_days", "queues.dead_letter_retention_days"}, dead_letters_outlive_messages,
     "queues.dead_letter_retention_days at least queues.retention_days (a message moved to a standard "
     "dead-letter queue keeps the time it was first sent, so a shorter retention there could drop it on "
     "arrival)"},
    {{"site.default_ttl", "site.max_ttl"}, ttls_ordered, "site.default_ttl at most site.max_ttl"},
    {{"canvas.width", "canvas.height", "canvas.depth"}, canvas_fits,
     "canvas.width x canvas.height x canvas.depth at most 67108864 bits (8 MiB): the canvas is "
     "one cache value, read whole by every snapshot"},
    {{"cache.engine_version", "cache.engine", "cache.mode"}, engine_version_supported,
     "cache.engine_version 7 or 8 for valkey; 7 for redis serverless; 6 or 7 for a redis "
     "replication group"},
    {{"local.port", "local.aws_port"}, local_ports_differ,
     "local.port and local.aws_port different unless 0"},
    {{"domain.name", "domain.websocket_name", "domain.zone"}, domain_named,
     "domain.websocket_name and domain.zone only with domain.name"},
    {{"domain.name", "domain.websocket_name", "domain.zone"}, names_within_zone,
     "domain.name and domain.websocket_name in domain.zone (by default domain.name without its "
     "first label): the zone's name itself, or ending in a dot and the zone's name (Route 53 "
     "answers only for names in the zone)"},
    {{"domain.name", "domain.websocket_name"}, names_differ,
     "domain.websocket_name other than domain.name (the page and the WebSocket need a name each)"},
};
#define RULE_COUNT (sizeof rules / sizeof rules[0])

const scribble_setting *scribble_config_settings(size_t *count)
{
    *count = SETTING_COUNT;
    return settings;
}

const scribble_config_section *scribble_config_sections(size_t *count)
{
    *count = SECTION_COUNT;
    return sections;
}

/* ---- values in and out ------------------------------------------------- */

static void *field_of(scribble_config *cfg, const scribble_setting *s) { return (char *)cfg + s->offset; }

static const void *const_field_of(const scribble_config *cfg, const scribble_setting *s)
{
    return (const char *)cfg + s->offset;
}

static int name_index(const char *const *names, const char *value)
{
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], value))
            return i;
    return -1;
}

static const scribble_setting *find_setting(const char *section, const char *key)
{
    for (size_t i = 0; i < SETTING_COUNT; i++)
        if (!strcmp(settings[i].section, section) && !strcmp(settings[i].key, key))
            return &settings[i];
    return NULL;
}

static const scribble_setting *find_setting_named(const char *name)
{
    const char *dot = strchr(name, '.');
    if (!dot)
        return NULL;
    char section[32];
    snprintf(section, sizeof section, "%.*s", (int)(dot - name), name);
    return find_setting(section, dot + 1);
}

static const scribble_config_section *find_section(const char *name)
{
    for (size_t i = 0; i < SECTION_COUNT; i++)
        if (!strcmp(sections[i].name, name))
            return &sections[i];
    return NULL;
}

static bool parse_int(const char *v, long *out)
{
    bool negative = *v == '-';
    const char *end = parse_number(v + negative, 9, 999999999, out);
    if (!end || *end)
        return false;
    *out = negative ? -*out : *out;
    return true;
}

static bool int_allowed(const scribble_setting *s, long v)
{
    if (!s->names)
        return v >= s->min && v <= s->max;
    for (size_t i = 0; s->names[i]; i++)
        if (atol(s->names[i]) == v)
            return true;
    return false;
}

static bool string_allowed(const scribble_setting *s, const char *v)
{
    if (!*v)
        return s->default_value && !*s->default_value; /* empty only where empty is the default */
    if (s->max && strlen(v) > (size_t)s->max)
        return false;
    return !s->valid || s->valid(v);
}

/* Stores value into cfg when the setting allows it; cfg is untouched otherwise. */
static bool set_value(const scribble_setting *s, const char *value, scribble_config *cfg)
{
    void *f = field_of(cfg, s);
    long n;
    int index;
    switch (s->type) {
    case SCRIBBLE_SETTING_STRING:
        if (!string_allowed(s, value))
            return false;
        free(*(char **)f);
        *(char **)f = base_xstrdup(value);
        return true;
    case SCRIBBLE_SETTING_INT:
        if (!parse_int(value, &n) || !int_allowed(s, n))
            return false;
        *(int *)f = (int)n;
        return true;
    case SCRIBBLE_SETTING_BOOL:
        if (strcmp(value, "true") && strcmp(value, "false"))
            return false;
        *(bool *)f = !strcmp(value, "true");
        return true;
    case SCRIBBLE_SETTING_ENUM:
        if ((index = name_index(s->names, value)) < 0)
            return false;
        *(int *)f = index;
        return true;
    }
    return false;
}

static void format_value(const scribble_setting *s, const scribble_config *cfg, base_buf *out)
{
    const void *f = const_field_of(cfg, s);
    switch (s->type) {
    case SCRIBBLE_SETTING_STRING:
        base_buf_append_str(out, *(char *const *)f ? *(char *const *)f : "");
        break;
    case SCRIBBLE_SETTING_INT:
        base_buf_printf(out, "%d", *(const int *)f);
        break;
    case SCRIBBLE_SETTING_BOOL:
        base_buf_append_str(out, *(const bool *)f ? "true" : "false");
        break;
    case SCRIBBLE_SETTING_ENUM:
        base_buf_append_str(out, s->names[*(const int *)f]);
        break;
    }
}

int scribble_config_format_value(const scribble_config *cfg, const char *name, base_buf *out)
{
    const scribble_setting *s = find_setting_named(name);
    if (!s)
        return -1;
    format_value(s, cfg, out);
    return 0;
}

static void append_list(base_buf *out, const char *const *names, const char *before, const char *after)
{
    for (size_t i = 0; names[i]; i++)
        base_buf_printf(out, "%s%s%s%s", i == 0 ? "" : names[i + 1] ? ", " : " or ", before, names[i],
                       after);
}

void scribble_setting_describe_allowed(const scribble_setting *s, base_buf *out)
{
    switch (s->type) {
    case SCRIBBLE_SETTING_STRING:
        base_buf_append_str(out, s->allowed);
        if (s->default_value && !*s->default_value)
            base_buf_append_str(out, ", or empty");
        break;
    case SCRIBBLE_SETTING_INT:
        if (s->names)
            append_list(out, s->names, "", "");
        else
            base_buf_printf(out, "an integer from %ld to %ld", s->min, s->max);
        break;
    case SCRIBBLE_SETTING_BOOL:
        base_buf_append_str(out, "true or false");
        break;
    case SCRIBBLE_SETTING_ENUM:
        append_list(out, s->names, "", "");
        break;
    }
}

static void setting_name(const scribble_setting *s, base_buf *out)
{
    base_buf_printf(out, "%s.%s", s->section, s->key);
}

/* Where the password of a URL's user:password@ starts and ends ([start, end)),
 * so that no error shows it; false when value has none. */
static bool url_password(const char *value, size_t *start, size_t *end)
{
    const char *scheme = strstr(value, "://");
    if (!scheme)
        return false;
    const char *userinfo = scheme + 3;
    size_t len = strcspn(userinfo, "/?#");
    const char *at = NULL; /* the last @: a password may hold one */
    for (size_t i = 0; i < len; i++)
        if (userinfo[i] == '@')
            at = userinfo + i;
    const char *colon = at ? memchr(userinfo, ':', (size_t)(at - userinfo)) : NULL;
    if (!colon)
        return false;
    *start = (size_t)(colon + 1 - value);
    *end = (size_t)(at - value);
    return true;
}

/* "got "value"", quoted, control characters escaped, long values shortened,
 * a URL's password replaced by ****. */
static void append_given(base_buf *out, const char *value)
{
    if (!*value) {
        base_buf_append_str(out, "got an empty value");
        return;
    }
    base_buf_append_str(out, "got \"");
    size_t hide_from = 0, hide_to = 0;
    bool hide = url_password(value, &hide_from, &hide_to);
    size_t i = 0;
    while (value[i] && i < 80) {
        /* Once only: an empty password ends where it starts. */
        if (hide && i == hide_from) {
            base_buf_append_str(out, "****");
            hide = false;
            i = hide_to;
            continue;
        }
        unsigned char c = (unsigned char)value[i++];
        if (c < ' ' || c == 0x7f || c == '"' || c == '\\')
            base_buf_printf(out, c == '"' || c == '\\' ? "\\%c" : "\\x%02x", c);
        else
            base_buf_append_char(out, (char)c);
    }
    base_buf_append_str(out, value[i] ? "...\"" : "\"");
}

static void free_strings(scribble_config *cfg)
{
    for (size_t i = 0; i < SETTING_COUNT; i++)
        if (settings[i].type == SCRIBBLE_SETTING_STRING) {
            char **p = field_of(cfg, &settings[i]);
            free(*p);
            *p = NULL;
        }
    for (size_t i = 0; i < cfg->tags.count; i++) {
        free(cfg->tags.items[i].key);
        free(cfg->tags.items[i].value);
    }
    free(cfg->tags.items);
    cfg->tags.items = NULL;
    cfg->tags.count = 0;
}

void scribble_config_free(scribble_config *cfg)
{
    if (cfg)
        free_strings(cfg);
}

/* Defaults exactly as the table gives them; settings without one are 0 or "". */
static void set_table_defaults(scribble_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < SETTING_COUNT; i++) {
        const scribble_setting *s = &settings[i];
        if (s->type == SCRIBBLE_SETTING_STRING)
            *(char **)field_of(cfg, s) = base_xstrdup("");
        if (s->default_value)
            set_value(s, s->default_value, cfg); /* config_test checks every default is valid */
    }
}

static void derive_name(char **name, const char *stack, const char *role)
{
    if (**name)
        return;
    base_buf b = {0};
    base_buf_printf(&b, "%s-%s", stack, role);
    free(*name);
    *name = base_buf_detach(&b);
}

/* The WebSocket's name, ws.<name>, and the zone (zone_of). */
static void derive_domain(scribble_config *cfg)
{
    const char *name = cfg->domain.name;
    if (!name[0])
        return;
    if (!cfg->domain.websocket_name[0]) {
        base_buf b = {0};
        base_buf_printf(&b, "ws.%s", name);
        free(cfg->domain.websocket_name);
        cfg->domain.websocket_name = base_buf_detach(&b);
    }
    if (!cfg->domain.zone[0]) {
        char *zone = base_xstrdup(zone_of(cfg));
        free(cfg->domain.zone);
        cfg->domain.zone = zone;
    }
}

/* Values that default to something computed from other settings. */
static void derive_values(scribble_config *cfg)
{
    if (cfg->queues.visibility_timeout == 0)
        cfg->queues.visibility_timeout = VISIBILITY_FACTOR * cfg->functions.worker_timeout;
    derive_name(&cfg->tables.pixels, cfg->stack.name, "pixels");
    derive_name(&cfg->tables.history, cfg->stack.name, "history");
    derive_domain(cfg);
}

void scribble_config_defaults(scribble_config *cfg)
{
    set_table_defaults(cfg);
    derive_values(cfg);
}

/* ---- loading ------------------------------------------------------------- */

typedef struct load_error {
    int line;
    size_t order; /* keeps errors of one line in the order found */
    char *text;
} load_error;

typedef enum line_kind { LINE_BLANK, LINE_SECTION, LINE_SETTING } line_kind;
typedef enum section_state { SECTION_NONE, SECTION_KNOWN, SECTION_IGNORED } section_state;

typedef struct config_loader {
    const char *path;
    FILE *file;
    scribble_config *cfg;
    char *raw; /* the line inih is handling, as read */
    size_t raw_cap;
    const char *text; /* that line without BOM, indentation and line end */
    int lineno;
    line_kind kind;
    bool handled; /* inih passed the line to on_setting */
    section_state state;
    const scribble_config_section *section;
    int section_line[SECTION_COUNT]; /* first header of each section; 0: absent */
    int line[SETTING_COUNT];         /* where each setting was set; 0: default */
    bool bad[SETTING_COUNT];         /* set to something not allowed */
    char *given[SETTING_COUNT];      /* each value as written */
    int *tag_lines;
    load_error *errors;
    size_t error_count, error_cap;
    int syntax_errors;
} config_loader;

static void add_error(config_loader *loader, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_error(config_loader *loader, int line, const char *fmt, ...)
{
    if (loader->error_count == loader->error_cap) {
        loader->error_cap = loader->error_cap ? loader->error_cap * 2 : 16;
        loader->errors = base_xrealloc(loader->errors, loader->error_cap * sizeof *loader->errors);
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *text = base_xmalloc((size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(text, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
    va_end(ap);
    loader->errors[loader->error_count] = (load_error){line, loader->error_count, text};
    loader->error_count++;
}

/* An error whose text is built in a buffer: "<given>; allowed: ...". */
static void add_error_buf(config_loader *loader, int line, base_buf *text)
{
    add_error(loader, line, "%s", base_buf_str(text));
    base_buf_free(text);
}

static void syntax_error(config_loader *loader, const char *allowed)
{
    base_buf b = {0};
    base_buf_append_str(&b, "syntax: ");
    append_given(&b, loader->text);
    base_buf_printf(&b, "; allowed: %s", allowed);
    add_error_buf(loader, loader->lineno, &b);
    loader->syntax_errors++;
}

static int setting_index(const scribble_setting *s) { return (int)(s - settings); }

static int section_index(const scribble_config_section *sec) { return (int)(sec - sections); }

/* inih's own rule for the end of a section name: ']' or an inline ';' comment. */
static const char *section_name_end(const char *s)
{
    bool was_space = false;
    while (*s && *s != ']' && !(was_space && *s == ';')) {
        was_space = *s == ' ' || *s == '\t';
        s++;
    }
    return s;
}

static void list_sections(base_buf *out)
{
    for (size_t i = 0; i < SECTION_COUNT; i++)
        base_buf_printf(out, "%s[%s]", i ? ", " : "", sections[i].name);
}

static void enter_section(config_loader *loader, const char *text)
{
    const char *end = section_name_end(text + 1);
    loader->state = SECTION_IGNORED; /* keys under a bad header are not blamed again */
    loader->section = NULL;
    if (*end != ']') {
        syntax_error(loader, "[section] with its closing ]");
        return;
    }
    base_cursor name = base_cursor_trim(base_cursor_of(text + 1, (size_t)(end - text - 1)));
    char *section_name = base_cursor_dup(name);
    const scribble_config_section *sec = find_section(section_name);
    if (sec) {
        loader->state = SECTION_KNOWN;
        loader->section = sec;
        if (!loader->section_line[section_index(sec)])
            loader->section_line[section_index(sec)] = loader->lineno;
    } else {
        base_buf b = {0};
        base_buf_append_str(&b, "[");
        base_buf_append_str(&b, section_name);
        base_buf_append_str(&b, "]: unknown section; allowed: ");
        list_sections(&b);
        add_error_buf(loader, loader->lineno, &b);
    }
    free(section_name);
}

static line_kind classify(config_loader *loader, const char *text)
{
    if (!*text || *text == ';' || *text == '#')
        return LINE_BLANK;
    if (*text == '[') {
        enter_section(loader, text);
        return LINE_SECTION;
    }
    return LINE_SETTING;
}

/* Judges the line inih has just finished: a setting line it never handed to
 * on_setting is one inih could not read. */
static void finish_line(config_loader *loader)
{
    if (loader->kind == LINE_SETTING && !loader->handled)
        syntax_error(loader, "key = value, [section], or a comment starting with ; or #");
    loader->kind = LINE_BLANK;
}

/* The line's text: no UTF-8 BOM, no indentation (so inih never reads an
 * indented line as the continuation of the previous value), no line end. */
static char *line_text(config_loader *loader, size_t len)
{
    char *t = loader->raw;
    while (len && (t[len - 1] == '\n' || t[len - 1] == '\r'))
        t[--len] = '\0';
    if (loader->lineno == 1 && starts_with(t, "\xEF\xBB\xBF"))
        t += 3;
    while (*t == ' ' || *t == '\t')
        t++;
    return t;
}

/* inih's reader: one physical line per call, counted. */
static char *next_line(char *str, int num, void *stream)
{
    config_loader *loader = stream;
    finish_line(loader);
    ssize_t n = getline(&loader->raw, &loader->raw_cap, loader->file);
    if (n < 0)
        return NULL;
    loader->lineno++;
    loader->handled = false;
    bool has_nul = memchr(loader->raw, '\0', (size_t)n) != NULL;
    loader->text = line_text(loader, (size_t)n);
    size_t len = strlen(loader->text);
    if (has_nul || len + 2 > (size_t)num) {
        base_buf b = {0};
        if (has_nul)
            base_buf_append_str(&b, "syntax: got a NUL byte; allowed: text");
        else
            base_buf_printf(&b, "syntax: got a line of %zu characters; allowed: at most %d", len, num - 2);
        add_error_buf(loader, loader->lineno, &b);
        loader->syntax_errors++;
        loader->text = "";
    }
    loader->kind = classify(loader, loader->text);
    snprintf(str, (size_t)num, "%s\n", loader->text);
    return str;
}

static void error_unknown_key(config_loader *loader, const char *name)
{
    base_buf b = {0};
    const char *section = loader->section->name;
    base_buf_printf(&b, "%s.%s: unknown key; allowed in [%s]:", section, name, section);
    const char *sep = " ";
    for (size_t i = 0; i < SETTING_COUNT; i++)
        if (!strcmp(settings[i].section, loader->section->name)) {
            base_buf_printf(&b, "%s%s", sep, settings[i].key);
            sep = ", ";
        }
    add_error_buf(loader, loader->lineno, &b);
}

static void error_not_allowed(config_loader *loader, const scribble_setting *s, const char *value)
{
    base_buf b = {0};
    setting_name(s, &b);
    base_buf_append_str(&b, ": ");
    append_given(&b, value);
    base_buf_append_str(&b, "; allowed: ");
    scribble_setting_describe_allowed(s, &b);
    add_error_buf(loader, loader->lineno, &b);
}

static void set_setting(config_loader *loader, const char *name, const char *value)
{
    const scribble_setting *s = find_setting(loader->section->name, name);
    if (!s) {
        error_unknown_key(loader, name);
        return;
    }
    int i = setting_index(s);
    if (loader->line[i]) {
        add_error(loader, loader->lineno, "%s.%s: set again (first at line %d); allowed: once", s->section,
                  s->key, loader->line[i]);
        return;
    }
    loader->line[i] = loader->lineno;
    loader->given[i] = base_xstrdup(value);
    if (!set_value(s, value, loader->cfg)) {
        error_not_allowed(loader, s, value);
        loader->bad[i] = true;
    }
}

/* AWS's tag characters: letters (any script), digits, and some punctuation. */
static bool tag_text_ok(const char *s, size_t max, const char *punctuation)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!is_alnum(s[n]) && !strchr(punctuation, s[n]) && (unsigned char)s[n] < 0x80)
            return false;
    return n <= max;
}

static void error_tag(config_loader *loader, const char *name, const char *value, const char *allowed)
{
    base_buf b = {0};
    base_buf_printf(&b, "tags.%s: ", name);
    append_given(&b, value);
    base_buf_printf(&b, "; allowed: %s", allowed);
    add_error_buf(loader, loader->lineno, &b);
}

static bool check_tag(config_loader *loader, const char *name, const char *value)
{
    const char *separator = loader->text + strcspn(loader->text, "=:");
    if (*separator == ':') {
        error_tag(loader, name, loader->text, "key = value, where a tag key has no : or =");
        return false;
    }
    /* inih splits at the first : or =, so a key never holds the aws: or
     * scribble: prefixes AWS and scribblectl reserve. */
    if (!tag_text_ok(name, 128, " _./+-@")) {
        error_tag(loader, name, name, "a tag key of 1 to 128 letters, digits, spaces and _ . / + - @");
        return false;
    }
    if (!tag_text_ok(value, 256, " _./+-@:=")) {
        error_tag(loader, name, value, "a tag value of 0 to 256 letters, digits, spaces and _ . : / = + - @");
        return false;
    }
    for (size_t i = 0; i < loader->cfg->tags.count; i++)
        if (!strcmp(loader->cfg->tags.items[i].key, name)) {
            add_error(loader, loader->lineno, "tags.%s: set again (first at line %d); allowed: once", name,
                      loader->tag_lines[i]);
            return false;
        }
    if (loader->cfg->tags.count == SCRIBBLE_MAX_USER_TAGS) {
        add_error(loader, loader->lineno,
                  "tags.%s: got tag number %d; allowed: at most %d tags (AWS allows 50, "
                  "one is scribble:stack)",
                  name, SCRIBBLE_MAX_USER_TAGS + 1, SCRIBBLE_MAX_USER_TAGS);
        return false;
    }
    return true;
}

static void set_tag(config_loader *loader, const char *name, const char *value)
{
    if (!check_tag(loader, name, value))
        return;
    scribble_config *cfg = loader->cfg;
    size_t n = cfg->tags.count;
    cfg->tags.items = base_xrealloc(cfg->tags.items, (n + 1) * sizeof *cfg->tags.items);
    cfg->tags.items[n] = (scribble_tag){base_xstrdup(name), base_xstrdup(value)};
    cfg->tags.count = n + 1;
    loader->tag_lines = base_xrealloc(loader->tag_lines, (n + 1) * sizeof *loader->tag_lines);
    loader->tag_lines[n] = loader->lineno;
}

/* inih's handler: every name = value line, with our own idea of the section. */
static int on_setting(void *user, const char *section, const char *name, const char *value)
{
    (void)section;
    config_loader *loader = user;
    loader->handled = true;
    if (!*name) {
        syntax_error(loader, "key = value");
    } else if (loader->state == SECTION_NONE) {
        add_error(loader, loader->lineno, "%s: got a key before any [section]; allowed: keys after a "
                  "section header such as [stack]", name);
    } else if (loader->state == SECTION_KNOWN && loader->section->free_form) {
        set_tag(loader, name, value);
    } else if (loader->state == SECTION_KNOWN) {
        set_setting(loader, name, value);
    }
    return 1;
}

/* ---- checks across settings ---------------------------------------------- */

static bool applies(const config_loader *loader, const scribble_setting *s, const scribble_setting **cond)
{
    *cond = s->when_key ? find_setting_named(s->when_key) : NULL;
    if (!*cond)
        return true;
    base_buf v = {0};
    format_value(*cond, loader->cfg, &v);
    bool yes = !strcmp(base_buf_str(&v), s->when_value);
    base_buf_free(&v);
    return yes;
}

static void error_not_applicable(config_loader *loader, const scribble_setting *s,
                                 const scribble_setting *cond)
{
    base_buf b = {0}, value = {0};
    setting_name(s, &b);
    base_buf_append_str(&b, ": ");
    append_given(&b, loader->given[setting_index(s)]);
    format_value(cond, loader->cfg, &value);
    int cond_line = loader->line[setting_index(cond)];
    base_buf_printf(&b, ", but %s is %s", s->when_key, base_buf_str(&value));
    if (cond_line)
        base_buf_printf(&b, " (line %d)", cond_line);
    else
        base_buf_append_str(&b, " (the default)");
    base_buf_printf(&b, "; allowed: only when %s = %s", s->when_key, s->when_value);
    add_error_buf(loader, loader->line[setting_index(s)], &b);
    base_buf_free(&value);
}

/* A missing setting is blamed on its section's header, else on the setting
 * that made it required, else on the file as a whole (line 0). */
static void error_missing(config_loader *loader, const scribble_setting *s, const scribble_setting *cond)
{
    int line = loader->section_line[section_index(find_section(s->section))];
    if (!line && cond)
        line = loader->line[setting_index(cond)];
    base_buf b = {0};
    setting_name(s, &b);
    base_buf_append_str(&b, ": missing; allowed: ");
    scribble_setting_describe_allowed(s, &b);
    if (cond)
        base_buf_printf(&b, ", required when %s = %s", s->when_key, s->when_value);
    else
        base_buf_append_str(&b, ", required");
    add_error_buf(loader, line, &b);
}

static void check_presence(config_loader *loader)
{
    for (size_t i = 0; i < SETTING_COUNT; i++) {
        const scribble_setting *s = &settings[i], *cond;
        bool applicable = applies(loader, s, &cond);
        if (cond && loader->bad[setting_index(cond)])
            continue; /* unknown whether it applies: its condition is already reported */
        if (loader->line[i] && !applicable)
            error_not_applicable(loader, s, cond);
        else if (!loader->line[i] && applicable && !s->default_value)
            error_missing(loader, s, cond);
    }
}

static void check_rule(config_loader *loader, const cross_rule *r)
{
    const scribble_setting *blamed = NULL;
    for (size_t k = 0; k < 3 && r->keys[k]; k++) {
        const scribble_setting *s = find_setting_named(r->keys[k]);
        if (loader->bad[setting_index(s)])
            return;
        if (!blamed || loader->line[setting_index(s)] > loader->line[setting_index(blamed)])
            blamed = s;
    }
    if (r->holds(loader->cfg))
        return;
    base_buf b = {0};
    setting_name(blamed, &b);
    base_buf_append_str(&b, ": got ");
    for (size_t k = 0; k < 3 && r->keys[k]; k++) {
        base_buf_printf(&b, "%s%s = ", k ? ", " : "", r->keys[k]);
        format_value(find_setting_named(r->keys[k]), loader->cfg, &b);
    }
    base_buf_printf(&b, "; allowed: %s", r->allowed);
    add_error_buf(loader, loader->line[setting_index(blamed)], &b);
}

static int compare_errors(const void *a, const void *b)
{
    const load_error *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void emit_errors(config_loader *loader, base_buf *errors)
{
    if (loader->error_count)
        qsort(loader->errors, loader->error_count, sizeof *loader->errors, compare_errors);
    for (size_t i = 0; i < loader->error_count; i++) {
        base_buf_printf(errors, "%s:%d: %s\n", loader->path, loader->errors[i].line, loader->errors[i].text);
        free(loader->errors[i].text);
    }
    free(loader->errors);
}

static void parse_file(config_loader *loader)
{
    int rc = ini_parse_stream(next_line, loader, on_setting, loader);
    if (rc == -2)
        add_error(loader, loader->lineno, "syntax: out of memory reading the file; allowed: a smaller file");
    else if (rc > 0 && loader->syntax_errors == 0)
        add_error(loader, rc, "syntax: a line inih could not read; allowed: key = value, [section], "
                              "or a comment");
    if (ferror(loader->file))
        add_error(loader, loader->lineno, "syntax: read error (%s); allowed: a readable file",
                  strerror(errno));
}

int scribble_config_load(const char *path, scribble_config *out, base_buf *errors)
{
    FILE *file = fopen(path, "r");
    if (!file) {
        base_buf_printf(errors, "%s: cannot read: %s\n", path, strerror(errno));
        memset(out, 0, sizeof *out);
        return -1;
    }
    config_loader loader = {.path = path, .file = file, .cfg = out};
    set_table_defaults(out);
    parse_file(&loader);
    fclose(file);
    free(loader.raw);
    free(loader.tag_lines);
    check_presence(&loader);
    for (size_t i = 0; i < RULE_COUNT; i++)
        check_rule(&loader, &rules[i]);
    for (size_t i = 0; i < SETTING_COUNT; i++)
        free(loader.given[i]);
    int rc = loader.error_count ? -1 : 0;
    emit_errors(&loader, errors);
    if (rc == 0) {
        derive_values(out);
    } else {
        free_strings(out);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

static void override(scribble_config *cfg, const char *option, const char *name, const char *value,
                     base_buf *errors, int *rc)
{
    const scribble_setting *s = find_setting_named(name);
    if (!value || set_value(s, value, cfg))
        return;
    base_buf_printf(errors, "%s: ", option);
    append_given(errors, value);
    base_buf_append_str(errors, "; allowed: ");
    scribble_setting_describe_allowed(s, errors);
    base_buf_append_char(errors, '\n');
    *rc = -1;
}

int scribble_config_apply_overrides(scribble_config *cfg, const char *region, const char *profile,
                                    const char *endpoint_url, base_buf *errors)
{
    int rc = 0;
    override(cfg, "--region", "aws.region", region, errors, &rc);
    override(cfg, "--profile", "aws.profile", profile, errors, &rc);
    override(cfg, "--endpoint-url", "aws.endpoint_url", endpoint_url, errors, &rc);
    return rc;
}

/* ---- the documented scribble.ini and docs/configuration.md --------------- */

static const char *const ini_preamble[] = {
    "scribble.ini - the configuration of one Scribble stack; docs/configuration.md has the details.",
    "",
    "scribblectl reads it before any AWS call; `scribblectl validate` checks it without touching",
    "anything and reports every problem as file:line: key: what was given; what is allowed.",
    "Durations are in seconds unless the key names another unit. Lines starting with ; are notes.",
    "Lines starting with # are settings that apply only in another mode: uncomment them when you",
    "switch. The defaults follow the \"scribble\" design; the \"place\" design is, for example,",
    "depth = 4 and cooldown = 300 in [canvas].",
    "",
    "This file is generated from the settings table in provision/config.c, and a test checks",
    "that they match: change both together.",
    NULL,
};

static bool applies_by_default(const scribble_setting *s)
{
    if (!s->when_key)
        return true;
    const scribble_setting *cond = find_setting_named(s->when_key);
    return cond && cond->default_value && !strcmp(cond->default_value, s->when_value);
}

static void write_ini_setting(const scribble_setting *s, base_buf *out)
{
    bool active = s->default_value && applies_by_default(s);
    const char *value = s->default_value ? s->default_value : s->example;
    base_buf_printf(out, "\n; %s", s->doc);
    if (s->when_key)
        base_buf_printf(out, " %s when %s = %s.", s->default_value ? "Only" : "Required", s->when_key,
                       s->when_value);
    base_buf_printf(out, "\n%s%s =%s%s\n", active ? "" : "#", s->key, *value ? " " : "", value);
}

void scribble_config_write_ini(base_buf *out)
{
    for (size_t i = 0; ini_preamble[i]; i++)
        base_buf_printf(out, ";%s%s\n", *ini_preamble[i] ? " " : "", ini_preamble[i]);
    for (size_t i = 0; i < SECTION_COUNT; i++) {
        base_buf_printf(out, "\n[%s]\n; %s\n", sections[i].name, sections[i].doc);
        for (size_t k = 0; k < SETTING_COUNT; k++)
            if (!strcmp(settings[k].section, sections[i].name))
                write_ini_setting(&settings[k], out);
        if (sections[i].example)
            base_buf_printf(out, "\n#%s\n", sections[i].example);
    }
}

/* Markdown text: table cell separators and HTML-looking brackets escaped. */
static void append_md(base_buf *out, const char *text)
{
    for (; *text; text++) {
        if (strchr("|<>*~", *text))
            base_buf_append_char(out, '\\');
        base_buf_append_char(out, *text);
    }
}

static const char *const reference_preamble[] =
    {"# Configuration reference",
     "",
     "`scribblectl` reads `scribble.ini` from the current folder, or the file given with "
     "`--config FILE`. `scribblectl validate [FILE]` checks a file without touching anything: "
     "it prints `FILE: OK (...)`, the `[domain]` names with their defaults, and what the cooldown "
     "and `[limits]` let clients do, and exits 0, "
     "or prints every problem on stderr and exits 2.",
     "",
     "This page, the shipped `scribble.ini` and the loader are all generated from one table, "
     "`settings[]` in `provision/config.c`; a test checks they match.",
     "",
     "## Syntax",
     "",
     "- `[section]` headers, then `key = value` lines; keys are lowercase and each is set at most once.",
     "- Lines starting with `;` or `#` are comments; ` ;` after a value starts a comment too.",
     "- Durations are in seconds unless the key names another unit (`_days`, `_kb`, `_mb`, `_gb`).",
     "- A setting marked *only when* must not be set otherwise; a setting without a default is "
     "required when it applies.",
     "- Lines may be indented; a line holds at most 198 characters.",
     "",
     "## Errors",
     "",
     "Every problem is one line, and all of them are reported at once:",
     "",
     "```",
     "scribble.ini:12: cache.engine: got \"memcached\"; allowed: valkey or redis",
     "```",
     "",
     "Line 0 means the file as a whole.",
     "",
     "## The two designs",
     "",
     "The defaults are the \"scribble\" design: a 1-bit black and white canvas, no cooldown. "
     "The \"place\" design is the same stack with a palette and a cooldown, for example "
     "`depth = 4` (16 colours) or `depth = 24` (RGB) and `cooldown = 300` in `[canvas]`.",
     NULL};

static void write_reference_row(const scribble_setting *s, base_buf *out)
{
    base_buf cell = {0};
    base_buf_printf(out, "| `%s` | ", s->key);
    if (!s->default_value)
        base_buf_append_str(out, "*none*");
    else if (!*s->default_value)
        base_buf_append_str(out, "*empty*");
    else
        base_buf_printf(out, "`%s`", s->default_value);
    base_buf_append_str(out, " | ");
    scribble_setting_describe_allowed(s, &cell);
    if (s->when_key)
        base_buf_printf(&cell, "; only when %s = %s", s->when_key, s->when_value);
    if (s->when_key && !s->default_value)
        base_buf_append_str(&cell, ", and then required");
    append_md(out, base_buf_str(&cell));
    base_buf_append_str(out, " | ");
    append_md(out, s->doc);
    base_buf_append_str(out, " |\n");
    base_buf_free(&cell);
}

static void write_reference_section(const scribble_config_section *sec, base_buf *out)
{
    base_buf_printf(out, "\n## [%s]\n\n", sec->name);
    append_md(out, sec->doc);
    base_buf_append_str(out, "\n");
    if (sec->free_form) {
        base_buf_printf(out, "\nFor example `%s`. A tag key has 1 to 128 letters, digits, spaces and "
                       "`_ . / + - @` (no `:` or `=`: they end the key); a value has 0 to 256 of "
                       "those and `: =`. At most %d tags.\n",
                       sec->example, SCRIBBLE_MAX_USER_TAGS);
        return;
    }
    base_buf_append_str(out, "\n| Key | Default | Allowed | Description |\n| --- | --- | --- | --- |\n");
    for (size_t i = 0; i < SETTING_COUNT; i++)
        if (!strcmp(settings[i].section, sec->name))
            write_reference_row(&settings[i], out);
}

void scribble_config_write_reference(base_buf *out)
{
    for (size_t i = 0; reference_preamble[i]; i++)
        base_buf_printf(out, "%s\n", reference_preamble[i]);
    for (size_t i = 0; i < SECTION_COUNT; i++)
        write_reference_section(&sections[i], out);
    base_buf_append_str(out, "\n## Rules between settings\n\n");
    for (size_t i = 0; i < RULE_COUNT; i++) {
        base_buf_append_str(out, "- ");
        append_md(out, rules[i].allowed);
        base_buf_append_str(out, ".\n");
    }
}

/*
 * config.h - scribble.ini as a typed struct, and the one table of settings
 * that describes it.
 *
 * Every setting is a row of data (section, key, type, default, what is
 * allowed, where it lives in scribble_config, one line of documentation).
 * That one table drives parsing, validation, the shipped scribble.ini and
 * docs/configuration.md, so the four cannot drift apart. Loading reports
 * every problem at once, one line each, "file:line: section.key: what was
 * given; what is allowed", and never touches the network.
 */
#ifndef SCRIBBLE_PROVISION_CONFIG_H
#define SCRIBBLE_PROVISION_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

/* Enumerations hold their value's position in the setting's list of names,
 * as written in scribble.ini (scribble_config_format_value gives the name). */
typedef enum scribble_vpc_mode { SCRIBBLE_VPC_NEW, SCRIBBLE_VPC_DEFAULT } scribble_vpc_mode;
typedef enum scribble_nat_mode { SCRIBBLE_NAT_SINGLE, SCRIBBLE_NAT_PER_ZONE } scribble_nat_mode;
typedef enum scribble_cache_mode {
    SCRIBBLE_CACHE_SERVERLESS,
    SCRIBBLE_CACHE_REPLICATION_GROUP
} scribble_cache_mode;
typedef enum scribble_cache_engine {
    SCRIBBLE_ENGINE_VALKEY,
    SCRIBBLE_ENGINE_REDIS
} scribble_cache_engine;
typedef enum scribble_queue_type { SCRIBBLE_QUEUE_STANDARD, SCRIBBLE_QUEUE_FIFO } scribble_queue_type;
typedef enum scribble_billing {
    SCRIBBLE_BILLING_ON_DEMAND,
    SCRIBBLE_BILLING_PROVISIONED
} scribble_billing;
typedef enum scribble_architecture {
    SCRIBBLE_ARCH_AUTO,
    SCRIBBLE_ARCH_X86_64,
    SCRIBBLE_ARCH_ARM64
} scribble_architecture;
typedef enum scribble_price_class {
    SCRIBBLE_PRICE_CLASS_100,
    SCRIBBLE_PRICE_CLASS_200,
    SCRIBBLE_PRICE_CLASS_ALL
} scribble_price_class;

/* Bounds that other code relies on. */
#define SCRIBBLE_STACK_NAME_MAX 24         /* <stack>-<role> fits ElastiCache's 40 and S3's 63 */
#define SCRIBBLE_MAX_USER_TAGS 49          /* AWS allows 50 per resource; scribble:stack is ours */

typedef struct scribble_tag {
    char *key;
    char *value;
} scribble_tag;

/* Strings are never NULL after scribble_config_defaults or a successful load;
 * an unset optional string is "". */
typedef struct scribble_config {
    struct {
        char *name;
    } stack;
    struct {
        char *region;       /* "": AWS_REGION, AWS_DEFAULT_REGION, then the profile */
        char *profile;      /* "": AWS_PROFILE, then "default" */
        char *endpoint_url; /* "": AWS_ENDPOINT_URL*, the profile, then AWS's own */
        int max_attempts;   /* 0: AWS_MAX_ATTEMPTS, the profile, then 3 */
    } aws;
    struct {
        scribble_vpc_mode vpc;
        char *cidr;
        int availability_zones;
        scribble_nat_mode nat;
    } network;
    struct {
        scribble_cache_mode mode;
        scribble_cache_engine engine;
        char *engine_version;
        char *node_type;
        int replicas;
        int port;
        int max_storage_gb;
    } cache;
    struct {
        scribble_queue_type type;
        int visibility_timeout; /* after loading, never 0 (0 in the file: from functions.worker_timeout) */
        int retention_days;
        int max_message_kb;
        int receive_wait;
        int batch_size;
        int max_receive_count;          /* deliveries before a message goes to the dead-letter queue */
        int dead_letter_retention_days; /* of the dead-letter queues */
        bool content_based_deduplication;
    } queues;
    struct {
        char *pixels;  /* after loading, never "": <stack>-pixels when not set */
        char *history; /* after loading, never "": <stack>-history when not set */
        scribble_billing billing;
        int read_capacity;  /* 0 unless billing is provisioned */
        int write_capacity; /* 0 unless billing is provisioned */
    } tables;
    struct {
        scribble_architecture architecture;
        int memory_mb;
        int route_timeout;
        int worker_timeout;
        int log_retention_days; /* 0: never expire */
    } functions;
    struct {
        char *snapshot;
        char *save;
        int retry_attempts;
        int max_event_age;
    } schedules;
    struct {
        scribble_price_class price_class;
        char *default_root_object;
        int default_ttl;
        int max_ttl;
    } site;
    struct {
        int width;
        int height;
        int depth;
        int cooldown;
        int max_batch;
    } canvas;
    struct {
        int throttle_rate;      /* the WebSocket stage's messages per second, per route */
        int throttle_burst;
        int address_allowance;  /* pixels per cooldown one source address may place; 0: no limit */
        int address_catchups;   /* catch-ups per minute of one source address; 0: no limit */
        int broadcast_rate;     /* messages a second broadcasts send each connection at most */
        int route_concurrency;  /* reserved for each of connect, disconnect, send; 0: none */
        int worker_concurrency; /* reserved for each of broadcast, catchup, snapshot, save */
    } limits;
    struct {
        char *bind;
        int port;
        int aws_port;
        char *cache_url;
        char *allowed_origins; /* separated by spaces */
        int schedule_interval;
        char *data_dir;
    } local;
    struct {
        char *name;           /* "": no domain of the stack's own */
        char *websocket_name; /* after loading, ws.<name> when not set (with a name) */
        char *zone;           /* after loading, the name's parent when not set (with a name) */
    } domain;
    struct {
        scribble_tag *items;
        size_t count;
    } tags;
} scribble_config;

/* Fills cfg with every default (cfg's previous contents are ignored). */
void scribble_config_defaults(scribble_config *cfg);

/* Loads path over the defaults and validates it. Returns 0, or -1 with one
 * line per problem appended to errors ("file:line: key: given; allowed\n"),
 * sorted by line; line 0 means the file as a whole. On failure *out is left
 * empty (freeing it is harmless). Makes no network call. */
int scribble_config_load(const char *path, scribble_config *out, base_buf *errors);

/* Lays the global options (--region, --profile, --endpoint-url; NULL when not
 * given) over cfg after checking them as scribble.ini's values are checked.
 * Returns 0, or -1 with one line per bad option appended to errors. */
int scribble_config_apply_overrides(scribble_config *cfg, const char *region, const char *profile,
                                    const char *endpoint_url, base_buf *errors);

void scribble_config_free(scribble_config *cfg);

/* Appends the current value of "section.key" as scribble.ini would spell it.
 * Returns -1 for a name that is not a setting. */
int scribble_config_format_value(const scribble_config *cfg, const char *name, base_buf *out);

/* AWS region syntax: us-east-1, eu-west-3, us-gov-west-1, cn-north-1, ... */
bool scribble_region_valid(const char *region);

/* The settings table, for documentation and tests. */
typedef enum scribble_setting_type {
    SCRIBBLE_SETTING_STRING,
    SCRIBBLE_SETTING_INT,  /* a range, or one of `names` when given */
    SCRIBBLE_SETTING_BOOL, /* true or false */
    SCRIBBLE_SETTING_ENUM, /* one of `names`, stored as its index */
} scribble_setting_type;

typedef struct scribble_setting {
    const char *section;
    const char *key;
    scribble_setting_type type;
    const char *default_value; /* as written in scribble.ini; NULL: none (required when applicable) */
    const char *example;       /* shown in scribble.ini when there is no default */
    long min, max;             /* INT range; STRING maximum length (0: none) */
    const char *const *names;  /* ENUM names; INT allowed values; NULL-terminated */
    bool (*valid)(const char *value); /* STRING syntax */
    const char *allowed;       /* STRING: what valid() accepts, for people */
    const char *when_key;      /* "section.key" the setting depends on, or NULL */
    const char *when_value;    /* ... and the value under which it applies */
    size_t offset;             /* of the field in scribble_config */
    const char *doc;
} scribble_setting;

typedef struct scribble_config_section {
    const char *name;
    const char *doc;
    bool free_form;      /* any key = value (tags), checked by code, not by rows */
    const char *example; /* a commented-out line shown in scribble.ini, or NULL */
} scribble_config_section;

const scribble_setting *scribble_config_settings(size_t *count);
const scribble_config_section *scribble_config_sections(size_t *count);

/* What the setting accepts, in words ("an integer from 1 to 10"). */
void scribble_setting_describe_allowed(const scribble_setting *s, base_buf *out);

/* The documented scribble.ini and docs/configuration.md, generated from the
 * tables; tests check the shipped files equal them byte for byte. */
void scribble_config_write_ini(base_buf *out);
void scribble_config_write_reference(base_buf *out);

#endif

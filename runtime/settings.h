/*
 * settings.h - the handlers' configuration, read once per process from the
 * environment that `scribblectl up` (or a test, or `scribblectl local`) sets
 * on every function; the variables are named in stack/description.h and
 * docs/protocol.md says what each holds.
 *
 * What every handler needs (stack, cache, canvas) is checked at start-up, so
 * a bad deployment fails its initialisation with the variable named. What
 * only some handlers use (queues, tables, bucket, WebSocket endpoint) may be
 * absent; settings_require() names it when a handler reaches for it.
 */
#ifndef SCRIBBLE_RUNTIME_SETTINGS_H
#define SCRIBBLE_RUNTIME_SETTINGS_H

#include <stdbool.h>

#include "base/error.h"
#include "runtime/canvas.h"
#include "stack/description.h"

typedef struct runtime_settings {
    char stack[128];
    char cache_host[256];
    int cache_port;
    bool cache_tls;
    const char *cache_ca_file;  /* NULL: aws_ca_bundle() */
    const char *cache_username; /* NULL: the default user */
    const char *cache_password; /* NULL: no AUTH */
    canvas_geometry canvas;
    int cooldown_ms;            /* per pixel placed; 0: no cooldown */
    int max_batch;
    int address_allowance;      /* pixels per cooldown of one source address; 0: no limit */
    int address_catchups;       /* catch-ups per minute of one source address; 0: no limit */
    int broadcast_rate;         /* messages a second broadcasts send each connection at most */
    const char *pixel_queue_url;
    const char *catchup_queue_url;
    const char *pixels_table;
    const char *history_table;
    const char *bucket;
    const char *websocket_endpoint;
    int fanout_concurrency;
    int connect_grace_ms;
} runtime_settings;

/* Reads and checks the environment. Errors are BASE_ERROR_CONFIG, code
 * "InvalidSetting", naming the variable, what it held and what is allowed. */
int settings_load(runtime_settings *s, base_error *err);

/* 0 when value is set; else -1 naming the variable a handler needs. */
int settings_require(const char *value, stack_env_id variable, base_error *err);

#endif

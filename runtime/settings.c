/*
 * settings.c - reads runtime_settings from the environment (settings.h).
 * String settings point into the environment itself, which lives as long as
 * the process; numbers are parsed strictly (whole value, within bounds).
 * The variables' names are the stack description's (stack/description.h),
 * which scribblectl and `scribblectl local` set by the same names.
 */
#include "runtime/settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *optional(const char *name)
{
    const char *value = getenv(name);
    return value && value[0] ? value : NULL;
}

static int required(const char *name, const char **out, base_error *err)
{
    *out = optional(name);
    ENSURE(*out, err, BASE_ERROR_CONFIG, "InvalidSetting", "%s is not set", name);
    return 0;
}

/* A whole number in [min, max]; fallback when unset (fallback < min: required). */
static int number(const char *name, long min, long max, long fallback, long *out, base_error *err)
{
    const char *text = optional(name);
    if (!text) {
        ENSURE(fallback >= min, err, BASE_ERROR_CONFIG, "InvalidSetting", "%s is not set", name);
        *out = fallback;
        return 0;
    }
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    ENSURE(errno == 0 && end != text && *end == '\0' && value >= min && value <= max, err,
           BASE_ERROR_CONFIG, "InvalidSetting", "%s is \"%s\"; allowed: a whole number from %ld to %ld",
           name, text, min, max);
    *out = value;
    return 0;
}

static int flag(const char *name, bool fallback, bool *out, base_error *err)
{
    const char *text = optional(name);
    if (!text) {
        *out = fallback;
        return 0;
    }
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        *out = text[0] == 't';
        return 0;
    }
    return base_error_set(err, BASE_ERROR_CONFIG, "InvalidSetting",
                         "%s is \"%s\"; allowed: true, false", name, text);
}

static int copy(char *out, size_t size, const char *name, const char *value, base_error *err)
{
    ENSURE(strlen(value) < size, err, BASE_ERROR_CONFIG, "InvalidSetting",
           "%s is longer than %zu characters", name, size - 1);
    memcpy(out, value, strlen(value) + 1);
    return 0;
}

/* The cache's endpoint: host:port (the port after the last colon). */
static int cache_endpoint(runtime_settings *s, base_error *err)
{
    const char *endpoint;
    TRY(required(STACK_ENV(CACHE_ENDPOINT), &endpoint, err));
    const char *colon = strrchr(endpoint, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    ENSURE(colon && colon != endpoint && end != colon + 1 && *end == '\0' && port >= 1 &&
               port <= 65535 && (size_t)(colon - endpoint) < sizeof s->cache_host,
           err, BASE_ERROR_CONFIG, "InvalidSetting",
           "%s is \"%s\"; allowed: host:port with a port from 1 to 65535",
           STACK_ENV(CACHE_ENDPOINT), endpoint);
    memcpy(s->cache_host, endpoint, (size_t)(colon - endpoint));
    s->cache_host[colon - endpoint] = '\0';
    s->cache_port = (int)port;
    return 0;
}

static int canvas_settings(runtime_settings *s, base_error *err)
{
    long width, height, depth, cooldown, batch, allowance, catchups, rate;
    TRY(number(STACK_ENV(CANVAS_WIDTH), 1, 1L << 20, 0, &width, err));
    TRY(number(STACK_ENV(CANVAS_HEIGHT), 1, 1L << 20, 0, &height, err));
    TRY(number(STACK_ENV(CANVAS_DEPTH), 1, 24, 0, &depth, err));
    ENSURE(canvas_depth_valid(depth), err, BASE_ERROR_CONFIG, "InvalidSetting",
           "%s is \"%ld\"; allowed: 1, 2, 4, 8, 24", STACK_ENV(CANVAS_DEPTH), depth);
    TRY(canvas_geometry_init(&s->canvas, width, height, depth, err));
    TRY(number(STACK_ENV(COOLDOWN), 0, 86400, 0, &cooldown, err));
    TRY(number(STACK_ENV(MAX_BATCH), 1, 1000, 100, &batch, err));
    TRY(number(STACK_ENV(ADDRESS_ALLOWANCE), 0, 100000, 0, &allowance, err));
    TRY(number(STACK_ENV(ADDRESS_CATCHUPS), 0, 60000, 0, &catchups, err));
    TRY(number(STACK_ENV(BROADCAST_RATE), 1, 50, 2, &rate, err));
    s->cooldown_ms = (int)cooldown * 1000;
    s->max_batch = (int)batch;
    s->address_allowance = (int)allowance;
    s->address_catchups = (int)catchups;
    s->broadcast_rate = (int)rate;
    return 0;
}

int settings_load(runtime_settings *s, base_error *err)
{
    memset(s, 0, sizeof *s);
    const char *stack;
    TRY(required(STACK_ENV(STACK), &stack, err));
    ENSURE(!strpbrk(stack, "{}"), err, BASE_ERROR_CONFIG, "InvalidSetting",
           "%s is \"%s\"; allowed: a name without braces", STACK_ENV(STACK), stack);
    TRY(copy(s->stack, sizeof s->stack, STACK_ENV(STACK), stack, err));
    TRY(cache_endpoint(s, err));
    TRY(flag(STACK_ENV(CACHE_TLS), true, &s->cache_tls, err));
    s->cache_ca_file = optional(STACK_ENV(CACHE_CA_FILE));
    s->cache_username = optional(STACK_ENV(CACHE_USERNAME));
    s->cache_password = optional(STACK_ENV(CACHE_PASSWORD));
    ENSURE(!s->cache_username || s->cache_password, err, BASE_ERROR_CONFIG, "InvalidSetting",
           "%s is set without %s", STACK_ENV(CACHE_USERNAME), STACK_ENV(CACHE_PASSWORD));
    TRY(canvas_settings(s, err));
    s->pixel_queue_url = optional(STACK_ENV(PIXEL_QUEUE_URL));
    s->catchup_queue_url = optional(STACK_ENV(CATCHUP_QUEUE_URL));
    s->pixels_table = optional(STACK_ENV(PIXELS_TABLE));
    s->history_table = optional(STACK_ENV(HISTORY_TABLE));
    s->bucket = optional(STACK_ENV(BUCKET));
    s->websocket_endpoint = optional(STACK_ENV(WEBSOCKET_ENDPOINT));
    long concurrency, grace;
    TRY(number(STACK_ENV(FANOUT_CONCURRENCY), 1, 256, 32, &concurrency, err));
    TRY(number(STACK_ENV(CONNECT_GRACE_MS), 0, 600000, 10000, &grace, err));
    s->fanout_concurrency = (int)concurrency;
    s->connect_grace_ms = (int)grace;
    return 0;
}

int settings_require(const char *value, stack_env_id variable, base_error *err)
{
    ENSURE(value, err, BASE_ERROR_CONFIG, "InvalidSetting",
           "%s is not set; this handler needs it", stack_env_names[variable]);
    return 0;
}

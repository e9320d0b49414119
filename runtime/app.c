/*
 * app.c - the per-process state of a handler (app.h).
 */
#include "aws/client_default.h"
#include "runtime/app.h"

#include <string.h>
#include <time.h>

int app_init(app *a, base_error *err)
{
    memset(a, 0, sizeof *a);
    return settings_load(&a->settings, err);
}

void app_free(app *a)
{
    cache_client_close(a->cache);
    aws_client_free(a->aws);
    fanout_free(a->fanout);
    memset(a, 0, sizeof *a);
}

int app_store(app *a, canvas_store **out, base_error *err)
{
    if (!a->cache) {
        const runtime_settings *s = &a->settings;
        cache_config config = {
            .host = s->cache_host,
            .port = s->cache_port,
            .username = s->cache_username,
            .password = s->cache_password,
            .ca_file = s->cache_ca_file,
            .plaintext = !s->cache_tls,
        };
        TRY(cache_client_open(&a->cache, &config, err));
        a->store = (canvas_store){.cache = a->cache, .stack = s->stack, .canvas = s->canvas};
    }
    *out = &a->store;
    return 0;
}

int app_aws(app *a, aws_client **out, base_error *err)
{
    if (!a->aws) {
        aws_client_options options = {.timeout_ms = 20000};
        TRY(aws_client_new_default(&options, &a->aws, err));
    }
    *out = a->aws;
    return 0;
}

int app_fanout(app *a, fanout **out, base_error *err)
{
    if (!a->fanout)
        TRY(fanout_new(a->settings.websocket_endpoint, a->settings.fanout_concurrency, &a->fanout,
                       err));
    *out = a->fanout;
    return 0;
}

long long app_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

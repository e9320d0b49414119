/*
 * app.h - what one handler process keeps from one invocation to the next:
 * its settings, its cache connection, its AWS client and its fanout. Each is
 * opened on first use, so a handler that never touches S3 never builds a
 * client for it, and a cache that was briefly unreachable does not fail the
 * process's start: the next invocation simply tries again.
 */
#ifndef SCRIBBLE_RUNTIME_APP_H
#define SCRIBBLE_RUNTIME_APP_H

#include "aws/client.h"
#include "base/error.h"
#include "runtime/cache_client.h"
#include "runtime/canvas_store.h"
#include "runtime/fanout.h"
#include "runtime/settings.h"

typedef struct app {
    runtime_settings settings;
    cache_client *cache;
    canvas_store store; /* valid once app_store succeeded */
    aws_client *aws;
    fanout *fanout;
} app;

/* Reads the settings (settings_load's errors). */
int app_init(app *a, base_error *err);
void app_free(app *a);

int app_store(app *a, canvas_store **out, base_error *err);
int app_aws(app *a, aws_client **out, base_error *err);
int app_fanout(app *a, fanout **out, base_error *err);

/* Unix time in milliseconds. */
long long app_now_ms(void);

#endif

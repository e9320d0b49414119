/*
 * local_app.h - scribblectl local assembled: the store, the cache, the
 * queues, the seven handlers as local functions, the gateway, the queue
 * mappings and schedules, and the two listeners (the page; the local AWS).
 */
#ifndef SCRIBBLE_LOCAL_APP_H
#define SCRIBBLE_LOCAL_APP_H

#include <signal.h>

#include "base/error.h"
#include "local/local_function.h"
#include "local/local_settings.h"

typedef struct local_app local_app;

typedef struct local_app_options {
    const local_settings *settings; /* outlives the app */
    int port;               /* the page's port; 0: a free one */
    int schedule_interval;  /* seconds between snapshot runs and between save runs */
    const char *data_dir;   /* tables, bucket, cache TLS files, logs */
    const char *handler;    /* the handler binary */
    local_function_report report;
} local_app_options;

int local_app_start(const local_app_options *options, local_app **out, base_error *err);
/* http://<address>:<port>/ */
const char *local_app_url(const local_app *a);
/* Where the listeners are: the settings' bind and the ports of the page and its
 * WebSocket, the local AWS endpoint and the redis-server started here (0:
 * the cache is the settings' cache_url). The handlers' Runtime APIs are not
 * among them: they listen on 127.0.0.1 only, for the handlers alone. */
typedef struct local_app_ports {
    const char *bind;
    int site, aws, cache;
} local_app_ports;
void local_app_listeners(const local_app *a, local_app_ports *out);
/* Serves until *stop becomes non-zero (set it from a signal handler); a
 * *stop above 1 during local_app_stop cuts the last save short. */
void local_app_run(local_app *a, volatile sig_atomic_t *stop);
/* Saves what the cache holds that the tables do not (err set if that failed),
 * then stops everything and frees the app. */
int local_app_stop(local_app *a, base_error *err);

#endif

/*
 * local_settings.h - everything scribblectl local is told about the stack
 * it runs, as plain data and a few callbacks. scribblectl fills it from
 * scribble.ini with its own functions (provision/cmd_local.c, the one
 * bridge), so local/ reads neither scribble.ini nor anything of provision/,
 * and no fact is written twice: the names, timeouts, numbers and page facts
 * here are those scribblectl gives the stack on AWS.
 *
 * Lists indexed by the stack's description (stack/description.h) hold one
 * entry per described handler, queue or table, in its order. Every string
 * and array outlives the app.
 */
#ifndef SCRIBBLE_LOCAL_SETTINGS_H
#define SCRIBBLE_LOCAL_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"

/* An environment variable of the handlers. */
typedef struct local_variable {
    const char *name;
    const char *value;
} local_variable;

/* What the page listener asks of the page, answered as CloudFront and the
 * site bucket would answer it. */
typedef struct local_page_facts {
    const void *ctx;
    /* Appends config.json for a page whose WebSocket is websocket_url and
     * whose latest snapshot is described at snapshot_url. */
    void (*config_json)(const void *ctx, const char *websocket_url, const char *snapshot_url,
                        base_buf *out);
    /* Appends the security headers as "Name: value\r\n" lines for a page
     * whose WebSocket is at websocket_origin (scheme, host and port); an
     * origin that is not one is refused. */
    int (*security_headers)(const void *ctx, const char *websocket_origin, base_buf *out,
                            base_error *err);
    /* The Content-Type of one of the page's files, by its name. */
    const char *(*content_type)(const void *ctx, const char *name);
} local_page_facts;

typedef struct local_settings {
    const char *stack_name;
    const char *region;    /* "": us-east-1 */
    const char *cache_url; /* "": start a redis-server here */
    const char *bind;      /* the listeners' address */
    int aws_port;          /* the local AWS endpoint's port; 0: a free one */
    const char *allowed_origins; /* besides the page's own, separated by spaces; "" none */

    struct {
        bool fifo;
        int visibility_timeout; /* seconds */
        bool content_based_deduplication;
        int batch_size;         /* messages per invocation */
    } queues;
    struct {
        int width, height, depth;
    } canvas;

    /* Resources' names, as the stack on AWS names them. */
    const char *bucket;              /* the site bucket */
    const char *const *queue_names;  /* by described queue */
    const char *const *table_names;  /* by described table */
    const char *const *function_names; /* by described handler: what Invoke reaches */

    const int *handler_timeouts;     /* seconds, by described handler */
    /* The variables the handlers read from scribble.ini (their numbers);
     * local adds those naming its own endpoints, queues, tables and cache. */
    const local_variable *environment;
    size_t environment_count;

    const char *static_dir;          /* the page's files */
    const char *default_root_object; /* served at / */
    local_page_facts page;
} local_settings;

#endif

/*
 * local_site.h - the page's listener in scribblectl local, standing in for
 * CloudFront and the WebSocket API's URL: static/ (the configured root
 * object at /), config.json pointing at this listener, snapshots/ from the
 * bucket, and WebSocket connections handed to the gateway. Every answer
 * carries the security headers CloudFront adds; the page's facts (config.json,
 * the headers, the content types) are scribblectl's (local_settings.h).
 *
 * Also GET /_local/canvas.png: the canvas as the cache holds it now, with
 * its seq in X-Scribble-Seq, for tests and for anyone checking what the
 * server has (503 while no canvas is loaded).
 */
#ifndef SCRIBBLE_LOCAL_SITE_H
#define SCRIBBLE_LOCAL_SITE_H

#include "local/local_cache.h"
#include "local/local_gateway.h"
#include "local/local_settings.h"
#include "local/local_store.h"
#include "runtime/canvas.h"

typedef struct local_site {
    const char *stack_name;
    const char *static_dir;
    const char *default_root_object;
    const local_page_facts *page;
    local_store *store;
    const char *bucket;
    const local_cache_settings *cache_settings;
    canvas_geometry canvas;
    local_gateway *gateway;
    bool stopping;       /* closing WebSockets no longer call $disconnect */
    void *cache;         /* the cache client /_local/canvas.png reads with, opened when needed */
} local_site;

extern const local_endpoint_ops local_site_ops;

void local_site_free(local_site *site);

#endif

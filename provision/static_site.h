/*
 * static_site.h - what the page is made of, for every place that serves it:
 * the static/ directory, the content type of each of its files, and the
 * config.json that tells the page where its endpoints are. `up` uploads them
 * to the site bucket (site_content.c); `local` serves them itself.
 */
#ifndef SCRIBBLE_PROVISION_STATIC_SITE_H
#define SCRIBBLE_PROVISION_STATIC_SITE_H

#include <limits.h>
#include <stdbool.h>

#include "base/buf.h"
#include "base/error.h"
#include "provision/config.h"


/* The Content-Type of a file by its extension; application/octet-stream if unknown. */
const char *static_content_type(const char *name);

/* config.json: {websocketUrl, snapshotUrl, canvas{width, height, depth,
 * cooldown, maxBatch}}; a NULL URL is written as null. Appends to out. */
void static_site_config(const scribble_config *cfg, const char *websocket_url,
                        const char *snapshot_url, base_buf *out);

/* With a [domain], the names people are given: the WebSocket's origin
 * "wss://<websocket_name>" (its URL is the origin and "/": the API's stage
 * is mapped at the root) and the page's host, <name>. False (both "")
 * without a domain: the endpoints' own names serve. */
#define STATIC_SITE_URL_SIZE 300
bool static_site_domain_names(const scribble_config *cfg,
                              char websocket_origin[STATIC_SITE_URL_SIZE],
                              char page_host[STATIC_SITE_URL_SIZE]);

#endif

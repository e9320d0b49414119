/*
 * static_site.h - what the page is made of, for every place that serves it:
 * the static/ directory, the content type of each of its files, and the
 * config.json that tells the page where its endpoints are. `up` uploads them
 * to the site bucket (site_content.c); `local` serves them itself.
 */
#ifndef SCRIBBLE_PROVISION_STATIC_SITE_H
#define SCRIBBLE_PROVISION_STATIC_SITE_H

#include <limits.h>

#include "base/buf.h"
#include "base/error.h"
#include "provision/config.h"


/* The Content-Type of a file by its extension; application/octet-stream if unknown. */
const char *static_content_type(const char *name);

/* config.json: {websocketUrl, snapshotUrl, canvas{width, height, depth,
 * cooldown, maxBatch}}; a NULL URL is written as null. Appends to out. */
void static_site_config(const scribble_config *cfg, const char *websocket_url,
                        const char *snapshot_url, base_buf *out);

#endif

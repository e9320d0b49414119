/*
 * static_site.c - the page's files and config.json (static_site.h).
 */
#include "provision/static_site.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

static const char *const content_types[][2] = {
    {".html", "text/html; charset=utf-8"},
    {".htm", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".txt", "text/plain; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".wasm", "application/wasm"},
};

const char *static_content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof content_types / sizeof content_types[0]; i++)
        if (strcasecmp(dot, content_types[i][0]) == 0)
            return content_types[i][1];
    return "application/octet-stream";
}

void static_site_config(const scribble_config *cfg, const char *websocket_url,
                        const char *snapshot_url, base_buf *out)
{
    cJSON *doc = cJSON_CreateObject();
    if (websocket_url)
        cJSON_AddStringToObject(doc, "websocketUrl", websocket_url);
    else
        cJSON_AddNullToObject(doc, "websocketUrl");
    if (snapshot_url)
        cJSON_AddStringToObject(doc, "snapshotUrl", snapshot_url);
    else
        cJSON_AddNullToObject(doc, "snapshotUrl");
    cJSON *canvas = cJSON_AddObjectToObject(doc, "canvas");
    cJSON_AddNumberToObject(canvas, "width", cfg->canvas.width);
    cJSON_AddNumberToObject(canvas, "height", cfg->canvas.height);
    cJSON_AddNumberToObject(canvas, "depth", cfg->canvas.depth);
    cJSON_AddNumberToObject(canvas, "cooldown", cfg->canvas.cooldown);
    cJSON_AddNumberToObject(canvas, "maxBatch", cfg->canvas.max_batch);
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (!text)
        abort();
    base_buf_append_str(out, text);
    base_buf_append_char(out, '\n');
    cJSON_free(text);
}

bool static_site_domain_names(const scribble_config *cfg,
                              char websocket_origin[STATIC_SITE_URL_SIZE],
                              char page_host[STATIC_SITE_URL_SIZE])
{
    websocket_origin[0] = page_host[0] = '\0';
    if (!cfg->domain.name[0])
        return false;
    snprintf(websocket_origin, STATIC_SITE_URL_SIZE, "wss://%s", cfg->domain.websocket_name);
    snprintf(page_host, STATIC_SITE_URL_SIZE, "%s", cfg->domain.name);
    return true;
}

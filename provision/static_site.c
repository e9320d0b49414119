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

static bool is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Where static/ is (static_site.h). */
int static_site_dir(char out[PATH_MAX], aws_error *err)
{
    const char *env = getenv("SCRIBBLE_STATIC_DIR");
    if (env && env[0]) {
        ENSURE(is_directory(env), err, AWS_ERROR_CONFIG, "NoStaticDirectory",
               "SCRIBBLE_STATIC_DIR=%s is not a directory", env);
        snprintf(out, PATH_MAX, "%s", env);
        return 0;
    }
    char exe[PATH_MAX - 16];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(out, PATH_MAX, "%s/../static", exe);
            if (is_directory(out))
                return 0;
        }
    }
    snprintf(out, PATH_MAX, "static");
    ENSURE(is_directory(out), err, AWS_ERROR_CONFIG, "NoStaticDirectory",
           "no static/ directory holding the page: not beside scribblectl (../static) nor in the "
           "current directory; set SCRIBBLE_STATIC_DIR to it");
    return 0;
}

void static_site_config(const scribble_config *cfg, const char *websocket_url,
                        const char *snapshot_url, aws_buf *out)
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
    aws_buf_append_str(out, text);
    aws_buf_append_char(out, '\n');
    cJSON_free(text);
}

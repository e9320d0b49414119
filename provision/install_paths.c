/*
 * install_paths.c - the places scribblectl looks for what ships beside it
 * (install_paths.h), as one table.
 */
#include "provision/install_paths.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"

/* From CMakeLists.txt: the install layout relative to the installed
 * scribblectl's folder, and the configured source tree's static/. */
#ifndef SCRIBBLE_BIN_TO_LIBEXEC
#define SCRIBBLE_BIN_TO_LIBEXEC "../libexec/scribble"
#endif
#ifndef SCRIBBLE_BIN_TO_STATIC
#define SCRIBBLE_BIN_TO_STATIC "../share/scribble/static"
#endif
#ifndef SCRIBBLE_SOURCE_STATIC_DIR
#define SCRIBBLE_SOURCE_STATIC_DIR ""
#endif

#define MAX_PLACES 3

typedef struct install_place_list {
    const char *variable;
    const char *code;
    const char *what; /* in an error: what the variable names */
    bool directory;
    const char *beside[MAX_PLACES]; /* relative to scribblectl's folder; NULL ends */
    const char *absolute;           /* tried last when not "" */
} install_place_list;

static const install_place_list places[] = {
    [INSTALL_HANDLER] = {"SCRIBBLE_HANDLER",
                         "HandlerBinaryMissing",
                         "the handler binary (scribble-handler)",
                         false,
                         {"scribble-handler", SCRIBBLE_BIN_TO_LIBEXEC "/scribble-handler", NULL},
                         ""},
    [INSTALL_LAMBDA_HANDLER] = {"SCRIBBLE_HANDLER_BINARY",
                                "HandlerBinaryMissing",
                                "the Lambda build of the handler (scribble-handler-lambda)",
                                false,
                                {"scribble-handler-lambda",
                                 SCRIBBLE_BIN_TO_LIBEXEC "/scribble-handler-lambda", NULL},
                                ""},
    [INSTALL_STATIC] = {"SCRIBBLE_STATIC_DIR",
                        "NoStaticDirectory",
                        "the static/ directory holding the page",
                        true,
                        {"../static", SCRIBBLE_BIN_TO_STATIC, NULL},
                        SCRIBBLE_SOURCE_STATIC_DIR},
};

static bool exists_as(const char *path, bool directory)
{
    struct stat st;
    return stat(path, &st) == 0 && (directory ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
}

/* scribblectl's own folder; "." when /proc cannot say. */
static void own_folder(char out[PATH_MAX])
{
    ssize_t len = readlink("/proc/self/exe", out, PATH_MAX - 1);
    if (len <= 0) {
        snprintf(out, PATH_MAX, ".");
        return;
    }
    out[len] = '\0';
    char *slash = strrchr(out, '/');
    if (slash)
        *slash = '\0';
}

const char *install_path_variable(install_item item) { return places[item].variable; }

/* The places to try, in order; returns how many. */
static int candidates(const install_place_list *p, char list[MAX_PLACES + 1][PATH_MAX])
{
    char folder[PATH_MAX];
    own_folder(folder);
    int n = 0;
    for (int i = 0; i < MAX_PLACES && p->beside[i]; i++)
        snprintf(list[n++], PATH_MAX, "%.*s/%s", PATH_MAX / 2, folder, p->beside[i]);
    if (p->absolute[0])
        snprintf(list[n++], PATH_MAX, "%s", p->absolute);
    return n;
}

int install_path(install_item item, char out[PATH_MAX], base_error *err)
{
    const install_place_list *p = &places[item];
    const char *named = getenv(p->variable);
    if (named && named[0]) {
        snprintf(out, PATH_MAX, "%s", named);
        ENSURE(exists_as(out, p->directory), err, BASE_ERROR_CONFIG, p->code,
               "%s=%s is not %s; it names %s", p->variable, named,
               p->directory ? "a directory" : "a file", p->what);
        return 0;
    }
    char list[MAX_PLACES + 1][PATH_MAX];
    int n = candidates(p, list);
    snprintf(out, PATH_MAX, "%.*s", PATH_MAX - 1, list[0]);
    base_buf tried = {0};
    for (int i = 0; i < n; i++) {
        if (exists_as(list[i], p->directory)) {
            snprintf(out, PATH_MAX, "%.*s", PATH_MAX - 1, list[i]);
            base_buf_free(&tried);
            return 0;
        }
        base_buf_printf(&tried, "%s%s", i ? ", " : "", list[i]);
    }
    base_error_set(err, BASE_ERROR_CONFIG, p->code, "%s is in none of %s: build it, or set %s to it",
                  p->what, base_buf_str(&tried), p->variable);
    base_buf_free(&tried);
    return -1;
}

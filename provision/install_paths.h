/*
 * install_paths.h - where scribblectl finds what ships beside it: the
 * handler binary `scribblectl local` runs, the Lambda build of it that `up`
 * packages, and the page (static/).
 *
 * Each has an environment variable that names it outright. Otherwise the
 * first of these that exists, relative to scribblectl's own folder:
 *   - the build directory's layout (the binaries beside scribblectl, the
 *     page in ../static when the build directory is in the checkout);
 *   - `cmake --install`'s layout (<prefix>/libexec/scribble/ and
 *     <prefix>/share/scribble/static beside <prefix>/bin/scribblectl);
 *   - for the page, the source tree the build was configured from, so a
 *     build directory anywhere works.
 */
#ifndef SCRIBBLE_PROVISION_INSTALL_PATHS_H
#define SCRIBBLE_PROVISION_INSTALL_PATHS_H

#include <limits.h>

#include "base/error.h"

typedef enum install_item {
    INSTALL_HANDLER,        /* scribble-handler, for scribblectl local */
    INSTALL_LAMBDA_HANDLER, /* scribble-handler-lambda, packaged by up */
    INSTALL_STATIC,         /* the page's folder */
} install_item;

/* The item's path into out. None found: BASE_ERROR_CONFIG with the item's
 * code (HandlerBinaryMissing, NoStaticDirectory), naming every place tried and
 * the variable that would name it; out then holds the first place tried. */
int install_path(install_item item, char out[PATH_MAX], base_error *err);

/* The environment variable naming the item. */
const char *install_path_variable(install_item item);

#endif

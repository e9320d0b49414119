/*
 * package_cache.h - built Lambda packages kept between runs of scribblectl,
 * so a converged `up`, `plan` or `status` neither zips nor compresses the
 * package again.
 *
 * An entry is found by its inputs key: a SHA-256 that package.c computes
 * over what goes into the zip (each entry's name and its file's SHA-256,
 * and the zip format's version). The cache is an optimisation: when its
 * directory cannot be made or written, the package is simply built, so
 * nothing here fails a caller.
 */
#ifndef SCRIBBLE_PROVISION_PACKAGE_CACHE_H
#define SCRIBBLE_PROVISION_PACKAGE_CACHE_H

#include <limits.h>
#include <stdbool.h>

#include "base/buf.h"

/* Entries kept: the ones most recently built or taken, a few builds back. */
#define PACKAGE_CACHE_KEEP 4

typedef struct package_cache {
    char dir[PATH_MAX];
} package_cache;

/* $XDG_CACHE_HOME/scribble/packages, else $HOME/.cache/scribble/packages,
 * made with mode 0700 (and set to it); false when there is none to use. */
bool package_cache_open(package_cache *cache);

/* The entry for inputs_key (64 lowercase hex digits): true with its bytes in
 * zip and their SHA-256 in sha256_hex when one is there and its bytes hash to
 * what its name says (it then counts as just used); false otherwise, after
 * removing an entry that did not verify. */
bool package_cache_load(const package_cache *cache, const char *inputs_key, base_buf *zip,
                        char sha256_hex[65]);

/* Keeps zip (whose SHA-256 is sha256_hex) as the entry for inputs_key,
 * written whole or not at all, then prunes the cache to PACKAGE_CACHE_KEEP
 * entries. False when it could not be written. */
bool package_cache_store(const package_cache *cache, const char *inputs_key, const base_buf *zip,
                         const char *sha256_hex);

#endif

/*
 * cache_script.h - Lua scripts run in the cache, by digest.
 *
 * A script is sent whole once per cache (SCRIPT LOAD happens implicitly: on
 * NOSCRIPT, EVALSHA falls back to EVAL, which also caches it), then named by
 * its SHA-1 digest, so a busy handler sends a few dozen bytes per call
 * instead of the script. Every key a script touches is passed in KEYS, as
 * cluster-mode caches require.
 */
#ifndef SCRIBBLE_RUNTIME_CACHE_SCRIPT_H
#define SCRIBBLE_RUNTIME_CACHE_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "runtime/cache_client.h"

typedef struct cache_script {
    const char *source;
    char digest[41]; /* filled on first use */
} cache_script;

/* Runs script with keys[0..key_count) and args[0..arg_count) (args may hold
 * binary data: arg_lens gives each length; NULL: all NUL-terminated).
 * idempotent as for cache_command_run: only scripts that change nothing, or
 * whose second run changes nothing more, may say true. */
int cache_script_run(cache_client *cache, cache_script *script, size_t key_count,
                     const char *const *keys, size_t arg_count, const char *const *args,
                     const size_t *arg_lens, bool idempotent, cache_reply **reply,
                     base_error *err);

#endif

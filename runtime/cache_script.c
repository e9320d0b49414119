/*
 * cache_script.c - EVALSHA with a fallback to EVAL (cache_script.h).
 */
#include "runtime/cache_script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/buf.h"

static void compute_digest(cache_script *script)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(script->source, strlen(script->source), digest, &len, EVP_sha1(), NULL);
    for (unsigned int i = 0; i < len && i < 20; i++)
        snprintf(script->digest + 2 * i, 3, "%02x", digest[i]);
}

static int run(cache_client *cache, const char *verb, const char *script_or_digest,
               size_t key_count, const char *const *keys, size_t arg_count,
               const char *const *args, const size_t *arg_lens, bool idempotent,
               cache_reply **reply, base_error *err)
{
    size_t argc = 3 + key_count + arg_count;
    const char **argv = base_xcalloc(argc, sizeof *argv);
    size_t *lens = base_xcalloc(argc, sizeof *lens);
    char count[24];
    snprintf(count, sizeof count, "%zu", key_count);
    argv[0] = verb;
    argv[1] = script_or_digest;
    argv[2] = count;
    for (size_t i = 0; i < key_count; i++)
        argv[3 + i] = keys[i];
    for (size_t i = 0; i < arg_count; i++) {
        argv[3 + key_count + i] = args[i];
        lens[3 + key_count + i] = arg_lens ? arg_lens[i] : strlen(args[i]);
    }
    for (size_t i = 0; i < 3 + key_count; i++)
        lens[i] = strlen(argv[i]);
    cache_command command = {.argc = argc, .argv = argv, .argv_len = lens};
    int rc = cache_command_run(cache, &command, idempotent, reply, err);
    free(argv);
    free(lens);
    return rc;
}

int cache_script_run(cache_client *cache, cache_script *script, size_t key_count,
                     const char *const *keys, size_t arg_count, const char *const *args,
                     const size_t *arg_lens, bool idempotent, cache_reply **reply,
                     base_error *err)
{
    if (!script->digest[0])
        compute_digest(script);
    base_error first = {0};
    if (run(cache, "EVALSHA", script->digest, key_count, keys, arg_count, args, arg_lens,
            idempotent, reply, &first) == 0)
        return 0;
    if (strcmp(first.code, "NOSCRIPT") != 0) {
        *err = first;
        return -1;
    }
    /* NOSCRIPT: nothing ran, so sending the whole script is always safe. */
    return run(cache, "EVAL", script->source, key_count, keys, arg_count, args, arg_lens,
               idempotent, reply, err);
}

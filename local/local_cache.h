/*
 * local_cache.h - the cache of scribblectl local: either a cache the user
 * names in local.cache_url, or Debian's redis-server started here with TLS.
 *
 * Either way the result is a local_cache_settings, which
 * local_cache_environment() turns into the SCRIBBLE_CACHE_* variables the
 * handlers read (runtime/settings.c), so the handlers reach the local cache
 * exactly as they reach ElastiCache. The started redis-server keeps nothing
 * on disk: the handlers rebuild the canvas from the tables. Nothing here
 * prints, and no password is ever put into an error message.
 */
#ifndef SCRIBBLE_LOCAL_CACHE_H
#define SCRIBBLE_LOCAL_CACHE_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "local/local_tls.h"
#include "runtime/cache_client.h"

#define LOCAL_CACHE_DEFAULT_PORT 6379

/* How the handlers reach a cache. Empty strings mean "not set". */
typedef struct local_cache_settings {
    char host[256];                     /* a name or an address, IPv6 without brackets */
    int port;
    bool tls;
    char ca_file[LOCAL_TLS_PATH_MAX];   /* "": the system's CAs */
    char username[256];                 /* "": the default user */
    char password[512];                 /* "": no AUTH */
} local_cache_settings;

/* A redis-server started by local_cache_start. settings holds its host,
 * port (its TLS port), CA file and the password made for this run. */
typedef struct local_cache {
    pid_t pid;                          /* 0: not running */
    char log_file[LOCAL_TLS_PATH_MAX];  /* <data_dir>/redis.log: its stdout and stderr */
    local_cache_settings settings;
} local_cache;

/* Reads redis://[user[:password]@]host[:port] (TLS off) or rediss://... (TLS
 * on); the port defaults to 6379, user and password may be %XX-escaped, and
 * an IPv6 host is written in brackets. Errors: BASE_ERROR_CONFIG, code
 * "InvalidCacheUrl", naming the part that is wrong and what is allowed. */
int local_cache_parse_url(const char *url, local_cache_settings *out, base_error *err);

/* Starts redis-server (found on PATH) listening with TLS only on a free port
 * of bind (an address, or localhost), with its TLS material in <data_dir>/tls
 * (local_tls.h) and its output in <data_dir>/redis.log, requiring a password
 * made for this run (out->settings.password, 64 hex digits), and returns
 * once it answers an authenticated TLS PING verified against the CA.
 * data_dir is created when missing (mode 0700) and refused as
 * local_private_dir (local_private.h) refuses ("UnsafeDirectory", naming it); the paths in
 * *out are absolute. Errors (codes):
 * "RedisServerMissing" (not on PATH: says how to install it or to set
 * local.cache_url), "RedisServerExited" (quoting the end of redis.log),
 * "RedisServerTimeout" (no answer within 10 s; the process is stopped),
 * "RedisServerStart" (it could not be started), "UnsafeFile" (redis.log is a
 * symlink or another user's: local_private_open), and local_tls's. */
int local_cache_start(const char *data_dir, const char *bind, local_cache *out, base_error *err);

/* SIGTERM to its process group, up to 5 s for it to exit, then SIGKILL; reaps
 * it, sets pid to 0 and overwrites the password. Stops nothing when pid is 0. */
void local_cache_stop(local_cache *cache);

/* Connects as the handlers would (TLS verified against ca_file or the
 * system's CAs, AUTH when set) and checks that PING answers PONG. */
/* The cache client's configuration for these settings (pointing into them). */
cache_config local_cache_config(const local_cache_settings *settings);
int local_cache_ping(const local_cache_settings *settings, int timeout_ms, base_error *err);

/* Calls add for each of SCRIBBLE_CACHE_ENDPOINT (host:port), SCRIBBLE_CACHE_TLS
 * (true or false), SCRIBBLE_CACHE_CA_FILE, SCRIBBLE_CACHE_USERNAME and
 * SCRIBBLE_CACHE_PASSWORD, always all five: an unset one is given as "",
 * which the handlers read as unset, so nothing is inherited by mistake. */
void local_cache_environment(const local_cache_settings *settings,
                             void (*add)(void *context, const char *name, const char *value),
                             void *context);

/* Overwrites the password (call before the settings go out of scope). */
void local_cache_settings_clear(local_cache_settings *settings);

#endif

/*
 * local_tls.h - the TLS material of scribblectl local's cache: a private CA
 * and a server certificate it signs, as PEM files in one directory.
 *
 * ElastiCache only speaks TLS, so the local cache does too, and the handlers
 * verify it against ca.crt exactly as they verify ElastiCache against the
 * system's CAs. The CA's key is never written: when anything is missing,
 * broken or about to expire, all three files are made anew (the handlers
 * read ca.crt at start-up, so a new CA costs nothing). Nothing here prints.
 */
#ifndef SCRIBBLE_LOCAL_TLS_H
#define SCRIBBLE_LOCAL_TLS_H

#include <stdbool.h>

#include "base/error.h"

#define LOCAL_TLS_PATH_MAX 4096
/* What a new certificate is valid for, and the least left for one to be reused. */
#define LOCAL_TLS_LIFETIME_SECONDS (365L * 86400L)
#define LOCAL_TLS_MIN_REMAINING_SECONDS 86400L

typedef struct local_tls_files {
    char ca_file[LOCAL_TLS_PATH_MAX];   /* <dir>/ca.crt: what clients trust */
    char cert_file[LOCAL_TLS_PATH_MAX]; /* <dir>/server.crt */
    char key_file[LOCAL_TLS_PATH_MAX];  /* <dir>/server.key, mode 0600 */
    bool generated;                     /* true: made by this call; false: reused */
} local_tls_files;

/* The server certificate names IP 127.0.0.1 and DNS localhost, and also
 * `address` (an IPv4 or IPv6 address, or a DNS name: what clients connect to)
 * when it is neither; NULL or "" adds nothing. */

/* Reuses the files in dir when they parse, chain to the CA, match each other,
 * name every address above and stay valid for LOCAL_TLS_MIN_REMAINING_SECONDS;
 * otherwise makes all three anew. Creates dir (mode 0700) when missing, and
 * refuses one local_private_dir refuses. */
int local_tls_ensure(const char *dir, const char *address, local_tls_files *out, base_error *err);

/* Makes a new CA and server certificate valid for lifetime_seconds from now
 * and writes all three files (each replaced atomically), whatever was there. */
int local_tls_generate(const char *dir, const char *address, long lifetime_seconds,
                       local_tls_files *out, base_error *err);

/* 0 when the files in dir could be reused with at least min_remaining_seconds
 * of validity left; otherwise -1 with code "LocalTlsUnusable" and the reason. */
int local_tls_check(const char *dir, const char *address, long min_remaining_seconds,
                    base_error *err);

#endif

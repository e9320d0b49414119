/*
 * local_store.h - scribblectl local's on-disk store: one SQLite file holding
 * the items of the DynamoDB tables and the objects of the S3 buckets, so a
 * local stack keeps its canvas and snapshots across restarts.
 *
 * The store knows nothing of DynamoDB or S3 rules: an item is an opaque key
 * string (the caller makes it canonical and order-preserving) and the item's
 * DynamoDB JSON text; an object is bytes with a content type, an ETag (quoted
 * hex MD5, computed here) and a last-modified time. Callers validate first.
 *
 * One event loop uses a store: it is not shared between threads. Every
 * statement is prepared once, at open. A failure is an base_error of kind
 * BASE_ERROR_SERVICE and code "LocalStoreError" carrying SQLite's message;
 * the store never uses BASE_ERROR_INVALID, so the services can tell a
 * request's fault from the store's.
 */
#ifndef SCRIBBLE_LOCAL_STORE_H
#define SCRIBBLE_LOCAL_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"

typedef struct local_store local_store;

/* Opens the database file at path, creating the file (not its directory) and
 * its schema if absent, in WAL mode. */
int local_store_open(const char *path, local_store **out, base_error *err);
/* Closes the file (NULL is fine); a transaction still open is rolled back. */
void local_store_close(local_store *store);

/* Groups writes into one transaction (a BatchWriteItem is all or nothing).
 * Transactions do not nest. */
int local_store_begin(local_store *store, base_error *err);
int local_store_commit(local_store *store, base_error *err);
/* Rolls back the open transaction, if any. */
void local_store_rollback(local_store *store);

/* --- items of tables --- */

/* Creates or replaces the item of `table` under `key`. */
int local_store_put_item(local_store *store, const char *table, const char *key,
                         const char *item_json, base_error *err);
/* *item_json: the item's text (caller frees), or NULL when there is none. */
int local_store_get_item(local_store *store, const char *table, const char *key,
                         char **item_json, base_error *err);
/* Deleting an absent item is not an error. */
int local_store_delete_item(local_store *store, const char *table, const char *key,
                            base_error *err);

/* Called for each item of a scan in key order; returns false to stop. */
typedef bool (*local_item_fn)(void *ctx, const char *key, const char *item_json);
/* Visits the items of `table` whose key sorts after after_key (NULL: from the
 * first), in ascending key order (bytewise), at most `limit` (negative: no
 * limit). */
int local_store_scan(local_store *store, const char *table, const char *after_key,
                     long long limit, local_item_fn fn, void *ctx, base_error *err);
/* How many items `table` holds and the size of their text. */
int local_store_count_items(local_store *store, const char *table, long long *count,
                            long long *bytes, base_error *err);

/* --- objects of buckets --- */

typedef struct local_object {
    char *content_type;
    base_buf body;            /* empty when asked without the body */
    size_t size;             /* the body's size, with or without it */
    char etag[72];           /* "\"<hex md5>\"" */
    long long last_modified; /* seconds since the Unix epoch */
} local_object;

/* Creates or replaces an object; etag (may be NULL) receives its ETag. */
int local_store_put_object(local_store *store, const char *bucket, const char *key,
                           const char *content_type, const void *body, size_t len,
                           char etag[72], base_error *err);
/* Fills *out (free with local_object_free) and sets *found; without
 * with_body only the metadata and size are read. The public web server
 * serves the bucket's snapshots/ through this, as CloudFront would. */
int local_store_get_object(local_store *store, const char *bucket, const char *key,
                           bool with_body, local_object *out, bool *found, base_error *err);
/* Deleting an absent object is not an error. */
int local_store_delete_object(local_store *store, const char *bucket, const char *key,
                              base_error *err);
void local_object_free(local_object *object);

/* A copy of text that lives as long as the store: for a local_reply's
 * content_type, which must outlive the reply, when it is not a literal. */
const char *local_store_intern(local_store *store, const char *text);

#endif

/*
 * local_store.c - the SQLite file behind scribblectl local's DynamoDB and S3
 * (local_store.h).
 *
 * Two tables, both keyed for the lookups the services make: items by (table,
 * key), stored WITHOUT ROWID so a scan walks the primary key in order and a
 * page is a range read; objects by (bucket, key). The file is in WAL mode
 * with synchronous=NORMAL: a crash loses at most the last writes, never
 * corrupts the file, and reads never wait for the writer. PRAGMA
 * user_version records the schema, so a newer layout is refused rather than
 * misread.
 */
#include "local/local_store.h"

#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCHEMA_VERSION 1
#define BUSY_TIMEOUT_MS 5000

enum statement {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_PUT_ITEM,
    ST_GET_ITEM,
    ST_DELETE_ITEM,
    ST_SCAN_FIRST,
    ST_SCAN_AFTER,
    ST_COUNT_ITEMS,
    ST_PUT_OBJECT,
    ST_GET_OBJECT,
    ST_HEAD_OBJECT,
    ST_DELETE_OBJECT,
    ST_COUNT
};

static const char *const statement_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_PUT_ITEM] = "INSERT OR REPLACE INTO items (table_name, item_key, item) VALUES (?1, ?2, ?3)",
    [ST_GET_ITEM] = "SELECT item FROM items WHERE table_name = ?1 AND item_key = ?2",
    [ST_DELETE_ITEM] = "DELETE FROM items WHERE table_name = ?1 AND item_key = ?2",
    [ST_SCAN_FIRST] = "SELECT item_key, item FROM items WHERE table_name = ?1"
                      " ORDER BY item_key LIMIT ?2",
    [ST_SCAN_AFTER] = "SELECT item_key, item FROM items WHERE table_name = ?1 AND item_key > ?3"
                      " ORDER BY item_key LIMIT ?2",
    [ST_COUNT_ITEMS] = "SELECT count(*), coalesce(sum(length(CAST(item AS BLOB))), 0)"
                       " FROM items WHERE table_name = ?1",
    [ST_PUT_OBJECT] = "INSERT OR REPLACE INTO objects"
                      " (bucket, object_key, content_type, body, etag, last_modified)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_GET_OBJECT] = "SELECT content_type, etag, last_modified, length(body), body FROM objects"
                      " WHERE bucket = ?1 AND object_key = ?2",
    [ST_HEAD_OBJECT] = "SELECT content_type, etag, last_modified, length(body) FROM objects"
                       " WHERE bucket = ?1 AND object_key = ?2",
    [ST_DELETE_OBJECT] = "DELETE FROM objects WHERE bucket = ?1 AND object_key = ?2",
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS items ("
    " table_name TEXT NOT NULL,"
    " item_key TEXT NOT NULL,"
    " item TEXT NOT NULL,"
    " PRIMARY KEY (table_name, item_key)"
    ") WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS objects ("
    " bucket TEXT NOT NULL,"
    " object_key TEXT NOT NULL,"
    " content_type TEXT NOT NULL,"
    " body BLOB NOT NULL,"
    " etag TEXT NOT NULL,"
    " last_modified INTEGER NOT NULL,"
    " PRIMARY KEY (bucket, object_key)"
    ");";

struct local_store {
    sqlite3 *db;
    sqlite3_stmt *statements[ST_COUNT];
    char **interned;
    size_t interned_count;
};

static int store_error(const local_store *s, const char *what, base_error *err)
{
    return base_error_set(err, BASE_ERROR_SERVICE, "LocalStoreError", "%s: %s", what,
                         s->db ? sqlite3_errmsg(s->db) : "out of memory");
}

/* Runs a statement that returns no rows, then readies it for its next use. */
static int run(local_store *s, enum statement which, const char *what, base_error *err)
{
    sqlite3_stmt *stmt = s->statements[which];
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE)
        store_error(s, what, err);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return rc == SQLITE_DONE ? 0 : -1;
}

static void finish(sqlite3_stmt *stmt)
{
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

/* Binds parameters 1 and 2 (table and key, bucket and key) of a statement. */
static sqlite3_stmt *bound_pair(local_store *s, enum statement which, const char *first,
                                const char *second)
{
    sqlite3_stmt *stmt = s->statements[which];
    if (sqlite3_bind_text(stmt, 1, first, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(stmt, 2, second, -1, SQLITE_STATIC) != SQLITE_OK) {
        finish(stmt);
        return NULL;
    }
    return stmt;
}

/* --- opening --- */

static int journal_mode_wal(local_store *s, base_error *err)
{
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &stmt, NULL) != SQLITE_OK)
        return store_error(s, "setting WAL mode", err);
    int rc = sqlite3_step(stmt);
    const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(stmt, 0) : NULL;
    bool wal = mode && strcmp(mode, "wal") == 0;
    if (rc != SQLITE_ROW)
        store_error(s, "setting WAL mode", err);
    else if (!wal)
        base_error_set(err, BASE_ERROR_SERVICE, "LocalStoreError",
                      "the store's file system does not allow WAL mode (journal mode %s)",
                      mode ? mode : "unknown");
    sqlite3_finalize(stmt);
    return wal ? 0 : -1;
}

static int schema_version(local_store *s, int *version, base_error *err)
{
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
        return store_error(s, "reading the schema version", err);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int(stmt, 0);
    else
        store_error(s, "reading the schema version", err);
    sqlite3_finalize(stmt);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int create_schema(local_store *s, base_error *err)
{
    int version = 0;
    TRY(schema_version(s, &version, err));
    ENSURE(version <= SCHEMA_VERSION, err, BASE_ERROR_SERVICE, "LocalStoreError",
           "the store has schema version %d, newer than this scribblectl's %d", version,
           SCHEMA_VERSION);
    if (version == SCHEMA_VERSION)
        return 0;
    char sql[sizeof schema_sql + 64];
    snprintf(sql, sizeof sql, "BEGIN;%sPRAGMA user_version=%d;COMMIT;", schema_sql, SCHEMA_VERSION);
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        store_error(s, "creating the schema", err);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

static int prepare_all(local_store *s, base_error *err)
{
    for (int i = 0; i < ST_COUNT; i++) {
        if (sqlite3_prepare_v3(s->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &s->statements[i], NULL) != SQLITE_OK)
            return store_error(s, "preparing the store's statements", err);
    }
    return 0;
}

static int configure(local_store *s, const char *path, base_error *err)
{
    int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK)
        return base_error_set(err, BASE_ERROR_SERVICE, "LocalStoreError", "opening %s: %s", path,
                             s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    TRY(journal_mode_wal(s, err));
    if (sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK)
        return store_error(s, "setting synchronous mode", err);
    TRY(create_schema(s, err));
    return prepare_all(s, err);
}

int local_store_open(const char *path, local_store **out, base_error *err)
{
    *out = NULL;
    ENSURE(path && path[0], err, BASE_ERROR_INVALID, "InvalidPath", "the store needs a file path");
    local_store *s = base_xcalloc(1, sizeof *s);
    if (configure(s, path, err) != 0) {
        local_store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void local_store_close(local_store *store)
{
    if (!store)
        return;
    local_store_rollback(store);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(store->statements[i]);
    sqlite3_close(store->db);
    for (size_t i = 0; i < store->interned_count; i++)
        free(store->interned[i]);
    free(store->interned);
    free(store);
}

/* --- transactions --- */

int local_store_begin(local_store *store, base_error *err)
{
    return run(store, ST_BEGIN, "beginning a transaction", err);
}

int local_store_commit(local_store *store, base_error *err)
{
    if (run(store, ST_COMMIT, "committing a transaction", err) != 0) {
        local_store_rollback(store);
        return -1;
    }
    return 0;
}

void local_store_rollback(local_store *store)
{
    if (store->db && !sqlite3_get_autocommit(store->db) && store->statements[ST_ROLLBACK])
        run(store, ST_ROLLBACK, "rolling back", NULL);
}

/* --- items --- */

int local_store_put_item(local_store *store, const char *table, const char *key,
                         const char *item_json, base_error *err)
{
    sqlite3_stmt *stmt = bound_pair(store, ST_PUT_ITEM, table, key);
    if (!stmt || sqlite3_bind_text(stmt, 3, item_json, -1, SQLITE_STATIC) != SQLITE_OK) {
        if (stmt)
            finish(stmt);
        return store_error(store, "writing an item", err);
    }
    return run(store, ST_PUT_ITEM, "writing an item", err);
}

int local_store_get_item(local_store *store, const char *table, const char *key,
                         char **item_json, base_error *err)
{
    *item_json = NULL;
    sqlite3_stmt *stmt = bound_pair(store, ST_GET_ITEM, table, key);
    if (!stmt)
        return store_error(store, "reading an item", err);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *item_json = base_xstrdup((const char *)sqlite3_column_text(stmt, 0));
    else if (rc != SQLITE_DONE)
        store_error(store, "reading an item", err);
    finish(stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int local_store_delete_item(local_store *store, const char *table, const char *key,
                            base_error *err)
{
    if (!bound_pair(store, ST_DELETE_ITEM, table, key))
        return store_error(store, "deleting an item", err);
    return run(store, ST_DELETE_ITEM, "deleting an item", err);
}

static sqlite3_stmt *scan_statement(local_store *s, const char *table, const char *after_key,
                                    long long limit)
{
    sqlite3_stmt *stmt = s->statements[after_key ? ST_SCAN_AFTER : ST_SCAN_FIRST];
    if (sqlite3_bind_text(stmt, 1, table, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(stmt, 2, limit < 0 ? -1 : limit) != SQLITE_OK ||
        (after_key && sqlite3_bind_text(stmt, 3, after_key, -1, SQLITE_STATIC) != SQLITE_OK)) {
        finish(stmt);
        return NULL;
    }
    return stmt;
}

int local_store_scan(local_store *store, const char *table, const char *after_key,
                     long long limit, local_item_fn fn, void *ctx, base_error *err)
{
    sqlite3_stmt *stmt = scan_statement(store, table, after_key, limit);
    if (!stmt)
        return store_error(store, "scanning a table", err);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(stmt, 0);
        const char *item = (const char *)sqlite3_column_text(stmt, 1);
        if (!fn(ctx, key ? key : "", item ? item : "")) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE)
        store_error(store, "scanning a table", err);
    finish(stmt);
    return rc == SQLITE_DONE ? 0 : -1;
}

int local_store_count_items(local_store *store, const char *table, long long *count,
                            long long *bytes, base_error *err)
{
    sqlite3_stmt *stmt = store->statements[ST_COUNT_ITEMS];
    if (sqlite3_bind_text(stmt, 1, table, -1, SQLITE_STATIC) != SQLITE_OK) {
        finish(stmt);
        return store_error(store, "counting items", err);
    }
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *count = sqlite3_column_int64(stmt, 0);
        *bytes = sqlite3_column_int64(stmt, 1);
    } else {
        store_error(store, "counting items", err);
    }
    finish(stmt);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* --- objects --- */

static int etag_of(const void *body, size_t len, char etag[72], base_error *err)
{
    unsigned char md5[EVP_MAX_MD_SIZE];
    unsigned int md5_len = 0;
    ENSURE(EVP_Digest(len ? body : "", len, md5, &md5_len, EVP_md5(), NULL) == 1, err,
           BASE_ERROR_SERVICE, "LocalStoreError", "OpenSSL could not compute an MD5");
    char *p = etag;
    *p++ = '"';
    for (unsigned int i = 0; i < md5_len; i++)
        p += snprintf(p, 3, "%02x", md5[i]);
    *p++ = '"';
    *p = '\0';
    return 0;
}

int local_store_put_object(local_store *store, const char *bucket, const char *key,
                           const char *content_type, const void *body, size_t len,
                           char etag[72], base_error *err)
{
    char tag[72];
    TRY(etag_of(body, len, tag, err));
    sqlite3_stmt *stmt = bound_pair(store, ST_PUT_OBJECT, bucket, key);
    if (!stmt || sqlite3_bind_text(stmt, 3, content_type, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_blob64(stmt, 4, len ? body : "", len, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(stmt, 5, tag, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(stmt, 6, (sqlite3_int64)time(NULL)) != SQLITE_OK) {
        if (stmt)
            finish(stmt);
        return store_error(store, "writing an object", err);
    }
    TRY(run(store, ST_PUT_OBJECT, "writing an object", err));
    if (etag)
        memcpy(etag, tag, sizeof tag);
    return 0;
}

static void read_object_row(sqlite3_stmt *stmt, bool with_body, local_object *out)
{
    const char *type = (const char *)sqlite3_column_text(stmt, 0);
    const char *etag = (const char *)sqlite3_column_text(stmt, 1);
    out->content_type = base_xstrdup(type ? type : "");
    snprintf(out->etag, sizeof out->etag, "%s", etag ? etag : "");
    out->last_modified = sqlite3_column_int64(stmt, 2);
    out->size = (size_t)sqlite3_column_int64(stmt, 3);
    if (with_body) {
        const void *bytes = sqlite3_column_blob(stmt, 4);
        int n = sqlite3_column_bytes(stmt, 4);
        base_buf_append(&out->body, bytes ? bytes : "", (size_t)n);
    }
}

int local_store_get_object(local_store *store, const char *bucket, const char *key,
                           bool with_body, local_object *out, bool *found, base_error *err)
{
    memset(out, 0, sizeof *out);
    *found = false;
    sqlite3_stmt *stmt = bound_pair(store, with_body ? ST_GET_OBJECT : ST_HEAD_OBJECT, bucket, key);
    if (!stmt)
        return store_error(store, "reading an object", err);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        read_object_row(stmt, with_body, out);
        *found = true;
    } else if (rc != SQLITE_DONE) {
        store_error(store, "reading an object", err);
    }
    finish(stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int local_store_delete_object(local_store *store, const char *bucket, const char *key,
                              base_error *err)
{
    if (!bound_pair(store, ST_DELETE_OBJECT, bucket, key))
        return store_error(store, "deleting an object", err);
    return run(store, ST_DELETE_OBJECT, "deleting an object", err);
}

void local_object_free(local_object *object)
{
    free(object->content_type);
    base_buf_free(&object->body);
    memset(object, 0, sizeof *object);
}

const char *local_store_intern(local_store *store, const char *text)
{
    for (size_t i = 0; i < store->interned_count; i++)
        if (strcmp(store->interned[i], text) == 0)
            return store->interned[i];
    store->interned = base_xrealloc(store->interned,
                                   (store->interned_count + 1) * sizeof *store->interned);
    store->interned[store->interned_count] = base_xstrdup(text);
    return store->interned[store->interned_count++];
}

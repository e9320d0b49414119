/*
 * local_dynamodb.c - DynamoDB's operations over a local_store
 * (local_dynamodb.h): reading each request, running it, and answering in AWS
 * JSON 1.0 with DynamoDB's error shapes.
 *
 * Every request is checked whole before anything is written: members and
 * their JSON types against the operation's table of rules, then its items
 * and keys (local_dynamodb_value.h: every AttributeValue, then the keys
 * against the table's schema). A BatchWriteItem is then one store
 * transaction, so a refused or failed batch writes nothing.
 *
 * The store orders items by their canonical keys, which sort as the key
 * numbers do (local_dynamodb_value.c), so a Scan walks a table in key order
 * and its pages are stable: the store's ordered range read, from after
 * ExclusiveStartKey, is the whole pagination.
 *
 * UpdateItem runs one form, `ADD name :value` on a whole number
 * (local_dynamodb_update.h), read and written in one store transaction.
 * Not supported, and refused with a ValidationException that says so rather
 * than ignored: conditions, filters, indexes, parallel scans, nested
 * projection paths, other update expressions and Query.
 */
#include "local/local_dynamodb.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "local/local_dynamodb_error.h"
#include "local/local_dynamodb_projection.h"
#include "local/local_dynamodb_update.h"
#include "local/local_dynamodb_value.h"
#include "local/local_json.h"

#define TARGET_PREFIX "DynamoDB_20120810."
#define BATCH_WRITE_LIMIT 25
#define PAGE_SIZE_LIMIT (1024 * 1024)

typedef struct ddb_request {
    local_store *store;
    const local_table_schema *tables;
    size_t table_count;
} ddb_request;

/* -------------------------------------------------------------- the request */

enum json_kind { JSON_STRING, JSON_NUMBER, JSON_BOOL, JSON_OBJECT, JSON_ARRAY };

typedef struct member_rule {
    const char *name;
    enum json_kind kind;
    bool required;
} member_rule;

static bool is_kind(const cJSON *v, enum json_kind kind)
{
    switch (kind) {
    case JSON_STRING: return cJSON_IsString(v);
    case JSON_NUMBER: return cJSON_IsNumber(v);
    case JSON_BOOL: return cJSON_IsBool(v);
    case JSON_OBJECT: return cJSON_IsObject(v);
    case JSON_ARRAY: return cJSON_IsArray(v);
    }
    return false;
}

static const char *kind_name(enum json_kind kind)
{
    static const char *const names[] = {"a string", "a number", "true or false", "an object",
                                        "an array"};
    return names[kind];
}

static const member_rule *rule_for(const member_rule *rules, const char *name)
{
    for (; rules->name; rules++)
        if (strcmp(rules->name, name) == 0)
            return rules;
    return NULL;
}

/* DynamoDB's message for a member that breaks a constraint of the API's
 * model: value as DynamoDB shows it (null, or quoted), the member named as
 * the model's path does (its first letter lower case), what it must do. */
static int constraint_failed(const char *value, const char *member, const char *must,
                             base_error *e)
{
    return VALIDATION(e, "1 validation error detected: Value %s at '%c%s' failed to satisfy "
                         "constraint: Member must %s",
                      value, tolower((unsigned char)member[0]), member + 1, must);
}

/* Members the operation does not take, members of the wrong JSON type and
 * missing required members are refused before the operation runs. */
static int check_members(const cJSON *in, const char *operation, const member_rule *rules,
                         base_error *e)
{
    const cJSON *member;
    cJSON_ArrayForEach(member, in) {
        const member_rule *rule = rule_for(rules, member->string);
        if (!rule)
            return VALIDATION(e, "scribblectl local's DynamoDB does not support %.64s in %s",
                              member->string, operation);
        if (!is_kind(member, rule->kind))
            return SERIALIZATION(e, "%s must be %s", rule->name, kind_name(rule->kind));
    }
    for (; rules->name; rules++)
        if (rules->required && !cJSON_GetObjectItemCaseSensitive(in, rules->name))
            return constraint_failed("null", rules->name, "not be null", e);
    return 0;
}

static int table_lookup(const ddb_request *r, const char *name, const local_table_schema **out,
                        base_error *e)
{
    for (size_t i = 0; i < r->table_count; i++) {
        if (strcmp(r->tables[i].name, name) == 0) {
            *out = &r->tables[i];
            return 0;
        }
    }
    return base_error_set(e, BASE_ERROR_INVALID, "ResourceNotFoundException",
                         "Requested resource not found: Table: %.255s not found", name);
}

static int table_named(const ddb_request *r, const cJSON *in, const local_table_schema **out,
                       base_error *e)
{
    return table_lookup(r, cJSON_GetObjectItemCaseSensitive(in, "TableName")->valuestring, out, e);
}

/* ReturnValues of PutItem and DeleteItem: NONE or ALL_OLD. */
static int wants_old(const cJSON *in, bool *all_old, base_error *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "ReturnValues");
    *all_old = v && strcmp(v->valuestring, "ALL_OLD") == 0;
    if (v && !*all_old && strcmp(v->valuestring, "NONE") != 0)
        return VALIDATION(e, "Return values set to invalid value: ReturnValues can only be "
                             "ALL_OLD or NONE");
    return 0;
}

static int positive_limit(const cJSON *in, const char *member, long long *limit, base_error *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, member);
    *limit = -1;
    if (!v)
        return 0;
    double n = v->valuedouble;
    if (n < 1 || n > 1e15 || n != (double)(long long)n) {
        char shown[40];
        snprintf(shown, sizeof shown, "'%g'", v->valuedouble);
        return constraint_failed(shown, member, "have value greater than or equal to 1", e);
    }
    *limit = (long long)v->valuedouble;
    return 0;
}

/* ------------------------------------------------------------------ writes */

/* One write of PutItem, DeleteItem or BatchWriteItem, checked and ready. */
typedef struct planned_write {
    const local_table_schema *table;
    base_buf key;
    char *item; /* NULL: a delete */
} planned_write;

static void planned_write_free(planned_write *w)
{
    base_buf_free(&w->key);
    cJSON_free(w->item);
    w->item = NULL;
}

/* A put (body is an Item) or a delete (body is a Key) in table t. */
static int plan_write(const local_table_schema *t, bool put, cJSON *body, planned_write *w,
                      base_error *e)
{
    w->table = t;
    if (put)
        return local_dynamodb_item_of(t, body, &w->key, &w->item, e);
    return local_dynamodb_key_of(t, body, "Key", &w->key, e);
}

static int apply_write(local_store *store, const planned_write *w, base_error *e)
{
    const char *key = base_buf_str(&w->key);
    return w->item ? local_store_put_item(store, w->table->name, key, w->item, e)
                   : local_store_delete_item(store, w->table->name, key, e);
}

/* --------------------------------------------------------- BatchWriteItem */

typedef struct write_plan {
    planned_write writes[BATCH_WRITE_LIMIT];
    size_t count;
} write_plan;

static void plan_free(write_plan *plan)
{
    for (size_t i = 0; i < plan->count; i++)
        planned_write_free(&plan->writes[i]);
    plan->count = 0;
}

/* The number of WriteRequests, checking the shape of RequestItems. */
static int count_writes(const cJSON *request_items, size_t *total, base_error *e)
{
    *total = 0;
    if (!request_items->child)
        return constraint_failed("'{}'", "RequestItems", "have length greater than or equal to 1",
                                 e);
    const cJSON *writes;
    cJSON_ArrayForEach(writes, request_items) {
        if (!cJSON_IsArray(writes))
            return SERIALIZATION(e, "RequestItems must map table names to arrays of WriteRequests");
        if (!writes->child)
            return constraint_failed("'[]'", "RequestItems",
                                     "have length greater than or equal to 1", e);
        *total += (size_t)cJSON_GetArraySize(writes);
    }
    if (*total > BATCH_WRITE_LIMIT)
        return VALIDATION(e, "Too many items requested for the BatchWriteItem call");
    return 0;
}

/* One WriteRequest: a PutRequest or a DeleteRequest. */
static int plan_request(const local_table_schema *t, cJSON *request, planned_write *w,
                        base_error *e)
{
    if (!cJSON_IsObject(request))
        return SERIALIZATION(e, "a WriteRequest must be a JSON object");
    cJSON *put = cJSON_GetObjectItemCaseSensitive(request, "PutRequest");
    cJSON *del = cJSON_GetObjectItemCaseSensitive(request, "DeleteRequest");
    if (!put == !del)
        return VALIDATION(e, "Supplied WriteRequest must contain exactly one of PutRequest or "
                             "DeleteRequest");
    if (!cJSON_IsObject(put ? put : del))
        return SERIALIZATION(e, "%s must be a JSON object", put ? "PutRequest" : "DeleteRequest");
    const char *member = put ? "Item" : "Key";
    cJSON *body = cJSON_GetObjectItemCaseSensitive(put ? put : del, member);
    if (!body)
        return constraint_failed("null", member, "not be null", e);
    return plan_write(t, put != NULL, body, w, e);
}

static int refuse_duplicate_keys(const write_plan *plan, base_error *e)
{
    for (size_t i = 0; i < plan->count; i++)
        for (size_t j = i + 1; j < plan->count; j++)
            if (plan->writes[i].table == plan->writes[j].table &&
                strcmp(base_buf_str(&plan->writes[i].key), base_buf_str(&plan->writes[j].key)) == 0)
                return VALIDATION(e, "Provided list of item keys contains duplicates");
    return 0;
}

static int plan_batch(const ddb_request *r, cJSON *request_items, write_plan *plan, base_error *e)
{
    size_t total;
    TRY(count_writes(request_items, &total, e));
    cJSON *writes;
    cJSON_ArrayForEach(writes, request_items) {
        const local_table_schema *t;
        TRY(table_lookup(r, writes->string, &t, e));
        cJSON *request;
        cJSON_ArrayForEach(request, writes)
            TRY(plan_request(t, request, &plan->writes[plan->count++], e));
    }
    return refuse_duplicate_keys(plan, e);
}

static int apply_plan(local_store *store, const write_plan *plan, base_error *e)
{
    TRY(local_store_begin(store, e));
    for (size_t i = 0; i < plan->count; i++) {
        if (apply_write(store, &plan->writes[i], e) != 0) {
            local_store_rollback(store);
            return -1;
        }
    }
    return local_store_commit(store, e);
}

static int batch_write_item(const ddb_request *r, cJSON *in, cJSON *out, base_error *e)
{
    write_plan plan;
    memset(&plan, 0, sizeof plan);
    int rc = plan_batch(r, cJSON_GetObjectItemCaseSensitive(in, "RequestItems"), &plan, e);
    if (rc == 0)
        rc = apply_plan(r->store, &plan, e);
    plan_free(&plan);
    TRY(rc);
    cJSON_AddObjectToObject(out, "UnprocessedItems");
    return 0;
}

/* ------------------------------------------------------------------- Scan */

typedef struct scan_page {
    const local_table_schema *table;
    local_dynamodb_projection projection;
    long long limit; /* -1: none */
    bool count_only;
    cJSON *items;
    long long count;
    size_t bytes;
    cJSON *last_key; /* the key of the last item taken */
    bool more;
    bool corrupt;      /* a stored item is not JSON ... */
    base_error *error;  /* ... and this says so */
} scan_page;

static bool take_item(void *ctx, const char *key, const char *text)
{
    (void)key;
    scan_page *page = ctx;
    if ((page->limit >= 0 && page->count >= page->limit) || page->bytes >= PAGE_SIZE_LIMIT) {
        page->more = true;
        return false;
    }
    cJSON *item;
    if (local_dynamodb_stored_item(text, &item, page->error) != 0) {
        page->corrupt = true;
        return false;
    }
    cJSON_Delete(page->last_key);
    page->last_key = local_dynamodb_key_attributes(page->table, item);
    if (page->count_only)
        cJSON_Delete(item);
    else
        cJSON_AddItemToArray(page->items, local_dynamodb_project(item, &page->projection));
    page->count++;
    page->bytes += strlen(text);
    return true;
}

/* Select: ALL_ATTRIBUTES, SPECIFIC_ATTRIBUTES (with a projection) or COUNT. */
static int scan_select(const cJSON *in, const local_dynamodb_projection *p, bool *count_only,
                       base_error *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "Select");
    const char *select = v ? v->valuestring : p->names ? "SPECIFIC_ATTRIBUTES" : "ALL_ATTRIBUTES";
    *count_only = strcmp(select, "COUNT") == 0;
    bool specific = strcmp(select, "SPECIFIC_ATTRIBUTES") == 0;
    if (!*count_only && !specific && strcmp(select, "ALL_ATTRIBUTES") != 0) {
        char shown[72];
        snprintf(shown, sizeof shown, "'%.64s'", select);
        return constraint_failed(shown, "Select",
                                 "satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, "
                                 "ALL_ATTRIBUTES]", e);
    }
    if (specific != (p->names != NULL))
        return VALIDATION(e, "Select %s %s a ProjectionExpression", select,
                          specific ? "needs" : "cannot be used with");
    return 0;
}

static int scan_start(const local_table_schema *t, const cJSON *in, base_buf *start, base_error *e)
{
    cJSON *key = cJSON_GetObjectItemCaseSensitive(in, "ExclusiveStartKey");
    return key ? local_dynamodb_key_of(t, key, "ExclusiveStartKey", start, e) : 0;
}

static int run_scan(const ddb_request *r, const cJSON *in, scan_page *page, base_error *e)
{
    base_buf start = {0};
    int rc = scan_start(page->table, in, &start, e);
    if (rc == 0)
        rc = local_store_scan(r->store, page->table->name, start.data ? start.data : NULL,
                              page->limit < 0 ? -1 : page->limit + 1, take_item, page, e);
    base_buf_free(&start);
    TRY(rc);
    return page->corrupt ? -1 : 0;
}

/* Moves the page's items into the answer. */
static void scan_answer(scan_page *page, cJSON *out)
{
    if (!page->count_only) {
        cJSON_AddItemToObject(out, "Items", page->items);
        page->items = NULL;
    }
    cJSON_AddNumberToObject(out, "Count", (double)page->count);
    cJSON_AddNumberToObject(out, "ScannedCount", (double)page->count);
    if (page->more && page->last_key)
        cJSON_AddItemToObject(out, "LastEvaluatedKey", cJSON_Duplicate(page->last_key, 1));
}

static int scan(const ddb_request *r, cJSON *in, cJSON *out, base_error *e)
{
    scan_page page = {.items = cJSON_CreateArray(), .error = e};
    int rc = table_named(r, in, &page.table, e);
    if (rc == 0)
        rc = positive_limit(in, "Limit", &page.limit, e);
    if (rc == 0)
        rc = local_dynamodb_projection_parse(in, &page.projection, e);
    if (rc == 0)
        rc = scan_select(in, &page.projection, &page.count_only, e);
    if (rc == 0)
        rc = run_scan(r, in, &page, e);
    if (rc == 0)
        scan_answer(&page, out);
    local_dynamodb_projection_free(&page.projection);
    cJSON_Delete(page.items);
    cJSON_Delete(page.last_key);
    return rc;
}

/* ------------------------------------------------------ the item operations */

/* Reads the stored item under key into *item (NULL: none). */
static int read_item(local_store *store, const local_table_schema *t, const char *key,
                     cJSON **item, base_error *e)
{
    char *text = NULL;
    *item = NULL;
    TRY(local_store_get_item(store, t->name, key, &text, e));
    int rc = text ? local_dynamodb_stored_item(text, item, e) : 0;
    free(text);
    return rc;
}

/* Applies w; with all_old, answers the item it replaced as Attributes, read
 * and written in one transaction. */
static int replace_item(local_store *store, const planned_write *w, bool all_old, cJSON *out,
                        base_error *e)
{
    cJSON *old = NULL;
    if (all_old) {
        TRY(local_store_begin(store, e));
        if (read_item(store, w->table, base_buf_str(&w->key), &old, e) != 0) {
            local_store_rollback(store);
            return -1;
        }
    }
    int rc = apply_write(store, w, e);
    if (all_old && rc == 0)
        rc = local_store_commit(store, e);
    else if (all_old)
        local_store_rollback(store);
    if (rc == 0 && old)
        cJSON_AddItemToObject(out, "Attributes", old);
    else
        cJSON_Delete(old);
    return rc;
}

/* PutItem (put: its Item) and DeleteItem (its Key): one write, answering
 * the replaced item when ReturnValues is ALL_OLD. */
static int write_item(const ddb_request *r, cJSON *in, bool put, cJSON *out, base_error *e)
{
    const local_table_schema *t;
    bool all_old;
    TRY(table_named(r, in, &t, e));
    TRY(wants_old(in, &all_old, e));
    planned_write w = {0};
    int rc = plan_write(t, put, cJSON_GetObjectItemCaseSensitive(in, put ? "Item" : "Key"), &w, e);
    if (rc == 0)
        rc = replace_item(r->store, &w, all_old, out, e);
    planned_write_free(&w);
    return rc;
}

static int put_item(const ddb_request *r, cJSON *in, cJSON *out, base_error *e)
{
    return write_item(r, in, true, out, e);
}

static int delete_item(const ddb_request *r, cJSON *in, cJSON *out, base_error *e)
{
    return write_item(r, in, false, out, e);
}

static int get_item(const ddb_request *r, cJSON *in, cJSON *out, base_error *e)
{
    const local_table_schema *t;
    TRY(table_named(r, in, &t, e));
    base_buf key = {0};
    local_dynamodb_projection p = {0};
    cJSON *item = NULL;
    int rc = local_dynamodb_key_of(t, cJSON_GetObjectItemCaseSensitive(in, "Key"), "Key", &key, e);
    if (rc == 0)
        rc = local_dynamodb_projection_parse(in, &p, e);
    if (rc == 0)
        rc = read_item(r->store, t, base_buf_str(&key), &item, e);
    if (rc == 0 && item)
        cJSON_AddItemToObject(out, "Item", local_dynamodb_project(item, &p));
    local_dynamodb_projection_free(&p);
    base_buf_free(&key);
    return rc;
}

/* UpdateItem's ReturnValues and what each answers as Attributes. */
static const char *const return_values[] = {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW",
                                            "UPDATED_NEW"};

static int update_returns(const cJSON *in, const char **returns, base_error *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "ReturnValues");
    *returns = "NONE";
    if (!v)
        return 0;
    for (size_t i = 0; i < sizeof return_values / sizeof return_values[0]; i++)
        if (strcmp(v->valuestring, return_values[i]) == 0) {
            *returns = return_values[i];
            return 0;
        }
    char shown[80];
    snprintf(shown, sizeof shown, "'%.64s'", v->valuestring);
    return constraint_failed(shown, "ReturnValues",
                             "satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, "
                             "UPDATED_NEW]", e);
}

static cJSON *attributes_answer(const char *returns, const cJSON *old, const cJSON *updated,
                                const char *attribute)
{
    const cJSON *from = strstr(returns, "OLD") ? old : updated;
    if (!from || strcmp(returns, "NONE") == 0)
        return NULL;
    if (strncmp(returns, "ALL", 3) == 0)
        return cJSON_Duplicate(from, 1);
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(from, attribute);
    if (!value)
        return NULL;
    cJSON *answer = cJSON_CreateObject();
    cJSON_AddItemToObject(answer, attribute, cJSON_Duplicate(value, 1));
    return answer;
}

/* Reads the item, adds to it and writes it back in one transaction. */
static int add_to_item(const ddb_request *r, const local_table_schema *t, cJSON *key_attributes,
                       const local_dynamodb_add *add, cJSON **old, cJSON **updated, base_error *e)
{
    base_buf key = {0}, stored_key = {0};
    char *text = NULL;
    int rc = local_dynamodb_key_of(t, key_attributes, "Key", &key, e);
    for (size_t i = 0; rc == 0 && i < local_dynamodb_key_count(t); i++)
        if (strcmp(local_dynamodb_key_name(t, i), add->attribute) == 0)
            rc = VALIDATION(e, "One or more parameter values were invalid: Cannot update "
                               "attribute %s. This attribute is part of the key", add->attribute);
    if (rc == 0)
        rc = local_store_begin(r->store, e);
    if (rc != 0) {
        base_buf_free(&key);
        return -1;
    }
    rc = read_item(r->store, t, base_buf_str(&key), old, e);
    if (rc == 0) {
        *updated = *old ? cJSON_Duplicate(*old, 1) : cJSON_Duplicate(key_attributes, 1);
        rc = local_dynamodb_update_apply(*updated, add, e);
    }
    if (rc == 0)
        rc = local_dynamodb_item_of(t, *updated, &stored_key, &text, e);
    if (rc == 0)
        rc = local_store_put_item(r->store, t->name, base_buf_str(&stored_key), text, e);
    if (rc == 0)
        rc = local_store_commit(r->store, e);
    else
        local_store_rollback(r->store);
    cJSON_free(text);
    base_buf_free(&stored_key);
    base_buf_free(&key);
    return rc;
}

static int update_item(const ddb_request *r, cJSON *in, cJSON *out, base_error *e)
{
    const local_table_schema *t;
    const char *returns;
    local_dynamodb_add add;
    TRY(table_named(r, in, &t, e));
    TRY(update_returns(in, &returns, e));
    TRY(local_dynamodb_update_parse(in, &add, e));
    cJSON *old = NULL, *updated = NULL;
    int rc = add_to_item(r, t, cJSON_GetObjectItemCaseSensitive(in, "Key"), &add, &old, &updated,
                         e);
    cJSON *attributes = rc == 0 ? attributes_answer(returns, old, updated, add.attribute) : NULL;
    if (attributes)
        cJSON_AddItemToObject(out, "Attributes", attributes);
    cJSON_Delete(old);
    cJSON_Delete(updated);
    return rc;
}

/* ------------------------------------------------------- tables themselves */

static void add_key_schema(const local_table_schema *t, cJSON *table)
{
    static const char *const key_types[] = {"HASH", "RANGE"};
    cJSON *schema = cJSON_AddArrayToObject(table, "KeySchema");
    cJSON *definitions = cJSON_AddArrayToObject(table, "AttributeDefinitions");
    for (size_t i = 0; i < local_dynamodb_key_count(t); i++) {
        const char *name = local_dynamodb_key_name(t, i);
        cJSON *key = cJSON_CreateObject();
        cJSON_AddStringToObject(key, "AttributeName", name);
        cJSON_AddStringToObject(key, "KeyType", key_types[i]);
        cJSON_AddItemToArray(schema, key);
        cJSON *definition = cJSON_CreateObject();
        cJSON_AddStringToObject(definition, "AttributeName", name);
        cJSON_AddStringToObject(definition, "AttributeType", "N");
        cJSON_AddItemToArray(definitions, definition);
    }
}

static int describe_table(const ddb_request *r, cJSON *in, cJSON *out, base_error *e)
{
    const local_table_schema *t;
    long long count, bytes;
    TRY(table_named(r, in, &t, e));
    TRY(local_store_count_items(r->store, t->name, &count, &bytes, e));
    cJSON *table = cJSON_AddObjectToObject(out, "Table");
    cJSON_AddStringToObject(table, "TableName", t->name);
    cJSON_AddStringToObject(table, "TableStatus", "ACTIVE");
    add_key_schema(t, table);
    cJSON_AddNumberToObject(table, "ItemCount", (double)count);
    cJSON_AddNumberToObject(table, "TableSizeBytes", (double)bytes);
    base_buf arn = {0};
    base_buf_printf(&arn, "arn:aws:dynamodb:local:000000000000:table/%s", t->name);
    cJSON_AddStringToObject(table, "TableArn", base_buf_str(&arn));
    base_buf_free(&arn);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(table, "BillingModeSummary"), "BillingMode",
                            "PAY_PER_REQUEST");
    cJSON *throughput = cJSON_AddObjectToObject(table, "ProvisionedThroughput");
    cJSON_AddNumberToObject(throughput, "NumberOfDecreasesToday", 0);
    cJSON_AddNumberToObject(throughput, "ReadCapacityUnits", 0);
    cJSON_AddNumberToObject(throughput, "WriteCapacityUnits", 0);
    cJSON_AddBoolToObject(table, "DeletionProtectionEnabled", false);
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int list_tables(const ddb_request *r, cJSON *in, cJSON *out, base_error *e)
{
    long long limit;
    TRY(positive_limit(in, "Limit", &limit, e));
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(in, "ExclusiveStartTableName");
    const char **names = base_xcalloc(r->table_count + 1, sizeof *names);
    for (size_t i = 0; i < r->table_count; i++)
        names[i] = r->tables[i].name;
    qsort(names, r->table_count, sizeof *names, compare_names);
    cJSON *list = cJSON_AddArrayToObject(out, "TableNames");
    long long taken = 0;
    const char *last = NULL;
    bool more = false;
    for (size_t i = 0; i < r->table_count && !more; i++) {
        if (start && strcmp(names[i], start->valuestring) <= 0)
            continue;
        more = limit >= 0 && taken == limit;
        if (!more) {
            cJSON_AddItemToArray(list, cJSON_CreateString(names[i]));
            last = names[i];
            taken++;
        }
    }
    if (more && last)
        cJSON_AddStringToObject(out, "LastEvaluatedTableName", last);
    free(names);
    return 0;
}

/* ------------------------------------------------------------- dispatching */

typedef int (*ddb_operation_fn)(const ddb_request *r, cJSON *in, cJSON *out, base_error *e);

/* Members every operation may send and that change nothing here. */
#define IGNORED_MEMBERS                                                                        \
    {"ReturnConsumedCapacity", JSON_STRING, false},                                            \
        {"ReturnItemCollectionMetrics", JSON_STRING, false}, {"ConsistentRead", JSON_BOOL, false}
/* What local_dynamodb_projection_parse reads: GetItem's and Scan's. */
#define PROJECTION_MEMBERS \
    {"ProjectionExpression", JSON_STRING, false}, {"ExpressionAttributeNames", JSON_OBJECT, false}

static const member_rule batch_write_item_members[] = {
    {"RequestItems", JSON_OBJECT, true}, IGNORED_MEMBERS, {NULL, JSON_STRING, false}};
static const member_rule scan_members[] = {
    {"TableName", JSON_STRING, true},
    {"Limit", JSON_NUMBER, false},
    {"ExclusiveStartKey", JSON_OBJECT, false},
    {"Select", JSON_STRING, false},
    PROJECTION_MEMBERS,
    IGNORED_MEMBERS,
    {NULL, JSON_STRING, false}};
static const member_rule put_item_members[] = {{"TableName", JSON_STRING, true},
                                               {"Item", JSON_OBJECT, true},
                                               {"ReturnValues", JSON_STRING, false},
                                               IGNORED_MEMBERS,
                                               {NULL, JSON_STRING, false}};
static const member_rule get_item_members[] = {{"TableName", JSON_STRING, true},
                                               {"Key", JSON_OBJECT, true},
                                               PROJECTION_MEMBERS,
                                               IGNORED_MEMBERS,
                                               {NULL, JSON_STRING, false}};
static const member_rule delete_item_members[] = {{"TableName", JSON_STRING, true},
                                                  {"Key", JSON_OBJECT, true},
                                                  {"ReturnValues", JSON_STRING, false},
                                                  IGNORED_MEMBERS,
                                                  {NULL, JSON_STRING, false}};
static const member_rule update_item_members[] = {{"TableName", JSON_STRING, true},
                                                  {"Key", JSON_OBJECT, true},
                                                  {"UpdateExpression", JSON_STRING, true},
                                                  {"ExpressionAttributeNames", JSON_OBJECT, false},
                                                  {"ExpressionAttributeValues", JSON_OBJECT, false},
                                                  {"ReturnValues", JSON_STRING, false},
                                                  IGNORED_MEMBERS,
                                                  {NULL, JSON_STRING, false}};
static const member_rule describe_table_members[] = {{"TableName", JSON_STRING, true},
                                                     {NULL, JSON_STRING, false}};
static const member_rule list_tables_members[] = {{"ExclusiveStartTableName", JSON_STRING, false},
                                                  {"Limit", JSON_NUMBER, false},
                                                  {NULL, JSON_STRING, false}};

static const struct ddb_operation {
    const char *name;
    ddb_operation_fn fn;
    const member_rule *members;
} operations[] = {
    {"BatchWriteItem", batch_write_item, batch_write_item_members},
    {"Scan", scan, scan_members},
    {"PutItem", put_item, put_item_members},
    {"GetItem", get_item, get_item_members},
    {"DeleteItem", delete_item, delete_item_members},
    {"UpdateItem", update_item, update_item_members},
    {"DescribeTable", describe_table, describe_table_members},
    {"ListTables", list_tables, list_tables_members},
};

static const struct ddb_operation *operation_named(const char *target)
{
    if (!target)
        return NULL;
    if (strncmp(target, TARGET_PREFIX, strlen(TARGET_PREFIX)) == 0)
        target += strlen(TARGET_PREFIX);
    for (size_t i = 0; i < sizeof operations / sizeof operations[0]; i++)
        if (strcmp(operations[i].name, target) == 0)
            return &operations[i];
    return NULL;
}

/* The body as a JSON object, with nothing but whitespace after it. */
static int parse_body(const char *body, size_t len, cJSON **in, base_error *e)
{
    *in = body && len ? local_json_parse(body, len) : NULL;
    if (!*in)
        return SERIALIZATION(e, "The request body is not valid JSON");
    if (!cJSON_IsObject(*in)) {
        cJSON_Delete(*in);
        *in = NULL;
        return SERIALIZATION(e, "The request body must be a JSON object");
    }
    return 0;
}

static int dispatch(const ddb_request *r, const char *target, const char *body, size_t len,
                    cJSON *out, base_error *e)
{
    const struct ddb_operation *op = operation_named(target);
    if (!op)
        return base_error_set(e, BASE_ERROR_INVALID, "UnknownOperationException",
                             "scribblectl local's DynamoDB does not know the operation %.64s",
                             target ? target : "(no X-Amz-Target)");
    cJSON *in;
    TRY(parse_body(body, len, &in, e));
    int rc = check_members(in, op->name, op->members, e);
    if (rc == 0)
        rc = op->fn(r, in, out, e);
    cJSON_Delete(in);
    return rc;
}

static const char *error_namespace(const char *code)
{
    if (strcmp(code, "ValidationException") == 0)
        return "com.amazon.coral.validate#";
    if (strcmp(code, "SerializationException") == 0 ||
        strcmp(code, "UnknownOperationException") == 0)
        return "com.amazon.coral.service#";
    return "com.amazonaws.dynamodb.v20120810#";
}

static void reply_json(local_reply *reply, int status, const cJSON *doc)
{
    char *text = cJSON_PrintUnformatted(doc);
    if (!text)
        abort();
    reply->status = status;
    reply->content_type = "application/x-amz-json-1.0";
    reply->etag[0] = '\0';
    char request_id[37];
    aws_client_token(request_id);
    base_buf_reset(&reply->headers);
    base_buf_printf(&reply->headers, "x-amzn-RequestId: %s\r\n", request_id);
    base_buf_reset(&reply->body);
    base_buf_append_str(&reply->body, text);
    cJSON_free(text);
}

static void reply_error(local_reply *reply, int status, const char *code, const char *message)
{
    cJSON *doc = cJSON_CreateObject();
    base_buf type = {0};
    base_buf_printf(&type, "%s%s", error_namespace(code), code);
    cJSON_AddStringToObject(doc, "__type", base_buf_str(&type));
    cJSON_AddStringToObject(doc, "message", message);
    reply_json(reply, status, doc);
    base_buf_free(&type);
    cJSON_Delete(doc);
}

int local_dynamodb_handle(local_store *store, const local_table_schema *tables,
                          size_t table_count, const char *operation, const char *body,
                          size_t len, local_reply *reply, base_error *err)
{
    const ddb_request r = {.store = store, .tables = tables, .table_count = table_count};
    base_error e = {0};
    cJSON *out = cJSON_CreateObject();
    int rc = dispatch(&r, operation, body, len, out, &e);
    if (rc == 0)
        reply_json(reply, 200, out);
    cJSON_Delete(out);
    if (rc == 0)
        return 0;
    if (e.kind == BASE_ERROR_INVALID) {
        reply_error(reply, 400, e.code, e.message);
        return 0;
    }
    reply_error(reply, 500, "InternalServerError", e.message);
    if (err)
        *err = e;
    return -1;
}

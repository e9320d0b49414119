/*
 * table.c - the DynamoDB tables (variant: the table's name in the stack's
 * description, "pixels" or "history"), found by the name scribble.ini gives
 * them. Their key schemas, which the runtime reads and writes, are the
 * description's (stack/description.h).
 *
 * A key schema cannot change in place: a table whose keys differ is reported
 * and update refuses it, never deletes data. Billing mode and capacity are
 * corrected with UpdateTable. A table that is being deleted counts as absent,
 * and creating its successor is retried until the name is free.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/kind_support.h"
#include "stack/description.h"

static int keys_of(const resource *r, const described_table **out, base_error *err)
{
    *out = described_table_find(r->variant);
    ENSURE(*out, err, BASE_ERROR_INVALID, "UnknownVariant", "table %s: no key schema for %s",
           r->name, r->variant ? r->variant : "(none)");
    return 0;
}

/* "idx (N)" or "minute (N), seq (N)": how drift lines show a key schema. */
static void wanted_keys_text(const described_table *k, base_buf *out)
{
    base_buf_printf(out, "%s (%s)", k->partition_key.attribute, k->partition_key.type);
    if (k->sort_key.attribute)
        base_buf_printf(out, ", %s (%s)", k->sort_key.attribute, k->sort_key.type);
}

static const char *attribute_type(const cJSON *table, const char *name)
{
    const cJSON *def;
    cJSON_ArrayForEach(def, cJSON_GetObjectItemCaseSensitive(table, "AttributeDefinitions")) {
        const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(def, "AttributeName"));
        if (n && strcmp(n, name) == 0)
            return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(def, "AttributeType"));
    }
    return "?";
}

static void live_keys_text(const cJSON *table, base_buf *out)
{
    static const char *const key_types[] = {"HASH", "RANGE"};
    for (size_t t = 0; t < 2; t++) {
        const cJSON *key;
        cJSON_ArrayForEach(key, cJSON_GetObjectItemCaseSensitive(table, "KeySchema")) {
            const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(key, "AttributeName"));
            const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(key, "KeyType"));
            if (name && type && strcmp(type, key_types[t]) == 0)
                base_buf_printf(out, "%s%s (%s)", out->len ? ", " : "", name,
                               attribute_type(table, name));
        }
    }
}

static const char *wanted_billing(const scribble_config *cfg)
{
    return cfg->tables.billing == SCRIBBLE_BILLING_PROVISIONED ? "PROVISIONED" : "PAY_PER_REQUEST";
}

static const char *live_billing(const cJSON *table)
{
    const cJSON *summary = cJSON_GetObjectItemCaseSensitive(table, "BillingModeSummary");
    const char *mode = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(summary, "BillingMode"));
    return mode ? mode : "PROVISIONED"; /* DynamoDB omits the summary for provisioned tables */
}

static long live_capacity(const cJSON *table, const char *field)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(table, "ProvisionedThroughput");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, field);
    return cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
}

/* Whether billing mode or capacity differ (adding drift lines when r is given). */
static bool billing_differs(const scribble_config *cfg, const cJSON *table, resource *r)
{
    const char *live = live_billing(table), *wanted = wanted_billing(cfg);
    bool differs = strcmp(live, wanted) != 0;
    if (differs && r)
        resource_add_drift(r, "table billing mode", live, wanted);
    if (!differs && cfg->tables.billing == SCRIBBLE_BILLING_PROVISIONED) {
        long read = live_capacity(table, "ReadCapacityUnits");
        long write = live_capacity(table, "WriteCapacityUnits");
        differs = read != cfg->tables.read_capacity || write != cfg->tables.write_capacity;
        if (r) {
            drift_int(r, "table read capacity", read, cfg->tables.read_capacity);
            drift_int(r, "table write capacity", write, cfg->tables.write_capacity);
        }
    }
    return differs;
}

static bool keys_differ(const described_table *k, const cJSON *table, resource *r)
{
    base_buf live = {0}, wanted = {0};
    live_keys_text(table, &live);
    wanted_keys_text(k, &wanted);
    bool differs = strcmp(base_buf_str(&live), base_buf_str(&wanted)) != 0;
    if (differs && r)
        resource_add_drift(r, "table key schema", base_buf_str(&live), base_buf_str(&wanted));
    base_buf_free(&live);
    base_buf_free(&wanted);
    return differs;
}

/* DescribeTable: *out is the whole answer (caller frees), *table its Table;
 * both NULL when there is no such table. */
static int describe(op_ctx *ctx, const resource *r, cJSON **out, const cJSON **table, base_error *err)
{
    *table = NULL;
    int rc = json_call_with(ctx->client, &aws_service_dynamodb, "DescribeTable", "TableName", r->name,
                            out, err);
    TRY(allow_error(rc, err, "ResourceNotFoundException"));
    if (rc != 0)
        return 0; /* no such table */
    *table = cJSON_GetObjectItemCaseSensitive(*out, "Table");
    ENSURE(*table, err, BASE_ERROR_PARSE, "MalformedResponse", "DynamoDB DescribeTable %s gave no Table",
           r->name);
    return 0;
}

static const char *table_status(const cJSON *table)
{
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(table, "TableStatus"));
    return status ? status : "";
}

/* Fills the live view from a Table description; a table being deleted is absent. */
static void fill(resource *r, const cJSON *table)
{
    snprintf(r->state, sizeof r->state, "%s", table_status(table));
    if (strcmp(r->state, "DELETING") == 0)
        return;
    const char *arn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(table, "TableArn"));
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", r->name);
    snprintf(r->arn, sizeof r->arn, "%s", arn ? arn : "");
    resource_set_output(r, "table_name", r->name);
    resource_set_output(r, "table_arn", r->arn);
}

static int table_read(op_ctx *ctx, resource *r, base_error *err)
{
    const described_table *k;
    TRY(keys_of(r, &k, err));
    cJSON *out = NULL;
    const cJSON *table;
    int rc = describe(ctx, r, &out, &table, err);
    if (rc == 0 && table) {
        fill(r, table);
        if (r->exists) {
            keys_differ(k, table, r);
            billing_differs(ctx->cfg, table, r);
        }
    }
    cJSON_Delete(out);
    return rc;
}

static void add_key(cJSON *definitions, cJSON *schema, const described_key *k, const char *key_type)
{
    cJSON *def = cJSON_CreateObject();
    cJSON_AddStringToObject(def, "AttributeName", k->attribute);
    cJSON_AddStringToObject(def, "AttributeType", k->type);
    cJSON_AddItemToArray(definitions, def);
    cJSON *key = cJSON_CreateObject();
    cJSON_AddStringToObject(key, "AttributeName", k->attribute);
    cJSON_AddStringToObject(key, "KeyType", key_type);
    cJSON_AddItemToArray(schema, key);
}

/* BillingMode, and ProvisionedThroughput when provisioned, as Create/UpdateTable take them. */
static void add_billing(const scribble_config *cfg, cJSON *in)
{
    cJSON_AddStringToObject(in, "BillingMode", wanted_billing(cfg));
    if (cfg->tables.billing != SCRIBBLE_BILLING_PROVISIONED)
        return;
    cJSON *throughput = cJSON_AddObjectToObject(in, "ProvisionedThroughput");
    cJSON_AddNumberToObject(throughput, "ReadCapacityUnits", cfg->tables.read_capacity);
    cJSON_AddNumberToObject(throughput, "WriteCapacityUnits", cfg->tables.write_capacity);
}

static int table_create(op_ctx *ctx, resource *r, base_error *err)
{
    const described_table *k;
    TRY(keys_of(r, &k, err));
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "TableName", r->name);
    cJSON *definitions = cJSON_AddArrayToObject(in, "AttributeDefinitions");
    cJSON *schema = cJSON_AddArrayToObject(in, "KeySchema");
    add_key(definitions, schema, &k->partition_key, "HASH");
    if (k->sort_key.attribute)
        add_key(definitions, schema, &k->sort_key, "RANGE");
    add_billing(ctx->cfg, in);
    cJSON_AddItemToObject(in, "Tags", tags_json_list(ctx->stack, r));
    cJSON *out = NULL;
    int rc = aws_json_call(ctx->client, &aws_service_dynamodb, "CreateTable", in, &out, err);
    cJSON_Delete(in);
    if (rc == 0) {
        fill(r, cJSON_GetObjectItemCaseSensitive(out, "TableDescription"));
        cJSON_Delete(out);
        return 0;
    }
    if (!error_is(err, "ResourceInUseException"))
        return -1;
    /* The name is taken: by our own earlier, interrupted create, or by a
     * table still being deleted (then retry until it is gone). */
    base_error saved = *err;
    TRY(table_read(ctx, r, err));
    if (r->exists)
        return 0;
    *err = saved;
    err->retryable = true;
    return -1;
}

static int table_update(op_ctx *ctx, resource *r, base_error *err)
{
    const described_table *k;
    TRY(keys_of(r, &k, err));
    cJSON *out = NULL;
    const cJSON *table;
    TRY(describe(ctx, r, &out, &table, err));
    if (!table)
        return base_error_set(err, BASE_ERROR_SERVICE, "ResourceNotFoundException",
                             "table %s was deleted while scribblectl ran", r->name);
    bool billing = billing_differs(ctx->cfg, table, NULL);
    bool keys = keys_differ(k, table, NULL);
    cJSON_Delete(out);
    if (billing) {
        cJSON *in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "TableName", r->name);
        add_billing(ctx->cfg, in);
        int rc = aws_json_call(ctx->client, &aws_service_dynamodb, "UpdateTable", in, &out, err);
        cJSON_Delete(in);
        cJSON_Delete(out);
        if (rc != 0) {
            if (error_is(err, "ResourceInUseException"))
                err->retryable = true; /* still creating or updating */
            return -1;
        }
    }
    ENSURE(!keys, err, BASE_ERROR_CONFIG, "KeySchemaDiffers",
           "table %s has a different key schema, which DynamoDB cannot change in place; "
           "remove the table (its data with it) or name another in scribble.ini",
           r->name);
    return 0;
}

static int table_remove(op_ctx *ctx, resource *r, base_error *err)
{
    int rc = json_call_with(ctx->client, &aws_service_dynamodb, "DeleteTable", "TableName", r->name,
                            NULL, err);
    rc = allow_error(rc, err, "ResourceNotFoundException");
    if (rc != 0 && error_is(err, "ResourceInUseException"))
        err->retryable = true; /* still being created or updated */
    return rc;
}

static int table_poll(op_ctx *ctx, resource *r, bool removing, bool *done, base_error *err)
{
    cJSON *out = NULL;
    const cJSON *table;
    int rc = describe(ctx, r, &out, &table, err);
    if (rc == 0) {
        if (!table)
            *done = removing;
        else if (removing)
            snprintf(r->state, sizeof r->state, "%s", table_status(table));
        else {
            fill(r, table);
            *done = strcmp(r->state, "ACTIVE") == 0;
        }
        if (!table && !removing) { /* a new table may not be visible at once */
            rc = base_error_set(err, BASE_ERROR_SERVICE, "ResourceNotFoundException",
                               "table %s is not visible yet", r->name);
            err->retryable = true;
        }
    }
    cJSON_Delete(out);
    return rc;
}

const resource_ops table_ops = {
    .kind = "DynamoDB table",
    .read = table_read,
    .create = table_create,
    .update = table_update,
    .remove = table_remove,
    .poll = table_poll,
    .poll_interval_ms = 1000,
    .poll_timeout_s = 600,
};

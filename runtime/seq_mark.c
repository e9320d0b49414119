/*
 * seq_mark.c - the durable high-water mark of seqs (seq_mark.h).
 *
 * ADD, not a conditional SET: concurrent reservations both succeed, each
 * learning a mark no smaller than its own want, and a retried ADD whose
 * answer was lost only skips a block. The answer is read with
 * ReturnValues UPDATED_NEW, so no separate (possibly stale) read is needed.
 */
#include "runtime/seq_mark.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static cJSON *number_value(uint64_t n)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRIu64, n);
    cJSON *value = cJSON_CreateObject();
    cJSON_AddStringToObject(value, "N", text);
    return value;
}

static bool read_whole_number(const char *text, uint64_t *out)
{
    if (!text || !text[0] || strspn(text, "0123456789") != strlen(text))
        return false;
    errno = 0;
    *out = strtoull(text, NULL, 10);
    return errno == 0;
}

/* ADD amount to the mark; *after is the mark afterwards. */
static int add_to_mark(aws_client *aws, const char *table, uint64_t amount, uint64_t *after,
                       base_error *err)
{
    cJSON *input = cJSON_CreateObject();
    cJSON_AddStringToObject(input, "TableName", table);
    cJSON *key = cJSON_AddObjectToObject(input, "Key");
    cJSON *idx = cJSON_AddObjectToObject(key, "idx");
    cJSON_AddStringToObject(idx, "N", SEQ_MARK_IDX);
    cJSON_AddStringToObject(input, "UpdateExpression", "ADD #reserved :amount");
    cJSON *names = cJSON_AddObjectToObject(input, "ExpressionAttributeNames");
    cJSON_AddStringToObject(names, "#reserved", SEQ_MARK_ATTRIBUTE);
    cJSON *values = cJSON_AddObjectToObject(input, "ExpressionAttributeValues");
    cJSON_AddItemToObject(values, ":amount", number_value(amount));
    cJSON_AddStringToObject(input, "ReturnValues", "UPDATED_NEW");
    cJSON *out = NULL;
    int rc = aws_json_call(aws, &aws_service_dynamodb, "UpdateItem", input, &out, err);
    cJSON_Delete(input);
    TRY(rc);
    const cJSON *reserved = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(out, "Attributes"), SEQ_MARK_ATTRIBUTE);
    bool ok = read_whole_number(
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(reserved, "N")), after);
    cJSON_Delete(out);
    ENSURE(ok && *after >= amount, err, BASE_ERROR_PARSE, "UnexpectedReply",
           "UpdateItem on the seq mark answered without a whole %s", SEQ_MARK_ATTRIBUTE);
    return 0;
}

int seq_mark_reserve(aws_client *aws, const char *table, uint64_t at_least, uint64_t *before,
                     uint64_t *after, base_error *err)
{
    TRY(add_to_mark(aws, table, SEQ_MARK_BLOCK, after, err));
    *before = *after - SEQ_MARK_BLOCK;
    if (*after < at_least)
        TRY(add_to_mark(aws, table, at_least - *after, after, err));
    return 0;
}

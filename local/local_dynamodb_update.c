/*
 * local_dynamodb_update.c - UpdateItem's `ADD attribute :value`
 * (local_dynamodb_update.h).
 *
 * The expression is read through a bounded cursor: tokens are an action
 * keyword (case-insensitive, as DynamoDB's are), an attribute name or a
 * #placeholder, and a :placeholder, separated by whitespace.
 */
#include "local/local_dynamodb_update.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "local/local_dynamodb_error.h"

#define TOKEN_MAX 255

typedef struct cursor {
    const char *at, *end;
} cursor;

/* The next whitespace-separated token, or an empty one at the end. */
static size_t next_token(cursor *c, const char **token)
{
    while (c->at < c->end && isspace((unsigned char)*c->at))
        c->at++;
    *token = c->at;
    while (c->at < c->end && !isspace((unsigned char)*c->at))
        c->at++;
    return (size_t)(c->at - *token);
}

static bool is_name(const char *text, size_t len)
{
    if (len == 0 || !(isalpha((unsigned char)text[0]) || text[0] == '_'))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!isalnum((unsigned char)text[i]) && text[i] != '_')
            return false;
    return true;
}

static const cJSON *placeholder(const cJSON *in, const char *map, const char *token, size_t len,
                                base_error *e)
{
    char name[TOKEN_MAX + 1];
    memcpy(name, token, len);
    name[len] = '\0';
    const cJSON *value =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(in, map), name);
    if (!value)
        VALIDATION(e, "Invalid UpdateExpression: An expression attribute %s used in expression is "
                      "not defined; attribute %s: %s",
                   token[0] == '#' ? "name" : "value", token[0] == '#' ? "name" : "value", name);
    return value;
}

/* Every entry of the map must be used by the expression, as DynamoDB requires. */
static int all_used(const cJSON *in, const char *map, const char *used, base_error *e)
{
    const cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(in, map)) {
        if (!used || strcmp(entry->string, used) != 0)
            return VALIDATION(e, "Value provided in %s unused in expressions: keys: {%.64s}", map,
                              entry->string);
    }
    return 0;
}

static int attribute_name(const cJSON *in, const char *token, size_t len,
                          local_dynamodb_add *out, const char **used, base_error *e)
{
    *used = NULL;
    if (token[0] == '#') {
        const cJSON *name = placeholder(in, "ExpressionAttributeNames", token, len, e);
        if (!name)
            return -1;
        if (!cJSON_IsString(name) || !name->valuestring[0] ||
            strlen(name->valuestring) >= sizeof out->attribute)
            return VALIDATION(e, "ExpressionAttributeNames must map %.*s to a name", (int)len,
                              token);
        strcpy(out->attribute, name->valuestring);
        *used = name->string;
        return 0;
    }
    if (!is_name(token, len) || len >= sizeof out->attribute)
        return VALIDATION(e, "scribblectl local's DynamoDB supports only `ADD name :value` in "
                             "UpdateExpression");
    memcpy(out->attribute, token, len);
    out->attribute[len] = '\0';
    return 0;
}

static int whole_number(const char *text, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (!text[0] || isspace((unsigned char)text[0]) || errno != 0 || *end != '\0')
        return -1;
    *out = n;
    return 0;
}

static int amount(const cJSON *in, const char *token, size_t len, long long *out, base_error *e)
{
    const cJSON *value = placeholder(in, "ExpressionAttributeValues", token, len, e);
    if (!value)
        return -1;
    const char *number = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(value, "N"));
    if (!cJSON_IsObject(value) || cJSON_GetArraySize(value) != 1 || !number)
        return VALIDATION(e, "Invalid UpdateExpression: Incorrect operand type for operator or "
                             "function; operator: ADD, operand type: not a number");
    if (whole_number(number, out) != 0)
        return VALIDATION(e, "scribblectl local's DynamoDB adds whole numbers only, not %.64s",
                          number);
    return 0;
}

int local_dynamodb_update_parse(const cJSON *in, local_dynamodb_add *out, base_error *e)
{
    memset(out, 0, sizeof *out);
    const char *expression =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "UpdateExpression"));
    if (!expression)
        return VALIDATION(e, "scribblectl local's DynamoDB needs an UpdateExpression");
    cursor c = {expression, expression + strlen(expression)};
    const char *tokens[4];
    size_t lens[4];
    for (size_t i = 0; i < 4; i++) {
        lens[i] = next_token(&c, &tokens[i]);
        if (lens[i] > TOKEN_MAX)
            return VALIDATION(e, "Invalid UpdateExpression: a token is over %d characters",
                              TOKEN_MAX);
    }
    if (lens[0] != 3 || strncasecmp(tokens[0], "ADD", 3) != 0 || !lens[1] || lens[2] < 2 ||
        tokens[2][0] != ':' || lens[3] != 0)
        return VALIDATION(e, "scribblectl local's DynamoDB supports only `ADD name :value` in "
                             "UpdateExpression");
    const char *name_used = NULL;
    TRY(attribute_name(in, tokens[1], lens[1], out, &name_used, e));
    TRY(amount(in, tokens[2], lens[2], &out->amount, e));
    char value_used[TOKEN_MAX + 1];
    memcpy(value_used, tokens[2], lens[2]);
    value_used[lens[2]] = '\0';
    TRY(all_used(in, "ExpressionAttributeNames", name_used, e));
    return all_used(in, "ExpressionAttributeValues", value_used, e);
}

int local_dynamodb_update_apply(cJSON *item, const local_dynamodb_add *add, base_error *e)
{
    cJSON *value = cJSON_GetObjectItemCaseSensitive(item, add->attribute);
    long long current = 0;
    if (value) {
        const char *number = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(value, "N"));
        if (!number)
            return VALIDATION(e, "An operand in the update expression has an incorrect data type");
        if (whole_number(number, &current) != 0)
            return VALIDATION(e, "scribblectl local's DynamoDB adds to whole numbers only, not "
                                 "%.64s", number);
    }
    long long sum;
    if (__builtin_add_overflow(current, add->amount, &sum))
        return VALIDATION(e, "scribblectl local's DynamoDB adds within 64-bit whole numbers");
    char text[24];
    snprintf(text, sizeof text, "%lld", sum);
    cJSON *replacement = cJSON_CreateObject();
    cJSON_AddStringToObject(replacement, "N", text);
    if (value)
        cJSON_ReplaceItemInObjectCaseSensitive(item, add->attribute, replacement);
    else
        cJSON_AddItemToObject(item, add->attribute, replacement);
    return 0;
}

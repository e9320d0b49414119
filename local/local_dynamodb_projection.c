/*
 * local_dynamodb_projection.c - ProjectionExpression for scribblectl local's
 * DynamoDB (local_dynamodb_projection.h), with DynamoDB's messages for its
 * mistakes: syntax errors, undefined #placeholders, names defined and never
 * used, overlapping paths, an empty expression.
 *
 * The expression is copied once and cut into its paths in place; the
 * projection keeps pointers into that copy and into the request's
 * ExpressionAttributeNames rather than copying each name.
 */
#include "base/cursor.h"
#include "local/local_dynamodb_projection.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "local/local_dynamodb_error.h"

void local_dynamodb_projection_free(local_dynamodb_projection *p)
{
    free(p->names);
    free(p->tokens);
    memset(p, 0, sizeof *p);
}

/* One path of a ProjectionExpression: a name or a #placeholder, top level only. */
static int projection_path(const char *token, const cJSON *names, bool *used, const char **out,
                           base_error *e)
{
    const char *p = token + (token[0] == '#');
    size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
    if (p[n] == '.' || p[n] == '[')
        return VALIDATION(e, "scribblectl local's DynamoDB supports only top-level attributes in a "
                             "ProjectionExpression, not %.64s", token);
    bool leading_digit = p[0] >= '0' && p[0] <= '9';
    if (n == 0 || p[n] || (token[0] != '#' && leading_digit))
        return VALIDATION(e, "Invalid ProjectionExpression: Syntax error; token: \"%.64s\"", token);
    if (token[0] != '#') {
        *out = token;
        return 0;
    }
    int i = 0;
    for (const cJSON *name = names ? names->child : NULL; name; name = name->next, i++) {
        if (strcmp(name->string, token) == 0) {
            used[i] = true;
            *out = name->valuestring;
            return 0;
        }
    }
    return VALIDATION(e, "Invalid ProjectionExpression: An expression attribute name used in the "
                         "document path is not defined; attribute name: %.64s", token);
}

static int add_projection_path(local_dynamodb_projection *p, const char *name, base_error *e)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->names[i], name) == 0)
            return VALIDATION(e, "Invalid ProjectionExpression: Two document paths overlap with "
                                 "each other; path: [%.64s]", name);
    p->names = base_xrealloc(p->names, (p->count + 1) * sizeof *p->names);
    p->names[p->count++] = name;
    return 0;
}

static int check_names_are_strings(const cJSON *names, base_error *e)
{
    for (const cJSON *name = names ? names->child : NULL; name; name = name->next)
        if (!cJSON_IsString(name))
            return SERIALIZATION(e, "ExpressionAttributeNames must map names to strings");
    return 0;
}

static int check_names_used(const cJSON *names, const bool *used, base_error *e)
{
    int i = 0;
    for (const cJSON *name = names ? names->child : NULL; name; name = name->next, i++)
        if (!used[i])
            return VALIDATION(e, "Value provided in ExpressionAttributeNames unused in "
                                 "expressions: keys: {%.64s}", name->string);
    return 0;
}

/* Cuts p->tokens into paths, adding each to p. */
static int parse_paths(local_dynamodb_projection *p, const cJSON *names, bool *used, base_error *e)
{
    base_cursor rest = base_cursor_from(p->tokens), token;
    while (base_cursor_next_token(&rest, ',', &token)) {
        token = base_cursor_trim(token);
        char *path = (char *)token.ptr;
        path[token.len] = '\0';
        const char *name = NULL;
        TRY(projection_path(path, names, used, &name, e));
        TRY(add_projection_path(p, name, e));
    }
    ENSURE(p->count, e, BASE_ERROR_INVALID, "ValidationException",
           "Invalid ProjectionExpression: The expression can not be empty;");
    return 0;
}

int local_dynamodb_projection_parse(const cJSON *request, local_dynamodb_projection *p,
                                    base_error *e)
{
    memset(p, 0, sizeof *p);
    const cJSON *expr = cJSON_GetObjectItemCaseSensitive(request, "ProjectionExpression");
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(request, "ExpressionAttributeNames");
    if (!expr) {
        if (names)
            return VALIDATION(e, "ExpressionAttributeNames can only be specified when using "
                                 "expressions");
        return 0;
    }
    TRY(check_names_are_strings(names, e));
    int name_count = names ? cJSON_GetArraySize(names) : 0;
    bool *used = base_xcalloc((size_t)name_count + 1, sizeof *used);
    p->tokens = base_xstrdup(expr->valuestring);
    int rc = parse_paths(p, names, used, e);
    if (rc == 0)
        rc = check_names_used(names, used, e);
    free(used);
    return rc;
}

cJSON *local_dynamodb_project(cJSON *item, const local_dynamodb_projection *p)
{
    if (!p->names)
        return item;
    cJSON *out = cJSON_CreateObject();
    for (size_t i = 0; i < p->count; i++) {
        cJSON *value = cJSON_DetachItemFromObjectCaseSensitive(item, p->names[i]);
        if (value)
            cJSON_AddItemToObject(out, p->names[i], value);
    }
    cJSON_Delete(item);
    return out;
}

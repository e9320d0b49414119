/*
 * local_dynamodb.c - DynamoDB's item operations over a local_store
 * (local_dynamodb.h), with DynamoDB's validation and error shapes.
 *
 * Every request is checked whole before anything is written: members and
 * their JSON types against the operation's table of rules, every
 * AttributeValue (one datatype, valid numbers, sets without duplicates,
 * nesting), then the keys against the table's schema. A BatchWriteItem is
 * then one store transaction, so a refused or failed batch writes nothing.
 *
 * Numbers are normalised as DynamoDB does ("1.50" and "15e-1" are both 1.5),
 * so one key has one canonical string. That string also sorts as the numbers
 * do (sign, biased exponent, digits; negatives inverted), so a Scan walks a
 * table in key order and its pages are stable: the store's ordered range
 * read, from after ExclusiveStartKey, is the whole pagination.
 *
 * Not supported, and refused with a ValidationException that says so rather
 * than ignored: conditions, filters, indexes, parallel scans, nested
 * projection paths, UpdateItem and Query.
 */
#include "provision/local/local_dynamodb.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"

#define TARGET_PREFIX "DynamoDB_20120810."
#define BATCH_WRITE_LIMIT 25
#define ITEM_SIZE_LIMIT (400 * 1024) /* measured on the item's JSON text */
#define PAGE_SIZE_LIMIT (1024 * 1024)
#define NESTING_LIMIT 32
#define NUMBER_DIGITS 38
#define MAX_EXPONENT 126  /* magnitudes below 1E+126 */
#define MIN_EXPONENT -129 /* magnitudes from 1E-130 */

#define VALIDATION(e, ...) aws_error_set((e), AWS_ERROR_INVALID, "ValidationException", __VA_ARGS__)
#define SERIALIZATION(e, ...) \
    aws_error_set((e), AWS_ERROR_INVALID, "SerializationException", __VA_ARGS__)

typedef struct ddb_request {
    local_store *store;
    const local_table_schema *tables;
    size_t table_count;
} ddb_request;

/* ------------------------------------------------------------------ numbers */

typedef struct number {
    bool negative;
    int count; /* significant digits; 0: the number is zero */
    char digits[NUMBER_DIGITS + 1];
    long exponent; /* the value is 0.<digits> x 10^exponent */
} number;

static int not_a_number(const char *text, aws_error *e)
{
    return VALIDATION(e, "The parameter cannot be converted to a numeric value: %.64s", text);
}

/* The mantissa: digits with at most one point. Sets *p past it. */
static int parse_mantissa(const char *text, const char **p, number *n, long *point_at,
                          aws_error *e)
{
    long seen = 0, first = -1, last = -1, before_point = -1;
    for (;; (*p)++) {
        char c = **p;
        if (c == '.' && before_point < 0) {
            before_point = seen;
            continue;
        }
        if (c < '0' || c > '9')
            break;
        long at = seen++;
        if (c != '0') {
            if (first < 0)
                first = at;
            if (at - first >= NUMBER_DIGITS)
                return VALIDATION(e, "Attempting to store more than 38 significant digits in a "
                                     "Number");
            last = at;
        }
        if (first >= 0 && at - first < NUMBER_DIGITS)
            n->digits[at - first] = c;
    }
    if (seen == 0)
        return not_a_number(text, e);
    n->count = first < 0 ? 0 : (int)(last - first + 1);
    n->digits[n->count] = '\0';
    *point_at = (before_point < 0 ? seen : before_point) - (first < 0 ? 0 : first);
    return 0;
}

/* "e-12": clamped far beyond any exponent DynamoDB accepts, so never overflows. */
static int parse_exponent(const char *text, const char **p, long *exponent, aws_error *e)
{
    *exponent = 0;
    if (**p != 'e' && **p != 'E')
        return 0;
    (*p)++;
    bool negative = **p == '-';
    if (**p == '-' || **p == '+')
        (*p)++;
    if (**p < '0' || **p > '9')
        return not_a_number(text, e);
    for (; **p >= '0' && **p <= '9'; (*p)++)
        if (*exponent < 100000000)
            *exponent = *exponent * 10 + (**p - '0');
    if (negative)
        *exponent = -*exponent;
    return 0;
}

static int number_parse(const char *text, number *n, aws_error *e)
{
    memset(n, 0, sizeof *n);
    const char *p = text;
    if (*p == '-' || *p == '+')
        n->negative = *p++ == '-';
    long point_at = 0, exponent = 0;
    TRY(parse_mantissa(text, &p, n, &point_at, e));
    TRY(parse_exponent(text, &p, &exponent, e));
    if (*p)
        return not_a_number(text, e);
    if (n->count == 0) {
        n->negative = false;
        return 0;
    }
    n->exponent = point_at + exponent;
    if (n->exponent > MAX_EXPONENT)
        return VALIDATION(e, "Number overflow. Attempting to store a number with magnitude larger "
                             "than supported range");
    if (n->exponent < MIN_EXPONENT)
        return VALIDATION(e, "Number underflow. Attempting to store a number with magnitude "
                             "smaller than supported range");
    return 0;
}

static void append_zeros(aws_buf *out, long count)
{
    for (long i = 0; i < count; i++)
        aws_buf_append_char(out, '0');
}

/* Plain decimal, as DynamoDB returns numbers: no exponent, no spare zeros. */
static void number_text(const number *n, aws_buf *out)
{
    if (n->count == 0) {
        aws_buf_append_char(out, '0');
        return;
    }
    if (n->negative)
        aws_buf_append_char(out, '-');
    if (n->exponent <= 0) {
        aws_buf_append_str(out, "0.");
        append_zeros(out, -n->exponent);
        aws_buf_append_str(out, n->digits);
    } else if (n->exponent < n->count) {
        aws_buf_append(out, n->digits, (size_t)n->exponent);
        aws_buf_append_char(out, '.');
        aws_buf_append_str(out, n->digits + n->exponent);
    } else {
        aws_buf_append_str(out, n->digits);
        append_zeros(out, n->exponent - n->count);
    }
}

/* A string whose bytewise order is the numbers' order: 'A' negatives (larger
 * magnitudes first: exponent and digits inverted, '~' ending the digits so a
 * longer mantissa sorts first), 'B' zero, 'C' positives. */
static void number_sort_key(const number *n, aws_buf *out)
{
    if (n->count == 0) {
        aws_buf_append_char(out, 'B');
        return;
    }
    long biased = n->exponent + 500; /* 371 to 626: always three digits */
    if (!n->negative) {
        aws_buf_printf(out, "C%03ld%s", biased, n->digits);
        return;
    }
    aws_buf_printf(out, "A%03ld", 999 - biased);
    for (int i = 0; i < n->count; i++)
        aws_buf_append_char(out, (char)('0' + ('9' - n->digits[i])));
    aws_buf_append_char(out, '~');
}

/* Parses a number and rewrites it in DynamoDB's normal form. */
static int normalise_number(cJSON *parent, cJSON *text, const char *member, cJSON **replaced,
                            aws_error *e)
{
    number n;
    TRY(number_parse(text->valuestring, &n, e));
    aws_buf normal = {0};
    number_text(&n, &normal);
    cJSON *fresh = cJSON_CreateString(aws_buf_str(&normal));
    aws_buf_free(&normal);
    if (member)
        cJSON_ReplaceItemInObjectCaseSensitive(parent, member, fresh);
    else
        cJSON_ReplaceItemViaPointer(parent, text, fresh);
    if (replaced)
        *replaced = fresh;
    return 0;
}

/* --------------------------------------------------------- attribute values */

static int check_value(cJSON *value, const char *name, int depth, aws_error *e);

typedef int (*value_check_fn)(cJSON *av, cJSON *v, const char *name, int depth, aws_error *e);

static int want_string(const cJSON *v, const char *type, const char *name, aws_error *e)
{
    if (!cJSON_IsString(v))
        return SERIALIZATION(e, "attribute %.255s: the value of %s must be a JSON string", name,
                             type);
    return 0;
}

static int check_s(cJSON *av, cJSON *v, const char *name, int depth, aws_error *e)
{
    (void)av;
    (void)depth;
    return want_string(v, "S", name, e);
}

static int check_n(cJSON *av, cJSON *v, const char *name, int depth, aws_error *e)
{
    (void)depth;
    TRY(want_string(v, "N", name, e));
    return normalise_number(av, v, "N", NULL, e);
}

static bool is_base64(const char *s)
{
    size_t len = strlen(s), pad = 0;
    if (len % 4 != 0)
        return false;
    while (pad < 2 && pad < len && s[len - 1 - pad] == '=')
        pad++;
    for (size_t i = 0; i < len - pad; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            return false;
    }
    return true;
}

static int want_binary(const cJSON *v, const char *type, const char *name, aws_error *e)
{
    TRY(want_string(v, type, name, e));
    if (!is_base64(v->valuestring))
        return SERIALIZATION(e, "attribute %.255s: the value of %s must be base64", name, type);
    return 0;
}

static int check_b(cJSON *av, cJSON *v, const char *name, int depth, aws_error *e)
{
    (void)av;
    (void)depth;
    return want_binary(v, "B", name, e);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int refuse_duplicates(const cJSON *set, aws_error *e)
{
    int count = cJSON_GetArraySize(set);
    const char **texts = aws_xcalloc((size_t)count, sizeof *texts);
    int n = 0;
    const cJSON *el;
    cJSON_ArrayForEach(el, set)
        texts[n++] = el->valuestring;
    qsort(texts, (size_t)n, sizeof *texts, compare_strings);
    bool duplicate = false;
    for (int i = 1; i < n && !duplicate; i++)
        duplicate = strcmp(texts[i - 1], texts[i]) == 0;
    free(texts);
    if (duplicate)
        return VALIDATION(e, "One or more parameter values were invalid: Input collection "
                             "contains duplicates");
    return 0;
}

/* SS, NS and BS: a non-empty array of distinct values (numbers by value). */
static int check_set(cJSON *v, const char *type, const char *name, aws_error *e)
{
    if (!cJSON_IsArray(v))
        return SERIALIZATION(e, "attribute %.255s: the value of %s must be a JSON array", name,
                             type);
    if (!v->child)
        return VALIDATION(e, "One or more parameter values were invalid: An %s set may not be "
                             "empty", type);
    for (cJSON *el = v->child; el; el = el->next) {
        if (type[0] == 'B')
            TRY(want_binary(el, type, name, e));
        else
            TRY(want_string(el, type, name, e));
        if (type[0] == 'N')
            TRY(normalise_number(v, el, NULL, &el, e));
    }
    return refuse_duplicates(v, e);
}

static int check_ss(cJSON *av, cJSON *v, const char *name, int depth, aws_error *e)
{
    (void)av;
    (void)depth;
    return check_set(v, "SS", name, e);
}

static int check_ns(cJSON *av, cJSON *v, const char *name, int depth, aws_error *e)
{
    (void)av;
    (void)depth;
    return check_set(v, "NS", name, e);
}

static int check_bs(cJSON *av, cJSON *v, const char *name, int depth, aws_error *e)
{
    (void)av;
    (void)depth;
    return check_set(v, "BS", name, e);
}

static int check_m(cJSON *av, cJSON *v, const char *name, int depth, aws_error *e)
{
    (void)av;
    if (!cJSON_IsObject(v))
        return SERIALIZATION(e, "attribute %.255s: the value of M must be a JSON object", name);
    cJSON *member;
    cJSON_ArrayForEach(member, v)
        TRY(check_value(member, name, depth + 1, e));
    return 0;
}

static int check_l(cJSON *av, cJSON *v, const char *name, int depth, aws_error *e)
{
    (void)av;
    if (!cJSON_IsArray(v))
        return SERIALIZATION(e, "attribute %.255s: the value of L must be a JSON array", name);
    cJSON *el;
    cJSON_ArrayForEach(el, v)
        TRY(check_value(el, name, depth + 1, e));
    return 0;
}

static int check_null(cJSON *av, cJSON *v, const char *name, int depth, aws_error *e)
{
    (void)av;
    (void)depth;
    if (!cJSON_IsBool(v))
        return SERIALIZATION(e, "attribute %.255s: the value of NULL must be true", name);
    if (!cJSON_IsTrue(v))
        return VALIDATION(e, "One or more parameter values were invalid: Null attribute value "
                             "types must have the value of true");
    return 0;
}

static int check_bool(cJSON *av, cJSON *v, const char *name, int depth, aws_error *e)
{
    (void)av;
    (void)depth;
    if (!cJSON_IsBool(v))
        return SERIALIZATION(e, "attribute %.255s: the value of BOOL must be true or false", name);
    return 0;
}

static const struct value_type {
    const char *name;
    value_check_fn check;
} value_types[] = {
    {"S", check_s},   {"N", check_n}, {"B", check_b},       {"SS", check_ss},   {"NS", check_ns},
    {"BS", check_bs}, {"M", check_m}, {"L", check_l}, {"NULL", check_null}, {"BOOL", check_bool},
};

/* One AttributeValue: exactly one known datatype, its value well formed. */
static int check_value(cJSON *value, const char *name, int depth, aws_error *e)
{
    if (depth > NESTING_LIMIT)
        return VALIDATION(e, "Nesting Levels have exceeded supported limits");
    if (!cJSON_IsObject(value))
        return SERIALIZATION(e, "attribute %.255s: an AttributeValue is a JSON object such as "
                                "{\"N\": \"1\"}", name);
    int members = cJSON_GetArraySize(value);
    if (members == 0)
        return VALIDATION(e, "Supplied AttributeValue is empty, must contain exactly one of the "
                             "supported datatypes");
    if (members > 1)
        return VALIDATION(e, "Supplied AttributeValue has more than one datatypes set, must "
                             "contain exactly one of the supported datatypes");
    cJSON *v = value->child;
    for (size_t i = 0; i < sizeof value_types / sizeof value_types[0]; i++)
        if (strcmp(v->string, value_types[i].name) == 0)
            return value_types[i].check(value, v, name, depth, e);
    return VALIDATION(e, "attribute %.255s: unknown AttributeValue datatype %.32s (S, N, B, SS, "
                         "NS, BS, M, L, NULL or BOOL)", name, v->string);
}

/* Every attribute of an item or a key. */
static int check_attributes(cJSON *attributes, const char *what, aws_error *e)
{
    if (!cJSON_IsObject(attributes))
        return SERIALIZATION(e, "%s must be a JSON object of attribute names to AttributeValues",
                             what);
    cJSON *attribute;
    cJSON_ArrayForEach(attribute, attributes) {
        if (!attribute->string[0])
            return VALIDATION(e, "One or more parameter values were invalid: An attribute name "
                                 "may not be empty");
        TRY(check_value(attribute, attribute->string, 1, e));
    }
    return 0;
}

/* -------------------------------------------------------------------- keys */

static size_t key_count(const local_table_schema *t)
{
    return t->sort_key ? 2 : 1;
}

static const char *key_name(const local_table_schema *t, size_t i)
{
    return i == 0 ? t->partition_key : t->sort_key;
}

/* Appends one key attribute (already checked) to the canonical key. */
static void append_key_part(const cJSON *text, size_t i, aws_buf *key)
{
    number n;
    if (number_parse(text->valuestring, &n, NULL) != 0)
        memset(&n, 0, sizeof n); /* not reached: checked values parse */
    if (i > 0)
        aws_buf_append_char(key, ' '); /* below every character of a part */
    number_sort_key(&n, key);
}

static const char *type_of(const cJSON *value)
{
    return value->child && value->child->string ? value->child->string : "?";
}

/* The canonical key of a checked item; refuses missing or non-N keys. */
static int item_key(const local_table_schema *t, const cJSON *item, aws_buf *key, aws_error *e)
{
    for (size_t i = 0; i < key_count(t); i++) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(item, key_name(t, i));
        if (!value)
            return VALIDATION(e, "One or more parameter values were invalid: Missing the key %s "
                                 "in the item", key_name(t, i));
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(value, "N");
        if (!text)
            return VALIDATION(e, "One or more parameter values were invalid: Type mismatch for key "
                                 "%s expected: N actual: %s", key_name(t, i), type_of(value));
        append_key_part(text, i, key);
    }
    return 0;
}

/* A Key (GetItem, DeleteItem, DeleteRequest, ExclusiveStartKey): exactly the
 * table's key attributes, each a number. */
static int key_of(const local_table_schema *t, cJSON *attributes, const char *what, aws_buf *key,
                  aws_error *e)
{
    TRY(check_attributes(attributes, what, e));
    bool matches = (size_t)cJSON_GetArraySize(attributes) == key_count(t);
    for (size_t i = 0; i < key_count(t) && matches; i++) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(attributes, key_name(t, i));
        matches = value && cJSON_GetObjectItemCaseSensitive(value, "N");
    }
    if (!matches)
        return VALIDATION(e, "%sThe provided key element does not match the schema",
                          strcmp(what, "ExclusiveStartKey") == 0
                              ? "The provided starting key is invalid: " : "");
    return item_key(t, attributes, key, e);
}

/* The key attributes of a stored item: a LastEvaluatedKey. */
static cJSON *key_attributes(const local_table_schema *t, const cJSON *item)
{
    cJSON *key = cJSON_CreateObject();
    for (size_t i = 0; i < key_count(t); i++) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(item, key_name(t, i));
        if (value)
            cJSON_AddItemToObject(key, key_name(t, i), cJSON_Duplicate(value, 1));
    }
    return key;
}

/* An item, checked and normalised: its canonical key and its text to store. */
static int item_of(const local_table_schema *t, cJSON *item, aws_buf *key, char **text,
                   aws_error *e)
{
    TRY(check_attributes(item, "Item", e));
    TRY(item_key(t, item, key, e));
    *text = cJSON_PrintUnformatted(item);
    if (!*text)
        abort();
    if (strlen(*text) > ITEM_SIZE_LIMIT) {
        cJSON_free(*text);
        *text = NULL;
        return VALIDATION(e, "Item size has exceeded the maximum allowed size");
    }
    return 0;
}

/* A stored item, parsed; a store failure when the file holds something else. */
static int stored_item(const char *text, cJSON **item, aws_error *e)
{
    *item = cJSON_Parse(text);
    ENSURE(*item, e, AWS_ERROR_SERVICE, "LocalStoreError", "a stored item is not JSON");
    return 0;
}

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

/* Members the operation does not take, members of the wrong JSON type and
 * missing required members are refused before the operation runs. */
static int check_members(const cJSON *in, const char *operation, const member_rule *rules,
                         aws_error *e)
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
            return VALIDATION(e, "1 validation error detected: Value null at '%c%s' failed to "
                                 "satisfy constraint: Member must not be null",
                              rules->name[0] + ('a' - 'A'), rules->name + 1);
    return 0;
}

static int table_lookup(const ddb_request *r, const char *name, const local_table_schema **out,
                        aws_error *e)
{
    for (size_t i = 0; i < r->table_count; i++) {
        if (strcmp(r->tables[i].name, name) == 0) {
            *out = &r->tables[i];
            return 0;
        }
    }
    return aws_error_set(e, AWS_ERROR_INVALID, "ResourceNotFoundException",
                         "Requested resource not found: Table: %.255s not found", name);
}

static int table_named(const ddb_request *r, const cJSON *in, const local_table_schema **out,
                       aws_error *e)
{
    return table_lookup(r, cJSON_GetObjectItemCaseSensitive(in, "TableName")->valuestring, out, e);
}

/* ReturnValues of PutItem and DeleteItem: NONE or ALL_OLD. */
static int wants_old(const cJSON *in, bool *all_old, aws_error *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "ReturnValues");
    *all_old = v && strcmp(v->valuestring, "ALL_OLD") == 0;
    if (v && !*all_old && strcmp(v->valuestring, "NONE") != 0)
        return VALIDATION(e, "Return values set to invalid value: ReturnValues can only be "
                             "ALL_OLD or NONE");
    return 0;
}

static int positive_limit(const cJSON *in, const char *member, long long *limit, aws_error *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, member);
    *limit = -1;
    if (!v)
        return 0;
    double n = v->valuedouble;
    if (n < 1 || n > 1e15 || n != (double)(long long)n)
        return VALIDATION(e, "1 validation error detected: Value '%g' at 'limit' failed to satisfy "
                             "constraint: Member must have value greater than or equal to 1",
                          v->valuedouble);
    *limit = (long long)v->valuedouble;
    return 0;
}

/* -------------------------------------------------------------- projections */

typedef struct projection {
    const char **names; /* NULL: every attribute */
    size_t count;
} projection;

static void projection_free(projection *p)
{
    free(p->names);
    memset(p, 0, sizeof *p);
}

/* One path of a ProjectionExpression: a name or a #placeholder, top level only. */
static int projection_path(const char *token, const cJSON *names, bool *used, const char **out,
                           aws_error *e)
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

static int add_projection_path(projection *p, const char *name, aws_error *e)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->names[i], name) == 0)
            return VALIDATION(e, "Invalid ProjectionExpression: Two document paths overlap with "
                                 "each other; path: [%.64s]", name);
    p->names = aws_xrealloc(p->names, (p->count + 1) * sizeof *p->names);
    p->names[p->count++] = name;
    return 0;
}

static int check_names_are_strings(const cJSON *names, aws_error *e)
{
    for (const cJSON *name = names ? names->child : NULL; name; name = name->next)
        if (!cJSON_IsString(name))
            return SERIALIZATION(e, "ExpressionAttributeNames must map names to strings");
    return 0;
}

static int check_names_used(const cJSON *names, const bool *used, aws_error *e)
{
    int i = 0;
    for (const cJSON *name = names ? names->child : NULL; name; name = name->next, i++)
        if (!used[i])
            return VALIDATION(e, "Value provided in ExpressionAttributeNames unused in "
                                 "expressions: keys: {%.64s}", name->string);
    return 0;
}

/* Splits the expression into paths; *p keeps pointers into `tokens` and names. */
static int parse_paths(char *tokens, const cJSON *names, bool *used, projection *p, aws_error *e)
{
    aws_cursor rest = aws_cursor_from(tokens), token;
    while (aws_cursor_next_token(&rest, ',', &token)) {
        token = aws_cursor_trim(token);
        char *path = (char *)token.ptr;
        path[token.len] = '\0';
        const char *name = NULL;
        TRY(projection_path(path, names, used, &name, e));
        TRY(add_projection_path(p, name, e));
    }
    ENSURE(p->count, e, AWS_ERROR_INVALID, "ValidationException",
           "Invalid ProjectionExpression: The expression can not be empty;");
    return 0;
}

/* ProjectionExpression and its ExpressionAttributeNames. *tokens (caller
 * frees) holds the names *p points to. */
static int projection_parse(const cJSON *in, projection *p, char **tokens, aws_error *e)
{
    memset(p, 0, sizeof *p);
    *tokens = NULL;
    const cJSON *expr = cJSON_GetObjectItemCaseSensitive(in, "ProjectionExpression");
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(in, "ExpressionAttributeNames");
    if (!expr) {
        if (names)
            return VALIDATION(e, "ExpressionAttributeNames can only be specified when using "
                                 "expressions");
        return 0;
    }
    TRY(check_names_are_strings(names, e));
    int name_count = names ? cJSON_GetArraySize(names) : 0;
    bool *used = aws_xcalloc((size_t)name_count + 1, sizeof *used);
    *tokens = aws_xstrdup(expr->valuestring);
    int rc = parse_paths(*tokens, names, used, p, e);
    if (rc == 0)
        rc = check_names_used(names, used, e);
    free(used);
    return rc;
}

/* The item limited to the projection (the item itself when there is none). */
static cJSON *project(cJSON *item, const projection *p)
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

/* --------------------------------------------------------- BatchWriteItem */

typedef struct planned_write {
    const local_table_schema *table;
    aws_buf key;
    char *item; /* NULL: a delete */
} planned_write;

typedef struct write_plan {
    planned_write writes[BATCH_WRITE_LIMIT];
    size_t count;
} write_plan;

static void plan_free(write_plan *plan)
{
    for (size_t i = 0; i < plan->count; i++) {
        aws_buf_free(&plan->writes[i].key);
        cJSON_free(plan->writes[i].item);
    }
    plan->count = 0;
}

/* The number of WriteRequests, checking the shape of RequestItems. */
static int count_writes(const cJSON *request_items, size_t *total, aws_error *e)
{
    *total = 0;
    if (!request_items->child)
        return VALIDATION(e, "1 validation error detected: Value '{}' at 'requestItems' failed to "
                             "satisfy constraint: Member must have length greater than or equal "
                             "to 1");
    const cJSON *writes;
    cJSON_ArrayForEach(writes, request_items) {
        if (!cJSON_IsArray(writes))
            return SERIALIZATION(e, "RequestItems must map table names to arrays of WriteRequests");
        if (!writes->child)
            return VALIDATION(e, "1 validation error detected: Value '[]' at 'requestItems' failed "
                                 "to satisfy constraint: Member must have length greater than or "
                                 "equal to 1");
        *total += (size_t)cJSON_GetArraySize(writes);
    }
    if (*total > BATCH_WRITE_LIMIT)
        return VALIDATION(e, "Too many items requested for the BatchWriteItem call");
    return 0;
}

static int plan_write(const local_table_schema *t, cJSON *request, planned_write *w, aws_error *e)
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
    w->table = t;
    cJSON *body = cJSON_GetObjectItemCaseSensitive(put ? put : del, put ? "Item" : "Key");
    if (!body)
        return VALIDATION(e, "1 validation error detected: Value null at '%s' failed to satisfy "
                             "constraint: Member must not be null", put ? "item" : "key");
    if (put)
        return item_of(t, body, &w->key, &w->item, e);
    return key_of(t, body, "Key", &w->key, e);
}

static int refuse_duplicate_keys(const write_plan *plan, aws_error *e)
{
    for (size_t i = 0; i < plan->count; i++)
        for (size_t j = i + 1; j < plan->count; j++)
            if (plan->writes[i].table == plan->writes[j].table &&
                strcmp(aws_buf_str(&plan->writes[i].key), aws_buf_str(&plan->writes[j].key)) == 0)
                return VALIDATION(e, "Provided list of item keys contains duplicates");
    return 0;
}

static int plan_batch(const ddb_request *r, cJSON *request_items, write_plan *plan, aws_error *e)
{
    size_t total;
    TRY(count_writes(request_items, &total, e));
    cJSON *writes;
    cJSON_ArrayForEach(writes, request_items) {
        const local_table_schema *t;
        TRY(table_lookup(r, writes->string, &t, e));
        cJSON *request;
        cJSON_ArrayForEach(request, writes)
            TRY(plan_write(t, request, &plan->writes[plan->count++], e));
    }
    return refuse_duplicate_keys(plan, e);
}

static int apply_plan(local_store *store, const write_plan *plan, aws_error *e)
{
    TRY(local_store_begin(store, e));
    for (size_t i = 0; i < plan->count; i++) {
        const planned_write *w = &plan->writes[i];
        int rc = w->item
                     ? local_store_put_item(store, w->table->name, aws_buf_str(&w->key), w->item, e)
                     : local_store_delete_item(store, w->table->name, aws_buf_str(&w->key), e);
        if (rc != 0) {
            local_store_rollback(store);
            return -1;
        }
    }
    return local_store_commit(store, e);
}

static int batch_write_item(const ddb_request *r, cJSON *in, cJSON *out, aws_error *e)
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
    const projection *projection;
    long long limit; /* -1: none */
    bool count_only;
    cJSON *items;
    long long count;
    size_t bytes;
    cJSON *last_key; /* the key of the last item taken */
    bool more, corrupt;
} scan_page;

static bool take_item(void *ctx, const char *key, const char *text)
{
    (void)key;
    scan_page *page = ctx;
    if ((page->limit >= 0 && page->count >= page->limit) || page->bytes >= PAGE_SIZE_LIMIT) {
        page->more = true;
        return false;
    }
    cJSON *item = cJSON_Parse(text);
    if (!item) {
        page->corrupt = true;
        return false;
    }
    cJSON_Delete(page->last_key);
    page->last_key = key_attributes(page->table, item);
    if (page->count_only)
        cJSON_Delete(item);
    else
        cJSON_AddItemToArray(page->items, project(item, page->projection));
    page->count++;
    page->bytes += strlen(text);
    return true;
}

/* Select: ALL_ATTRIBUTES, SPECIFIC_ATTRIBUTES (with a projection) or COUNT. */
static int scan_select(const cJSON *in, const projection *p, bool *count_only, aws_error *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "Select");
    const char *select = v ? v->valuestring : p->names ? "SPECIFIC_ATTRIBUTES" : "ALL_ATTRIBUTES";
    *count_only = strcmp(select, "COUNT") == 0;
    bool specific = strcmp(select, "SPECIFIC_ATTRIBUTES") == 0;
    if (!*count_only && !specific && strcmp(select, "ALL_ATTRIBUTES") != 0)
        return VALIDATION(e, "1 validation error detected: Value '%.64s' at 'select' failed to "
                             "satisfy constraint: Member must satisfy enum value set: "
                             "[SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES]", select);
    if (specific != (p->names != NULL))
        return VALIDATION(e, "Select %s %s a ProjectionExpression", select,
                          specific ? "needs" : "cannot be used with");
    return 0;
}

static int scan_start(const local_table_schema *t, const cJSON *in, aws_buf *start, aws_error *e)
{
    cJSON *key = cJSON_GetObjectItemCaseSensitive(in, "ExclusiveStartKey");
    return key ? key_of(t, key, "ExclusiveStartKey", start, e) : 0;
}

static int run_scan(const ddb_request *r, const cJSON *in, scan_page *page, aws_error *e)
{
    aws_buf start = {0};
    int rc = scan_start(page->table, in, &start, e);
    if (rc == 0)
        rc = local_store_scan(r->store, page->table->name, start.data ? start.data : NULL,
                              page->limit < 0 ? -1 : page->limit + 1, take_item, page, e);
    aws_buf_free(&start);
    TRY(rc);
    ENSURE(!page->corrupt, e, AWS_ERROR_SERVICE, "LocalStoreError", "a stored item is not JSON");
    return 0;
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

static int scan_with(const ddb_request *r, cJSON *in, scan_page *page, aws_error *e)
{
    projection p;
    char *tokens = NULL;
    int rc = projection_parse(in, &p, &tokens, e);
    if (rc == 0) {
        page->projection = &p;
        rc = scan_select(in, &p, &page->count_only, e);
    }
    if (rc == 0)
        rc = run_scan(r, in, page, e);
    projection_free(&p);
    free(tokens);
    page->projection = NULL;
    return rc;
}

static int scan(const ddb_request *r, cJSON *in, cJSON *out, aws_error *e)
{
    scan_page page = {.items = cJSON_CreateArray()};
    int rc = table_named(r, in, &page.table, e);
    if (rc == 0)
        rc = positive_limit(in, "Limit", &page.limit, e);
    if (rc == 0)
        rc = scan_with(r, in, &page, e);
    if (rc == 0)
        scan_answer(&page, out);
    cJSON_Delete(page.items);
    cJSON_Delete(page.last_key);
    return rc;
}

/* ------------------------------------------------------ the item operations */

/* Reads the stored item under key into *item (NULL: none). */
static int read_item(local_store *store, const local_table_schema *t, const char *key,
                     cJSON **item, aws_error *e)
{
    char *text = NULL;
    *item = NULL;
    TRY(local_store_get_item(store, t->name, key, &text, e));
    int rc = text ? stored_item(text, item, e) : 0;
    free(text);
    return rc;
}

/* Writes (item != NULL) or deletes under key; with all_old, answers the
 * replaced item as Attributes, read and written in one transaction. */
static int replace_item(local_store *store, const local_table_schema *t, const char *key,
                        const char *item, bool all_old, cJSON *out, aws_error *e)
{
    cJSON *old = NULL;
    if (all_old) {
        TRY(local_store_begin(store, e));
        if (read_item(store, t, key, &old, e) != 0) {
            local_store_rollback(store);
            return -1;
        }
    }
    int rc = item ? local_store_put_item(store, t->name, key, item, e)
                  : local_store_delete_item(store, t->name, key, e);
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

static int put_item(const ddb_request *r, cJSON *in, cJSON *out, aws_error *e)
{
    const local_table_schema *t;
    bool all_old;
    TRY(table_named(r, in, &t, e));
    TRY(wants_old(in, &all_old, e));
    aws_buf key = {0};
    char *text = NULL;
    int rc = item_of(t, cJSON_GetObjectItemCaseSensitive(in, "Item"), &key, &text, e);
    if (rc == 0)
        rc = replace_item(r->store, t, aws_buf_str(&key), text, all_old, out, e);
    cJSON_free(text);
    aws_buf_free(&key);
    return rc;
}

static int delete_item(const ddb_request *r, cJSON *in, cJSON *out, aws_error *e)
{
    const local_table_schema *t;
    bool all_old;
    TRY(table_named(r, in, &t, e));
    TRY(wants_old(in, &all_old, e));
    aws_buf key = {0};
    int rc = key_of(t, cJSON_GetObjectItemCaseSensitive(in, "Key"), "Key", &key, e);
    if (rc == 0)
        rc = replace_item(r->store, t, aws_buf_str(&key), NULL, all_old, out, e);
    aws_buf_free(&key);
    return rc;
}

static int get_item(const ddb_request *r, cJSON *in, cJSON *out, aws_error *e)
{
    const local_table_schema *t;
    TRY(table_named(r, in, &t, e));
    aws_buf key = {0};
    projection p = {0};
    char *tokens = NULL;
    cJSON *item = NULL;
    int rc = key_of(t, cJSON_GetObjectItemCaseSensitive(in, "Key"), "Key", &key, e);
    if (rc == 0)
        rc = projection_parse(in, &p, &tokens, e);
    if (rc == 0)
        rc = read_item(r->store, t, aws_buf_str(&key), &item, e);
    if (rc == 0 && item)
        cJSON_AddItemToObject(out, "Item", project(item, &p));
    projection_free(&p);
    free(tokens);
    aws_buf_free(&key);
    return rc;
}

/* ------------------------------------------------------- tables themselves */

static void add_key_schema(const local_table_schema *t, cJSON *table)
{
    static const char *const key_types[] = {"HASH", "RANGE"};
    cJSON *schema = cJSON_AddArrayToObject(table, "KeySchema");
    cJSON *definitions = cJSON_AddArrayToObject(table, "AttributeDefinitions");
    for (size_t i = 0; i < key_count(t); i++) {
        cJSON *key = cJSON_CreateObject();
        cJSON_AddStringToObject(key, "AttributeName", key_name(t, i));
        cJSON_AddStringToObject(key, "KeyType", key_types[i]);
        cJSON_AddItemToArray(schema, key);
        cJSON *definition = cJSON_CreateObject();
        cJSON_AddStringToObject(definition, "AttributeName", key_name(t, i));
        cJSON_AddStringToObject(definition, "AttributeType", "N");
        cJSON_AddItemToArray(definitions, definition);
    }
}

static int describe_table(const ddb_request *r, cJSON *in, cJSON *out, aws_error *e)
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
    aws_buf arn = {0};
    aws_buf_printf(&arn, "arn:aws:dynamodb:local:000000000000:table/%s", t->name);
    cJSON_AddStringToObject(table, "TableArn", aws_buf_str(&arn));
    aws_buf_free(&arn);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(table, "BillingModeSummary"), "BillingMode",
                            "PAY_PER_REQUEST");
    cJSON *throughput = cJSON_AddObjectToObject(table, "ProvisionedThroughput");
    cJSON_AddNumberToObject(throughput, "NumberOfDecreasesToday", 0);
    cJSON_AddNumberToObject(throughput, "ReadCapacityUnits", 0);
    cJSON_AddNumberToObject(throughput, "WriteCapacityUnits", 0);
    cJSON_AddBoolToObject(table, "DeletionProtectionEnabled", false);
    return 0;
}

static int list_tables(const ddb_request *r, cJSON *in, cJSON *out, aws_error *e)
{
    long long limit;
    TRY(positive_limit(in, "Limit", &limit, e));
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(in, "ExclusiveStartTableName");
    const char **names = aws_xcalloc(r->table_count + 1, sizeof *names);
    for (size_t i = 0; i < r->table_count; i++)
        names[i] = r->tables[i].name;
    qsort(names, r->table_count, sizeof *names, compare_strings);
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

typedef int (*ddb_operation_fn)(const ddb_request *r, cJSON *in, cJSON *out, aws_error *e);

/* Members every operation may send and that change nothing here. */
#define IGNORED_MEMBERS                                                                        \
    {"ReturnConsumedCapacity", JSON_STRING, false},                                            \
        {"ReturnItemCollectionMetrics", JSON_STRING, false}, {"ConsistentRead", JSON_BOOL, false}

static const member_rule batch_write_item_members[] = {
    {"RequestItems", JSON_OBJECT, true}, IGNORED_MEMBERS, {NULL, JSON_STRING, false}};
static const member_rule scan_members[] = {
    {"TableName", JSON_STRING, true},
    {"Limit", JSON_NUMBER, false},
    {"ExclusiveStartKey", JSON_OBJECT, false},
    {"Select", JSON_STRING, false},
    {"ProjectionExpression", JSON_STRING, false},
    {"ExpressionAttributeNames", JSON_OBJECT, false},
    IGNORED_MEMBERS,
    {NULL, JSON_STRING, false}};
static const member_rule put_item_members[] = {{"TableName", JSON_STRING, true},
                                               {"Item", JSON_OBJECT, true},
                                               {"ReturnValues", JSON_STRING, false},
                                               IGNORED_MEMBERS,
                                               {NULL, JSON_STRING, false}};
static const member_rule get_item_members[] = {{"TableName", JSON_STRING, true},
                                               {"Key", JSON_OBJECT, true},
                                               {"ProjectionExpression", JSON_STRING, false},
                                               {"ExpressionAttributeNames", JSON_OBJECT, false},
                                               IGNORED_MEMBERS,
                                               {NULL, JSON_STRING, false}};
static const member_rule delete_item_members[] = {{"TableName", JSON_STRING, true},
                                                  {"Key", JSON_OBJECT, true},
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
static int parse_body(const char *body, size_t len, cJSON **in, aws_error *e)
{
    const char *end = NULL;
    *in = body && len ? cJSON_ParseWithLengthOpts(body, len, &end, 0) : NULL;
    if (*in && end) {
        for (const char *p = end; p < body + len; p++) {
            if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
                cJSON_Delete(*in);
                *in = NULL;
                break;
            }
        }
    }
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
                    cJSON *out, aws_error *e)
{
    const struct ddb_operation *op = operation_named(target);
    if (!op)
        return aws_error_set(e, AWS_ERROR_INVALID, "UnknownOperationException",
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
    aws_buf_reset(&reply->headers);
    aws_buf_printf(&reply->headers, "x-amzn-RequestId: %s\r\n", request_id);
    aws_buf_reset(&reply->body);
    aws_buf_append_str(&reply->body, text);
    cJSON_free(text);
}

static void reply_error(local_reply *reply, int status, const char *code, const char *message)
{
    cJSON *doc = cJSON_CreateObject();
    aws_buf type = {0};
    aws_buf_printf(&type, "%s%s", error_namespace(code), code);
    cJSON_AddStringToObject(doc, "__type", aws_buf_str(&type));
    cJSON_AddStringToObject(doc, "message", message);
    reply_json(reply, status, doc);
    aws_buf_free(&type);
    cJSON_Delete(doc);
}

int local_dynamodb_handle(local_store *store, const local_table_schema *tables,
                          size_t table_count, const char *operation, const char *body,
                          size_t len, local_reply *reply, aws_error *err)
{
    const ddb_request r = {.store = store, .tables = tables, .table_count = table_count};
    aws_error e = {0};
    cJSON *out = cJSON_CreateObject();
    int rc = dispatch(&r, operation, body, len, out, &e);
    if (rc == 0)
        reply_json(reply, 200, out);
    cJSON_Delete(out);
    if (rc == 0)
        return 0;
    if (e.kind == AWS_ERROR_INVALID) {
        reply_error(reply, 400, e.code, e.message);
        return 0;
    }
    reply_error(reply, 500, "InternalServerError", e.message);
    if (err)
        *err = e;
    return -1;
}

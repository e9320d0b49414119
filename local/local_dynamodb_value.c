/*
 * local_dynamodb_value.c - DynamoDB's AttributeValues, numbers and keys for
 * scribblectl local's DynamoDB (local_dynamodb_value.h).
 *
 * An AttributeValue is checked whole, as DynamoDB does: exactly one known
 * datatype, its value of the right JSON type, numbers valid, sets non-empty
 * and without duplicates, nesting bounded. Each datatype is a row of one
 * table (value_types) naming the function that checks its value.
 *
 * Numbers are normalised as DynamoDB does ("1.50" and "15e-1" are both 1.5),
 * in the item as stored and answered, so one key has one canonical string.
 * That string also sorts as the numbers do (sign, biased exponent, digits;
 * negatives inverted), which is what lets a Scan walk a table in key order
 * with the store's ordered range read.
 */
#include "local/local_dynamodb_value.h"

#include <stdlib.h>
#include <string.h>

#include "local/local_dynamodb_error.h"

#define ITEM_SIZE_LIMIT (400 * 1024) /* measured on the item's JSON text */
#define NESTING_LIMIT 32
#define NUMBER_DIGITS 38
#define MAX_EXPONENT 126  /* magnitudes below 1E+126 */
#define MIN_EXPONENT -129 /* magnitudes from 1E-130 */

/* ------------------------------------------------------------------ numbers */

typedef struct number {
    bool negative;
    int count; /* significant digits; 0: the number is zero */
    char digits[NUMBER_DIGITS + 1];
    long exponent; /* the value is 0.<digits> x 10^exponent */
} number;

static int not_a_number(const char *text, base_error *e)
{
    return VALIDATION(e, "The parameter cannot be converted to a numeric value: %.64s", text);
}

/* The mantissa: digits with at most one point. Sets *p past it. */
static int parse_mantissa(const char *text, const char **p, number *n, long *point_at,
                          base_error *e)
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
static int parse_exponent(const char *text, const char **p, long *exponent, base_error *e)
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

static int number_parse(const char *text, number *n, base_error *e)
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

static void append_zeros(base_buf *out, long count)
{
    for (long i = 0; i < count; i++)
        base_buf_append_char(out, '0');
}

/* Plain decimal, as DynamoDB returns numbers: no exponent, no spare zeros. */
static void number_text(const number *n, base_buf *out)
{
    if (n->count == 0) {
        base_buf_append_char(out, '0');
        return;
    }
    if (n->negative)
        base_buf_append_char(out, '-');
    if (n->exponent <= 0) {
        base_buf_append_str(out, "0.");
        append_zeros(out, -n->exponent);
        base_buf_append_str(out, n->digits);
    } else if (n->exponent < n->count) {
        base_buf_append(out, n->digits, (size_t)n->exponent);
        base_buf_append_char(out, '.');
        base_buf_append_str(out, n->digits + n->exponent);
    } else {
        base_buf_append_str(out, n->digits);
        append_zeros(out, n->exponent - n->count);
    }
}

/* A string whose bytewise order is the numbers' order: 'A' negatives (larger
 * magnitudes first: exponent and digits inverted, '~' ending the digits so a
 * longer mantissa sorts first), 'B' zero, 'C' positives. */
static void number_sort_key(const number *n, base_buf *out)
{
    if (n->count == 0) {
        base_buf_append_char(out, 'B');
        return;
    }
    long biased = n->exponent + 500; /* 371 to 626: always three digits */
    if (!n->negative) {
        base_buf_printf(out, "C%03ld%s", biased, n->digits);
        return;
    }
    base_buf_printf(out, "A%03ld", 999 - biased);
    for (int i = 0; i < n->count; i++)
        base_buf_append_char(out, (char)('0' + ('9' - n->digits[i])));
    base_buf_append_char(out, '~');
}

/* Parses a number and rewrites it in DynamoDB's normal form: *text is
 * replaced in parent, a member keeping its name ({"N": "1.50"}) or an element
 * its place (an NS), and set to the replacement. */
static int normalise_number(cJSON *parent, cJSON **text, base_error *e)
{
    number n;
    TRY(number_parse((*text)->valuestring, &n, e));
    base_buf normal = {0};
    number_text(&n, &normal);
    cJSON *fresh = cJSON_CreateString(base_buf_str(&normal));
    base_buf_free(&normal);
    if ((*text)->string)
        cJSON_ReplaceItemInObjectCaseSensitive(parent, (*text)->string, fresh);
    else
        cJSON_ReplaceItemViaPointer(parent, *text, fresh);
    *text = fresh;
    return 0;
}

/* --------------------------------------------------------- attribute values */

/* One AttributeValue being checked: {"<type>": value}. */
typedef struct attribute_value {
    cJSON *av;        /* the AttributeValue object */
    cJSON *value;     /* its one member's value */
    const char *type; /* its one member's name: "S", "NS", ... (static) */
    const char *name; /* the top-level attribute it is in, for messages */
    int depth;
} attribute_value;

typedef int (*value_check_fn)(const attribute_value *a, base_error *e);

static int check_value(cJSON *value, const char *name, int depth, base_error *e);

/* The value is not the JSON its type takes. */
static int malformed(const attribute_value *a, const char *should_be, base_error *e)
{
    return SERIALIZATION(e, "attribute %.255s: the value of %s must be %s", a->name, a->type,
                         should_be);
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

/* One string, number or binary, alone or in a set (the type's first letter
 * says which): a JSON string; base64 for B; for N, a number, rewritten in
 * normal form (*text follows the rewrite). */
static int check_scalar(const attribute_value *a, cJSON *parent, cJSON **text, base_error *e)
{
    if (!cJSON_IsString(*text))
        return malformed(a, "a JSON string", e);
    if (a->type[0] == 'B' && !is_base64((*text)->valuestring))
        return malformed(a, "base64", e);
    if (a->type[0] == 'N')
        return normalise_number(parent, text, e);
    return 0;
}

/* S, N and B. */
static int check_single(const attribute_value *a, base_error *e)
{
    cJSON *text = a->value;
    return check_scalar(a, a->av, &text, e);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int refuse_duplicates(const cJSON *set, base_error *e)
{
    int count = cJSON_GetArraySize(set);
    const char **texts = base_xcalloc((size_t)count, sizeof *texts);
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
static int check_set(const attribute_value *a, base_error *e)
{
    if (!cJSON_IsArray(a->value))
        return malformed(a, "a JSON array", e);
    if (!a->value->child)
        return VALIDATION(e, "One or more parameter values were invalid: An %s set may not be "
                             "empty", a->type);
    for (cJSON *el = a->value->child; el; el = el->next)
        TRY(check_scalar(a, a->value, &el, e));
    return refuse_duplicates(a->value, e);
}

/* M (an object) and L (an array): AttributeValues one level deeper. */
static int check_nested(const attribute_value *a, base_error *e)
{
    bool map = strcmp(a->type, "M") == 0;
    if (map ? !cJSON_IsObject(a->value) : !cJSON_IsArray(a->value))
        return malformed(a, map ? "a JSON object" : "a JSON array", e);
    cJSON *member;
    cJSON_ArrayForEach(member, a->value)
        TRY(check_value(member, a->name, a->depth + 1, e));
    return 0;
}

static int check_null(const attribute_value *a, base_error *e)
{
    if (!cJSON_IsBool(a->value))
        return malformed(a, "true", e);
    if (!cJSON_IsTrue(a->value))
        return VALIDATION(e, "One or more parameter values were invalid: Null attribute value "
                             "types must have the value of true");
    return 0;
}

static int check_bool(const attribute_value *a, base_error *e)
{
    return cJSON_IsBool(a->value) ? 0 : malformed(a, "true or false", e);
}

static const struct value_type {
    const char *name;
    value_check_fn check;
} value_types[] = {
    {"S", check_single},  {"N", check_single},    {"B", check_single},   {"SS", check_set},
    {"NS", check_set},    {"BS", check_set},      {"M", check_nested},   {"L", check_nested},
    {"NULL", check_null}, {"BOOL", check_bool},
};

/* One AttributeValue: exactly one known datatype, its value well formed. */
static int check_value(cJSON *value, const char *name, int depth, base_error *e)
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
    for (size_t i = 0; i < sizeof value_types / sizeof value_types[0]; i++) {
        if (strcmp(v->string, value_types[i].name) == 0) {
            /* type is the table's name: an N's member is replaced while checked */
            const attribute_value a = {.av = value, .value = v, .type = value_types[i].name,
                                       .name = name, .depth = depth};
            return value_types[i].check(&a, e);
        }
    }
    return VALIDATION(e, "attribute %.255s: unknown AttributeValue datatype %.32s (S, N, B, SS, "
                         "NS, BS, M, L, NULL or BOOL)", name, v->string);
}

/* Every attribute of an item or a key. */
static int check_attributes(cJSON *attributes, const char *what, base_error *e)
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

/* Appends one key attribute (already checked) to the canonical key. */
static void append_key_part(const cJSON *text, size_t i, base_buf *key)
{
    number n;
    if (number_parse(text->valuestring, &n, NULL) != 0)
        memset(&n, 0, sizeof n); /* not reached: checked values parse */
    if (i > 0)
        base_buf_append_char(key, ' '); /* below every character of a part */
    number_sort_key(&n, key);
}

static const char *type_of(const cJSON *value)
{
    return value->child && value->child->string ? value->child->string : "?";
}

/* The canonical key of a checked item; refuses missing or non-N keys. */
static int item_key(const local_table_schema *t, const cJSON *item, base_buf *key, base_error *e)
{
    for (size_t i = 0; i < local_dynamodb_key_count(t); i++) {
        const char *name = local_dynamodb_key_name(t, i);
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(item, name);
        if (!value)
            return VALIDATION(e, "One or more parameter values were invalid: Missing the key %s "
                                 "in the item", name);
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(value, "N");
        if (!text)
            return VALIDATION(e, "One or more parameter values were invalid: Type mismatch for key "
                                 "%s expected: N actual: %s", name, type_of(value));
        append_key_part(text, i, key);
    }
    return 0;
}

int local_dynamodb_key_of(const local_table_schema *t, cJSON *attributes, const char *what,
                          base_buf *key, base_error *e)
{
    TRY(check_attributes(attributes, what, e));
    size_t count = local_dynamodb_key_count(t);
    bool matches = (size_t)cJSON_GetArraySize(attributes) == count;
    for (size_t i = 0; i < count && matches; i++) {
        const cJSON *value =
            cJSON_GetObjectItemCaseSensitive(attributes, local_dynamodb_key_name(t, i));
        matches = value && cJSON_GetObjectItemCaseSensitive(value, "N");
    }
    if (!matches)
        return VALIDATION(e, "%sThe provided key element does not match the schema",
                          strcmp(what, "ExclusiveStartKey") == 0
                              ? "The provided starting key is invalid: " : "");
    return item_key(t, attributes, key, e);
}

int local_dynamodb_item_of(const local_table_schema *t, cJSON *item, base_buf *key, char **text,
                           base_error *e)
{
    *text = NULL;
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

cJSON *local_dynamodb_key_attributes(const local_table_schema *t, const cJSON *item)
{
    cJSON *key = cJSON_CreateObject();
    for (size_t i = 0; i < local_dynamodb_key_count(t); i++) {
        const char *name = local_dynamodb_key_name(t, i);
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(item, name);
        if (value)
            cJSON_AddItemToObject(key, name, cJSON_Duplicate(value, 1));
    }
    return key;
}

int local_dynamodb_stored_item(const char *text, cJSON **item, base_error *e)
{
    *item = cJSON_Parse(text);
    ENSURE(*item, e, BASE_ERROR_SERVICE, "LocalStoreError", "a stored item is not JSON");
    return 0;
}

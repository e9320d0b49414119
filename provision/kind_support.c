/*
 * kind_support.c - helpers shared by the resource kinds. See kind_support.h.
 *
 * Policies are compared as parsed JSON because AWS hands back documents
 * re-serialised (IAM URL-encodes and reorders, SQS strips whitespace, both
 * turn a one-element list into a bare string): comparing text would report
 * drift on every read.
 */
#include "provision/kind_support.h"
#include "stack/description.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_map_tag(void *ctx, const char *key, const char *value)
{
    cJSON_AddStringToObject(ctx, key, value);
}

cJSON *tags_json_map(const stack *s, const resource *r)
{
    cJSON *map = cJSON_CreateObject();
    stack_each_tag(s, r, add_map_tag, map);
    return map;
}

static void add_list_tag(void *ctx, const char *key, const char *value)
{
    cJSON *tag = cJSON_CreateObject();
    cJSON_AddStringToObject(tag, "Key", key);
    cJSON_AddStringToObject(tag, "Value", value);
    cJSON_AddItemToArray(ctx, tag);
}

cJSON *tags_json_list(const stack *s, const resource *r)
{
    cJSON *list = cJSON_CreateArray();
    stack_each_tag(s, r, add_list_tag, list);
    return list;
}

typedef struct query_tag_writer {
    aws_params *params;
    const char *prefix;
    int n;
} query_tag_writer;

static void add_query_tag(void *ctx, const char *key, const char *value)
{
    query_tag_writer *w = ctx;
    char name[128];
    w->n++;
    snprintf(name, sizeof name, "%s.%d.Key", w->prefix, w->n);
    aws_params_add(w->params, name, key);
    snprintf(name, sizeof name, "%s.%d.Value", w->prefix, w->n);
    aws_params_add(w->params, name, value);
}

void tags_query_params(const stack *s, const resource *r, const char *prefix, aws_params *params)
{
    query_tag_writer w = {params, prefix, 0};
    stack_each_tag(s, r, add_query_tag, &w);
}

void arn_format(const stack *s, arn_scope scope, const char *service, const char *resource_id,
                char out[ARN_SIZE])
{
    const char *region = scope == ARN_REGIONAL ? stack_region(s) : "";
    const char *account = scope == ARN_NO_ACCOUNT ? "" : stack_account(s);
    snprintf(out, ARN_SIZE, "arn:%s:%s:%s:%s:%s", stack_partition(s), service, region, account,
             resource_id);
}

void arn_of_role(const stack *s, arn_scope scope, const char *service, const char *resource_prefix,
                 const char *role, char out[ARN_SIZE])
{
    char resource_id[ARN_SIZE];
    snprintf(resource_id, sizeof resource_id, "%s%s", resource_prefix, stack_resource_name(s, role));
    arn_format(s, scope, service, resource_id, out);
}

int policy_render(const char *template_name, const char *const *vars, base_buf *out, base_error *err)
{
    TRY(template_render(template_name, vars, out, err));
    cJSON *doc = cJSON_Parse(base_buf_str(out));
    ENSURE(doc, err, BASE_ERROR_INVALID, "BadTemplate", "templates/%s is not JSON once filled in",
           template_name);
    cJSON_Delete(doc);
    return 0;
}

static bool json_equal(const cJSON *a, const cJSON *b);

/* Every element of a has an equal element in b (arrays as sets). */
static bool array_covers(const cJSON *a, const cJSON *b)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, a) {
        bool found = false;
        const cJSON *y;
        cJSON_ArrayForEach(y, b) {
            if (json_equal(x, y)) {
                found = true;
                break;
            }
        }
        if (!found)
            return false;
    }
    return true;
}

static bool object_covers(const cJSON *a, const cJSON *b)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, a) {
        if (!json_equal(x, cJSON_GetObjectItemCaseSensitive(b, x->string)))
            return false;
    }
    return true;
}

static bool json_equal(const cJSON *a, const cJSON *b)
{
    if (!a || !b)
        return a == b;
    /* ["x"] and "x" mean the same in a policy. */
    if (cJSON_IsArray(a) && !cJSON_IsArray(b) && cJSON_GetArraySize(a) == 1)
        return json_equal(cJSON_GetArrayItem(a, 0), b);
    if (cJSON_IsArray(b) && !cJSON_IsArray(a) && cJSON_GetArraySize(b) == 1)
        return json_equal(a, cJSON_GetArrayItem(b, 0));
    if (cJSON_IsArray(a) && cJSON_IsArray(b))
        return array_covers(a, b) && array_covers(b, a);
    if (cJSON_IsObject(a) && cJSON_IsObject(b))
        return object_covers(a, b) && object_covers(b, a);
    if (cJSON_IsString(a) && cJSON_IsString(b))
        return strcmp(a->valuestring, b->valuestring) == 0;
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
        return a->valuedouble == b->valuedouble;
    if (cJSON_IsBool(a) && cJSON_IsBool(b))
        return cJSON_IsTrue(a) == cJSON_IsTrue(b);
    return cJSON_IsNull(a) && cJSON_IsNull(b);
}

bool policy_equal(const char *a, const char *b)
{
    cJSON *da = a && a[0] ? cJSON_Parse(a) : NULL;
    cJSON *db = b && b[0] ? cJSON_Parse(b) : NULL;
    bool equal = json_equal(da, db);
    cJSON_Delete(da);
    cJSON_Delete(db);
    return equal;
}

static char *compact(const char *doc)
{
    cJSON *parsed = doc && doc[0] ? cJSON_Parse(doc) : NULL;
    char *text = parsed ? cJSON_PrintUnformatted(parsed) : base_xstrdup(doc ? doc : "");
    cJSON_Delete(parsed);
    return text;
}

void policy_drift(resource *r, const char *setting, const char *live, const char *wanted)
{
    char *live_text = compact(live);
    char *wanted_text = compact(wanted);
    resource_add_drift(r, setting, live_text, wanted_text);
    free(live_text);
    free(wanted_text);
}

bool drift_int(resource *r, const char *setting, long live, long wanted)
{
    if (live == wanted)
        return false;
    char live_text[32], wanted_text[32];
    snprintf(live_text, sizeof live_text, "%ld", live);
    snprintf(wanted_text, sizeof wanted_text, "%ld", wanted);
    resource_add_drift(r, setting, live_text, wanted_text);
    return true;
}

void xml_each_element(xmlNodePtr root, const char *name, xml_element_fn fn, void *ctx)
{
    for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)n->name, name) == 0)
            fn(ctx, n);
        else
            xml_each_element(n, name, fn, ctx);
    }
}

bool error_is(const base_error *err, const char *code)
{
    return err->kind == BASE_ERROR_SERVICE && strcmp(err->code, code) == 0;
}

int allow_error(int rc, base_error *err, const char *code)
{
    if (rc == 0 || !error_is(err, code))
        return rc;
    base_error_clear(err);
    return 0;
}

int json_call_with(aws_client *client, const aws_service *svc, const char *operation,
                   const char *field, const char *value, cJSON **out, base_error *err)
{
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, field, value);
    cJSON *answer = NULL;
    int rc = aws_json_call(client, svc, operation, in, &answer, err);
    cJSON_Delete(in);
    if (out)
        *out = answer;
    else
        cJSON_Delete(answer);
    return rc;
}

void id_set_add(id_set *s, const char *id)
{
    if (id && id[0] && s->count < ID_SET_MAX)
        snprintf(s->id[s->count++], sizeof s->id[0], "%s", id);
}

static bool id_set_contains(const id_set *s, const char *id)
{
    for (int i = 0; i < s->count; i++)
        if (strcmp(s->id[i], id) == 0)
            return true;
    return false;
}

bool id_set_equal(const id_set *a, const id_set *b)
{
    for (int i = 0; i < a->count; i++)
        if (!id_set_contains(b, a->id[i]))
            return false;
    for (int i = 0; i < b->count; i++)
        if (!id_set_contains(a, b->id[i]))
            return false;
    return true;
}

void id_set_add_element(void *ctx, xmlNodePtr element)
{
    xmlChar *text = xmlNodeGetContent(element);
    if (text)
        id_set_add(ctx, (const char *)text);
    xmlFree(text);
}

void id_set_params(const id_set *s, const char *prefix, aws_params *params)
{
    for (int i = 0; i < s->count; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s.%d", prefix, i + 1);
        aws_params_add(params, name, s->id[i]);
    }
}

static void join_ids(const id_set *s, base_buf *out)
{
    for (int i = 0; i < s->count; i++)
        base_buf_printf(out, "%s%s", i ? ", " : "", s->id[i]);
}

void id_set_drift(resource *r, const char *setting, const id_set *live, const id_set *wanted)
{
    base_buf is = {0}, says = {0};
    join_ids(live, &is);
    join_ids(wanted, &says);
    resource_add_drift(r, setting, base_buf_str(&is), base_buf_str(&says));
    base_buf_free(&is);
    base_buf_free(&says);
}

bool private_subnet_ids(const op_ctx *ctx, id_set *out)
{
    out->count = 0;
    for (int z = 1; z <= ctx->cfg->network.availability_zones && z <= ID_SET_MAX; z++) {
        char role[32];
        snprintf(role, sizeof role, ROLE_PRIVATE_SUBNET_FORMAT, z);
        const char *id = stack_output(ctx->stack, role, "subnet_id");
        if (!id || !id[0]) {
            out->count = 0;
            return false;
        }
        id_set_add(out, id);
    }
    return true;
}

long json_long_at(const cJSON *object, const char *key)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsNumber(n) ? (long)n->valuedouble : -1;
}

const char *json_string_at(const cJSON *object, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(object, key));
}

void json_copy_string_at(char *out, size_t size, const cJSON *object, const char *key)
{
    const char *value = json_string_at(object, key);
    snprintf(out, size, "%s", value ? value : "");
}

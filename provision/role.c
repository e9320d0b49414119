/*
 * role.c - the IAM roles (variant "functions" or "scheduler"), found by name.
 *
 * Each role is a trust policy and one inline policy named after the role,
 * both from templates/; no AWS managed policy, whose actions and resources
 * are wider than what the code calls. The inline policy allows each call the
 * runtime and the services acting for it make (runtime/aws-calls.md) on the
 * resources it makes it on, and nothing else.
 *
 * Most resources are named by their planned names (stack_resource_name). The
 * functions' policy also names what AWS gives an id when it is created: the
 * WebSocket API and its stage (posting to connections), the private subnets
 * and the functions' security group (the network interfaces Lambda makes),
 * so that role depends on them. Until they all exist (status, plan or down
 * of a stack not yet built) that policy is unknown: it is neither compared
 * nor put. Two of its lists are built here from the stack's rows rather than
 * written in the template: one log group per function, one ARN per private
 * subnet.
 *
 * Read compares policies as JSON (IAM returns them URL-encoded and
 * re-serialised); update puts them back and detaches or deletes any policy
 * the stack did not put there (an older stack's managed policy included). A
 * role that was just created is not assumable for a few seconds: the walker
 * retries dependents, not this file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cursor.h"
#include "provision/kind_support.h"
#include "provision/kinds.h"
#include "provision/stack.h"
#include "stack/description.h"

/* The ARNs a variant's policy names beyond its template's variables: the
 * ids AWS chose (live) and the lists built from the stack. */
typedef struct live_arns {
    char connections[ARN_SIZE];
    char security_group[ARN_SIZE];
    id_set subnets;
} live_arns;

typedef struct role_variant {
    const char *variant;
    const char *trust_template;
    const char *policy_template;
    bool names_live_ids; /* the policy names ids AWS chose (live_arns) */
    const char *description;
} role_variant;

static const role_variant variants[] = {
    {"functions", "functions-trust.json", "functions-policy.json", true,
     "Scribble's Lambda functions: the calls they make on this stack's queues, tables, bucket, "
     "WebSocket connections, log groups and network interfaces"},
    {"scheduler", "scheduler-trust.json", "scheduler-policy.json", false,
     "Scribble's schedules: invoke the snapshot and save functions"},
};

/* The documents this role should have, rendered. */
typedef struct role_plan {
    const role_variant *variant;
    base_buf trust;
    base_buf policy;
    bool policy_known; /* false while an id the policy names does not exist yet */
} role_plan;

static void plan_free(role_plan *p)
{
    base_buf_free(&p->trust);
    base_buf_free(&p->policy);
}

/* The ids the functions' policy names, as ARNs; false while one is missing. */
static bool find_live_arns(op_ctx *ctx, live_arns *live)
{
    const stack *s = ctx->stack;
    const char *api_id = stack_output(s, ROLE_WEBSOCKET_API, "api_id");
    const char *stage = stack_output(s, ROLE_WEBSOCKET_API, "stage");
    const char *group = stack_output(s, ROLE_FUNCTIONS_SECURITY_GROUP, "group_id");
    if (!api_id || !stage || !group || !private_subnet_ids(ctx, &live->subnets))
        return false;
    char path[256];
    snprintf(path, sizeof path, "%s/%s/POST/@connections/*", api_id, stage);
    arn_format(s, ARN_REGIONAL, "execute-api", path, live->connections);
    snprintf(path, sizeof path, "security-group/%s", group);
    arn_format(s, ARN_REGIONAL, "ec2", path, live->security_group);
    return true;
}

/* The Resource list of the statement named sid in policy. */
static cJSON *statement_resources(cJSON *policy, const char *sid)
{
    const cJSON *statement;
    cJSON_ArrayForEach(statement, cJSON_GetObjectItemCaseSensitive(policy, "Statement")) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(statement, "Sid"));
        if (name && strcmp(name, sid) == 0)
            return cJSON_GetObjectItemCaseSensitive(statement, "Resource");
    }
    return NULL;
}

/* Adds each function's log group and each private subnet to their
 * statements' Resource lists. */
static void add_stack_lists(op_ctx *ctx, const live_arns *live, cJSON *policy)
{
    cJSON *logs = statement_resources(policy, "FunctionLogs");
    for (size_t i = 0; i < stack_count(ctx->stack); i++) {
        const resource *r = stack_at(ctx->stack, i);
        if (r->ops != &log_group_ops)
            continue;
        char name[256], path[300], arn[ARN_SIZE];
        log_group_name(ctx->stack, r->variant, name, sizeof name);
        snprintf(path, sizeof path, "log-group:%s:*", name);
        arn_format(ctx->stack, ARN_REGIONAL, "logs", path, arn);
        cJSON_AddItemToArray(logs, cJSON_CreateString(arn));
    }
    cJSON *subnets = statement_resources(policy, "NetworkInterfacesCreated");
    for (int i = 0; i < live->subnets.count; i++) {
        char path[96], arn[ARN_SIZE];
        snprintf(path, sizeof path, "subnet/%s", live->subnets.id[i]);
        arn_format(ctx->stack, ARN_REGIONAL, "ec2", path, arn);
        cJSON_AddItemToArray(subnets, cJSON_CreateString(arn));
    }
}

/* Renders the variant's policy and completes its lists; the text in out. */
static int render_policy(op_ctx *ctx, const role_variant *v, const live_arns *live,
                         const char *const *vars, base_buf *out, base_error *err)
{
    TRY(policy_render(v->policy_template, vars, out, err));
    if (!v->names_live_ids)
        return 0;
    cJSON *policy = cJSON_Parse(base_buf_str(out));
    bool complete = cJSON_IsArray(statement_resources(policy, "FunctionLogs")) &&
                    cJSON_IsArray(statement_resources(policy, "NetworkInterfacesCreated"));
    if (complete) {
        add_stack_lists(ctx, live, policy);
        char *text = cJSON_PrintUnformatted(policy);
        base_buf_reset(out);
        base_buf_append_str(out, text);
        free(text);
    }
    cJSON_Delete(policy);
    ENSURE(complete, err, BASE_ERROR_INVALID, "BadTemplate",
           "templates/%s has no FunctionLogs or NetworkInterfacesCreated statement with a "
           "Resource list",
           v->policy_template);
    return 0;
}

static const role_variant *find_variant(const resource *r)
{
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
        if (r->variant && strcmp(r->variant, variants[i].variant) == 0)
            return &variants[i];
    return NULL;
}

/* The templates' variables for what the stack's description lists
 * (stack/description.h): <queue>_queue_arn, <table>_table_arn and, for each
 * schedule's handler, <handler>_function_arn. */
#define DESCRIBED_ARNS_MAX 16
typedef struct described_arns {
    size_t count;
    char variable[DESCRIBED_ARNS_MAX][ROLE_SIZE];
    char arn[DESCRIBED_ARNS_MAX][ARN_SIZE];
} described_arns;

static void described_arn(const stack *s, described_arns *out, const char *service,
                          const char *prefix, const char *role, const char *variable)
{
    if (out->count == DESCRIBED_ARNS_MAX)
        abort(); /* the description outgrew this table: a bug here */
    snprintf(out->variable[out->count], ROLE_SIZE, "%s_arn", variable);
    for (char *c = out->variable[out->count]; *c; c++)
        *c = *c == '-' ? '_' : *c;
    arn_of_role(s, ARN_REGIONAL, service, prefix, role, out->arn[out->count++]);
}

static void describe_arns(const stack *s, described_arns *out)
{
    char role[ROLE_SIZE];
    out->count = 0;
    for (size_t q = 0; q < described_queue_count; q++) {
        snprintf(role, sizeof role, ROLE_QUEUE_FORMAT, described_queues[q].name);
        described_arn(s, out, "sqs", "", role, role);
    }
    for (size_t t = 0; t < described_table_count; t++) {
        snprintf(role, sizeof role, ROLE_TABLE_FORMAT, described_tables[t].name);
        described_arn(s, out, "dynamodb", "table/", role, role);
    }
    for (size_t i = 0; i < described_schedule_count; i++) {
        snprintf(role, sizeof role, ROLE_FUNCTION_FORMAT, described_schedules[i].handler);
        described_arn(s, out, "lambda", "function:", role, role);
    }
}

static int plan_role(op_ctx *ctx, const resource *r, role_plan *p, base_error *err)
{
    memset(p, 0, sizeof *p);
    p->variant = find_variant(r);
    ENSURE(p->variant, err, BASE_ERROR_INVALID, "UnknownVariant", "role %s: unknown variant %s",
           r->name, r->variant ? r->variant : "(none)");
    const stack *s = ctx->stack;
    live_arns live = {0};
    p->policy_known = !p->variant->names_live_ids || find_live_arns(ctx, &live);
    char bucket[ARN_SIZE], interfaces[ARN_SIZE];
    arn_of_role(s, ARN_NO_ACCOUNT, "s3", "", ROLE_SITE_BUCKET, bucket);
    arn_format(s, ARN_REGIONAL, "ec2", "network-interface/*", interfaces);
    described_arns described;
    describe_arns(s, &described);
    const char *vars[2 * (DESCRIBED_ARNS_MAX + 6) + 1] = {
        "account", stack_account(s),
        "bucket_arn", bucket,
        "network_interfaces_arn", interfaces,
        "connections_arn", live.connections,
        "functions_security_group_arn", live.security_group,
    };
    size_t n = 10;
    for (size_t i = 0; i < described.count; i++) {
        vars[n++] = described.variable[i];
        vars[n++] = described.arn[i];
    }
    vars[n] = NULL;
    if (policy_render(p->variant->trust_template, vars, &p->trust, err) != 0 ||
        (p->policy_known && render_policy(ctx, p->variant, &live, vars, &p->policy, err) != 0)) {
        plan_free(p);
        return -1;
    }
    return 0;
}

/* The plan, which create and update cannot do without a known policy. */
static int plan_whole_role(op_ctx *ctx, const resource *r, role_plan *p, base_error *err)
{
    TRY(plan_role(ctx, r, p, err));
    if (p->policy_known)
        return 0;
    plan_free(p);
    return base_error_set(err, BASE_ERROR_INVALID, "DependencyMissing",
                         "%s's policy names the WebSocket API, the private subnets and the "
                         "functions' security group, and one of them does not exist", r->name);
}

/* One IAM call on this role; extra is a NULL-terminated name, value list. */
static int iam_call(op_ctx *ctx, const char *action, const resource *r, const char *const *extra,
                    xmlDocPtr *out, base_error *err)
{
    aws_params p = {0};
    aws_params_add(&p, "RoleName", r->name);
    for (size_t i = 0; extra && extra[i] && extra[i + 1]; i += 2)
        aws_params_add(&p, extra[i], extra[i + 1]);
    xmlDocPtr doc = NULL;
    int rc = aws_query_call(ctx->client, &aws_service_iam, action, &p, &doc, err);
    aws_params_free(&p);
    if (out)
        *out = doc;
    else
        xmlFreeDoc(doc);
    return rc;
}

/* Like iam_call, but NoSuchEntity (already gone) is success. */
static int iam_call_gone_ok(op_ctx *ctx, const char *action, const resource *r,
                            const char *const *extra, base_error *err)
{
    return allow_error(iam_call(ctx, action, r, extra, NULL, err), err, "NoSuchEntity");
}

static void append_line(void *ctx, xmlNodePtr element)
{
    xmlChar *text = xmlNodeGetContent(element);
    base_buf_printf(ctx, "%s\n", text ? (const char *)text : "");
    xmlFree(text);
}

/* Every value of `element` across the pages of a List* call, one per line. */
static int list_all(op_ctx *ctx, const char *action, const resource *r, const char *element,
                    base_buf *lines, base_error *err)
{
    char *marker = NULL;
    for (;;) {
        const char *extra[] = {"Marker", marker, NULL};
        xmlDocPtr doc = NULL;
        int rc = iam_call(ctx, action, r, marker ? extra : NULL, &doc, err);
        free(marker);
        marker = NULL;
        if (rc != 0)
            return -1;
        xmlNodePtr root = xmlDocGetRootElement(doc);
        xml_each_element(root, element, append_line, lines);
        char *truncated = aws_xml_find_text(root, "IsTruncated");
        if (truncated && strcmp(truncated, "true") == 0)
            marker = aws_xml_find_text(root, "Marker");
        free(truncated);
        xmlFreeDoc(doc);
        if (!marker)
            return 0;
    }
}

/* The role's managed policies (all foreign: the stack attaches none) and
 * its inline policies other than the plan's, one per line. */
static int list_foreign(op_ctx *ctx, const resource *r, base_buf *managed, base_buf *inline_names,
                        base_error *err)
{
    base_buf all = {0};
    base_cursor c, line;
    TRY(list_all(ctx, "ListAttachedRolePolicies", r, "PolicyArn", managed, err));
    int rc = list_all(ctx, "ListRolePolicies", r, "member", &all, err);
    for (c = base_cursor_from(base_buf_str(&all)); rc == 0 && base_cursor_next_token(&c, '\n', &line);)
        if (!base_cursor_eq_str(line, r->name))
            base_buf_printf(inline_names, "%.*s\n", (int)line.len, line.ptr);
    base_buf_free(&all);
    return rc;
}

/* A policy document as IAM returns it: URL-encoded. */
static char *decoded_document(xmlNodePtr root, const char *element)
{
    char *raw = aws_xml_find_text(root, element);
    if (!raw)
        return NULL;
    base_buf decoded = {0};
    aws_uri_decode(&decoded, raw, strlen(raw));
    free(raw);
    return base_buf_detach(&decoded);
}

static void fill(resource *r, xmlNodePtr role)
{
    char *arn = aws_xml_find_text(role, "Arn");
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", r->name);
    snprintf(r->arn, sizeof r->arn, "%s", arn ? arn : "");
    snprintf(r->state, sizeof r->state, "available");
    resource_set_output(r, "role_arn", r->arn);
    resource_set_output(r, "role_name", r->name);
    free(arn);
}

/* A drift line naming policies the stack did not put there (lines become ", "). */
static void add_list_drift(resource *r, const char *setting, const base_buf *lines)
{
    if (!lines->len)
        return;
    base_buf listed = {0};
    base_cursor c = base_cursor_from(base_buf_str(lines)), line;
    while (base_cursor_next_token(&c, '\n', &line))
        base_buf_printf(&listed, "%s%.*s", listed.len ? ", " : "", (int)line.len, line.ptr);
    resource_add_drift(r, setting, base_buf_str(&listed), "(none)");
    base_buf_free(&listed);
}

static void compare_policies(op_ctx *ctx, resource *r, const role_plan *p, xmlNodePtr role,
                             base_error *err, int *rc)
{
    char *trust = decoded_document(role, "AssumeRolePolicyDocument");
    if (!policy_equal(trust, base_buf_str(&p->trust)))
        policy_drift(r, "role trust policy", trust, base_buf_str(&p->trust));
    free(trust);

    base_buf managed = {0}, inline_names = {0};
    *rc = list_foreign(ctx, r, &managed, &inline_names, err);
    add_list_drift(r, "role other managed policies", &managed);
    add_list_drift(r, "role other inline policies", &inline_names);
    base_buf_free(&managed);
    base_buf_free(&inline_names);
    if (*rc != 0 || !p->policy_known) /* unknown: nothing to compare with */
        return;

    const char *name[] = {"PolicyName", r->name, NULL};
    xmlDocPtr doc = NULL;
    *rc = allow_error(iam_call(ctx, "GetRolePolicy", r, name, &doc, err), err, "NoSuchEntity");
    if (*rc != 0)
        return;
    char *policy = doc ? decoded_document(xmlDocGetRootElement(doc), "PolicyDocument") : NULL;
    if (!policy_equal(policy, base_buf_str(&p->policy)))
        policy_drift(r, "role inline policy", policy, base_buf_str(&p->policy));
    free(policy);
    xmlFreeDoc(doc);
}

static int role_read(op_ctx *ctx, resource *r, base_error *err)
{
    role_plan p;
    TRY(plan_role(ctx, r, &p, err));
    xmlDocPtr doc = NULL;
    int rc = iam_call(ctx, "GetRole", r, NULL, &doc, err);
    if (rc != 0 && error_is(err, "NoSuchEntity")) {
        base_error_clear(err);
        plan_free(&p);
        return 0;
    }
    if (rc == 0) {
        xmlNodePtr root = xmlDocGetRootElement(doc);
        fill(r, root);
        compare_policies(ctx, r, &p, root, err, &rc);
    }
    xmlFreeDoc(doc);
    plan_free(&p);
    return rc;
}

/* Detaches the managed policies and deletes the inline ones listed (one per line). */
static int drop_policies(op_ctx *ctx, const resource *r, const base_buf *managed,
                         const base_buf *inline_names, base_error *err)
{
    int rc = 0;
    base_cursor c = base_cursor_from(base_buf_str(managed)), line;
    while (rc == 0 && base_cursor_next_token(&c, '\n', &line)) {
        char *arn = base_cursor_dup(line);
        const char *detach[] = {"PolicyArn", arn, NULL};
        rc = iam_call_gone_ok(ctx, "DetachRolePolicy", r, detach, err);
        free(arn);
    }
    c = base_cursor_from(base_buf_str(inline_names));
    while (rc == 0 && base_cursor_next_token(&c, '\n', &line)) {
        char *name = base_cursor_dup(line);
        const char *del[] = {"PolicyName", name, NULL};
        rc = iam_call_gone_ok(ctx, "DeleteRolePolicy", r, del, err);
        free(name);
    }
    return rc;
}

/* Puts every policy of the plan in place and removes any other. */
static int apply_policies(op_ctx *ctx, resource *r, const role_plan *p, base_error *err)
{
    const char *trust[] = {"PolicyDocument", base_buf_str(&p->trust), NULL};
    TRY(iam_call(ctx, "UpdateAssumeRolePolicy", r, trust, NULL, err));
    const char *put[] = {"PolicyName", r->name, "PolicyDocument", base_buf_str(&p->policy), NULL};
    TRY(iam_call(ctx, "PutRolePolicy", r, put, NULL, err));
    base_buf managed = {0}, inline_names = {0};
    int rc = list_foreign(ctx, r, &managed, &inline_names, err);
    if (rc == 0)
        rc = drop_policies(ctx, r, &managed, &inline_names, err);
    base_buf_free(&managed);
    base_buf_free(&inline_names);
    return rc;
}

static int role_create(op_ctx *ctx, resource *r, base_error *err)
{
    role_plan p;
    TRY(plan_whole_role(ctx, r, &p, err));
    aws_params params = {0};
    aws_params_add(&params, "RoleName", r->name);
    aws_params_add(&params, "AssumeRolePolicyDocument", base_buf_str(&p.trust));
    aws_params_add(&params, "Description", p.variant->description);
    tags_query_params(ctx->stack, r, "Tags.member", &params);
    xmlDocPtr doc = NULL;
    int rc = aws_query_call(ctx->client, &aws_service_iam, "CreateRole", &params, &doc, err);
    aws_params_free(&params);
    if (rc != 0 && error_is(err, "EntityAlreadyExists")) { /* an interrupted earlier create */
        base_error_clear(err);
        rc = iam_call(ctx, "GetRole", r, NULL, &doc, err);
    }
    if (rc == 0) {
        fill(r, xmlDocGetRootElement(doc));
        rc = apply_policies(ctx, r, &p, err);
    }
    /* IAM is eventually consistent: a role just made may not be found yet.
     * The retry finds it existing (EntityAlreadyExists) and carries on. */
    if (rc != 0 && error_is(err, "NoSuchEntity"))
        err->retryable = true;
    xmlFreeDoc(doc);
    plan_free(&p);
    return rc;
}

static int role_update(op_ctx *ctx, resource *r, base_error *err)
{
    role_plan p;
    TRY(plan_whole_role(ctx, r, &p, err));
    int rc = apply_policies(ctx, r, &p, err);
    plan_free(&p);
    return rc;
}

static int role_remove(op_ctx *ctx, resource *r, base_error *err)
{
    base_buf attached = {0}, inline_names = {0};
    int rc = list_all(ctx, "ListAttachedRolePolicies", r, "PolicyArn", &attached, err);
    if (rc == 0)
        rc = list_all(ctx, "ListRolePolicies", r, "member", &inline_names, err);
    if (rc == 0)
        rc = drop_policies(ctx, r, &attached, &inline_names, err);
    base_buf_free(&attached);
    base_buf_free(&inline_names);
    if (rc == 0)
        rc = iam_call_gone_ok(ctx, "DeleteRole", r, NULL, err);
    if (rc != 0 && error_is(err, "DeleteConflict"))
        err->retryable = true; /* a policy attached meanwhile: detach it on the next try */
    return rc;
}

const resource_ops role_ops = {
    .kind = "IAM role",
    .read = role_read,
    .create = role_create,
    .update = role_update,
    .remove = role_remove,
};

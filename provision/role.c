/*
 * role.c - the IAM roles (variant "functions" or "scheduler"), found by name.
 *
 * Each role is a trust policy, at most one AWS managed policy and one inline
 * policy named after the role, all from templates/. Every resource a policy
 * names is named by its planned name (stack_resource_name), so a role needs
 * nothing else to exist and nothing depends on the order of creation.
 *
 * The functions' WebSocket permission cannot name its API: the API's id is
 * chosen by AWS when it is created, and the API depends on the functions,
 * which depend on this role. It is scoped instead to this account and region,
 * any API and stage, and only POST on @connections (sending to a client).
 *
 * Read compares policies as JSON (IAM returns them URL-encoded and
 * re-serialised); update puts them all back and detaches or deletes any
 * policy the stack did not put there. A role that was just created is not
 * assumable for a few seconds: the walker retries dependents, not this file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/kind_support.h"

typedef struct role_variant {
    const char *variant;
    const char *trust_template;
    const char *policy_template;
    const char *managed_policy; /* after arn:<partition>:iam::aws:policy/; NULL: none */
    const char *description;
} role_variant;

static const role_variant variants[] = {
    {"functions", "functions-trust.json", "functions-policy.json",
     "service-role/AWSLambdaVPCAccessExecutionRole",
     "Scribble's Lambda functions: this stack's queues, tables, bucket and WebSocket connections"},
    {"scheduler", "scheduler-trust.json", "scheduler-policy.json", NULL,
     "Scribble's schedules: invoke the snapshot and save functions"},
};

/* The documents this role should have, rendered. */
typedef struct role_plan {
    const role_variant *variant;
    aws_buf trust;
    aws_buf policy;
    char managed_arn[ARN_SIZE]; /* "" when none */
} role_plan;

static void plan_free(role_plan *p)
{
    aws_buf_free(&p->trust);
    aws_buf_free(&p->policy);
}

static int plan_role(op_ctx *ctx, const resource *r, role_plan *p, aws_error *err)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
        if (r->variant && strcmp(r->variant, variants[i].variant) == 0)
            p->variant = &variants[i];
    ENSURE(p->variant, err, AWS_ERROR_INVALID, "UnknownVariant", "role %s: unknown variant %s",
           r->name, r->variant ? r->variant : "(none)");
    const stack *s = ctx->stack;
    char catchup[ARN_SIZE], pixel[ARN_SIZE], pixels[ARN_SIZE], history[ARN_SIZE], bucket[ARN_SIZE];
    char connections[ARN_SIZE], logs[ARN_SIZE], snapshot[ARN_SIZE], save[ARN_SIZE], prefix[256];
    arn_of_role(s, ARN_REGIONAL, "sqs", "", "catchup-queue", catchup);
    arn_of_role(s, ARN_REGIONAL, "sqs", "", "pixel-queue", pixel);
    arn_of_role(s, ARN_REGIONAL, "dynamodb", "table/", "pixels-table", pixels);
    arn_of_role(s, ARN_REGIONAL, "dynamodb", "table/", "history-table", history);
    arn_of_role(s, ARN_NO_ACCOUNT, "s3", "", "site-bucket", bucket);
    arn_format(s, ARN_REGIONAL, "execute-api", "*/*/POST/@connections/*", connections);
    snprintf(prefix, sizeof prefix, "log-group:/aws/lambda/%s-*-function", stack_name(s));
    arn_format(s, ARN_REGIONAL, "logs", prefix, logs);
    arn_of_role(s, ARN_REGIONAL, "lambda", "function:", "snapshot-function", snapshot);
    arn_of_role(s, ARN_REGIONAL, "lambda", "function:", "save-function", save);
    const char *vars[] = {
        "account", stack_account(s),
        "catchup_queue_arn", catchup,
        "pixel_queue_arn", pixel,
        "pixels_table_arn", pixels,
        "history_table_arn", history,
        "bucket_arn", bucket,
        "connections_arn", connections,
        "log_groups_arn", logs,
        "snapshot_function_arn", snapshot,
        "save_function_arn", save,
        NULL,
    };
    if (p->variant->managed_policy)
        snprintf(p->managed_arn, sizeof p->managed_arn, "arn:%s:iam::aws:policy/%s",
                 stack_partition(s), p->variant->managed_policy);
    if (policy_render(p->variant->trust_template, vars, &p->trust, err) != 0 ||
        policy_render(p->variant->policy_template, vars, &p->policy, err) != 0) {
        plan_free(p);
        return -1;
    }
    return 0;
}

/* One IAM call on this role; extra is a NULL-terminated name, value list. */
static int iam_call(op_ctx *ctx, const char *action, const resource *r, const char *const *extra,
                    xmlDocPtr *out, aws_error *err)
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
                            const char *const *extra, aws_error *err)
{
    return allow_error(iam_call(ctx, action, r, extra, NULL, err), err, "NoSuchEntity");
}

static void append_line(void *ctx, xmlNodePtr element)
{
    xmlChar *text = xmlNodeGetContent(element);
    aws_buf_printf(ctx, "%s\n", text ? (const char *)text : "");
    xmlFree(text);
}

/* Every value of `element` across the pages of a List* call, one per line. */
static int list_all(op_ctx *ctx, const char *action, const resource *r, const char *element,
                    aws_buf *lines, aws_error *err)
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

/* The role's managed and inline policies that the plan does not have, and
 * whether the plan's managed policy is attached. */
static int list_foreign(op_ctx *ctx, const resource *r, const role_plan *p, aws_buf *managed,
                        aws_buf *inline_names, bool *managed_attached, aws_error *err)
{
    aws_buf all = {0};
    aws_cursor c, line;
    *managed_attached = false;
    int rc = list_all(ctx, "ListAttachedRolePolicies", r, "PolicyArn", &all, err);
    for (c = aws_cursor_from(aws_buf_str(&all)); rc == 0 && aws_cursor_next_token(&c, '\n', &line);) {
        if (aws_cursor_eq_str(line, p->managed_arn))
            *managed_attached = true;
        else
            aws_buf_printf(managed, "%.*s\n", (int)line.len, line.ptr);
    }
    aws_buf_reset(&all);
    if (rc == 0)
        rc = list_all(ctx, "ListRolePolicies", r, "member", &all, err);
    for (c = aws_cursor_from(aws_buf_str(&all)); rc == 0 && aws_cursor_next_token(&c, '\n', &line);)
        if (!aws_cursor_eq_str(line, r->name))
            aws_buf_printf(inline_names, "%.*s\n", (int)line.len, line.ptr);
    aws_buf_free(&all);
    return rc;
}

/* A policy document as IAM returns it: URL-encoded. */
static char *decoded_document(xmlNodePtr root, const char *element)
{
    char *raw = aws_xml_find_text(root, element);
    if (!raw)
        return NULL;
    aws_buf decoded = {0};
    aws_uri_decode(&decoded, raw, strlen(raw));
    free(raw);
    return aws_buf_detach(&decoded);
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
static void add_list_drift(resource *r, const char *setting, const aws_buf *lines)
{
    if (!lines->len)
        return;
    aws_buf listed = {0};
    aws_cursor c = aws_cursor_from(aws_buf_str(lines)), line;
    while (aws_cursor_next_token(&c, '\n', &line))
        aws_buf_printf(&listed, "%s%.*s", listed.len ? ", " : "", (int)line.len, line.ptr);
    resource_add_drift(r, setting, aws_buf_str(&listed), "(none)");
    aws_buf_free(&listed);
}

static void compare_policies(op_ctx *ctx, resource *r, const role_plan *p, xmlNodePtr role,
                             aws_error *err, int *rc)
{
    char *trust = decoded_document(role, "AssumeRolePolicyDocument");
    if (!policy_equal(trust, aws_buf_str(&p->trust)))
        policy_drift(r, "role trust policy", trust, aws_buf_str(&p->trust));
    free(trust);

    aws_buf managed = {0}, inline_names = {0};
    bool attached = false;
    *rc = list_foreign(ctx, r, p, &managed, &inline_names, &attached, err);
    if (*rc == 0 && p->managed_arn[0] && !attached)
        resource_add_drift(r, "role managed policy", "(not attached)", p->managed_arn);
    add_list_drift(r, "role other managed policies", &managed);
    add_list_drift(r, "role other inline policies", &inline_names);
    aws_buf_free(&managed);
    aws_buf_free(&inline_names);
    if (*rc != 0)
        return;

    const char *name[] = {"PolicyName", r->name, NULL};
    xmlDocPtr doc = NULL;
    *rc = allow_error(iam_call(ctx, "GetRolePolicy", r, name, &doc, err), err, "NoSuchEntity");
    if (*rc != 0)
        return;
    char *policy = doc ? decoded_document(xmlDocGetRootElement(doc), "PolicyDocument") : NULL;
    if (!policy_equal(policy, aws_buf_str(&p->policy)))
        policy_drift(r, "role inline policy", policy, aws_buf_str(&p->policy));
    free(policy);
    xmlFreeDoc(doc);
}

static int role_read(op_ctx *ctx, resource *r, aws_error *err)
{
    role_plan p;
    TRY(plan_role(ctx, r, &p, err));
    xmlDocPtr doc = NULL;
    int rc = iam_call(ctx, "GetRole", r, NULL, &doc, err);
    if (rc != 0 && error_is(err, "NoSuchEntity")) {
        aws_error_clear(err);
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
static int drop_policies(op_ctx *ctx, const resource *r, const aws_buf *managed,
                         const aws_buf *inline_names, aws_error *err)
{
    int rc = 0;
    aws_cursor c = aws_cursor_from(aws_buf_str(managed)), line;
    while (rc == 0 && aws_cursor_next_token(&c, '\n', &line)) {
        char *arn = aws_cursor_dup(line);
        const char *detach[] = {"PolicyArn", arn, NULL};
        rc = iam_call_gone_ok(ctx, "DetachRolePolicy", r, detach, err);
        free(arn);
    }
    c = aws_cursor_from(aws_buf_str(inline_names));
    while (rc == 0 && aws_cursor_next_token(&c, '\n', &line)) {
        char *name = aws_cursor_dup(line);
        const char *del[] = {"PolicyName", name, NULL};
        rc = iam_call_gone_ok(ctx, "DeleteRolePolicy", r, del, err);
        free(name);
    }
    return rc;
}

/* Puts every policy of the plan in place and removes any other. */
static int apply_policies(op_ctx *ctx, resource *r, const role_plan *p, aws_error *err)
{
    const char *trust[] = {"PolicyDocument", aws_buf_str(&p->trust), NULL};
    TRY(iam_call(ctx, "UpdateAssumeRolePolicy", r, trust, NULL, err));
    if (p->managed_arn[0]) {
        const char *attach[] = {"PolicyArn", p->managed_arn, NULL};
        TRY(iam_call(ctx, "AttachRolePolicy", r, attach, NULL, err));
    }
    const char *put[] = {"PolicyName", r->name, "PolicyDocument", aws_buf_str(&p->policy), NULL};
    TRY(iam_call(ctx, "PutRolePolicy", r, put, NULL, err));
    aws_buf managed = {0}, inline_names = {0};
    bool attached;
    int rc = list_foreign(ctx, r, p, &managed, &inline_names, &attached, err);
    if (rc == 0)
        rc = drop_policies(ctx, r, &managed, &inline_names, err);
    aws_buf_free(&managed);
    aws_buf_free(&inline_names);
    return rc;
}

static int role_create(op_ctx *ctx, resource *r, aws_error *err)
{
    role_plan p;
    TRY(plan_role(ctx, r, &p, err));
    aws_params params = {0};
    aws_params_add(&params, "RoleName", r->name);
    aws_params_add(&params, "AssumeRolePolicyDocument", aws_buf_str(&p.trust));
    aws_params_add(&params, "Description", p.variant->description);
    tags_query_params(ctx->stack, r, "Tags.member", &params);
    xmlDocPtr doc = NULL;
    int rc = aws_query_call(ctx->client, &aws_service_iam, "CreateRole", &params, &doc, err);
    aws_params_free(&params);
    if (rc != 0 && error_is(err, "EntityAlreadyExists")) { /* an interrupted earlier create */
        aws_error_clear(err);
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

static int role_update(op_ctx *ctx, resource *r, aws_error *err)
{
    role_plan p;
    TRY(plan_role(ctx, r, &p, err));
    int rc = apply_policies(ctx, r, &p, err);
    plan_free(&p);
    return rc;
}

static int role_remove(op_ctx *ctx, resource *r, aws_error *err)
{
    aws_buf attached = {0}, inline_names = {0};
    int rc = list_all(ctx, "ListAttachedRolePolicies", r, "PolicyArn", &attached, err);
    if (rc == 0)
        rc = list_all(ctx, "ListRolePolicies", r, "member", &inline_names, err);
    if (rc == 0)
        rc = drop_policies(ctx, r, &attached, &inline_names, err);
    aws_buf_free(&attached);
    aws_buf_free(&inline_names);
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

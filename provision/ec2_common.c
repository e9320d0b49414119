/*
 * ec2_common.c - EC2 calls, tag lookups and XML walking shared by the
 * network resource kinds. It knows no particular kind: each kind passes the
 * action and element names from the EC2 API (botocore's ec2 model).
 */
#include "provision/ec2_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/sigv4.h"
#include "provision/kind_support.h"

/* An id EC2 has just handed out is unknown to its other calls for a moment:
 * "...NotFound" is worth another try (callers to whom it means "absent"
 * check the code, not this flag). */
static void mark_not_found_retryable(base_error *err)
{
    if (ec2_is_not_found(err))
        err->retryable = true;
}

int ec2_call(op_ctx *ctx, const char *action, aws_params *params, xmlDocPtr *out, base_error *err)
{
    xmlDocPtr doc = NULL;
    int rc = aws_query_call(ctx->client, &aws_service_ec2, action, params, &doc, err);
    if (rc != 0)
        mark_not_found_retryable(err);
    if (params)
        aws_params_free(params);
    if (out)
        *out = doc;
    else
        xmlFreeDoc(doc);
    return rc;
}

int ec2_call1(op_ctx *ctx, const char *action, const char *name, const char *value,
              base_error *err)
{
    aws_params p = {0};
    aws_params_add(&p, name, value);
    return ec2_call(ctx, action, &p, NULL, err);
}

void ec2_add_numbered(aws_params *params, const char *name, int n, const char *value)
{
    char key[96];
    snprintf(key, sizeof key, "%s.%d", name, n);
    aws_params_add(params, key, value);
}

int ec2_add_filter(aws_params *params, int n, const char *name, const char *value)
{
    char key[48];
    snprintf(key, sizeof key, "Filter.%d.Name", n);
    aws_params_add(params, key, name);
    snprintf(key, sizeof key, "Filter.%d.Value.1", n);
    aws_params_add(params, key, value);
    return n + 1;
}

xmlNodePtr ec2_child(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr n = node ? node->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
            return n;
    return NULL;
}

void ec2_text(xmlNodePtr node, const char *name, char *out, size_t size)
{
    xmlNodePtr child = ec2_child(node, name);
    xmlChar *text = child ? xmlNodeGetContent(child) : NULL;
    snprintf(out, size, "%s", text ? (const char *)text : "");
    xmlFree(text);
}

bool ec2_text_is(xmlNodePtr node, const char *name, const char *value)
{
    char text[512];
    ec2_text(node, name, text, sizeof text);
    return strcmp(text, value) == 0;
}

xmlNodePtr ec2_next_item(xmlNodePtr item)
{
    for (xmlNodePtr n = item ? item->next : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, "item") == 0)
            return n;
    return NULL;
}

xmlNodePtr ec2_first_item(xmlNodePtr set)
{
    return ec2_child(set, "item");
}

xmlNodePtr ec2_set_first(xmlDocPtr doc, const char *set_name)
{
    return doc ? ec2_first_item(ec2_child(xmlDocGetRootElement(doc), set_name)) : NULL;
}

static bool has_tag(xmlNodePtr item, const char *key, const char *value)
{
    for (xmlNodePtr t = ec2_first_item(ec2_child(item, "tagSet")); t; t = ec2_next_item(t))
        if (ec2_text_is(t, "key", key))
            return ec2_text_is(t, "value", value);
    return false;
}

bool ec2_state_in(const char *state, const char *const *states)
{
    for (size_t i = 0; states && states[i]; i++)
        if (strcasecmp(state, states[i]) == 0) /* VPC endpoints say "Available" */
            return true;
    return false;
}

static bool skipped(xmlNodePtr item, const char *state_name, const char *const *skip_states)
{
    if (!state_name[0] || !skip_states)
        return false;
    char state[64];
    ec2_text(item, state_name, state, sizeof state);
    return ec2_state_in(state, skip_states);
}

int ec2_find_tagged(op_ctx *ctx, const resource *r, const char *action, const char *set_name,
                    const char *state_name, const char *const *skip_states, xmlDocPtr *doc,
                    xmlNodePtr *item, base_error *err)
{
    char stack_filter[64], role_filter[64];
    snprintf(stack_filter, sizeof stack_filter, "tag:%s", TAG_STACK);
    snprintf(role_filter, sizeof role_filter, "tag:%s", TAG_ROLE);
    aws_params p = {0};
    ec2_add_filter(&p, ec2_add_filter(&p, 1, stack_filter, stack_name(ctx->stack)), role_filter,
                   r->role);
    *item = NULL;
    TRY(ec2_call(ctx, action, &p, doc, err));
    for (xmlNodePtr it = ec2_set_first(*doc, set_name); it; it = ec2_next_item(it)) {
        if (has_tag(it, TAG_STACK, stack_name(ctx->stack)) && has_tag(it, TAG_ROLE, r->role) &&
            !skipped(it, state_name, skip_states)) {
            *item = it;
            break;
        }
    }
    return 0;
}

bool ec2_is_not_found(const base_error *err)
{
    size_t n = strlen(err->code);
    return err->kind == BASE_ERROR_SERVICE && n >= 8 && strcmp(err->code + n - 8, "NotFound") == 0;
}

int ec2_describe_id(op_ctx *ctx, const char *action, const char *id_param, const char *id,
                    const char *set_name, xmlDocPtr *doc, xmlNodePtr *item, base_error *err)
{
    aws_params p = {0};
    aws_params_add(&p, id_param, id);
    *item = NULL;
    *doc = NULL;
    if (ec2_call(ctx, action, &p, doc, err) != 0) {
        if (!ec2_is_not_found(err))
            return -1;
        base_error_clear(err);
        return 0;
    }
    *item = ec2_set_first(*doc, set_name);
    return 0;
}

int ec2_not_visible_yet(const resource *r, base_error *err)
{
    base_error_set(err, BASE_ERROR_SERVICE, "NotVisibleYet", "%s %s is not visible yet",
                  r->ops->kind, r->id);
    err->retryable = true;
    return -1;
}

void ec2_publish(resource *r, const char *id, const char *output_key, const char *state)
{
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", id);
    snprintf(r->state, sizeof r->state, "%s", state);
    resource_set_output(r, output_key, id);
}

int ec2_poll_state(op_ctx *ctx, resource *r, const char *action, const char *id_param,
                   const char *set_name, bool removing, bool *done, base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    *done = false;
    TRY(ec2_describe_id(ctx, action, id_param, r->id, set_name, &doc, &item, err));
    char state[64] = "", failure[512] = "";
    if (item) {
        ec2_text(item, "state", state, sizeof state);
        ec2_text(item, "failureMessage", failure, sizeof failure);
    }
    xmlFreeDoc(doc);
    static const char *const deleted[] = {"deleted", NULL};
    static const char *const vanishing[] = {"deleted", "deleting", NULL};
    static const char *const failed[] = {"failed", NULL};
    static const char *const available[] = {"available", NULL};
    if (removing) {
        *done = !item || ec2_state_in(state, deleted);
        snprintf(r->state, sizeof r->state, "%s", *done ? "deleted" : state);
        return 0;
    }
    if (!item)
        return ec2_not_visible_yet(r, err);
    ENSURE(!ec2_state_in(state, vanishing), err, BASE_ERROR_SERVICE, "ResourceVanished",
           "%s %s disappeared while starting", r->ops->kind, r->id);
    snprintf(r->state, sizeof r->state, "%s", state);
    ENSURE(!ec2_state_in(state, failed), err, BASE_ERROR_SERVICE, "ResourceFailed",
           "%s %s failed: %s", r->ops->kind, r->id, failure[0] ? failure : "no reason given");
    *done = ec2_state_in(state, available);
    return 0;
}

int ec2_delete(op_ctx *ctx, const char *action, const char *name, const char *id,
               base_error *err)
{
    if (ec2_call1(ctx, action, name, id, err) == 0)
        return 0;
    if (ec2_is_not_found(err)) {
        base_error_clear(err);
        return 0;
    }
    return ec2_dependency_retryable(err);
}

int ec2_dependency_retryable(base_error *err)
{
    if (error_is(err, "DependencyViolation"))
        err->retryable = true;
    return -1;
}

/* Lambda's interfaces: type "lambda", or (older) described "AWS Lambda VPC ENI-...". */
static bool is_lambda_interface(xmlNodePtr item)
{
    char type[32], description[256];
    ec2_text(item, "interfaceType", type, sizeof type);
    ec2_text(item, "description", description, sizeof description);
    return strcmp(type, "lambda") == 0 || strncmp(description, "AWS Lambda VPC ENI", 18) == 0;
}

typedef struct interfaces {
    int lambda, other;
    base_buf ids; /* the first few, for the message */
} interfaces;

/* The network interfaces in r (filter = its id); false when they could not be read. */
static bool find_interfaces(op_ctx *ctx, const resource *r, const char *filter, interfaces *out)
{
    aws_params p = {0};
    ec2_add_filter(&p, 1, filter, r->id);
    xmlDocPtr doc = NULL;
    base_error ignored = {0};
    if (ec2_call(ctx, "DescribeNetworkInterfaces", &p, &doc, &ignored) != 0) {
        xmlFreeDoc(doc);
        return false;
    }
    for (xmlNodePtr it = ec2_set_first(doc, "networkInterfaceSet"); it; it = ec2_next_item(it)) {
        char id[64];
        ec2_text(it, "networkInterfaceId", id, sizeof id);
        if (is_lambda_interface(it))
            out->lambda++;
        else
            out->other++;
        if (out->lambda + out->other <= 4)
            base_buf_printf(&out->ids, "%s%s", out->ids.len ? ", " : "", id);
    }
    xmlFreeDoc(doc);
    return true;
}

/* Says what the delete waits for, and adds it to err's message. */
static void explain_dependency(op_ctx *ctx, const resource *r, const interfaces *found,
                               base_error *err)
{
    char what[400];
    int total = found->lambda + found->other;
    if (found->lambda && !found->other)
        snprintf(what, sizeof what, "%d Lambda network interface%s (%s)", found->lambda,
                 found->lambda == 1 ? "" : "s", base_buf_str(&found->ids));
    else
        snprintf(what, sizeof what, "%d network interface%s, %d of them Lambda's (%s%s)", total,
                 total == 1 ? "" : "s", found->lambda, base_buf_str(&found->ids),
                 total > 4 ? ", ..." : "");
    if (found->lambda)
        op_say(ctx, r, "waiting for %d Lambda network interface%s to be released (AWS keeps them "
               "up to 40 min after their functions are deleted)", found->lambda,
               found->lambda == 1 ? "" : "s");
    else
        op_say(ctx, r, "waiting for %d network interface%s that still use%s it (%s)", total,
               total == 1 ? "" : "s", total == 1 ? "s" : "", base_buf_str(&found->ids));
    size_t n = strlen(err->message);
    snprintf(err->message + n, sizeof err->message - n, "; still in use by %s", what);
}

int ec2_delete_waiting_for_interfaces(op_ctx *ctx, const resource *r, const char *action,
                                      const char *name, const char *filter, base_error *err)
{
    if (ec2_delete(ctx, action, name, r->id, err) == 0)
        return 0;
    if (!error_is(err, "DependencyViolation"))
        return -1;
    interfaces found = {0};
    if (find_interfaces(ctx, r, filter, &found) && found.lambda + found.other)
        explain_dependency(ctx, r, &found, err);
    else
        op_say(ctx, r, "waiting: %s: %s", err->code, err->message);
    base_buf_free(&found.ids);
    return -1;
}

void ec2_idempotency_token(const char *const *parts, char out[EC2_TOKEN_SIZE])
{
    base_buf joined = {0};
    for (size_t i = 0; parts[i]; i++) {
        base_buf_append_str(&joined, parts[i]);
        base_buf_append_char(&joined, '\n');
    }
    char hex[65];
    aws_sha256_hex(joined.data, joined.len, hex);
    base_buf_free(&joined);
    snprintf(out, EC2_TOKEN_SIZE, "scribble-%.40s", hex);
}

int ec2_required_output(op_ctx *ctx, const char *role, const char *key, const char **out,
                        base_error *err)
{
    *out = stack_output(ctx->stack, role, key);
    ENSURE(*out && (*out)[0], err, BASE_ERROR_INVALID, "MissingDependency",
           "%s of %s is not known yet (does %s exist?)", key, role, role);
    return 0;
}

#define MAX_STALE_TOKENS 4

int ec2_create_with_token(op_ctx *ctx, const char *action, aws_params *params,
                          const char *const *token_parts, const char *result_element,
                          const char *id_element, const char *const *gone_states, char id[64],
                          char state[32], base_error *err)
{
    const char *parts[EC2_TOKEN_BASE_PARTS + MAX_STALE_TOKENS + 1] = {0};
    size_t base = 0;
    while (base < EC2_TOKEN_BASE_PARTS && token_parts[base]) {
        parts[base] = token_parts[base];
        base++;
    }
    char stale[MAX_STALE_TOKENS][64];
    int rc = 0;
    for (int attempt = 0;; attempt++) {
        char token[EC2_TOKEN_SIZE];
        ec2_idempotency_token(parts, token);
        aws_headers_set(params, "ClientToken", token);
        xmlDocPtr doc = NULL;
        rc = aws_query_call(ctx->client, &aws_service_ec2, action, params, &doc, err);
        if (rc != 0)
            mark_not_found_retryable(err);
        xmlNodePtr result = ec2_child(xmlDocGetRootElement(doc), result_element);
        ec2_text(result, id_element, id, 64);
        ec2_text(result, "state", state, 32);
        xmlFreeDoc(doc);
        if (rc != 0)
            break;
        if (!id[0]) {
            rc = base_error_set(err, BASE_ERROR_PARSE, "MalformedResponse", "%s gave no %s", action,
                               id_element);
            break;
        }
        if (!ec2_state_in(state, gone_states))
            break;
        if (attempt == MAX_STALE_TOKENS) {
            rc = base_error_set(err, BASE_ERROR_SERVICE, "StaleClientToken",
                               "%s keeps answering with %s, which is %s", action, id, state);
            break;
        }
        memcpy(stale[attempt], id, sizeof stale[attempt]);
        parts[base + (size_t)attempt] = stale[attempt];
    }
    aws_params_free(params);
    return rc;
}

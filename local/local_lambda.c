/*
 * local_lambda.c - Invoke on the local AWS endpoint (local_lambda.h),
 * answered as Lambda answers it and botocore reads it: the function's
 * answer with 200 and X-Amz-Executed-Version: $LATEST; a failed invocation
 * also with X-Amz-Function-Error: Unhandled, its body the error document
 * the function posted; a refused request in rest-json's error shape
 * ({"Type":"User","message":...}, its code in x-amzn-ErrorType).
 *
 * FunctionName and Qualifier are read from the request line as it came
 * (the head the signature was checked over) and %-decoded here into fixed
 * buffers, so what is invoked is what was signed, whatever libwebsockets
 * makes of the path.
 *
 * An invocation ends later, on the loop, so its request is held: s->waiting
 * points at a small pending record, the invocation's ctx. When the client
 * goes first, local_lambda_abandoned detaches the record from the session
 * and the invocation's end only frees it. A function ends every invocation
 * (its answer, its error, its timeout, the app stopping), so no record
 * outlives the app.
 */
#include "local/local_lambda.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/client.h"
#include "aws/http.h"
#include "base/cursor.h"
#include "local/local_json.h"

#define INVOCATIONS "/invocations"
#define JSON_TYPE "application/json"
#define LATEST "$LATEST"
#define MAX_REQUEST_PAYLOAD 6291456u  /* "Request must be smaller than 6291456 bytes" */
#define MAX_RESPONSE_PAYLOAD 6291556u /* what Lambda lets a function answer: 100 bytes more */
#define MAX_FUNCTION_NAME 256         /* a name or an ARN (NamespacedFunctionName) */
#define MAX_NAME 64                   /* the name itself */
#define MAX_QUALIFIER 128
#define MAX_ECHO 160 /* the most of a refused value a message repeats */
#define ARN_PARTS 8  /* arn:aws:lambda:<region>:<account>:function:<name>:<qualifier> */
/* What the model allows, as Lambda's ValidationException quotes it. */
#define FUNCTION_NAME_PATTERN                                                                      \
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?"    \
    "(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
#define QUALIFIER_PATTERN "(|[a-zA-Z0-9$_-]+)"
#define INVOCATION_TYPES "[Event, RequestResponse, DryRun]"

/* A held invocation's way back to its request; session is NULL once the client left. */
typedef struct pending {
    struct lws *wsi;
    local_session *session;
} pending;

/* FunctionName's parts, pointing into its decoded text; those not given are empty. */
typedef struct function_name {
    base_cursor partition, region, account, name, qualifier;
} function_name;

/* -- answers ---------------------------------------------------------------------------- */

static void add_request_id(local_reply *reply)
{
    char id[37];
    aws_client_token(id);
    base_buf_printf(&reply->headers, "x-amzn-RequestId: %s\r\n", id);
}

/* A refusal in rest-json's error shape; true, as the answer is ready. */
__attribute__((format(printf, 4, 5))) static bool refuse(local_reply *reply, int status,
                                                         const char *code, const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "Type", "User");
    cJSON_AddStringToObject(doc, "message", message);
    char *text = local_json_print(doc);
    local_reply_set(reply, status, JSON_TYPE, text);
    base_buf_printf(&reply->headers, "x-amzn-ErrorType: %s\r\n", code);
    add_request_id(reply);
    free(text);
    cJSON_Delete(doc);
    return true;
}

/* A refused value as a message may repeat it: printable ASCII, cut short. */
static const char *echo(base_cursor value, char out[MAX_ECHO + 1])
{
    size_t n = value.len < MAX_ECHO ? value.len : MAX_ECHO;
    for (size_t i = 0; i < n; i++)
        out[i] = value.ptr[i] >= ' ' && value.ptr[i] <= '~' ? value.ptr[i] : '?';
    out[n] = '\0';
    return out;
}

static bool invalid(local_reply *reply, base_cursor value, const char *member, const char *rule)
{
    char shown[MAX_ECHO + 1];
    return refuse(reply, 400, "ValidationException",
                  "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: "
                  "Member must satisfy %s",
                  echo(value, shown), member, rule);
}

/* What the function answered, as Invoke returns it. */
static void answer(local_reply *reply, bool ok, const char *body, size_t len)
{
    local_reply_set(reply, 200, JSON_TYPE, NULL);
    if (len > MAX_RESPONSE_PAYLOAD) {
        cJSON *doc = cJSON_CreateObject();
        char message[128];
        snprintf(message, sizeof message,
                 "Response payload size exceeded maximum allowed payload size (%u bytes).",
                 MAX_RESPONSE_PAYLOAD);
        cJSON_AddStringToObject(doc, "errorMessage", message);
        cJSON_AddStringToObject(doc, "errorType", "Function.ResponseSizeTooLarge");
        char *text = local_json_print(doc);
        base_buf_append_str(&reply->body, text);
        free(text);
        cJSON_Delete(doc);
        ok = false;
    } else {
        base_buf_append(&reply->body, body, len);
    }
    base_buf_printf(&reply->headers, "X-Amz-Executed-Version: " LATEST "\r\n");
    if (!ok)
        base_buf_printf(&reply->headers, "X-Amz-Function-Error: Unhandled\r\n");
    add_request_id(reply);
}

/* local_invoke_done: answers the held request, if its client is still there. */
static void invoked(void *ctx, bool ok, const char *body, size_t len)
{
    pending *p = ctx;
    if (p->session) {
        answer(&p->session->reply, ok, body, len);
        local_session_reply(p->wsi, p->session); /* clears s->waiting */
    }
    free(p);
}

void local_lambda_abandoned(local_session *s)
{
    pending *p = s->waiting;
    if (p)
        p->session = NULL;
    s->waiting = NULL;
}

/* -- reading the request ------------------------------------------------------------------ */

/* The request target's path and query as sent, from the head's request line. */
static bool read_target(const base_buf *head, base_cursor *path, base_cursor *query)
{
    base_cursor rest = base_cursor_of(head->data, head->len), line, method, target;
    if (!base_cursor_next_token(&rest, '\n', &line) ||
        !base_cursor_next_token(&line, ' ', &method) ||
        !base_cursor_next_token(&line, ' ', &target))
        return false;
    *query = target;
    return base_cursor_next_token(query, '?', path);
}

/* How many times the head has header `name` (any case); *value is the first's, trimmed. */
static size_t find_header(const base_buf *head, const char *name, base_cursor *value)
{
    base_cursor rest = base_cursor_of(head->data, head->len), line;
    size_t count = 0;
    if (!base_cursor_next_token(&rest, '\n', &line)) /* the request line */
        return 0;
    while (base_cursor_next_token(&rest, '\n', &line)) {
        if (line.len && line.ptr[line.len - 1] == '\r')
            line.len--;
        if (line.len == 0)
            break; /* the blank line that ends the head */
        const char *colon = memchr(line.ptr, ':', line.len);
        if (!colon)
            continue;
        base_cursor header = base_cursor_of(line.ptr, (size_t)(colon - line.ptr));
        if (base_cursor_eq_str_ignore_case(header, name) && count++ == 0)
            *value = base_cursor_trim(base_cursor_of(colon + 1, line.len - header.len - 1));
    }
    return count;
}

/* A part of the target, %-decoded into out (NUL-terminated); false when it
 * does not fit, holds a bad escape or decodes to a NUL. */
static bool decode(base_cursor in, char *out, size_t size)
{
    base_buf decoded = {0};
    bool ok = aws_uri_decode_strict(&decoded, in.ptr, in.len) && decoded.len < size;
    if (ok) {
        if (decoded.len)
            memcpy(out, decoded.data, decoded.len);
        out[decoded.len] = '\0';
    }
    base_buf_free(&decoded);
    return ok;
}

/* The raw value of the query's first parameter `name` (empty when absent). */
static base_cursor query_value(base_cursor query, const char *name)
{
    base_cursor part;
    while (base_cursor_next_token(&query, '&', &part)) {
        base_cursor value = part, key;
        if (part.len && base_cursor_next_token(&value, '=', &key) && base_cursor_eq_str(key, name))
            return value;
    }
    return base_cursor_of("", 0);
}

/* The one FunctionName segment of POST /2015-03-31/functions/<FunctionName>/invocations. */
static bool function_segment(base_cursor path, base_cursor *segment)
{
    size_t prefix = strlen(LOCAL_LAMBDA_PATH), suffix = strlen(INVOCATIONS);
    if (path.len <= prefix + suffix || memcmp(path.ptr, LOCAL_LAMBDA_PATH, prefix) != 0 ||
        memcmp(path.ptr + path.len - suffix, INVOCATIONS, suffix) != 0)
        return false;
    *segment = base_cursor_of(path.ptr + prefix, path.len - prefix - suffix);
    return !memchr(segment->ptr, '/', segment->len);
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Not empty, and only letters, digits and the characters of `extra`. */
static bool made_of(base_cursor c, const char *extra)
{
    if (c.len == 0)
        return false;
    for (size_t i = 0; i < c.len; i++)
        if (!is_alnum(c.ptr[i]) && !strchr(extra, c.ptr[i]))
            return false;
    return true;
}

static bool qualifier_valid(base_cursor q)
{
    return q.len == 0 || base_cursor_eq_str(q, LATEST) || made_of(q, "-_");
}

/* Reads FunctionName, decoded, in one of Lambda's forms: <name>,
 * <account>:function:<name>, or arn:<partition>:lambda:<region>:<account>:
 * function:<name>, each perhaps followed by :<qualifier>. false when it is
 * none of them, or a part breaks the model's pattern. */
static bool parse_function_name(const char *text, function_name *out)
{
    memset(out, 0, sizeof *out);
    size_t len = strlen(text);
    if (len == 0 || text[len - 1] == ':')
        return false;
    base_cursor parts[ARN_PARTS], rest = base_cursor_of(text, len);
    size_t n = 0, at = 0;
    while (n < ARN_PARTS && base_cursor_next_token(&rest, ':', &parts[n]))
        n++;
    if (rest.len)
        return false;
    if (n == 7 || n == 8) {
        if (!base_cursor_eq_str(parts[0], "arn") || !base_cursor_eq_str(parts[2], "lambda") ||
            !base_cursor_eq_str(parts[5], "function"))
            return false;
        out->partition = parts[1];
        out->region = parts[3];
        out->account = parts[4];
        at = 6;
    } else if (n == 3 || n == 4) {
        if (!base_cursor_eq_str(parts[1], "function"))
            return false;
        out->account = parts[0];
        at = 2;
    } else if (n != 1 && n != 2) {
        return false;
    }
    out->name = parts[at];
    if (n > at + 1)
        out->qualifier = parts[at + 1];
    bool account_ok =
        out->account.len == 0 || (out->account.len == 12 && made_of(out->account, ""));
    bool partition_ok =
        at != 6 || (out->partition.len >= 3 && memcmp(out->partition.ptr, "aws", 3) == 0 &&
                    made_of(out->partition, "-"));
    bool region_ok = at != 6 || made_of(out->region, "-");
    return out->name.len <= MAX_NAME && made_of(out->name, "-_.") && account_ok && partition_ok &&
           region_ok && qualifier_valid(out->qualifier);
}

/* The function's unqualified ARN, in the region and account it was named with (else ours). */
static void function_arn(const local_lambda *lambda, const function_name *f, base_buf *out)
{
    base_cursor partition = f->partition.len ? f->partition : base_cursor_from("aws");
    base_cursor region = f->region.len ? f->region : base_cursor_from(lambda->region);
    base_cursor account = f->account.len ? f->account : base_cursor_from(lambda->account);
    base_buf_printf(out, "arn:%.*s:lambda:%.*s:%.*s:function:%.*s", (int)partition.len,
                    partition.ptr, (int)region.len, region.ptr, (int)account.len, account.ptr,
                    (int)f->name.len, f->name.ptr);
}

/* The app's function FunctionName names, or NULL. */
static const local_lambda_function *find(const local_lambda *lambda, const function_name *f)
{
    if ((f->partition.len && !base_cursor_eq_str(f->partition, "aws")) ||
        (f->region.len && !base_cursor_eq_str(f->region, lambda->region)) ||
        (f->account.len && !base_cursor_eq_str(f->account, lambda->account)))
        return NULL;
    for (size_t i = 0; i < lambda->function_count; i++)
        if (base_cursor_eq_str(f->name, lambda->functions[i].name))
            return &lambda->functions[i];
    return NULL;
}

/* -- Invoke ------------------------------------------------------------------------------- */

/* What an Invoke request asks for, read from its head. */
typedef struct invoke_request {
    char text[MAX_FUNCTION_NAME + 1];  /* FunctionName, decoded */
    function_name name;                /* text's parts */
    char qualifier[MAX_QUALIFIER + 1]; /* the Qualifier query's, decoded; "": none */
    base_cursor type;                  /* X-Amz-Invocation-Type, RequestResponse when absent */
} invoke_request;

/* Each of these reads or checks one thing: true when it refused the request
 * (the refusal in reply), as Invoke refuses it. */

static bool path_refused(const local_request *req, base_cursor *query, base_cursor *segment,
                         local_reply *reply)
{
    base_cursor path;
    if (strcmp(req->method, "POST") == 0 && read_target(&req->head, &path, query) &&
        function_segment(path, segment))
        return false;
    return refuse(reply, 404, "UnknownOperationException",
                  "scribblectl local serves Lambda's Invoke only: POST " LOCAL_LAMBDA_PATH
                  "<FunctionName>" INVOCATIONS);
}

static bool names_refused(base_cursor segment, base_cursor query, invoke_request *r,
                          local_reply *reply)
{
    if (!decode(segment, r->text, sizeof r->text))
        return invalid(reply, segment, "functionName",
                       "regular expression pattern: " FUNCTION_NAME_PATTERN);
    if (!parse_function_name(r->text, &r->name))
        return invalid(reply, base_cursor_from(r->text), "functionName",
                       "regular expression pattern: " FUNCTION_NAME_PATTERN);
    base_cursor raw = query_value(query, "Qualifier");
    if (!decode(raw, r->qualifier, sizeof r->qualifier) ||
        !(r->qualifier[0] == '\0' || made_of(base_cursor_from(r->qualifier), "$_-")))
        return invalid(reply, raw, "qualifier", "regular expression pattern: " QUALIFIER_PATTERN);
    if (r->qualifier[0] && r->name.qualifier.len &&
        !base_cursor_eq_str(r->name.qualifier, r->qualifier))
        return refuse(reply, 400, "InvalidParameterValueException",
                      "The derived qualifier from the function name does not match the specified "
                      "qualifier.");
    return false;
}

static bool type_refused(const local_request *req, invoke_request *r, local_reply *reply)
{
    r->type = base_cursor_from("RequestResponse");
    if (find_header(&req->head, "X-Amz-Invocation-Type", &r->type) > 1)
        return refuse(reply, 400, "InvalidParameterValueException",
                      "X-Amz-Invocation-Type is given more than once");
    if (base_cursor_eq_str(r->type, "RequestResponse") || base_cursor_eq_str(r->type, "Event") ||
        base_cursor_eq_str(r->type, "DryRun"))
        return false;
    return invalid(reply, r->type, "invocationType", "enum value set: " INVOCATION_TYPES);
}

/* The function, at $LATEST, the only version there is. */
static bool function_refused(const local_lambda *lambda, const invoke_request *r,
                             const local_lambda_function **out, local_reply *reply)
{
    base_cursor q = r->qualifier[0] ? base_cursor_from(r->qualifier) : r->name.qualifier;
    *out = find(lambda, &r->name);
    if (*out && (q.len == 0 || base_cursor_eq_str(q, LATEST)))
        return false;
    base_buf arn = {0};
    function_arn(lambda, &r->name, &arn);
    if (q.len)
        base_buf_printf(&arn, ":%.*s", (int)q.len, q.ptr);
    refuse(reply, 404, "ResourceNotFoundException", "Function not found: %s", arn.data);
    base_buf_free(&arn);
    return true;
}

/* The event goes on as a C string, so a NUL in it is no JSON either. */
static bool payload_refused(const local_request *req, local_reply *reply)
{
    const char *body = req->body.data;
    size_t len = req->body.len;
    cJSON *doc = len ? local_json_parse(body, len) : NULL;
    bool json = len == 0 || (doc && !memchr(body, '\0', len));
    cJSON_Delete(doc);
    if (json)
        return false;
    return refuse(reply, 400, "InvalidRequestContentException",
                  "Could not parse request body into json: Could not parse payload into json: the "
                  "payload is not one JSON document");
}

bool local_lambda_refused(const local_lambda *lambda, const local_request *req, local_reply *reply,
                          const local_lambda_function **out)
{
    if (req->body.len > MAX_REQUEST_PAYLOAD)
        return refuse(reply, 413, "RequestEntityTooLargeException",
                      "Request must be smaller than %u bytes for the InvokeFunction operation",
                      MAX_REQUEST_PAYLOAD);
    invoke_request r;
    base_cursor query, segment;
    if (path_refused(req, &query, &segment, reply) || names_refused(segment, query, &r, reply) ||
        type_refused(req, &r, reply) || function_refused(lambda, &r, out, reply))
        return true;
    if (!base_cursor_eq_str(r.type, "RequestResponse"))
        return refuse(reply, 400, "InvalidParameterValueException",
                      "scribblectl local invokes functions synchronously only (InvocationType "
                      "RequestResponse), not %.*s",
                      (int)r.type.len, r.type.ptr);
    return payload_refused(req, reply);
}

bool local_lambda_handle(const local_lambda *lambda, struct lws *wsi, local_session *s)
{
    const local_lambda_function *f = NULL;
    if (local_lambda_refused(lambda, &s->req, &s->reply, &f))
        return true;
    pending *p = base_xcalloc(1, sizeof *p);
    p->wsi = wsi;
    p->session = s;
    s->waiting = p;
    /* Held as long as the function takes: its timeout ends every invocation. */
    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
    /* No payload is the empty object, as Lambda hands it on. */
    local_function_invoke(f->function, s->req.body.len ? s->req.body.data : "{}", invoked, p);
    return false;
}

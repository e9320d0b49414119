/*
 * local_sqs.c - scribblectl local's SQS endpoint (local_sqs.h): the wire
 * protocol in front of the queues of local_queue.c.
 *
 * The operations are rows of one table. A request is read from its JSON
 * (local_json.h), checked as SQS checks it, then handed to its queue through
 * local_queue.h's calls; the queue's state is never touched here. Errors are
 * aws_errors whose code is SQS's error name; each becomes an answer
 * {"__type":"com.amazonaws.sqs#<code>","message":...}, or a Failed entry of
 * SendMessageBatch. Nothing here prints, sleeps or reads a clock.
 */
#include "local/local_sqs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/buf.h"
#include "base/error.h"
#include "local/local_json.h"

#define JSON_CONTENT_TYPE "application/x-amz-json-1.0"
#define ERROR_TYPE_PREFIX "com.amazonaws.sqs#"
#define TARGET_PREFIX "AmazonSQS."
#define MAX_BATCH_ENTRIES 10
#define MAX_BATCH_ENTRY_ID 80
#define MAX_DELAY_S 900
#define MAX_ID_PARAMETER 128 /* MessageGroupId, MessageDeduplicationId */

/* SQS's InvalidParameterValue for a parameter of the wrong kind. */
#define ENSURE_PARAMETER(cond, err, name, reason)                                                 \
    ENSURE(cond, err, BASE_ERROR_INVALID, "InvalidParameterValue",                                 \
           "Value for parameter %s is invalid. Reason: %s", name, reason)

/* -- reading a request ----------------------------------------------------------------- */

static int optional_string(const cJSON *object, const char *name, const char **out, base_error *err)
{
    const cJSON *v = local_json_member(object, name);
    *out = v ? cJSON_GetStringValue(v) : NULL;
    ENSURE_PARAMETER(!v || *out, err, name, "it must be a string.");
    return 0;
}

static int required_string(const cJSON *object, const char *name, const char **out, base_error *err)
{
    TRY(optional_string(object, name, out, err));
    ENSURE(*out, err, BASE_ERROR_INVALID, "MissingParameter",
           "The request must contain the parameter %s.", name);
    return 0;
}

/* cJSON ends a string at a \u0000 escape, which would shorten a message body
 * silently; SQS refuses the character anyway, so such a request is refused
 * whole before it can. */
static bool has_escaped_nul(const char *json, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (json[i] != '\\')
            continue;
        size_t run = 0;
        while (i < len && json[i] == '\\') {
            run++;
            i++;
        }
        if (run % 2 == 1 && len - i >= 5 && json[i] == 'u' && memcmp(json + i + 1, "0000", 4) == 0)
            return true;
    }
    return false;
}

/* -- the queue a request names --------------------------------------------------------- */

typedef struct sqs_call {
    local_queue *const *queues;
    size_t count;
    const cJSON *input;
    bool escaped_nul;
    int64_t now_ms;
    cJSON *output; /* the answer, set by a successful operation */
} sqs_call;

/* "/<account>/<name>" of a queue URL, or NULL when it has no path. */
static const char *url_path(const char *url)
{
    const char *scheme = strstr(url, "://");
    const char *path = scheme ? strchr(scheme + 3, '/') : (url[0] == '/' ? url : NULL);
    return path && path[1] ? path : NULL;
}

/* Clients spell the host in several ways (localhost, 127.0.0.1, sqs.<region>...),
 * so the path alone also names the queue. */
static bool queue_has_url(const local_queue *q, const char *url)
{
    if (strcmp(local_queue_url(q), url) == 0)
        return true;
    const char *mine = url_path(local_queue_url(q)), *theirs = url_path(url);
    return mine && theirs && strcmp(mine, theirs) == 0;
}

static int queue_does_not_exist(base_error *err)
{
    return base_error_set(err, BASE_ERROR_INVALID, "QueueDoesNotExist",
                         "The specified queue does not exist.");
}

static int find_queue(const sqs_call *call, local_queue **out, base_error *err)
{
    const char *url;
    TRY(required_string(call->input, "QueueUrl", &url, err));
    for (size_t i = 0; i < call->count; i++) {
        if (call->queues[i] && queue_has_url(call->queues[i], url)) {
            *out = call->queues[i];
            return 0;
        }
    }
    return queue_does_not_exist(err);
}

/* -- checking a message to send -------------------------------------------------------- */

typedef struct send_input {
    const char *body;
    size_t body_len;
    const char *group_id;
    const char *dedup_id;
    int delay_s;
} send_input;

/* SQS's characters: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF. */
static bool allowed_character(uint32_t c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* Decodes one UTF-8 character at s; 0 when the bytes are not one (or are overlong). */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *out)
{
    static const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    uint32_t c = s[0];
    size_t n;
    if (c < 0x80)
        n = 1;
    else if ((c & 0xE0) == 0xC0)
        n = 2, c &= 0x1F;
    else if ((c & 0xF0) == 0xE0)
        n = 3, c &= 0x0F;
    else if ((c & 0xF8) == 0xF0)
        n = 4, c &= 0x07;
    else
        return 0;
    if (n > len)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[k] & 0x3F);
    }
    *out = c;
    return c >= smallest[n] ? n : 0;
}

static bool body_characters_valid(const char *body, size_t len)
{
    const unsigned char *s = (const unsigned char *)body;
    for (size_t i = 0; i < len;) {
        uint32_t c = 0;
        size_t n = utf8_decode(s + i, len - i, &c);
        if (n == 0 || !allowed_character(c))
            return false;
        i += n;
    }
    return true;
}

static int check_body(const char *body, size_t len, base_error *err)
{
    ENSURE(len > 0, err, BASE_ERROR_INVALID, "MissingParameter",
           "The request must contain the parameter MessageBody.");
    ENSURE(len <= LOCAL_QUEUE_MAX_BODY, err, BASE_ERROR_INVALID, "InvalidParameterValue",
           "One or more parameters are invalid. Reason: Message must be shorter than %d bytes.",
           LOCAL_QUEUE_MAX_BODY);
    ENSURE(body_characters_valid(body, len), err, BASE_ERROR_INVALID, "InvalidMessageContents",
           "Invalid characters found in the message body: SQS allows only UTF-8 text of "
           "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.");
    return 0;
}

/* MessageGroupId and MessageDeduplicationId: 1 to 128 letters, digits and punctuation. */
static int check_id_parameter(const char *name, const char *value, base_error *err)
{
    size_t len = strlen(value);
    bool ok = len >= 1 && len <= MAX_ID_PARAMETER;
    for (size_t i = 0; ok && i < len; i++)
        ok = value[i] >= 0x21 && value[i] <= 0x7E;
    ENSURE(ok, err, BASE_ERROR_INVALID, "InvalidParameterValue",
           "Value %.128s for parameter %s is invalid. Reason: it must be 1 to 128 letters, "
           "digits and punctuation characters.", value, name);
    return 0;
}

static int read_delay(const local_queue *q, const cJSON *entry, int *out, base_error *err)
{
    const cJSON *v = local_json_member(entry, "DelaySeconds");
    *out = 0;
    if (!v)
        return 0;
    double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
    ENSURE(d >= 0 && d <= MAX_DELAY_S && d == (double)(int)d, err, BASE_ERROR_INVALID,
           "InvalidParameterValue", "Value for parameter DelaySeconds is invalid. Reason: "
           "DelaySeconds must be >= 0 and <= %d.", MAX_DELAY_S);
    *out = (int)d;
    ENSURE(!local_queue_is_fifo(q) || *out == 0, err, BASE_ERROR_INVALID, "InvalidParameterValue",
           "Value %d for parameter DelaySeconds is invalid. Reason: The request include "
           "parameter that is not valid for this queue type.", *out);
    return 0;
}

/* Nothing Scribble sends carries attributes; refusing them beats dropping them. */
static int check_no_attributes(const cJSON *entry, const char *name, base_error *err)
{
    const cJSON *v = local_json_member(entry, name);
    ENSURE(!v || (cJSON_IsObject(v) && !v->child), err, BASE_ERROR_INVALID,
           "InvalidParameterValue", "%s are not supported by scribblectl local's SQS.", name);
    return 0;
}

static int check_fifo_input(const local_queue *q, const send_input *in, base_error *err)
{
    ENSURE(in->group_id, err, BASE_ERROR_INVALID, "MissingParameter",
           "The request must contain the parameter MessageGroupId.");
    TRY(check_id_parameter("MessageGroupId", in->group_id, err));
    if (in->dedup_id)
        return check_id_parameter("MessageDeduplicationId", in->dedup_id, err);
    ENSURE(local_queue_content_based_deduplication(q), err, BASE_ERROR_INVALID,
           "InvalidParameterValue",
           "The queue should either have ContentBasedDeduplication enabled or "
           "MessageDeduplicationId provided explicitly");
    return 0;
}

/* A standard queue takes a MessageGroupId (fair queues) but no deduplication id. */
static int check_standard_input(const send_input *in, base_error *err)
{
    ENSURE(!in->dedup_id, err, BASE_ERROR_INVALID, "InvalidParameterValue",
           "Value %.128s for parameter MessageDeduplicationId is invalid. Reason: The request "
           "include parameter that is not valid for this queue type.", in->dedup_id);
    return in->group_id ? check_id_parameter("MessageGroupId", in->group_id, err) : 0;
}

static int read_send_input(const local_queue *q, const cJSON *entry, send_input *in,
                           base_error *err)
{
    memset(in, 0, sizeof *in);
    TRY(required_string(entry, "MessageBody", &in->body, err));
    in->body_len = strlen(in->body);
    TRY(check_body(in->body, in->body_len, err));
    TRY(optional_string(entry, "MessageGroupId", &in->group_id, err));
    TRY(optional_string(entry, "MessageDeduplicationId", &in->dedup_id, err));
    TRY(read_delay(q, entry, &in->delay_s, err));
    TRY(check_no_attributes(entry, "MessageAttributes", err));
    TRY(check_no_attributes(entry, "MessageSystemAttributes", err));
    return local_queue_is_fifo(q) ? check_fifo_input(q, in, err) : check_standard_input(in, err);
}

static int check_no_escaped_nul(const sqs_call *call, base_error *err)
{
    ENSURE(!call->escaped_nul, err, BASE_ERROR_INVALID, "InvalidMessageContents",
           "Invalid characters found: the request contains the character #x0.");
    return 0;
}

/* -- sending --------------------------------------------------------------------------- */

/* Sends the message one request or batch entry describes. The checks above
 * are SQS's, so the queue refuses nothing they let through. */
static int send_entry(local_queue *q, const cJSON *entry, int64_t now_ms, local_queue_sent *out,
                      base_error *err)
{
    send_input in;
    TRY(read_send_input(q, entry, &in, err));
    ENSURE(local_queue_send(q, in.body, in.group_id, in.dedup_id, in.delay_s, now_ms, out) == 0,
           err, BASE_ERROR_INVALID, "InvalidParameterValue",
           "The queue %s does not take this message.", local_queue_name(q));
    return 0;
}

static cJSON *sent_json(const local_queue_sent *sent, const char *entry_id)
{
    cJSON *o = cJSON_CreateObject();
    if (entry_id)
        cJSON_AddStringToObject(o, "Id", entry_id);
    cJSON_AddStringToObject(o, "MD5OfMessageBody", sent->md5_of_message_body);
    cJSON_AddStringToObject(o, "MessageId", sent->message_id);
    if (sent->sequence_number[0])
        cJSON_AddStringToObject(o, "SequenceNumber", sent->sequence_number);
    return o;
}

static int op_send_message(sqs_call *call, base_error *err)
{
    local_queue *q;
    TRY(find_queue(call, &q, err));
    TRY(check_no_escaped_nul(call, err));
    local_queue_sent sent;
    TRY(send_entry(q, call->input, call->now_ms, &sent, err));
    call->output = sent_json(&sent, NULL);
    return 0;
}

/* -- SendMessageBatch ------------------------------------------------------------------ */

static bool batch_entry_id_valid(const char *id)
{
    size_t len = strlen(id);
    return len >= 1 && len <= MAX_BATCH_ENTRY_ID &&
           strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == len;
}

static bool id_used_before(const cJSON *entries, const cJSON *entry, const char *id)
{
    for (const cJSON *e = entries->child; e && e != entry; e = e->next) {
        const char *other = cJSON_GetStringValue(local_json_member(e, "Id"));
        if (other && strcmp(other, id) == 0)
            return true;
    }
    return false;
}

/* What fails the whole request rather than one entry. */
static int check_batch_entries(const cJSON *entries, base_error *err)
{
    ENSURE_PARAMETER(!entries || cJSON_IsArray(entries), err, "Entries", "it must be a list.");
    int n = cJSON_GetArraySize(entries);
    ENSURE(n > 0, err, BASE_ERROR_INVALID, "EmptyBatchRequest",
           "There should be at least one SendMessageBatchRequestEntry in the request.");
    ENSURE(n <= MAX_BATCH_ENTRIES, err, BASE_ERROR_INVALID, "TooManyEntriesInBatchRequest",
           "Maximum number of entries per request are %d. You have sent %d.", MAX_BATCH_ENTRIES, n);
    size_t total = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, entries) {
        ENSURE_PARAMETER(cJSON_IsObject(entry), err, "Entries", "each entry must be an object.");
        const char *id;
        TRY(required_string(entry, "Id", &id, err));
        ENSURE(batch_entry_id_valid(id), err, BASE_ERROR_INVALID, "InvalidBatchEntryId",
               "A batch entry id can only contain alphanumeric characters, hyphens and "
               "underscores. It can be at most %d letters long.", MAX_BATCH_ENTRY_ID);
        ENSURE(!id_used_before(entries, entry, id), err, BASE_ERROR_INVALID,
               "BatchEntryIdsNotDistinct", "Id %s repeated.", id);
        const char *body = cJSON_GetStringValue(local_json_member(entry, "MessageBody"));
        total += body ? strlen(body) : 0;
    }
    ENSURE(total <= LOCAL_QUEUE_MAX_BODY, err, BASE_ERROR_INVALID, "BatchRequestTooLong",
           "Batch requests cannot be longer than %d bytes. You have sent %zu bytes.",
           LOCAL_QUEUE_MAX_BODY, total);
    return 0;
}

static cJSON *failed_entry_json(const char *entry_id, const base_error *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Id", entry_id);
    cJSON_AddBoolToObject(o, "SenderFault", true);
    cJSON_AddStringToObject(o, "Code", err->code);
    cJSON_AddStringToObject(o, "Message", err->message);
    return o;
}

static int op_send_message_batch(sqs_call *call, base_error *err)
{
    local_queue *q;
    TRY(find_queue(call, &q, err));
    TRY(check_no_escaped_nul(call, err));
    const cJSON *entries = local_json_member(call->input, "Entries");
    TRY(check_batch_entries(entries, err));
    cJSON *out = cJSON_CreateObject();
    cJSON *successful = cJSON_AddArrayToObject(out, "Successful");
    cJSON *failed = cJSON_AddArrayToObject(out, "Failed");
    const cJSON *entry;
    cJSON_ArrayForEach(entry, entries) {
        const char *id = cJSON_GetStringValue(local_json_member(entry, "Id"));
        local_queue_sent sent;
        base_error entry_err = {0};
        if (send_entry(q, entry, call->now_ms, &sent, &entry_err) == 0)
            cJSON_AddItemToArray(successful, sent_json(&sent, id));
        else
            cJSON_AddItemToArray(failed, failed_entry_json(id, &entry_err));
    }
    call->output = out;
    return 0;
}

/* -- GetQueueUrl, GetQueueAttributes, PurgeQueue --------------------------------------- */

static int op_get_queue_url(sqs_call *call, base_error *err)
{
    const char *name, *owner;
    TRY(required_string(call->input, "QueueName", &name, err));
    TRY(optional_string(call->input, "QueueOwnerAWSAccountId", &owner, err));
    for (size_t i = 0; i < call->count; i++) {
        const local_queue *q = call->queues[i];
        if (q && strcmp(local_queue_name(q), name) == 0 &&
            (!owner || strcmp(owner, local_queue_account(q)) == 0)) {
            call->output = cJSON_CreateObject();
            cJSON_AddStringToObject(call->output, "QueueUrl", local_queue_url(q));
            return 0;
        }
    }
    return queue_does_not_exist(err);
}

/* The attributes served, in the order "All" lists them. */
static const char *const served_attributes[] = {
    "QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed", "VisibilityTimeout", "DelaySeconds",
    "MaximumMessageSize", "ReceiveMessageWaitTimeSeconds", "FifoQueue",
    "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit",
};

/* SQS's other attribute names: a local queue keeps none of these, and SQS
 * leaves out what a queue does not have. */
static const char *const absent_attributes[] = {
    "Policy", "CreatedTimestamp", "LastModifiedTimestamp", "MessageRetentionPeriod",
    "RedrivePolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "RedriveAllowPolicy",
    "SqsManagedSseEnabled",
};

static bool listed(const char *const *names, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

static bool fifo_only_attribute(const char *name)
{
    static const char *const names[] = {"FifoQueue", "ContentBasedDeduplication",
                                        "DeduplicationScope", "FifoThroughputLimit"};
    return listed(names, sizeof names / sizeof names[0], name);
}

static void attribute_value(const local_queue *q, const char *name, int64_t now_ms, char *out,
                            size_t size)
{
    local_queue_counts c = local_queue_count(q, now_ms);
    if (strcmp(name, "QueueArn") == 0)
        snprintf(out, size, "%s", local_queue_arn(q));
    else if (strcmp(name, "ApproximateNumberOfMessages") == 0)
        snprintf(out, size, "%zu", c.visible);
    else if (strcmp(name, "ApproximateNumberOfMessagesNotVisible") == 0)
        snprintf(out, size, "%zu", c.not_visible);
    else if (strcmp(name, "ApproximateNumberOfMessagesDelayed") == 0)
        snprintf(out, size, "%zu", c.delayed);
    else if (strcmp(name, "VisibilityTimeout") == 0)
        snprintf(out, size, "%d", local_queue_visibility_timeout_s(q));
    else if (strcmp(name, "MaximumMessageSize") == 0)
        snprintf(out, size, "%d", LOCAL_QUEUE_MAX_BODY);
    else if (strcmp(name, "FifoQueue") == 0)
        snprintf(out, size, "true");
    else if (strcmp(name, "ContentBasedDeduplication") == 0)
        snprintf(out, size, "%s", local_queue_content_based_deduplication(q) ? "true" : "false");
    else if (strcmp(name, "DeduplicationScope") == 0)
        snprintf(out, size, "queue");
    else if (strcmp(name, "FifoThroughputLimit") == 0)
        snprintf(out, size, "perQueue");
    else
        snprintf(out, size, "0"); /* DelaySeconds, ReceiveMessageWaitTimeSeconds */
}

static void add_attribute(const local_queue *q, cJSON *attributes, const char *name,
                          int64_t now_ms)
{
    if (cJSON_GetObjectItemCaseSensitive(attributes, name))
        return;
    char value[512];
    attribute_value(q, name, now_ms, value, sizeof value);
    cJSON_AddStringToObject(attributes, name, value);
}

static int add_requested_attribute(const local_queue *q, cJSON *attributes, const char *name,
                                   int64_t now_ms, base_error *err)
{
    size_t served = sizeof served_attributes / sizeof served_attributes[0];
    bool fifo = local_queue_is_fifo(q);
    ENSURE_PARAMETER(name, err, "AttributeNames", "each name must be a string.");
    if (strcmp(name, "All") == 0) {
        for (size_t i = 0; i < served; i++)
            if (fifo || !fifo_only_attribute(served_attributes[i]))
                add_attribute(q, attributes, served_attributes[i], now_ms);
        return 0;
    }
    if (listed(served_attributes, served, name) && (fifo || !fifo_only_attribute(name))) {
        add_attribute(q, attributes, name, now_ms);
        return 0;
    }
    ENSURE(listed(absent_attributes, sizeof absent_attributes / sizeof absent_attributes[0], name),
           err, BASE_ERROR_INVALID, "InvalidAttributeName", "Unknown Attribute %.128s.", name);
    return 0;
}

static int op_get_queue_attributes(sqs_call *call, base_error *err)
{
    local_queue *q;
    TRY(find_queue(call, &q, err));
    const cJSON *names = local_json_member(call->input, "AttributeNames");
    ENSURE_PARAMETER(!names || cJSON_IsArray(names), err, "AttributeNames", "it must be a list.");
    cJSON *attributes = cJSON_CreateObject();
    const cJSON *name;
    cJSON_ArrayForEach(name, names) {
        if (add_requested_attribute(q, attributes, cJSON_GetStringValue(name), call->now_ms,
                                    err) != 0) {
            cJSON_Delete(attributes);
            return -1;
        }
    }
    call->output = cJSON_CreateObject();
    if (attributes->child)
        cJSON_AddItemToObject(call->output, "Attributes", attributes);
    else
        cJSON_Delete(attributes);
    return 0;
}

static int op_purge_queue(sqs_call *call, base_error *err)
{
    local_queue *q;
    TRY(find_queue(call, &q, err));
    if (local_queue_purge(q, call->now_ms) != 0) {
        base_error_set(err, BASE_ERROR_INVALID, "PurgeQueueInProgress",
                      "Only one PurgeQueue operation on %s is allowed every 60 seconds.",
                      local_queue_name(q));
        err->http_status = 403;
        return -1;
    }
    call->output = cJSON_CreateObject();
    return 0;
}

/* -- answering a request --------------------------------------------------------------- */

typedef int (*sqs_operation_fn)(sqs_call *call, base_error *err);

static const struct sqs_operation {
    const char *name;
    sqs_operation_fn run;
} operations[] = {
    {"SendMessage", op_send_message},
    {"SendMessageBatch", op_send_message_batch},
    {"GetQueueUrl", op_get_queue_url},
    {"GetQueueAttributes", op_get_queue_attributes},
    {"PurgeQueue", op_purge_queue},
};

static const struct sqs_operation *find_operation(const char *name)
{
    if (name && strncmp(name, TARGET_PREFIX, strlen(TARGET_PREFIX)) == 0)
        name += strlen(TARGET_PREFIX);
    for (size_t i = 0; name && i < sizeof operations / sizeof operations[0]; i++)
        if (strcmp(operations[i].name, name) == 0)
            return &operations[i];
    return NULL;
}

/* An empty body is an empty input, as the SDKs send "{}" for one. */
static int parse_input(const char *body, size_t len, cJSON **out, base_error *err)
{
    *out = body && len ? local_json_parse(body, len) : cJSON_CreateObject();
    ENSURE(cJSON_IsObject(*out), err, BASE_ERROR_INVALID, "InvalidParameterValue",
           "The request body is not a JSON object.");
    return 0;
}

static int dispatch(sqs_call *call, const char *operation, const char *body, size_t len,
                    cJSON **input, base_error *err)
{
    const struct sqs_operation *op = find_operation(operation);
    ENSURE(op, err, BASE_ERROR_INVALID, "UnsupportedOperation",
           "scribblectl local's SQS does not serve the operation %.100s.",
           operation ? operation : "(none)");
    TRY(parse_input(body, len, input, err));
    call->input = *input;
    call->escaped_nul = has_escaped_nul(body, len);
    return op->run(call, err);
}

static void reply_json(local_reply *reply, int status, const cJSON *doc)
{
    char *text = local_json_print(doc);
    reply->status = status;
    reply->content_type = JSON_CONTENT_TYPE;
    reply->etag[0] = '\0';
    base_buf_reset(&reply->body);
    base_buf_append_str(&reply->body, text);
    free(text);
}

static void reply_error(local_reply *reply, const base_error *err)
{
    char type[sizeof ERROR_TYPE_PREFIX + sizeof err->code];
    snprintf(type, sizeof type, ERROR_TYPE_PREFIX "%s", err->code);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "__type", type);
    cJSON_AddStringToObject(doc, "message", err->message);
    reply_json(reply, err->http_status ? (int)err->http_status : 400, doc);
    cJSON_Delete(doc);
}

int local_sqs_handle(local_queue *const *queues, size_t count, const char *operation,
                     const char *body, size_t len, int64_t now_ms, local_reply *reply)
{
    if (!reply)
        return -1;
    sqs_call call = {.queues = queues, .count = queues ? count : 0, .now_ms = now_ms};
    cJSON *input = NULL;
    base_error err = {0};
    if (dispatch(&call, operation, body, body ? len : 0, &input, &err) == 0)
        reply_json(reply, 200, call.output);
    else
        reply_error(reply, &err);
    cJSON_Delete(call.output);
    cJSON_Delete(input);
    return 0;
}

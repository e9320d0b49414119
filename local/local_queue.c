/*
 * local_queue.c - scribblectl local's in-memory SQS queues and their event
 * source mapping (local_queue.h).
 *
 * A queue keeps its messages in one array in the order they were sent. Each
 * message has a serial number, so a batch names its messages by number and
 * finds them again (binary search) however the array changed meanwhile. As
 * in SQS, a message's state follows from two fields: visible_at_ms (in the
 * future: delayed if never received, in flight if received) and
 * receipt_handle (the latest receive's: a batch holding an older one no
 * longer acts on the message).
 *
 * Requests, their checks and their errors are local_sqs.c's: what reaches
 * local_queue_send is a message SQS would take. Nothing here prints, sleeps
 * or reads a clock.
 */
#include "base/cursor.h"
#include "local/local_queue.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/buf.h"
#include "local/local_json.h"

#define MAX_VISIBILITY_TIMEOUT_S 43200
#define RECEIPT_HANDLE_LEN 64
#define SHA256_HEX_LEN 64
/* SQS's sequence numbers are 20-digit decimal numbers that only grow. */
#define FIRST_SEQUENCE_NUMBER UINT64_C(10000000000000000000)

typedef struct message {
    uint64_t serial;
    local_queue_sent sent; /* its ids, as its send answered them */
    char *body;
    char *group_id; /* NULL: none */
    char *dedup_id; /* NULL: none (standard queues) */
    int64_t sent_ms;
    int64_t first_receive_ms;
    int receive_count;
    int64_t visible_at_ms;
    char receipt_handle[RECEIPT_HANDLE_LEN + 1]; /* "": never received */
} message;

/* A FIFO send remembered for the deduplication interval. */
typedef struct dedup_entry {
    char *dedup_id;
    int64_t expires_ms;
    local_queue_sent sent; /* what the first send answered */
} dedup_entry;

struct local_queue {
    char *name, *url, *arn, *region, *account;
    bool fifo;
    bool content_based_deduplication;
    int visibility_timeout_s;
    message **messages; /* in the order sent, hence by serial */
    size_t count, cap;
    dedup_entry *dedup;
    size_t dedup_count, dedup_cap;
    uint64_t next_serial;
    uint64_t next_sequence;
    bool purged;
    int64_t last_purge_ms;
};

typedef struct batch_entry {
    uint64_t serial;
    char id[LOCAL_QUEUE_MESSAGE_ID_LEN + 1];
    char receipt_handle[RECEIPT_HANDLE_LEN + 1];
    char *group_id; /* NULL: none */
} batch_entry;

struct local_batch {
    size_t count;
    batch_entry entries[];
};

/* Room for one more item in a growing array of count items. */
static void *grow(void *items, size_t count, size_t *cap, size_t item_size)
{
    if (count < *cap)
        return items;
    *cap = *cap ? *cap * 2 : 16;
    return base_xrealloc(items, *cap * item_size);
}

/* -- ids and digests ------------------------------------------------------------------- */

/* Like running out of memory, having no randomness leaves nothing useful to do. */
static void random_bytes(unsigned char *out, size_t n)
{
    if (RAND_bytes(out, (int)n) != 1)
        abort();
}

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

/* out holds twice the digest's size, plus one. */
static void digest_hex(const EVP_MD *md, const char *data, size_t len, char *out)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data, len, digest, &n, md, NULL) != 1)
        abort();
    hex_encode(digest, n, out);
}

static void new_uuid(char out[LOCAL_QUEUE_MESSAGE_ID_LEN + 1])
{
    unsigned char b[16];
    random_bytes(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    char h[33];
    hex_encode(b, sizeof b, h);
    snprintf(out, LOCAL_QUEUE_MESSAGE_ID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12,
             h + 16, h + 20);
}

static void new_receipt_handle(char out[RECEIPT_HANDLE_LEN + 1])
{
    unsigned char b[RECEIPT_HANDLE_LEN / 2];
    random_bytes(b, sizeof b);
    hex_encode(b, sizeof b, out);
}

/* -- the queue and its messages -------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Reads region and account from arn:<partition>:sqs:<region>:<account>:<name>. */
static bool arn_parts(const char *arn, const char *name, char **region, char **account)
{
    base_cursor rest = base_cursor_from(arn), part[6];
    size_t n = 0;
    while (n < 6 && base_cursor_next_token(&rest, ':', &part[n]))
        n++;
    if (n != 6 || rest.len != 0 || !base_cursor_eq_str(part[0], "arn") ||
        !base_cursor_eq_str(part[2], "sqs") || part[3].len == 0 || part[4].len == 0 ||
        !base_cursor_eq_str(part[5], name))
        return false;
    *region = base_cursor_dup(part[3]);
    *account = base_cursor_dup(part[4]);
    return true;
}

local_queue *local_queue_new(const char *name, const char *url, const char *arn, bool fifo,
                             int visibility_timeout_s)
{
    if (!name || !name[0] || !url || !url[0] || !arn || fifo != ends_with(name, ".fifo") ||
        visibility_timeout_s < 0 || visibility_timeout_s > MAX_VISIBILITY_TIMEOUT_S)
        return NULL;
    char *region, *account;
    if (!arn_parts(arn, name, &region, &account))
        return NULL;
    local_queue *q = base_xcalloc(1, sizeof *q);
    q->name = base_xstrdup(name);
    q->url = base_xstrdup(url);
    q->arn = base_xstrdup(arn);
    q->region = region;
    q->account = account;
    q->fifo = fifo;
    q->visibility_timeout_s = visibility_timeout_s;
    q->next_serial = 1;
    q->next_sequence = FIRST_SEQUENCE_NUMBER;
    return q;
}

void local_queue_set_content_based_deduplication(local_queue *q, bool on)
{
    if (q)
        q->content_based_deduplication = on;
}

static void message_free(message *m)
{
    free(m->body);
    free(m->group_id);
    free(m->dedup_id);
    free(m);
}

static void remove_all_messages(local_queue *q)
{
    for (size_t i = 0; i < q->count; i++)
        message_free(q->messages[i]);
    q->count = 0;
}

void local_queue_free(local_queue *q)
{
    if (!q)
        return;
    remove_all_messages(q);
    free(q->messages);
    for (size_t i = 0; i < q->dedup_count; i++)
        free(q->dedup[i].dedup_id);
    free(q->dedup);
    free(q->name);
    free(q->url);
    free(q->arn);
    free(q->region);
    free(q->account);
    free(q);
}

const char *local_queue_name(const local_queue *q) { return q ? q->name : NULL; }
const char *local_queue_url(const local_queue *q) { return q ? q->url : NULL; }
const char *local_queue_arn(const local_queue *q) { return q ? q->arn : NULL; }
const char *local_queue_region(const local_queue *q) { return q ? q->region : NULL; }
const char *local_queue_account(const local_queue *q) { return q ? q->account : NULL; }
bool local_queue_is_fifo(const local_queue *q) { return q && q->fifo; }
bool local_queue_content_based_deduplication(const local_queue *q)
{
    return q && q->content_based_deduplication;
}
int local_queue_visibility_timeout_s(const local_queue *q)
{
    return q ? q->visibility_timeout_s : 0;
}

local_queue_counts local_queue_count(const local_queue *q, int64_t now_ms)
{
    local_queue_counts c = {0};
    for (size_t i = 0; q && i < q->count; i++) {
        const message *m = q->messages[i];
        if (m->visible_at_ms <= now_ms)
            c.visible++;
        else if (m->receive_count > 0)
            c.not_visible++;
        else
            c.delayed++;
    }
    return c;
}

/* The index of the message with this serial, or -1. */
static ptrdiff_t find_serial(const local_queue *q, uint64_t serial)
{
    size_t lo = 0, hi = q->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t s = q->messages[mid]->serial;
        if (s == serial)
            return (ptrdiff_t)mid;
        if (s < serial)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void remove_at(local_queue *q, size_t i)
{
    message_free(q->messages[i]);
    memmove(&q->messages[i], &q->messages[i + 1], (q->count - i - 1) * sizeof *q->messages);
    q->count--;
}

/* -- FIFO deduplication ---------------------------------------------------------------- */

static void dedup_expire(local_queue *q, int64_t now_ms)
{
    size_t kept = 0;
    for (size_t i = 0; i < q->dedup_count; i++) {
        if (q->dedup[i].expires_ms > now_ms)
            q->dedup[kept++] = q->dedup[i];
        else
            free(q->dedup[i].dedup_id);
    }
    q->dedup_count = kept;
}

static const dedup_entry *dedup_find(const local_queue *q, const char *dedup_id)
{
    for (size_t i = 0; i < q->dedup_count; i++)
        if (strcmp(q->dedup[i].dedup_id, dedup_id) == 0)
            return &q->dedup[i];
    return NULL;
}

static void dedup_remember(local_queue *q, const message *m)
{
    q->dedup = grow(q->dedup, q->dedup_count, &q->dedup_cap, sizeof *q->dedup);
    dedup_entry *e = &q->dedup[q->dedup_count++];
    e->dedup_id = base_xstrdup(m->dedup_id);
    e->expires_ms = m->sent_ms + LOCAL_QUEUE_DEDUP_WINDOW_MS;
    e->sent = m->sent;
}

/* -- sending and purging --------------------------------------------------------------- */

static message *message_new(local_queue *q, const char *body, size_t body_len,
                            const char *group_id, const char *dedup_id, int delay_s,
                            int64_t now_ms)
{
    message *m = base_xcalloc(1, sizeof *m);
    m->serial = q->next_serial++;
    new_uuid(m->sent.message_id);
    m->body = base_xstrndup(body, body_len);
    digest_hex(EVP_md5(), body, body_len, m->sent.md5_of_message_body);
    m->group_id = group_id ? base_xstrdup(group_id) : NULL;
    m->dedup_id = dedup_id ? base_xstrdup(dedup_id) : NULL;
    if (q->fifo)
        snprintf(m->sent.sequence_number, sizeof m->sent.sequence_number, "%" PRIu64,
                 q->next_sequence++);
    m->sent_ms = now_ms;
    m->visible_at_ms = now_ms + (int64_t)delay_s * 1000;
    return m;
}

int local_queue_send(local_queue *q, const char *body, const char *group_id,
                     const char *dedup_id, int delay_s, int64_t now_ms, local_queue_sent *out)
{
    if (!q || !body || !out || delay_s < 0 ||
        (q->fifo && (!group_id || (!dedup_id && !q->content_based_deduplication))))
        return -1;
    size_t body_len = strlen(body);
    char content_hash[SHA256_HEX_LEN + 1];
    if (q->fifo && !dedup_id) {
        digest_hex(EVP_sha256(), body, body_len, content_hash);
        dedup_id = content_hash;
    }
    const dedup_entry *seen = NULL;
    if (q->fifo) {
        dedup_expire(q, now_ms);
        seen = dedup_find(q, dedup_id);
    }
    if (seen) {
        *out = seen->sent;
        digest_hex(EVP_md5(), body, body_len, out->md5_of_message_body);
        return 0;
    }
    message *m = message_new(q, body, body_len, group_id, dedup_id, delay_s, now_ms);
    q->messages = grow(q->messages, q->count, &q->cap, sizeof *q->messages);
    q->messages[q->count++] = m;
    if (q->fifo)
        dedup_remember(q, m);
    *out = m->sent;
    return 0;
}

int local_queue_purge(local_queue *q, int64_t now_ms)
{
    if (!q || (q->purged && now_ms - q->last_purge_ms < LOCAL_QUEUE_PURGE_INTERVAL_MS))
        return -1;
    remove_all_messages(q);
    q->purged = true;
    q->last_purge_ms = now_ms;
    return 0;
}

/* -- the event source mapping: taking a batch ------------------------------------------ */

typedef struct group_list {
    const char **ids;
    size_t count, cap;
} group_list;

static bool group_listed(const group_list *g, const char *id)
{
    for (size_t i = 0; i < g->count; i++)
        if (strcmp(g->ids[i], id) == 0)
            return true;
    return false;
}

/* FIFO: the groups with a message that is not visible now. Nothing of theirs
 * may be taken, so each group is handled in order, one batch at a time. */
static void blocked_groups(const local_queue *q, int64_t now_ms, group_list *out)
{
    for (size_t i = 0; i < q->count; i++) {
        const message *m = q->messages[i];
        if (m->visible_at_ms > now_ms && m->group_id && !group_listed(out, m->group_id)) {
            out->ids = grow(out->ids, out->count, &out->cap, sizeof *out->ids);
            out->ids[out->count++] = m->group_id;
        }
    }
}
/* Up to max messages a receive would return now, in queue order. */
static size_t select_ready(const local_queue *q, int64_t now_ms, message **picked, size_t max)
{
    group_list blocked = {0};
    if (q->fifo)
        blocked_groups(q, now_ms, &blocked);
    size_t n = 0;
    for (size_t i = 0; i < q->count && n < max; i++) {
        message *m = q->messages[i];
        if (m->visible_at_ms > now_ms || (q->fifo && group_listed(&blocked, m->group_id)))
            continue;
        picked[n++] = m;
    }
    free(blocked.ids);
    return n;
}

static void receive(const local_queue *q, message *m, int64_t now_ms)
{
    m->receive_count++;
    if (m->receive_count == 1)
        m->first_receive_ms = now_ms;
    m->visible_at_ms = now_ms + (int64_t)q->visibility_timeout_s * 1000;
    new_receipt_handle(m->receipt_handle);
}

static void add_number_string(cJSON *object, const char *name, int64_t value)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, value);
    cJSON_AddStringToObject(object, name, text);
}

/* One record of the Lambda event, as the SQS event source mapping builds it
 * from a ReceiveMessage answer (tests/harness/local_lambda.py, sqs_event). */
static cJSON *event_record(const local_queue *q, const message *m)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "messageId", m->sent.message_id);
    cJSON_AddStringToObject(r, "receiptHandle", m->receipt_handle);
    cJSON_AddStringToObject(r, "body", m->body);
    cJSON *a = cJSON_AddObjectToObject(r, "attributes");
    add_number_string(a, "ApproximateReceiveCount", m->receive_count);
    add_number_string(a, "SentTimestamp", m->sent_ms);
    cJSON_AddStringToObject(a, "SenderId", q->account);
    add_number_string(a, "ApproximateFirstReceiveTimestamp", m->first_receive_ms);
    if (m->sent.sequence_number[0])
        cJSON_AddStringToObject(a, "SequenceNumber", m->sent.sequence_number);
    if (m->group_id)
        cJSON_AddStringToObject(a, "MessageGroupId", m->group_id);
    if (m->dedup_id)
        cJSON_AddStringToObject(a, "MessageDeduplicationId", m->dedup_id);
    cJSON_AddObjectToObject(r, "messageAttributes");
    cJSON_AddStringToObject(r, "md5OfBody", m->sent.md5_of_message_body);
    cJSON_AddStringToObject(r, "eventSource", "aws:sqs");
    cJSON_AddStringToObject(r, "eventSourceARN", q->arn);
    cJSON_AddStringToObject(r, "awsRegion", q->region);
    return r;
}

static void batch_entry_set(batch_entry *e, const message *m)
{
    e->serial = m->serial;
    memcpy(e->id, m->sent.message_id, sizeof e->id);
    memcpy(e->receipt_handle, m->receipt_handle, sizeof e->receipt_handle);
    e->group_id = m->group_id ? base_xstrdup(m->group_id) : NULL;
}

/* Receives the picked messages and describes them as one batch and one event. */
static local_batch *receive_batch(local_queue *q, message *const *picked, size_t n,
                                  int64_t now_ms, char **event_json)
{
    local_batch *b = base_xcalloc(1, sizeof *b + n * sizeof b->entries[0]);
    cJSON *event = cJSON_CreateObject();
    cJSON *records = cJSON_AddArrayToObject(event, "Records");
    for (size_t i = 0; i < n; i++) {
        receive(q, picked[i], now_ms);
        batch_entry_set(&b->entries[i], picked[i]);
        cJSON_AddItemToArray(records, event_record(q, picked[i]));
    }
    b->count = n;
    *event_json = local_json_print(event);
    cJSON_Delete(event);
    return b;
}

int local_queue_take_batch(local_queue *q, int max_messages, int64_t now_ms,
                           local_batch **out_batch, char **out_event_json)
{
    if (out_batch)
        *out_batch = NULL;
    if (out_event_json)
        *out_event_json = NULL;
    if (!q || !out_batch || !out_event_json || max_messages < 1)
        return -1;
    size_t max = (size_t)max_messages < q->count ? (size_t)max_messages : q->count;
    if (max == 0)
        return 0;
    message **picked = base_xcalloc(max, sizeof *picked);
    size_t n = select_ready(q, now_ms, picked, max);
    if (n > 0)
        *out_batch = receive_batch(q, picked, n, now_ms, out_event_json);
    free(picked);
    return 0;
}

int64_t local_queue_next_ready_ms(const local_queue *q, int64_t now_ms)
{
    if (!q || q->count == 0)
        return -1;
    message *first;
    if (select_ready(q, now_ms, &first, 1) == 1)
        return now_ms;
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < q->count; i++) {
        int64_t at = q->messages[i]->visible_at_ms;
        if (at > now_ms && at < next)
            next = at;
    }
    return next == INT64_MAX ? now_ms : next;
}

/* -- the event source mapping: settling a batch ---------------------------------------- */

size_t local_batch_count(const local_batch *b)
{
    return b ? b->count : 0;
}

void local_batch_free(local_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->count; i++)
        free(b->entries[i].group_id);
    free(b);
}

static ptrdiff_t batch_index(const local_batch *b, const char *message_id)
{
    for (size_t i = 0; i < b->count; i++)
        if (strcmp(b->entries[i].id, message_id) == 0)
            return (ptrdiff_t)i;
    return -1;
}

/* Marks the messages a batchItemFailures list names; false when an entry has
 * no itemIdentifier or names a message not in the batch. */
static bool mark_item_failures(const local_batch *b, const cJSON *list, bool *returning)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, list) {
        const cJSON *identifier = cJSON_GetObjectItemCaseSensitive(item, "itemIdentifier");
        const char *id = cJSON_GetStringValue(identifier);
        ptrdiff_t i = id && id[0] ? batch_index(b, id) : -1;
        if (i < 0)
            return false;
        returning[i] = true;
    }
    return true;
}

/* Reads a ReportBatchItemFailures answer; false when it fails the whole batch. */
static bool read_item_failures(const local_batch *b, const char *response_json, bool *returning)
{
    size_t len = strlen(response_json);
    if (local_json_is_blank(response_json, len))
        return true;
    cJSON *doc = local_json_parse(response_json, len);
    if (!doc)
        return false;
    const cJSON *list = cJSON_IsObject(doc) ? local_json_member(doc, "batchItemFailures") : NULL;
    bool ok = !list || (cJSON_IsArray(list) && mark_item_failures(b, list, returning));
    cJSON_Delete(doc);
    return ok;
}

/* FIFO: a returning message takes the later messages of its group in the
 * batch with it, so the group is still handled in order. */
static void return_rest_of_groups(const local_batch *b, bool *returning)
{
    for (size_t i = 0; i < b->count; i++) {
        const char *group = b->entries[i].group_id;
        if (!returning[i] || !group)
            continue;
        for (size_t j = i + 1; j < b->count; j++)
            if (b->entries[j].group_id && strcmp(b->entries[j].group_id, group) == 0)
                returning[j] = true;
    }
}

/* Deletes the message or makes it visible again soon, if the batch still holds
 * its latest receive. */
static void settle(local_queue *q, const batch_entry *e, bool returning, int64_t now_ms)
{
    ptrdiff_t i = find_serial(q, e->serial);
    if (i < 0 || strcmp(q->messages[i]->receipt_handle, e->receipt_handle) != 0)
        return;
    if (returning)
        q->messages[i]->visible_at_ms = now_ms + LOCAL_QUEUE_RETRY_DELAY_MS;
    else
        remove_at(q, (size_t)i);
}

void local_queue_finish_batch(local_queue *q, local_batch *b, const char *response_json,
                              int64_t now_ms)
{
    if (!q || !b) {
        local_batch_free(b);
        return;
    }
    bool *returning = base_xcalloc(b->count ? b->count : 1, sizeof *returning);
    if (!response_json || !read_item_failures(b, response_json, returning))
        for (size_t i = 0; i < b->count; i++)
            returning[i] = true;
    if (q->fifo)
        return_rest_of_groups(b, returning);
    for (size_t i = 0; i < b->count; i++)
        settle(q, &b->entries[i], returning[i], now_ms);
    free(returning);
    local_batch_free(b);
}

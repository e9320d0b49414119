/*
 * local_queue_test.c - scribblectl local's SQS queues: the SQS operations
 * (answers and errors in the AWS JSON 1.0 shape, FIFO ordering and
 * deduplication) and the event source mapping's side (the Lambda event,
 * ReportBatchItemFailures, retries, visibility). Time is passed in, so every
 * step happens at a chosen millisecond.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "local/local_queue.h"
#include "local/local_sqs.h"
#include "test.h"

#define T0 INT64_C(1700000000000)
#define ACCOUNT "123456789012"
#define STANDARD_URL "http://sqs.eu-west-1.localhost:4566/" ACCOUNT "/pixels"
#define STANDARD_ARN "arn:aws:sqs:eu-west-1:" ACCOUNT ":pixels"
#define FIFO_URL "http://sqs.eu-west-1.localhost:4566/" ACCOUNT "/catchup.fifo"
#define FIFO_ARN "arn:aws:sqs:eu-west-1:" ACCOUNT ":catchup.fifo"
#define VISIBILITY_S 30

static local_queue *standard_queue(void)
{
    local_queue *q = local_queue_new("pixels", STANDARD_URL, STANDARD_ARN, false, VISIBILITY_S);
    if (!q) {
        fprintf(stderr, "the standard queue was refused\n");
        exit(1);
    }
    return q;
}

static local_queue *fifo_queue(void)
{
    local_queue *q = local_queue_new("catchup.fifo", FIFO_URL, FIFO_ARN, true, VISIBILITY_S);
    if (!q) {
        fprintf(stderr, "the FIFO queue was refused\n");
        exit(1);
    }
    return q;
}

/* -- calling the SQS operations -------------------------------------------------------- */

typedef struct answer {
    int status;
    cJSON *doc;
} answer;

static answer call_raw(local_queue *q, const char *operation, const char *body, size_t len,
                       int64_t now)
{
    local_queue *const queues[] = {q};
    local_reply reply = {0};
    CHECK_INT_EQ(local_sqs_handle(queues, 1, operation, body, len, now, &reply), 0);
    CHECK_STR_EQ(reply.content_type, "application/x-amz-json-1.0");
    answer a = {reply.status, cJSON_Parse(base_buf_str(&reply.body))};
    if (!a.doc) {
        fprintf(stderr, "%s answered with a body that is not JSON: %s\n", operation,
                base_buf_str(&reply.body));
        test_failures++;
    }
    local_reply_free(&reply);
    return a;
}

static answer call(local_queue *q, const char *operation, const char *body, int64_t now)
{
    return call_raw(q, operation, body, strlen(body), now);
}

/* Calls with a request built as cJSON (which it deletes). */
static answer call_doc(local_queue *q, const char *operation, cJSON *request, int64_t now)
{
    char *body = cJSON_PrintUnformatted(request);
    answer a = call(q, operation, body, now);
    cJSON_free(body);
    cJSON_Delete(request);
    return a;
}

static const char *string_at(const cJSON *object, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(object, name));
}

/* Checks an answer is SQS's error code with a message, and frees it. */
static void expect_error(answer a, int status, const char *code, const char *what)
{
    char type[160];
    snprintf(type, sizeof type, "com.amazonaws.sqs#%s", code);
    if (a.status != status)
        fprintf(stderr, "%s: ", what);
    CHECK_INT_EQ(a.status, status);
    if (!string_at(a.doc, "__type") || strcmp(string_at(a.doc, "__type"), type) != 0)
        fprintf(stderr, "%s: ", what);
    CHECK_STR_EQ(string_at(a.doc, "__type"), type);
    const char *message = string_at(a.doc, "message");
    CHECK(message && message[0]);
    cJSON_Delete(a.doc);
}

static cJSON *send_request(const char *url, const char *body, const char *group, const char *dedup)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "QueueUrl", url);
    if (body)
        cJSON_AddStringToObject(r, "MessageBody", body);
    if (group)
        cJSON_AddStringToObject(r, "MessageGroupId", group);
    if (dedup)
        cJSON_AddStringToObject(r, "MessageDeduplicationId", dedup);
    return r;
}

/* Sends one message; returns its MessageId (caller frees). */
static char *send_to(local_queue *q, const char *body, const char *group, const char *dedup,
                     int64_t now)
{
    answer a = call_doc(q, "SendMessage",
                        send_request(local_queue_url(q), body, group, dedup), now);
    if (a.status != 200)
        fprintf(stderr, "SendMessage of %s failed: %s\n", body, string_at(a.doc, "message"));
    CHECK_INT_EQ(a.status, 200);
    const char *id = string_at(a.doc, "MessageId");
    char *copy = strdup(id ? id : "");
    cJSON_Delete(a.doc);
    return copy;
}

static char *send_standard(local_queue *q, const char *body, int64_t now)
{
    return send_to(q, body, NULL, NULL, now);
}

/* -- the event source mapping ---------------------------------------------------------- */

/* Takes a batch; returns the parsed event (NULL when nothing was ready). */
static cJSON *take(local_queue *q, int max, int64_t now, local_batch **batch)
{
    char *json = NULL;
    CHECK_INT_EQ(local_queue_take_batch(q, max, now, batch, &json), 0);
    if (!*batch) {
        CHECK(json == NULL);
        return NULL;
    }
    cJSON *event = cJSON_Parse(json);
    CHECK(event != NULL);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(event, "Records")),
                 local_batch_count(*batch));
    free(json);
    return event;
}

static const cJSON *record(const cJSON *event, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(event, "Records"), i);
}

static int record_count(const cJSON *event)
{
    return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(event, "Records"));
}

static const char *record_body(const cJSON *event, int i)
{
    return string_at(record(event, i), "body");
}

static const char *record_attribute(const cJSON *event, int i, const char *name)
{
    return string_at(cJSON_GetObjectItemCaseSensitive(record(event, i), "attributes"), name);
}

static void expect_counts(const local_queue *q, int64_t now, size_t visible, size_t not_visible)
{
    local_queue_counts c = local_queue_count(q, now);
    CHECK_INT_EQ(c.visible, visible);
    CHECK_INT_EQ(c.not_visible, not_visible);
}

static void expect_nothing_ready(local_queue *q, int64_t now)
{
    local_batch *b = NULL;
    cJSON *event = take(q, 10, now, &b);
    CHECK(b == NULL);
    if (event) {
        fprintf(stderr, "a batch was taken at +%lld ms: %s...\n", (long long)(now - T0),
                record_body(event, 0));
        cJSON_Delete(event);
        local_queue_finish_batch(q, b, NULL, now);
    }
}

/* -- tests ----------------------------------------------------------------------------- */

static void test_send_take_finish_deletes(void)
{
    local_queue *q = standard_queue();
    answer a = call_doc(q, "SendMessage", send_request(STANDARD_URL, "hello", NULL, NULL), T0);
    CHECK_INT_EQ(a.status, 200);
    CHECK_STR_EQ(string_at(a.doc, "MD5OfMessageBody"), "5d41402abc4b2a76b9719d911017c592");
    const char *id = string_at(a.doc, "MessageId");
    CHECK(id && strlen(id) == 36 && id[14] == '4');
    CHECK(cJSON_GetObjectItemCaseSensitive(a.doc, "SequenceNumber") == NULL);
    expect_counts(q, T0, 1, 0);
    CHECK_INT_EQ(local_queue_next_ready_ms(q, T0), T0);

    local_batch *b = NULL;
    cJSON *event = take(q, 10, T0 + 5, &b);
    CHECK_INT_EQ(record_count(event), 1);
    CHECK_STR_EQ(record_body(event, 0), "hello");
    CHECK_STR_EQ(string_at(record(event, 0), "messageId"), id);
    expect_counts(q, T0 + 5, 0, 1);
    CHECK_INT_EQ(local_queue_next_ready_ms(q, T0 + 5), T0 + 5 + VISIBILITY_S * 1000);
    expect_nothing_ready(q, T0 + 6);

    local_queue_finish_batch(q, b, "{\"batchItemFailures\":[]}", T0 + 10);
    expect_counts(q, T0 + 10, 0, 0);
    CHECK_INT_EQ(local_queue_next_ready_ms(q, T0 + 10), -1);
    expect_nothing_ready(q, T0 + 100000);
    cJSON_Delete(event);
    cJSON_Delete(a.doc);
    local_queue_free(q);
}

static void test_partial_failure_returns_those(void)
{
    local_queue *q = standard_queue();
    char *ids[3] = {send_standard(q, "a", T0), send_standard(q, "b", T0), send_standard(q, "c", T0)};
    local_batch *b = NULL;
    cJSON *event = take(q, 10, T0, &b);
    CHECK_INT_EQ(record_count(event), 3);
    char response[200];
    snprintf(response, sizeof response, "{\"batchItemFailures\":[{\"itemIdentifier\":\"%s\"}]}",
             ids[1]);
    local_queue_finish_batch(q, b, response, T0 + 50);
    cJSON_Delete(event);

    expect_counts(q, T0 + 50, 0, 1);
    CHECK_INT_EQ(local_queue_next_ready_ms(q, T0 + 50), T0 + 50 + LOCAL_QUEUE_RETRY_DELAY_MS);
    expect_nothing_ready(q, T0 + 50 + LOCAL_QUEUE_RETRY_DELAY_MS - 1);
    event = take(q, 10, T0 + 50 + LOCAL_QUEUE_RETRY_DELAY_MS, &b);
    CHECK_INT_EQ(record_count(event), 1);
    CHECK_STR_EQ(string_at(record(event, 0), "messageId"), ids[1]);
    CHECK_STR_EQ(record_attribute(event, 0, "ApproximateReceiveCount"), "2");
    local_queue_finish_batch(q, b, "", T0 + 2000);
    CHECK_INT_EQ(local_queue_next_ready_ms(q, T0 + 2000), -1);
    cJSON_Delete(event);
    for (int i = 0; i < 3; i++)
        free(ids[i]);
    local_queue_free(q);
}

static void test_failed_invocation_returns_all(void)
{
    local_queue *q = standard_queue();
    free(send_standard(q, "one", T0));
    free(send_standard(q, "two", T0));
    local_batch *b = NULL;
    cJSON *event = take(q, 10, T0 + 100, &b);
    CHECK_INT_EQ(record_count(event), 2);
    CHECK_STR_EQ(record_attribute(event, 0, "ApproximateReceiveCount"), "1");
    cJSON_Delete(event);
    local_queue_finish_batch(q, b, NULL, T0 + 200);
    expect_counts(q, T0 + 200, 0, 2);

    event = take(q, 10, T0 + 200 + LOCAL_QUEUE_RETRY_DELAY_MS, &b);
    CHECK_INT_EQ(record_count(event), 2);
    CHECK_STR_EQ(record_body(event, 0), "one");
    CHECK_STR_EQ(record_body(event, 1), "two");
    for (int i = 0; i < 2; i++) {
        CHECK_STR_EQ(record_attribute(event, i, "ApproximateReceiveCount"), "2");
        CHECK_STR_EQ(record_attribute(event, i, "ApproximateFirstReceiveTimestamp"), "1700000000100");
        CHECK_STR_EQ(record_attribute(event, i, "SentTimestamp"), "1700000000000");
    }
    local_queue_finish_batch(q, b, "{}", T0 + 5000);
    expect_counts(q, T0 + 5000, 0, 0);
    cJSON_Delete(event);
    local_queue_free(q);
}

/* Each answer fails (true) or completes (false) a batch of two messages. */
static void test_answers_as_lambda_reads_them(void)
{
    static const struct {
        const char *response;
        bool fails_batch;
    } cases[] = {
        {"{\"batchItemFailures\":[{\"itemIdentifier\":\"not-in-the-batch\"}]}", true},
        {"{\"batchItemFailures\":[{\"itemidentifier\":\"x\"}]}", true},
        {"{\"batchItemFailures\":[{\"itemIdentifier\":\"\"}]}", true},
        {"{\"batchItemFailures\":[{\"itemIdentifier\":null}]}", true},
        {"{\"batchItemFailures\":[\"x\"]}", true},
        {"{\"batchItemFailures\":\"x\"}", true},
        {"{\"batchItemFailures\":[", true},
        {"not json", true},
        {"{\"batchItemFailures\":[]}", false},
        {"{\"batchItemFailures\":null}", false},
        {"{}", false},
        {"null", false},
        {"\"done\"", false},
        {"", false},
        {" \n", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        local_queue *q = standard_queue();
        free(send_standard(q, "x", T0));
        free(send_standard(q, "y", T0));
        local_batch *b = NULL;
        cJSON *event = take(q, 10, T0, &b);
        local_queue_finish_batch(q, b, cases[i].response, T0 + 1);
        local_queue_counts c = local_queue_count(q, T0 + 1);
        if (c.not_visible != (cases[i].fails_batch ? 2u : 0u))
            fprintf(stderr, "answer %s: ", cases[i].response);
        CHECK_INT_EQ(c.not_visible, cases[i].fails_batch ? 2 : 0);
        cJSON_Delete(event);
        local_queue_free(q);
    }
}

static void test_visibility_timeout_redelivers(void)
{
    local_queue *q = standard_queue();
    free(send_standard(q, "slow", T0));
    local_batch *first = NULL, *second = NULL;
    cJSON *event1 = take(q, 10, T0, &first);
    expect_nothing_ready(q, T0 + VISIBILITY_S * 1000 - 1);
    cJSON *event2 = take(q, 10, T0 + VISIBILITY_S * 1000, &second);
    CHECK_INT_EQ(record_count(event2), 1);
    CHECK_STR_EQ(record_attribute(event2, 0, "ApproximateReceiveCount"), "2");
    CHECK(strcmp(string_at(record(event1, 0), "receiptHandle"),
                 string_at(record(event2, 0), "receiptHandle")) != 0);
    /* The first batch's receipt handle is stale: finishing it changes nothing. */
    local_queue_finish_batch(q, first, "{}", T0 + VISIBILITY_S * 1000 + 1);
    expect_counts(q, T0 + VISIBILITY_S * 1000 + 1, 0, 1);
    local_queue_finish_batch(q, second, "{}", T0 + VISIBILITY_S * 1000 + 2);
    expect_counts(q, T0 + VISIBILITY_S * 1000 + 2, 0, 0);
    cJSON_Delete(event1);
    cJSON_Delete(event2);
    local_queue_free(q);
}

static void test_fifo_order_and_group_blocking(void)
{
    local_queue *q = fifo_queue();
    free(send_to(q, "a1", "a", "d-a1", T0));
    free(send_to(q, "a2", "a", "d-a2", T0));
    free(send_to(q, "b1", "b", "d-b1", T0));
    free(send_to(q, "a3", "a", "d-a3", T0));

    local_batch *first = NULL, *second = NULL;
    cJSON *event = take(q, 1, T0, &first);
    CHECK_STR_EQ(record_body(event, 0), "a1");
    CHECK_STR_EQ(record_attribute(event, 0, "MessageGroupId"), "a");
    CHECK_STR_EQ(record_attribute(event, 0, "MessageDeduplicationId"), "d-a1");
    const char *seq_a1 = record_attribute(event, 0, "SequenceNumber");
    CHECK(seq_a1 && strlen(seq_a1) == 20);
    char seq_first[32];
    snprintf(seq_first, sizeof seq_first, "%s", seq_a1 ? seq_a1 : "");
    cJSON_Delete(event);

    /* Group a has a1 in flight: only b's message may go. */
    event = take(q, 10, T0, &second);
    CHECK_INT_EQ(record_count(event), 1);
    CHECK_STR_EQ(record_body(event, 0), "b1");
    CHECK(strcmp(record_attribute(event, 0, "SequenceNumber"), seq_first) > 0);
    cJSON_Delete(event);
    expect_nothing_ready(q, T0);
    local_queue_finish_batch(q, second, NULL, T0); /* b1 returns */
    local_queue_finish_batch(q, first, "{}", T0);  /* a1 done */

    event = take(q, 10, T0 + 1, &first);
    CHECK_INT_EQ(record_count(event), 2);
    CHECK_STR_EQ(record_body(event, 0), "a2");
    CHECK_STR_EQ(record_body(event, 1), "a3");
    /* a2 fails: a3, later in its group, must come back with it. */
    char response[200];
    snprintf(response, sizeof response, "{\"batchItemFailures\":[{\"itemIdentifier\":\"%s\"}]}",
             string_at(record(event, 0), "messageId"));
    cJSON_Delete(event);
    local_queue_finish_batch(q, first, response, T0 + 2);
    expect_counts(q, T0 + 2, 0, 3);

    event = take(q, 10, T0 + 2 + LOCAL_QUEUE_RETRY_DELAY_MS, &first);
    CHECK_INT_EQ(record_count(event), 3);
    CHECK_STR_EQ(record_body(event, 0), "a2");
    CHECK_STR_EQ(record_body(event, 1), "b1");
    CHECK_STR_EQ(record_body(event, 2), "a3");
    CHECK_STR_EQ(record_attribute(event, 2, "ApproximateReceiveCount"), "2");
    local_queue_finish_batch(q, first, "{\"batchItemFailures\":[]}", T0 + 5000);
    CHECK_INT_EQ(local_queue_next_ready_ms(q, T0 + 5000), -1);
    cJSON_Delete(event);
    local_queue_free(q);
}

static void test_fifo_deduplication(void)
{
    local_queue *q = fifo_queue();
    answer first = call_doc(q, "SendMessage", send_request(FIFO_URL, "x", "g", "same"), T0);
    answer again = call_doc(q, "SendMessage", send_request(FIFO_URL, "x", "g", "same"), T0 + 1000);
    CHECK_INT_EQ(again.status, 200);
    CHECK_STR_EQ(string_at(again.doc, "MessageId"), string_at(first.doc, "MessageId"));
    CHECK_STR_EQ(string_at(again.doc, "SequenceNumber"), string_at(first.doc, "SequenceNumber"));
    expect_counts(q, T0 + 1000, 1, 0);

    answer later = call_doc(q, "SendMessage", send_request(FIFO_URL, "x", "g", "same"),
                            T0 + LOCAL_QUEUE_DEDUP_WINDOW_MS);
    CHECK_INT_EQ(later.status, 200);
    CHECK(strcmp(string_at(later.doc, "MessageId"), string_at(first.doc, "MessageId")) != 0);
    expect_counts(q, T0 + LOCAL_QUEUE_DEDUP_WINDOW_MS, 2, 0);
    cJSON_Delete(first.doc);
    cJSON_Delete(again.doc);
    cJSON_Delete(later.doc);

    /* Without a deduplication id, only content-based deduplication will do. */
    expect_error(call_doc(q, "SendMessage", send_request(FIFO_URL, "y", "g", NULL), T0), 400,
                 "InvalidParameterValue", "FIFO send without a deduplication id");
    local_queue_set_content_based_deduplication(q, true);
    char *id1 = send_to(q, "hello", "g", NULL, T0);
    char *id2 = send_to(q, "hello", "g", NULL, T0 + 10);
    CHECK_STR_EQ(id2, id1);
    free(id1);
    free(id2);
    local_batch *b = NULL;
    cJSON *event = take(q, 10, T0 + LOCAL_QUEUE_DEDUP_WINDOW_MS, &b);
    CHECK_INT_EQ(record_count(event), 3);
    CHECK_STR_EQ(record_attribute(event, 2, "MessageDeduplicationId"),
                 "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    local_queue_finish_batch(q, b, NULL, T0);
    cJSON_Delete(event);

    expect_error(call_doc(q, "SendMessage", send_request(FIFO_URL, "z", NULL, "d"), T0), 400,
                 "MissingParameter", "FIFO send without a group");
    cJSON *delayed = send_request(FIFO_URL, "z", "g", "d2");
    cJSON_AddNumberToObject(delayed, "DelaySeconds", 5);
    expect_error(call_doc(q, "SendMessage", delayed, T0), 400, "InvalidParameterValue",
                 "FIFO send with DelaySeconds");
    expect_error(call_doc(q, "SendMessage", send_request(FIFO_URL, "z", "g g", "d3"), T0), 400,
                 "InvalidParameterValue", "a group id with a space");
    local_queue_free(q);
}

static cJSON *batch_entry(const char *id, const char *body)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "Id", id);
    if (body)
        cJSON_AddStringToObject(e, "MessageBody", body);
    return e;
}

static cJSON *batch_request(const char *url, cJSON **entries, size_t count)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "QueueUrl", url);
    cJSON *list = cJSON_AddArrayToObject(r, "Entries");
    for (size_t i = 0; i < count; i++)
        cJSON_AddItemToArray(list, entries[i]);
    return r;
}

static void test_send_message_batch(void)
{
    local_queue *q = standard_queue();
    cJSON *entries[4] = {batch_entry("e1", "first"), batch_entry("e2", NULL),
                         batch_entry("e3", "delayed too long"), batch_entry("e4", "fourth")};
    cJSON_AddNumberToObject(entries[2], "DelaySeconds", 901);
    answer a = call_doc(q, "SendMessageBatch", batch_request(STANDARD_URL, entries, 4), T0);
    CHECK_INT_EQ(a.status, 200);
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(a.doc, "Successful");
    const cJSON *failed = cJSON_GetObjectItemCaseSensitive(a.doc, "Failed");
    CHECK_INT_EQ(cJSON_GetArraySize(ok), 2);
    CHECK_INT_EQ(cJSON_GetArraySize(failed), 2);
    CHECK_STR_EQ(string_at(cJSON_GetArrayItem(ok, 0), "Id"), "e1");
    CHECK_STR_EQ(string_at(cJSON_GetArrayItem(ok, 1), "Id"), "e4");
    CHECK(string_at(cJSON_GetArrayItem(ok, 0), "MessageId") != NULL);
    CHECK_STR_EQ(string_at(cJSON_GetArrayItem(ok, 0), "MD5OfMessageBody"),
                 "8b04d5e3775d298e78455efc5ca404d5"); /* md5("first") */
    CHECK_STR_EQ(string_at(cJSON_GetArrayItem(failed, 0), "Id"), "e2");
    CHECK_STR_EQ(string_at(cJSON_GetArrayItem(failed, 0), "Code"), "MissingParameter");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(failed, 0), "SenderFault")));
    CHECK_STR_EQ(string_at(cJSON_GetArrayItem(failed, 1), "Id"), "e3");
    CHECK_STR_EQ(string_at(cJSON_GetArrayItem(failed, 1), "Code"), "InvalidParameterValue");
    CHECK(string_at(cJSON_GetArrayItem(failed, 1), "Message") != NULL);
    expect_counts(q, T0, 2, 0);
    cJSON_Delete(a.doc);

    /* What fails the whole request. */
    cJSON *many[11];
    for (int i = 0; i < 11; i++) {
        char id[8];
        snprintf(id, sizeof id, "m%d", i);
        many[i] = batch_entry(id, "x");
    }
    expect_error(call_doc(q, "SendMessageBatch", batch_request(STANDARD_URL, many, 11), T0), 400,
                 "TooManyEntriesInBatchRequest", "11 entries");
    expect_error(call_doc(q, "SendMessageBatch", batch_request(STANDARD_URL, NULL, 0), T0), 400,
                 "EmptyBatchRequest", "no entries");
    cJSON *twins[2] = {batch_entry("same", "x"), batch_entry("same", "y")};
    expect_error(call_doc(q, "SendMessageBatch", batch_request(STANDARD_URL, twins, 2), T0), 400,
                 "BatchEntryIdsNotDistinct", "repeated ids");
    cJSON *bad_id[1] = {batch_entry("not ok", "x")};
    expect_error(call_doc(q, "SendMessageBatch", batch_request(STANDARD_URL, bad_id, 1), T0), 400,
                 "InvalidBatchEntryId", "an id with a space");
    char *half = malloc(LOCAL_QUEUE_MAX_BODY / 2 + 2);
    memset(half, 'h', LOCAL_QUEUE_MAX_BODY / 2 + 1);
    half[LOCAL_QUEUE_MAX_BODY / 2 + 1] = '\0';
    cJSON *big[2] = {batch_entry("b1", half), batch_entry("b2", half)};
    free(half);
    expect_error(call_doc(q, "SendMessageBatch", batch_request(STANDARD_URL, big, 2), T0), 400,
                 "BatchRequestTooLong", "two halves of 256 KiB and a bit");
    expect_counts(q, T0, 2, 0);
    local_queue_free(q);

    /* A FIFO batch's entries get sequence numbers. */
    q = fifo_queue();
    cJSON *fifo_entries[2] = {batch_entry("f1", "x"), batch_entry("f2", "y")};
    for (int i = 0; i < 2; i++) {
        cJSON_AddStringToObject(fifo_entries[i], "MessageGroupId", "g");
        cJSON_AddStringToObject(fifo_entries[i], "MessageDeduplicationId", i ? "d2" : "d1");
    }
    a = call_doc(q, "SendMessageBatch", batch_request(FIFO_URL, fifo_entries, 2), T0);
    ok = cJSON_GetObjectItemCaseSensitive(a.doc, "Successful");
    CHECK_INT_EQ(cJSON_GetArraySize(ok), 2);
    CHECK(string_at(cJSON_GetArrayItem(ok, 1), "SequenceNumber") != NULL);
    cJSON_Delete(a.doc);
    local_queue_free(q);
}

static void test_unknown_queue_and_urls(void)
{
    local_queue *q = standard_queue();
    expect_error(call_doc(q, "SendMessage",
                          send_request("http://localhost:4566/" ACCOUNT "/nope", "x", NULL, NULL),
                          T0),
                 400, "QueueDoesNotExist", "another queue's URL");
    expect_error(call(q, "GetQueueUrl", "{\"QueueName\":\"nope\"}", T0), 400, "QueueDoesNotExist",
                 "GetQueueUrl of another name");
    expect_error(call(q, "GetQueueUrl",
                      "{\"QueueName\":\"pixels\",\"QueueOwnerAWSAccountId\":\"999\"}", T0),
                 400, "QueueDoesNotExist", "GetQueueUrl in another account");
    expect_error(call(q, "PurgeQueue", "{\"QueueUrl\":\"http://localhost/1/x\"}", T0), 400,
                 "QueueDoesNotExist", "PurgeQueue of another queue");

    /* Another spelling of the host, or the path alone, still names the queue. */
    free(send_to(q, "by path", NULL, NULL, T0));
    answer a = call_doc(q, "SendMessage",
                        send_request("http://127.0.0.1:9999/" ACCOUNT "/pixels", "x", NULL, NULL), T0);
    CHECK_INT_EQ(a.status, 200);
    cJSON_Delete(a.doc);
    a = call_doc(q, "SendMessage", send_request("/" ACCOUNT "/pixels", "y", NULL, NULL), T0);
    CHECK_INT_EQ(a.status, 200);
    cJSON_Delete(a.doc);

    a = call(q, "GetQueueUrl", "{\"QueueName\":\"pixels\"}", T0);
    CHECK_INT_EQ(a.status, 200);
    CHECK_STR_EQ(string_at(a.doc, "QueueUrl"), STANDARD_URL);
    cJSON_Delete(a.doc);
    a = call(q, "AmazonSQS.GetQueueUrl", "{\"QueueName\":\"pixels\"}", T0);
    CHECK_INT_EQ(a.status, 200);
    cJSON_Delete(a.doc);

    /* No queue at all. */
    const char *request = "{\"QueueUrl\":\"x\",\"MessageBody\":\"y\"}";
    local_reply reply = {0};
    CHECK_INT_EQ(local_sqs_handle(NULL, 0, "SendMessage", request, strlen(request), T0, &reply), 0);
    CHECK_INT_EQ(reply.status, 400);
    local_reply_free(&reply);
    local_queue_free(q);
}

static void test_malformed_requests(void)
{
    local_queue *q = standard_queue();
    const char *url = "\"QueueUrl\":\"" STANDARD_URL "\"";
    char body[512];
    expect_error(call(q, "SendMessage", "{not json", T0), 400, "InvalidParameterValue", "not JSON");
    expect_error(call(q, "SendMessage", "[]", T0), 400, "InvalidParameterValue", "a list");
    expect_error(call(q, "SendMessage", "{} {}", T0), 400, "InvalidParameterValue", "trailing text");
    expect_error(call(q, "SendMessage", "", T0), 400, "MissingParameter", "an empty body");
    expect_error(call_raw(q, "SendMessage", NULL, 0, T0), 400, "MissingParameter", "no body");
    expect_error(call(q, "SendMessage", "{\"QueueUrl\":5,\"MessageBody\":\"x\"}", T0), 400,
                 "InvalidParameterValue", "a number for QueueUrl");
    snprintf(body, sizeof body, "{%s}", url);
    expect_error(call(q, "SendMessage", body, T0), 400, "MissingParameter", "no MessageBody");
    snprintf(body, sizeof body, "{%s,\"MessageBody\":null}", url);
    expect_error(call(q, "SendMessage", body, T0), 400, "MissingParameter", "a null MessageBody");
    snprintf(body, sizeof body, "{%s,\"MessageBody\":\"\"}", url);
    expect_error(call(q, "SendMessage", body, T0), 400, "MissingParameter", "an empty MessageBody");
    snprintf(body, sizeof body, "{%s,\"MessageBody\":{\"a\":1}}", url);
    expect_error(call(q, "SendMessage", body, T0), 400, "InvalidParameterValue", "an object body");
    snprintf(body, sizeof body, "{%s,\"MessageBody\":\"x\",\"DelaySeconds\":\"5\"}", url);
    expect_error(call(q, "SendMessage", body, T0), 400, "InvalidParameterValue", "a string delay");
    snprintf(body, sizeof body, "{%s,\"MessageBody\":\"x\",\"DelaySeconds\":1.5}", url);
    expect_error(call(q, "SendMessage", body, T0), 400, "InvalidParameterValue", "a fractional delay");
    snprintf(body, sizeof body, "{%s,\"MessageBody\":\"a\\u0000b\"}", url);
    expect_error(call(q, "SendMessage", body, T0), 400, "InvalidMessageContents", "a NUL");
    snprintf(body, sizeof body, "{%s,\"MessageBody\":\"a\\u0001b\"}", url);
    expect_error(call(q, "SendMessage", body, T0), 400, "InvalidMessageContents", "a control character");
    snprintf(body, sizeof body, "{%s,\"MessageBody\":\"a\xff\"}", url);
    expect_error(call(q, "SendMessage", body, T0), 400, "InvalidMessageContents", "invalid UTF-8");
    snprintf(body, sizeof body, "{%s,\"MessageBody\":\"\xc0\xaf\"}", url);
    expect_error(call(q, "SendMessage", body, T0), 400, "InvalidMessageContents", "overlong UTF-8");
    snprintf(body, sizeof body, "{%s,\"MessageBody\":\"x\",\"MessageDeduplicationId\":\"d\"}", url);
    expect_error(call(q, "SendMessage", body, T0), 400, "InvalidParameterValue",
                 "a deduplication id on a standard queue");
    snprintf(body, sizeof body,
             "{%s,\"MessageBody\":\"x\",\"MessageAttributes\":"
             "{\"a\":{\"DataType\":\"String\",\"StringValue\":\"v\"}}}", url);
    expect_error(call(q, "SendMessage", body, T0), 400, "InvalidParameterValue", "message attributes");
    snprintf(body, sizeof body, "{%s,\"Entries\":{}}", url);
    expect_error(call(q, "SendMessageBatch", body, T0), 400, "InvalidParameterValue",
                 "Entries not a list");
    snprintf(body, sizeof body, "{%s,\"Entries\":[5]}", url);
    expect_error(call(q, "SendMessageBatch", body, T0), 400, "InvalidParameterValue",
                 "an entry not an object");
    snprintf(body, sizeof body, "{%s,\"Entries\":[{\"MessageBody\":\"x\"}]}", url);
    expect_error(call(q, "SendMessageBatch", body, T0), 400, "MissingParameter", "an entry without Id");
    snprintf(body, sizeof body, "{%s,\"AttributeNames\":\"All\"}", url);
    expect_error(call(q, "GetQueueAttributes", body, T0), 400, "InvalidParameterValue",
                 "AttributeNames not a list");
    expect_error(call(q, "ReceiveMessage", body, T0), 400, "UnsupportedOperation", "ReceiveMessage");
    expect_error(call(q, NULL, body, T0), 400, "UnsupportedOperation", "no operation");

    char deep[4100];
    memset(deep, '[', 4000);
    deep[4000] = '\0';
    expect_error(call(q, "SendMessage", deep, T0), 400, "InvalidParameterValue", "deep nesting");
    expect_counts(q, T0, 0, 0);

    /* Characters that are fine: quotes, escapes, non-ASCII, astral. */
    snprintf(body, sizeof body,
             "{%s,\"MessageBody\":\"{\\\"q\\\":\\\"\\\\n\\\"}\\t\xc3\xa9\xf0\x9f\x8e\xa8\"}", url);
    answer a = call(q, "SendMessage", body, T0);
    CHECK_INT_EQ(a.status, 200);
    cJSON_Delete(a.doc);
    local_batch *b = NULL;
    cJSON *event = take(q, 10, T0, &b);
    CHECK_STR_EQ(record_body(event, 0), "{\"q\":\"\\n\"}\t\xc3\xa9\xf0\x9f\x8e\xa8");
    local_queue_finish_batch(q, b, NULL, T0);
    cJSON_Delete(event);
    CHECK_INT_EQ(local_sqs_handle(NULL, 0, "SendMessage", "{}", 2, T0, NULL), -1);
    local_queue_free(q);
}

static void test_body_size_limit(void)
{
    local_queue *q = standard_queue();
    char *body = malloc(LOCAL_QUEUE_MAX_BODY + 2);
    memset(body, 'a', LOCAL_QUEUE_MAX_BODY + 1);
    body[LOCAL_QUEUE_MAX_BODY + 1] = '\0';
    expect_error(call_doc(q, "SendMessage", send_request(STANDARD_URL, body, NULL, NULL), T0), 400,
                 "InvalidParameterValue", "a body of 256 KiB and one byte");
    body[LOCAL_QUEUE_MAX_BODY] = '\0';
    answer a = call_doc(q, "SendMessage", send_request(STANDARD_URL, body, NULL, NULL), T0);
    CHECK_INT_EQ(a.status, 200);
    cJSON_Delete(a.doc);
    local_batch *b = NULL;
    cJSON *event = take(q, 10, T0, &b);
    CHECK_INT_EQ(strlen(record_body(event, 0)), LOCAL_QUEUE_MAX_BODY);
    local_queue_finish_batch(q, b, "{}", T0);
    cJSON_Delete(event);
    free(body);
    local_queue_free(q);
}

static void check_member_names(const cJSON *object, const char *const *names, size_t count,
                               const char *what)
{
    size_t i = 0;
    for (const cJSON *m = object ? object->child : NULL; m; m = m->next, i++) {
        if (i >= count || strcmp(m->string, names[i]) != 0) {
            fprintf(stderr, "%s: member %zu is %s, want %s\n", what, i, m->string,
                    i < count ? names[i] : "(none)");
            test_failures++;
            return;
        }
    }
    CHECK_INT_EQ(i, count);
}

static void test_event_shape(void)
{
    static const char *const record_members[] = {
        "messageId", "receiptHandle", "body", "attributes", "messageAttributes",
        "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"};
    static const char *const standard_attributes[] = {
        "ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"};
    static const char *const fifo_attributes[] = {
        "ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp",
        "SequenceNumber", "MessageGroupId", "MessageDeduplicationId"};

    local_queue *q = standard_queue();
    CHECK_STR_EQ(local_queue_region(q), "eu-west-1");
    char *id = send_standard(q, "{\"connectionId\":\"abc=\"}", T0);
    local_batch *b = NULL;
    cJSON *event = take(q, 10, T0 + 250, &b);
    CHECK(cJSON_IsObject(event));
    CHECK_INT_EQ(cJSON_GetArraySize(event), 1);
    const cJSON *r = record(event, 0);
    check_member_names(r, record_members, 9, "a standard record");
    CHECK_STR_EQ(string_at(r, "messageId"), id);
    CHECK(string_at(r, "receiptHandle") && strlen(string_at(r, "receiptHandle")) > 20);
    CHECK_STR_EQ(string_at(r, "body"), "{\"connectionId\":\"abc=\"}");
    const cJSON *attributes = cJSON_GetObjectItemCaseSensitive(r, "attributes");
    check_member_names(attributes, standard_attributes, 4, "a standard record's attributes");
    CHECK_STR_EQ(string_at(attributes, "ApproximateReceiveCount"), "1");
    CHECK_STR_EQ(string_at(attributes, "SentTimestamp"), "1700000000000");
    CHECK_STR_EQ(string_at(attributes, "SenderId"), ACCOUNT);
    CHECK_STR_EQ(string_at(attributes, "ApproximateFirstReceiveTimestamp"), "1700000000250");
    const cJSON *message_attributes = cJSON_GetObjectItemCaseSensitive(r, "messageAttributes");
    CHECK(cJSON_IsObject(message_attributes) && message_attributes->child == NULL);
    CHECK_STR_EQ(string_at(r, "md5OfBody"), "9213f22ac28e41704d37250e3c70b11b");
    CHECK_STR_EQ(string_at(r, "eventSource"), "aws:sqs");
    CHECK_STR_EQ(string_at(r, "eventSourceARN"), STANDARD_ARN);
    CHECK_STR_EQ(string_at(r, "awsRegion"), "eu-west-1");
    local_queue_finish_batch(q, b, NULL, T0);
    cJSON_Delete(event);
    free(id);
    local_queue_free(q);

    q = fifo_queue();
    free(send_to(q, "hello", "group-1", "dedup-1", T0));
    event = take(q, 10, T0, &b);
    r = record(event, 0);
    check_member_names(r, record_members, 9, "a FIFO record");
    CHECK_STR_EQ(string_at(r, "md5OfBody"), "5d41402abc4b2a76b9719d911017c592");
    check_member_names(cJSON_GetObjectItemCaseSensitive(r, "attributes"), fifo_attributes, 7,
                       "a FIFO record's attributes");
    CHECK_STR_EQ(record_attribute(event, 0, "MessageGroupId"), "group-1");
    CHECK_STR_EQ(record_attribute(event, 0, "MessageDeduplicationId"), "dedup-1");
    CHECK_STR_EQ(string_at(r, "eventSourceARN"), FIFO_ARN);
    local_queue_finish_batch(q, b, NULL, T0);
    cJSON_Delete(event);
    local_queue_free(q);
}

/* A GetQueueAttributes request; names is the inside of the AttributeNames list. */
static const char *attributes_request(const char *url, const char *names)
{
    static char text[512];
    snprintf(text, sizeof text, "{\"QueueUrl\":\"%s\",\"AttributeNames\":[%s]}", url, names);
    return text;
}

static void test_queue_attributes(void)
{
    local_queue *q = standard_queue();
    free(send_standard(q, "a", T0));
    free(send_standard(q, "b", T0));
    cJSON *delayed = send_request(STANDARD_URL, "later", NULL, NULL);
    cJSON_AddNumberToObject(delayed, "DelaySeconds", 5);
    answer a = call_doc(q, "SendMessage", delayed, T0);
    CHECK_INT_EQ(a.status, 200);
    cJSON_Delete(a.doc);
    local_batch *b = NULL;
    cJSON *event = take(q, 1, T0, &b);
    cJSON_Delete(event);

    a = call(q, "GetQueueAttributes",
             "{\"QueueUrl\":\"" STANDARD_URL "\",\"AttributeNames\":[\"QueueArn\","
             "\"ApproximateNumberOfMessages\",\"ApproximateNumberOfMessagesNotVisible\","
             "\"ApproximateNumberOfMessagesDelayed\",\"Policy\"]}", T0);
    CHECK_INT_EQ(a.status, 200);
    const cJSON *attributes = cJSON_GetObjectItemCaseSensitive(a.doc, "Attributes");
    CHECK_STR_EQ(string_at(attributes, "QueueArn"), STANDARD_ARN);
    CHECK_STR_EQ(string_at(attributes, "ApproximateNumberOfMessages"), "1");
    CHECK_STR_EQ(string_at(attributes, "ApproximateNumberOfMessagesNotVisible"), "1");
    CHECK_STR_EQ(string_at(attributes, "ApproximateNumberOfMessagesDelayed"), "1");
    CHECK(cJSON_GetObjectItemCaseSensitive(attributes, "Policy") == NULL);
    cJSON_Delete(a.doc);
    CHECK_INT_EQ(local_queue_next_ready_ms(q, T0), T0);
    local_queue_finish_batch(q, b, "{}", T0);
    event = take(q, 10, T0, &b);
    CHECK_INT_EQ(record_count(event), 1);
    cJSON_Delete(event);
    local_queue_finish_batch(q, b, "{}", T0);
    CHECK_INT_EQ(local_queue_next_ready_ms(q, T0), T0 + 5000);

    a = call(q, "GetQueueAttributes", attributes_request(STANDARD_URL, "\"All\""), T0);
    attributes = cJSON_GetObjectItemCaseSensitive(a.doc, "Attributes");
    CHECK_STR_EQ(string_at(attributes, "VisibilityTimeout"), "30");
    CHECK(cJSON_GetObjectItemCaseSensitive(attributes, "FifoQueue") == NULL);
    cJSON_Delete(a.doc);
    a = call(q, "GetQueueAttributes", "{\"QueueUrl\":\"" STANDARD_URL "\"}", T0);
    CHECK_INT_EQ(a.status, 200);
    CHECK(cJSON_GetObjectItemCaseSensitive(a.doc, "Attributes") == NULL);
    cJSON_Delete(a.doc);
    expect_error(call(q, "GetQueueAttributes", attributes_request(STANDARD_URL, "\"FifoQueue\""), T0),
                 400, "InvalidAttributeName", "FifoQueue of a standard queue");
    expect_error(call(q, "GetQueueAttributes", attributes_request(STANDARD_URL, "\"Bogus\""), T0),
                 400, "InvalidAttributeName", "an unknown attribute");
    local_queue_free(q);

    q = fifo_queue();
    a = call(q, "GetQueueAttributes", attributes_request(FIFO_URL, "\"All\",\"FifoQueue\""), T0);
    attributes = cJSON_GetObjectItemCaseSensitive(a.doc, "Attributes");
    CHECK_STR_EQ(string_at(attributes, "FifoQueue"), "true");
    CHECK_STR_EQ(string_at(attributes, "ContentBasedDeduplication"), "false");
    CHECK_STR_EQ(string_at(attributes, "ApproximateNumberOfMessages"), "0");
    cJSON_Delete(a.doc);
    local_queue_free(q);
}

static void test_purge(void)
{
    local_queue *q = standard_queue();
    free(send_standard(q, "a", T0));
    free(send_standard(q, "b", T0));
    local_batch *b = NULL;
    cJSON *event = take(q, 1, T0, &b);
    cJSON_Delete(event);
    answer a = call(q, "PurgeQueue", "{\"QueueUrl\":\"" STANDARD_URL "\"}", T0);
    CHECK_INT_EQ(a.status, 200);
    cJSON_Delete(a.doc);
    expect_counts(q, T0, 0, 0);
    local_queue_finish_batch(q, b, NULL, T0); /* its message is gone: nothing to return */
    CHECK_INT_EQ(local_queue_next_ready_ms(q, T0), -1);
    expect_error(call(q, "PurgeQueue", "{\"QueueUrl\":\"" STANDARD_URL "\"}", T0 + 59999), 403,
                 "PurgeQueueInProgress", "a second purge within a minute");
    a = call(q, "PurgeQueue", "{\"QueueUrl\":\"" STANDARD_URL "\"}", T0 + LOCAL_QUEUE_PURGE_INTERVAL_MS);
    CHECK_INT_EQ(a.status, 200);
    cJSON_Delete(a.doc);
    local_queue_free(q);
}

static void test_construction(void)
{
    CHECK(local_queue_new("q", "http://h/1/q", "arn:aws:sqs:us-east-1:1:q", true, 30) == NULL);
    CHECK(local_queue_new("q.fifo", "http://h/1/q.fifo", "arn:aws:sqs:us-east-1:1:q.fifo", false,
                          30) == NULL);
    CHECK(local_queue_new("q", "http://h/1/q", "arn:aws:sqs:us-east-1:1:other", false, 30) == NULL);
    CHECK(local_queue_new("q", "http://h/1/q", "arn:aws:sns:us-east-1:1:q", false, 30) == NULL);
    CHECK(local_queue_new("q", "http://h/1/q", "not an arn", false, 30) == NULL);
    CHECK(local_queue_new("q", "http://h/1/q", "arn:aws:sqs:us-east-1:1:q", false, -1) == NULL);
    CHECK(local_queue_new(NULL, "http://h/1/q", "arn:aws:sqs:us-east-1:1:q", false, 30) == NULL);
    local_queue *q = local_queue_new("q", "http://h/1/q", "arn:aws:sqs:us-east-1:1:q", false, 0);
    CHECK(q != NULL);
    CHECK_STR_EQ(local_queue_name(q), "q");
    CHECK_STR_EQ(local_queue_url(q), "http://h/1/q");
    CHECK_STR_EQ(local_queue_arn(q), "arn:aws:sqs:us-east-1:1:q");
    CHECK_STR_EQ(local_queue_region(q), "us-east-1");
    local_batch *b = (local_batch *)1;
    char *json = (char *)1;
    CHECK_INT_EQ(local_queue_take_batch(q, 0, T0, &b, &json), -1);
    CHECK(b == NULL && json == NULL);
    CHECK_INT_EQ(local_queue_take_batch(q, 10, T0, &b, &json), 0);
    CHECK(b == NULL && json == NULL);
    local_queue_free(q);
}

int main(void)
{
    test_construction();
    test_send_take_finish_deletes();
    test_partial_failure_returns_those();
    test_failed_invocation_returns_all();
    test_answers_as_lambda_reads_them();
    test_visibility_timeout_redelivers();
    test_fifo_order_and_group_blocking();
    test_fifo_deduplication();
    test_send_message_batch();
    test_unknown_queue_and_urls();
    test_malformed_requests();
    test_body_size_limit();
    test_event_shape();
    test_queue_attributes();
    test_purge();
    return TEST_EXIT();
}

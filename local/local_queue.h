/*
 * local_queue.h - scribblectl local's SQS queues, kept in memory: their
 * messages (visibility, FIFO message groups and deduplication) and the SQS
 * event source mapping's side of a queue (take a batch as a Lambda event,
 * then settle it from the function's answer with ReportBatchItemFailures,
 * as Lambda does).
 *
 * The SQS API is not here: local_sqs.h answers the handlers' requests
 * through the few calls below (send, purge, what a queue is), after checking
 * them as SQS does, so this file knows nothing of requests or their errors.
 *
 * Pure and single-threaded: no I/O, no threads, no clock. Every call that
 * depends on time takes now_ms (milliseconds since the Unix epoch), so the
 * caller's loop decides when things happen and tests can move time at will.
 */
#ifndef SCRIBBLE_LOCAL_QUEUE_H
#define SCRIBBLE_LOCAL_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOCAL_QUEUE_MAX_BODY 262144          /* SQS's largest message body (256 KiB) */
#define LOCAL_QUEUE_DEDUP_WINDOW_MS 300000   /* FIFO deduplication interval (5 minutes) */
#define LOCAL_QUEUE_RETRY_DELAY_MS 1000      /* a failed message is visible again after this */
#define LOCAL_QUEUE_PURGE_INTERVAL_MS 60000  /* one PurgeQueue per queue per minute */

#define LOCAL_QUEUE_MESSAGE_ID_LEN 36 /* a UUID */
#define LOCAL_QUEUE_MD5_LEN 32        /* hex */
#define LOCAL_QUEUE_SEQUENCE_LEN 20   /* SQS's sequence numbers: 20 decimal digits */

typedef struct local_queue local_queue;
/* Messages handed to one invocation, until local_queue_finish_batch. */
typedef struct local_batch local_batch;

typedef struct local_queue_counts {
    size_t visible;     /* ApproximateNumberOfMessages */
    size_t not_visible; /* ApproximateNumberOfMessagesNotVisible: received, not yet deleted */
    size_t delayed;     /* ApproximateNumberOfMessagesDelayed: sent with DelaySeconds */
} local_queue_counts;

/* What a send answers, as SendMessage names it. */
typedef struct local_queue_sent {
    char message_id[LOCAL_QUEUE_MESSAGE_ID_LEN + 1];    /* MessageId */
    char md5_of_message_body[LOCAL_QUEUE_MD5_LEN + 1];  /* MD5OfMessageBody */
    char sequence_number[LOCAL_QUEUE_SEQUENCE_LEN + 1]; /* SequenceNumber: "" on a standard queue */
} local_queue_sent;

/* A queue as `up` would have made it. arn is arn:<partition>:sqs:<region>:<account>:<name>;
 * the region and account (the messages' SenderId) come from it. A FIFO queue's
 * name ends in ".fifo". NULL when an argument is unusable. */
local_queue *local_queue_new(const char *name, const char *url, const char *arn, bool fifo,
                             int visibility_timeout_s);
/* ContentBasedDeduplication (FIFO queues): a send without MessageDeduplicationId
 * is deduplicated by the SHA-256 of its body. Off unless set. */
void local_queue_set_content_based_deduplication(local_queue *q, bool on);
void local_queue_free(local_queue *q);

const char *local_queue_name(const local_queue *q);
const char *local_queue_url(const local_queue *q);
const char *local_queue_arn(const local_queue *q);
const char *local_queue_region(const local_queue *q);
const char *local_queue_account(const local_queue *q);
bool local_queue_is_fifo(const local_queue *q);
bool local_queue_content_based_deduplication(const local_queue *q);
int local_queue_visibility_timeout_s(const local_queue *q);
local_queue_counts local_queue_count(const local_queue *q, int64_t now_ms);

/* Adds a message (body NUL-terminated; group_id and dedup_id NULL when
 * absent), visible after delay_s seconds, and fills *out. On a FIFO queue a
 * message whose deduplication id (dedup_id, or with content-based
 * deduplication the SHA-256 of its body) was sent within
 * LOCAL_QUEUE_DEDUP_WINDOW_MS is not added: as SQS does, *out then names the
 * first message, with the MD5 of this body.
 * SQS's checks of a message are the caller's (local_sqs.c); -1 only for what
 * the queue cannot keep: a NULL q, body or out, a negative delay, or on a
 * FIFO queue a message without group, or without deduplication id while
 * content-based deduplication is off. */
int local_queue_send(local_queue *q, const char *body, const char *group_id,
                     const char *dedup_id, int delay_s, int64_t now_ms, local_queue_sent *out);
/* Deletes every message, at most once per LOCAL_QUEUE_PURGE_INTERVAL_MS:
 * -1 (nothing deleted) when the last purge was more recent, or q is NULL.
 * Batches in flight then find their messages gone. */
int local_queue_purge(local_queue *q, int64_t now_ms);

/* Takes up to max_messages visible messages (FIFO: in order, skipping any
 * message group with a message in flight), hides them for the visibility
 * timeout, counts the receive, and builds the Lambda SQS event for them
 * (*out_event_json, caller frees with free()). Returns 0 with *out_batch NULL
 * when none is ready; -1 when an argument is unusable. */
int local_queue_take_batch(local_queue *q, int max_messages, int64_t now_ms,
                           local_batch **out_batch, char **out_event_json);
/* Settles a batch from the invocation's result and frees it. response_json
 * NULL: the invocation failed, every message returns. Otherwise read as
 * Lambda reads a ReportBatchItemFailures answer: the messages named in
 * batchItemFailures return, the others are deleted; no list, an empty list,
 * an empty answer or one that is not an object deletes them all; a list
 * naming a message not in the batch, an entry without an itemIdentifier, or
 * an answer that is not JSON fails the whole batch. On a FIFO queue a
 * returning message takes the later messages of its group in the batch with
 * it. Returning messages are visible again after LOCAL_QUEUE_RETRY_DELAY_MS.
 * A message received again since (its visibility timeout ran out) or purged
 * is left alone. */
void local_queue_finish_batch(local_queue *q, local_batch *b, const char *response_json,
                              int64_t now_ms);
size_t local_batch_count(const local_batch *b);
/* Frees a batch without settling it (its messages return when their
 * visibility timeout runs out). */
void local_batch_free(local_batch *b);

/* When a take could next find a message: now_ms when one is ready, the
 * earliest time a hidden message becomes visible otherwise, -1 when the queue
 * holds no message. A batch finished earlier than that may make one ready
 * sooner: ask again after local_queue_finish_batch. */
int64_t local_queue_next_ready_ms(const local_queue *q, int64_t now_ms);

#endif

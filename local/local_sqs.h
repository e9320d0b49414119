/*
 * local_sqs.h - scribblectl local's SQS endpoint: the SQS operations the
 * handlers call (AWS JSON 1.0, as runtime/queue.c sends them), answered from
 * the local queues (local_queue.h).
 *
 * This is the wire protocol only: reading a request, checking it as SQS
 * does, and answering in SQS's JSON shapes and errors. The queues' state and
 * the event source mapping are local_queue.h's; a request reaches them only
 * through its public calls. A request is a pure function of the queues, its
 * bytes and now_ms; it never prints.
 */
#ifndef SCRIBBLE_LOCAL_SQS_H
#define SCRIBBLE_LOCAL_SQS_H

#include <stddef.h>
#include <stdint.h>

#include "local/local_queue.h"
#include "local/local_reply.h"

/* Answers one SQS request: operation is X-Amz-Target's name after "AmazonSQS."
 * (the prefix is also accepted), body the JSON document. Serves SendMessage,
 * SendMessageBatch, GetQueueUrl, GetQueueAttributes and PurgeQueue; any
 * other operation or a bad request is answered in SQS's JSON error shape.
 * Fills reply (its body is replaced) and returns 0; -1 only when reply is NULL. */
int local_sqs_handle(local_queue *const *queues, size_t count, const char *operation,
                     const char *body, size_t len, int64_t now_ms, local_reply *reply);

#endif

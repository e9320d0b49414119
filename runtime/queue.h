/*
 * queue.h - the two messages the handlers put on SQS: pixels for broadcast
 * (the same {"type":"pixels"} document browsers receive, so broadcast
 * forwards what it reads) and catch-up requests.
 *
 * FIFO queues (a URL ending in .fifo) get a group and a deduplication id:
 * pixels share one group and are deduplicated by their first seq; catch-ups
 * are grouped by connection and deduplicated by the invocation that asked.
 */
#ifndef SCRIBBLE_RUNTIME_QUEUE_H
#define SCRIBBLE_RUNTIME_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "aws/client.h"
#include "base/error.h"
#include "runtime/canvas_store.h"

/* Queues placements[0..count) (consecutive seqs) for broadcast. */
int queue_send_pixels(aws_client *aws, const char *queue_url, const placement *placements,
                      size_t count, base_error *err);

/* Queues a catch-up for connection_id from since (when has_since). */
int queue_send_catchup(aws_client *aws, const char *queue_url, const char *connection_id,
                       bool has_since, uint64_t since, const char *request_id, base_error *err);

typedef struct catchup_request {
    char connection_id[160];
    bool has_since;
    uint64_t since;
} catchup_request;

/* Reads a catch-up request from a queue message's body. */
int queue_parse_catchup(const char *body, catchup_request *out, base_error *err);

#endif

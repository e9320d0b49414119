/*
 * event.h - reading the events Lambda hands the handlers: API Gateway's
 * WebSocket proxy events (the routes) and SQS batches (the queues).
 *
 * The event comes from AWS, but its body and query string come from a
 * browser: everything is checked, and a connection id is accepted only in
 * API Gateway's alphabet, as it ends up in cache keys and URLs. A frame may
 * hold NUL bytes, which the event carries as \u0000 and cJSON would cut the
 * body at, so the body is decoded from the event's text, whole.
 */
#ifndef SCRIBBLE_RUNTIME_EVENT_H
#define SCRIBBLE_RUNTIME_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "base/buf.h"
#include "base/error.h"
#include "runtime/source_address.h"

#define CONNECTION_ID_MAX 128

typedef struct websocket_event {
    char connection_id[CONNECTION_ID_MAX + 1];
    const char *body;   /* the message (routes other than $connect/$disconnect), NUL bytes
                           included; NULL when none */
    size_t body_len;
    const char *route_key; /* requestContext.routeKey; "" when absent */
    char source_address[SOURCE_ADDRESS_SIZE]; /* requestContext.identity.sourceIp as a limit
                                                 key (source_address.h); "" when absent */
    bool binary;        /* API Gateway base64-encoded it: a binary frame */
    bool has_since;     /* $connect's ?since=, when it is a valid seq */
    uint64_t since;
    cJSON *doc;         /* owns route_key */
    base_buf body_text;  /* owns body */
} websocket_event;

int websocket_event_parse(const char *json, size_t len, websocket_event *out, base_error *err);
void websocket_event_free(websocket_event *ev);

/* A connection id made of API Gateway's characters (letters, digits, + / = - _),
 * 1 to CONNECTION_ID_MAX of them. */
bool connection_id_valid(const char *id);

/* The Records of an SQS event; *doc owns them (caller frees with cJSON_Delete). */
int sqs_event_records(const char *json, size_t len, cJSON **doc, const cJSON **records,
                      base_error *err);
/* A record's body and messageId (NULL when absent). */
const char *sqs_record_body(const cJSON *record);
const char *sqs_record_id(const cJSON *record);

/* Appends {"batchItemFailures":[{"itemIdentifier":id},...]}, Lambda's answer
 * naming the records to deliver again. */
void sqs_batch_response(base_buf *out, const char *const *failed_ids, size_t count);

#endif

/*
 * event.c - reads Lambda's route and queue events (event.h).
 */
#include "runtime/event.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/client_message.h"
#include "runtime/json_text.h"
#include "runtime/strict_json.h"

/* Events nest a few levels (requestContext.identity, headers' lists). */
#define EVENT_MAX_DEPTH 16

bool connection_id_valid(const char *id)
{
    size_t len = id ? strlen(id) : 0;
    if (len == 0 || len > CONNECTION_ID_MAX)
        return false;
    return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_") == len;
}

static cJSON *member(const cJSON *object, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(object, name);
}

/* True when the string json.outer.inner holds a NUL, so cJSON's copy of it
 * is only a prefix of it. json passed strict_json_check. */
static bool holds_nul(const char *json, size_t len, const char *outer, const char *inner)
{
    const char *object = NULL, *value = NULL;
    size_t object_len = 0, value_len = 0;
    if (strict_json_member(json, len, outer, &object, &object_len) == 0 ||
        strict_json_member(object, object_len, inner, &value, &value_len) == 0)
        return false;
    base_buf text = {0};
    bool nul = strict_json_string(value, value_len, &text) && text.len != strlen(base_buf_str(&text));
    base_buf_free(&text);
    return nul;
}

int websocket_event_parse(const char *json, size_t len, websocket_event *out, base_error *err)
{
    memset(out, 0, sizeof *out);
    base_error strict = {0};
    if (strict_json_check(json, len, EVENT_MAX_DEPTH, STRICT_JSON_ALLOW_NUL, &strict) == 0)
        out->doc = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(out->doc)) {
        websocket_event_free(out);
        return base_error_set(err, BASE_ERROR_INVALID, "InvalidEvent", "the event is not a JSON object");
    }
    const char *id = cJSON_GetStringValue(member(member(out->doc, "requestContext"), "connectionId"));
    if (!connection_id_valid(id) || holds_nul(json, len, "requestContext", "connectionId")) {
        websocket_event_free(out);
        return base_error_set(err, BASE_ERROR_INVALID, "InvalidEvent",
                             "the event has no valid requestContext.connectionId");
    }
    memcpy(out->connection_id, id, strlen(id) + 1);
    const char *route = cJSON_GetStringValue(member(member(out->doc, "requestContext"), "routeKey"));
    out->route_key = route ? route : "";
    source_address_key(cJSON_GetStringValue(member(member(member(out->doc, "requestContext"),
                                                           "identity"), "sourceIp")),
                       out->source_address);
    const char *body_token = NULL;
    size_t body_token_len = 0;
    if (cJSON_IsString(member(out->doc, "body"))) {
        if (strict_json_member(json, len, "body", &body_token, &body_token_len) != 1 ||
            !strict_json_string(body_token, body_token_len, &out->body_text)) {
            websocket_event_free(out);
            return base_error_set(err, BASE_ERROR_INVALID, "InvalidEvent",
                                 "the event's body is given more than once");
        }
        out->body = out->body_text.data ? out->body_text.data : "";
        out->body_len = out->body_text.len;
    }
    out->binary = cJSON_IsTrue(member(out->doc, "isBase64Encoded"));
    const char *since = cJSON_GetStringValue(member(member(out->doc, "queryStringParameters"), "since"));
    out->has_since = since && !holds_nul(json, len, "queryStringParameters", "since") &&
                     client_since_parse(since, &out->since);
    return 0;
}

void websocket_event_free(websocket_event *ev)
{
    cJSON_Delete(ev->doc);
    base_buf_free(&ev->body_text);
    memset(ev, 0, sizeof *ev);
}

int sqs_event_records(const char *json, size_t len, cJSON **doc, const cJSON **records,
                      base_error *err)
{
    *doc = cJSON_ParseWithLength(json, len);
    *records = member(*doc, "Records");
    if (!cJSON_IsArray(*records)) {
        cJSON_Delete(*doc);
        *doc = NULL;
        return base_error_set(err, BASE_ERROR_INVALID, "InvalidEvent",
                             "the event is not an SQS batch (no Records list)");
    }
    return 0;
}

const char *sqs_record_body(const cJSON *record)
{
    return cJSON_GetStringValue(member(record, "body"));
}

const char *sqs_record_id(const cJSON *record)
{
    return cJSON_GetStringValue(member(record, "messageId"));
}

void sqs_batch_response(base_buf *out, const char *const *failed_ids, size_t count)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *failures = cJSON_AddArrayToObject(doc, "batchItemFailures");
    for (size_t i = 0; i < count; i++) {
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "itemIdentifier", failed_ids[i]);
        cJSON_AddItemToArray(failures, item);
    }
    json_text_append(out, doc);
}

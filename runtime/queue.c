/*
 * queue.c - SendMessage for the pixel and catch-up queues (queue.h).
 */
#include "runtime/queue.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "runtime/event.h"
#include "runtime/server_message.h"

static bool is_fifo(const char *url)
{
    size_t n = strlen(url);
    return n > 5 && strcmp(url + n - 5, ".fifo") == 0;
}

static int send_message(aws_client *aws, const char *queue_url, const char *body,
                        const char *group, const char *dedup, base_error *err)
{
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "QueueUrl", queue_url);
    cJSON_AddStringToObject(in, "MessageBody", body);
    if (is_fifo(queue_url)) {
        cJSON_AddStringToObject(in, "MessageGroupId", group);
        cJSON_AddStringToObject(in, "MessageDeduplicationId", dedup);
    }
    cJSON *out = NULL;
    int rc = aws_json_call(aws, &aws_service_sqs, "SendMessage", in, &out, err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    return rc;
}

int queue_send_pixels(aws_client *aws, const char *queue_url, const placement *placements,
                      size_t count, base_error *err)
{
    message_list messages = {0};
    server_message_pixels(&messages, placements, count, 0);
    int rc = 0;
    for (size_t i = 0; i < messages.count && rc == 0; i++) {
        char dedup[48];
        snprintf(dedup, sizeof dedup, "seq-%" PRIu64 "-%zu", placements[0].seq, i);
        rc = send_message(aws, queue_url, base_buf_str(&messages.items[i]), "pixels", dedup, err);
    }
    message_list_free(&messages);
    return rc;
}

int queue_send_catchup(aws_client *aws, const char *queue_url, const char *connection_id,
                       bool has_since, uint64_t since, const char *request_id, base_error *err)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "connectionId", connection_id);
    if (has_since)
        cJSON_AddNumberToObject(doc, "since", (double)since);
    else
        cJSON_AddNullToObject(doc, "since");
    char *body = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!body)
        abort();
    int rc = send_message(aws, queue_url, body, connection_id, request_id, err);
    cJSON_free(body);
    return rc;
}

int queue_parse_catchup(const char *body, catchup_request *out, base_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *doc = body ? cJSON_Parse(body) : NULL;
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "connectionId"));
    const cJSON *since = cJSON_GetObjectItemCaseSensitive(doc, "since");
    bool ok = connection_id_valid(id) &&
              (!since || cJSON_IsNull(since) ||
               (cJSON_IsNumber(since) && since->valuedouble >= 0 &&
                since->valuedouble <= 9007199254740992.0 &&
                (double)(uint64_t)since->valuedouble == since->valuedouble));
    if (ok) {
        memcpy(out->connection_id, id, strlen(id) + 1);
        out->has_since = cJSON_IsNumber(since);
        out->since = out->has_since ? (uint64_t)since->valuedouble : 0;
    }
    cJSON_Delete(doc);
    ENSURE(ok, err, BASE_ERROR_INVALID, "InvalidCatchupRequest",
           "a catch-up request is not {\"connectionId\", \"since\"}");
    return 0;
}

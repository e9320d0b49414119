/*
 * fuzz_websocket_event.c - the Lambda events API Gateway sends
 * (runtime/event.c): a WebSocket event, or SQS records, parsed or refused.
 */
#include "fuzz.h"
#include "runtime/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    websocket_event ev;
    memset(&ev, 0, sizeof ev);
    base_error err = {0};
    if (websocket_event_parse((const char *)data, size, &ev, &err) == 0) {
        if (!connection_id_valid(ev.connection_id) || ev.body_len > size)
            abort();
        websocket_event_free(&ev);
    }
    cJSON *doc = NULL;
    const cJSON *records = NULL;
    if (sqs_event_records((const char *)data, size, &doc, &records, &err) == 0) {
        const cJSON *record;
        cJSON_ArrayForEach(record, records)
        {
            (void)sqs_record_body(record);
            (void)sqs_record_id(record);
        }
    }
    cJSON_Delete(doc);
    return 0;
}

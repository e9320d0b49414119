/*
 * handler_catchup.c - the catch-up queue's consumer: sends each requesting
 * connection what it lacks (catchup.h), record by record.
 *
 * The request was queued during $connect, so the first post may reach API
 * Gateway before the connection is open, which it answers with 410: while
 * the connection is younger than SCRIBBLE_CONNECT_GRACE_MS (and the
 * invocation has time) the post is tried again. A connection gone for good,
 * or a request that is not one, is dropped; a record that failed otherwise
 * is named in batchItemFailures so SQS delivers it again. A cache that
 * holds no canvas is loaded first (load.h); while another invocation is
 * loading it, the requests are delivered again. A connection being caught
 * up is alive: it is registered again if a lost cache forgot it.
 */
#include <stdlib.h>

#include "aws/clock.h"
#include "runtime/app.h"
#include "runtime/catchup.h"
#include "runtime/event.h"
#include "runtime/handler.h"
#include "runtime/load.h"
#include "runtime/log.h"
#include "runtime/queue.h"

#define RETRY_PAUSE_MS 200
#define DEADLINE_MARGIN_MS 1000

/* Is the connection new enough that a 410 may only mean "not open yet"? */
static bool still_opening(app *a, canvas_store *store, const char *connection_id)
{
    bool found = false;
    long long connected = 0;
    base_error err = {0};
    if (store_connection_since(store, connection_id, &found, &connected, &err) != 0)
        return false;
    return found && app_now_ms() - connected < a->settings.connect_grace_ms;
}

static int deliver(const handler_ctx *ctx, canvas_store *store, fanout *f,
                   const char *connection_id, const message_list *messages, base_error *err)
{
    for (;;) {
        base_error_clear(err);
        if (fanout_post_all(f, connection_id, messages, err) == 0)
            return 0;
        if (!fanout_is_gone(err) || !still_opening(ctx->app, store, connection_id) ||
            handler_remaining_ms(ctx) < RETRY_PAUSE_MS + DEADLINE_MARGIN_MS)
            return -1;
        aws_sleep_ms(RETRY_PAUSE_MS);
    }
}

/* 0: done or dropped; -1: deliver again later. */
static int serve_request(const handler_ctx *ctx, const char *body)
{
    app *a = ctx->app;
    base_error err = {0};
    catchup_request request;
    if (queue_parse_catchup(body, &request, &err) != 0) {
        log_failure("dropping a catch-up request", &err);
        return 0;
    }
    canvas_store *store = NULL;
    fanout *f = NULL;
    message_list messages = {0};
    int rc = app_store(a, &store, &err) == 0 && app_fanout(a, &f, &err) == 0 &&
                     store_connection_seen(store, request.connection_id, app_now_ms(), &err) == 0 &&
                     catchup_messages(store, request.has_since, request.since, 0, &messages,
                                      &err) == 0
                 ? deliver(ctx, store, f, request.connection_id, &messages, &err)
                 : -1;
    message_list_free(&messages);
    if (rc == 0)
        return 0;
    if (store && fanout_is_gone(&err)) {
        base_error ignored = {0};
        store_connection_remove(store, request.connection_id, &ignored);
        log_info("dropped a catch-up: the connection is gone");
        handler_count(ctx, "dropped", 1);
        return 0;
    }
    log_failure("catching up a connection", &err);
    return -1;
}

int handler_catchup(const handler_ctx *ctx, const char *event_json, size_t len, base_buf *response,
                    base_error *err)
{
    cJSON *doc;
    const cJSON *records, *record;
    TRY(sqs_event_records(event_json, len, &doc, &records, err));
    bool loaded = false;
    base_error load_err = {0};
    if (load_canvas(ctx, &loaded, &load_err) != 0) /* the records fail and come again */
        log_failure("loading the canvas", &load_err);
    size_t total = (size_t)cJSON_GetArraySize(records), failed = 0;
    const char **failures = base_xcalloc(total ? total : 1, sizeof *failures);
    cJSON_ArrayForEach(record, records) {
        const char *id = sqs_record_id(record);
        if (serve_request(ctx, sqs_record_body(record)) != 0 && id)
            failures[failed++] = id;
    }
    sqs_batch_response(response, failures, failed);
    free(failures);
    cJSON_Delete(doc);
    return 0;
}

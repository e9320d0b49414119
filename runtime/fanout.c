/*
 * fanout.c - PostToConnection, one connection or many (fanout.h).
 */
#include "aws/client_default.h"
#include "runtime/fanout.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "stack/description.h"

struct fanout {
    char *endpoint;
    int workers;
    aws_client **clients; /* one per worker, NULL until first used */
};

int fanout_new(const char *endpoint, int workers, fanout **out, base_error *err)
{
    ENSURE(endpoint && endpoint[0], err, BASE_ERROR_CONFIG, "InvalidSetting",
           "%s is not set; this handler needs it", STACK_ENV(WEBSOCKET_ENDPOINT));
    fanout *f = base_xcalloc(1, sizeof *f);
    f->endpoint = base_xstrdup(endpoint);
    f->workers = workers > 0 ? workers : 1;
    f->clients = base_xcalloc((size_t)f->workers, sizeof *f->clients);
    *out = f;
    return 0;
}

void fanout_free(fanout *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->workers; i++)
        aws_client_free(f->clients[i]);
    free(f->clients);
    free(f->endpoint);
    free(f);
}

static int worker_client(fanout *f, int worker, aws_client **out, base_error *err)
{
    if (!f->clients[worker]) {
        aws_client_options options = {.endpoint_url = f->endpoint, .timeout_ms = 10000};
        TRY(aws_client_new_default(&options, &f->clients[worker], err));
    }
    *out = f->clients[worker];
    return 0;
}

static int post_with(aws_client *client, const char *connection_id, const char *data, size_t len,
                     base_error *err)
{
    base_buf path = {0};
    base_buf_append_str(&path, "/@connections/");
    aws_uri_encode(&path, connection_id, strlen(connection_id), 0);
    aws_http_request req;
    aws_http_response resp = {0};
    int rc = aws_client_request(client, &aws_service_apigatewaymanagementapi, "POST",
                                base_buf_str(&path), &req, err);
    base_buf_free(&path);
    TRY(rc);
    base_buf_append(&req.body, data, len);
    rc = aws_client_send(client, &aws_service_apigatewaymanagementapi, &req, &resp, err);
    aws_http_request_free(&req);
    aws_http_response_free(&resp);
    return rc;
}

static int post_list_with(aws_client *client, const char *connection_id,
                          const message_list *messages, base_error *err)
{
    for (size_t i = 0; i < messages->count; i++)
        TRY(post_with(client, connection_id, base_buf_str(&messages->items[i]),
                      messages->items[i].len, err));
    return 0;
}

int fanout_post(fanout *f, const char *connection_id, const char *data, size_t len,
                base_error *err)
{
    aws_client *client;
    TRY(worker_client(f, 0, &client, err));
    return post_with(client, connection_id, data, len, err);
}

int fanout_post_all(fanout *f, const char *connection_id, const message_list *messages,
                    base_error *err)
{
    aws_client *client;
    TRY(worker_client(f, 0, &client, err));
    return post_list_with(client, connection_id, messages, err);
}

bool fanout_is_gone(const base_error *err)
{
    return err->http_status == 410 || strcmp(err->code, "GoneException") == 0;
}

/* ---- broadcast ---------------------------------------------------------- */

typedef struct broadcast_job {
    fanout *f;
    char *const *connection_ids;
    size_t count;
    const message_list *messages;
    fanout_outcome *outcomes;
    atomic_size_t next;
} broadcast_job;

typedef struct broadcast_worker {
    broadcast_job *job;
    aws_client *client; /* NULL: it could not be created; its connections fail */
} broadcast_worker;

static void *broadcast_thread(void *arg)
{
    broadcast_worker *w = arg;
    broadcast_job *job = w->job;
    base_error err = {0};
    for (size_t i; (i = atomic_fetch_add(&job->next, 1)) < job->count;) {
        if (!w->client) {
            job->outcomes[i] = FANOUT_FAILED;
            continue;
        }
        base_error_clear(&err);
        if (post_list_with(w->client, job->connection_ids[i], job->messages, &err) == 0)
            job->outcomes[i] = FANOUT_SENT;
        else
            job->outcomes[i] = fanout_is_gone(&err) ? FANOUT_GONE : FANOUT_FAILED;
    }
    return NULL;
}

void fanout_broadcast(fanout *f, char *const *connection_ids, size_t count,
                      const message_list *messages, fanout_outcome *outcomes)
{
    broadcast_job job = {.f = f, .connection_ids = connection_ids, .count = count,
                         .messages = messages, .outcomes = outcomes};
    atomic_init(&job.next, 0);
    size_t threads = count < (size_t)f->workers ? count : (size_t)f->workers;
    if (threads == 0)
        return;
    broadcast_worker *workers = base_xcalloc(threads, sizeof *workers);
    pthread_t *ids = base_xcalloc(threads, sizeof *ids);
    bool *started = base_xcalloc(threads, sizeof *started);
    /* Clients are created here, one thread at a time (libcurl's global set-up
     * is not thread-safe). Worker 0 is this thread; the others run beside it. */
    for (size_t t = 0; t < threads; t++) {
        base_error err = {0};
        workers[t].job = &job;
        if (worker_client(f, (int)t, &workers[t].client, &err) != 0)
            workers[t].client = NULL;
    }
    for (size_t t = 0; t < threads; t++) {
        if (t > 0)
            started[t] = pthread_create(&ids[t], NULL, broadcast_thread, &workers[t]) == 0;
    }
    broadcast_thread(&workers[0]);
    for (size_t t = 1; t < threads; t++)
        if (started[t])
            pthread_join(ids[t], NULL);
    free(started);
    free(ids);
    free(workers);
}

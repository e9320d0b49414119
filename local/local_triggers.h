/*
 * local_triggers.h - what invokes the worker handlers locally, as Lambda's
 * SQS event source mappings and EventBridge Scheduler do in AWS: each queue
 * delivers batches to its function (one batch in flight at a time,
 * ReportBatchItemFailures applied; a batching window gathers messages for
 * up to its seconds unless a whole batch is ready, as Lambda's does); each schedule invokes its function
 * every interval with Scheduler's {} event, skipping a run while the
 * previous one is still going.
 */
#ifndef SCRIBBLE_LOCAL_TRIGGERS_H
#define SCRIBBLE_LOCAL_TRIGGERS_H

#include <stdbool.h>

#include "local/local_function.h"
#include "local/local_queue.h"
#include "stack/description.h"

typedef struct local_triggers local_triggers;

local_triggers *local_triggers_new(struct lws_context *ctx);
void local_triggers_free(local_triggers *t);
void local_triggers_add_queue(local_triggers *t, local_queue *q, local_function *f,
                              queue_batching batching);
void local_triggers_add_schedule(local_triggers *t, local_function *f, int interval_s);
/* Messages were sent: look at the queues now. */
void local_triggers_kick(local_triggers *t);
/* Runs f once now as its schedule would (unless it is running); done may be NULL. */
void local_triggers_run_now(local_triggers *t, local_function *f, bool *done);
/* Stops scheduling (what is in flight still finishes). */
void local_triggers_stop(local_triggers *t);

#endif

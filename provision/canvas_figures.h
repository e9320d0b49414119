/*
 * canvas_figures.h - how the canvas is doing, for `scribblectl status`: each
 * figure read from where it lives.
 *
 * - the cache (inside the VPC, out of scribblectl's reach): the figures
 *   handler, invoked with Lambda Invoke, answers the connections, the latest
 *   seq and the pixels placed in the last minute and hour;
 * - S3: the latest snapshot's seq and age (snapshots/latest.json);
 * - SQS: each queue's and dead-letter queue's depth (GetQueueAttributes);
 * - CloudWatch: each function's invocations, errors and throttles over the
 *   last hour (GetMetricData on AWS/Lambda, one call for all of them).
 *
 * A figure that cannot be read is {"error": why} in its place; nothing here
 * fails the command. docs/cli.md ("status") describes the document.
 */
#ifndef SCRIBBLE_PROVISION_CANVAS_FIGURES_H
#define SCRIBBLE_PROVISION_CANVAS_FIGURES_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "aws/client.h"
#include "provision/stack.h"

/* The "canvas" object of `status --output json`, read now (now_ms: Unix
 * ms). local: a running `scribblectl local` behind the client's endpoint,
 * which has no dead-letter queues and no CloudWatch. */
cJSON *canvas_figures_read(aws_client *client, stack *plan, bool local, long long now_ms);

/* The same as text, a few lines under a "canvas" heading. */
void canvas_figures_print(FILE *out, const cJSON *canvas);

#endif

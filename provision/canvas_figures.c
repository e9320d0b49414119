/*
 * canvas_figures.c - the canvas's figures for `scribblectl status`
 * (canvas_figures.h): one reader per place a figure lives, each putting
 * {"error": why} where it could not read.
 */
#include "provision/canvas_figures.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "provision/resource.h"
#include "stack/description.h"

/* CloudWatch's figures cover this much, in steps of a minute. */
#define METRICS_SECONDS 3600
#define METRICS_PERIOD 60

static const char *const lambda_metrics[] = {"Invocations", "Errors", "Throttles"};
static const char *const metric_fields[] = {"invocations", "errors", "throttles"};
#define METRIC_COUNT (sizeof lambda_metrics / sizeof lambda_metrics[0])

static cJSON *unreadable(const char *why)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", why);
    return o;
}

static cJSON *unreadable_error(const base_error *err)
{
    char text[600];
    base_error_format(err, text, sizeof text);
    return unreadable(text);
}

/* The plan's names of a handler's function and of a queue or its dead-letter queue. */
static const char *function_name(stack *plan, const char *handler)
{
    char role[ROLE_SIZE];
    snprintf(role, sizeof role, ROLE_FUNCTION_FORMAT, handler);
    return stack_resource_name(plan, role);
}

static const char *queue_name(stack *plan, const char *queue, bool dead_letter)
{
    char role[ROLE_SIZE];
    if (dead_letter)
        snprintf(role, sizeof role, ROLE_DEAD_LETTER_QUEUE_FORMAT, queue);
    else
        snprintf(role, sizeof role, ROLE_QUEUE_FORMAT, queue);
    return stack_resource_name(plan, role);
}

/* -- the cache, through the figures handler ------------------------------------------------ */

static cJSON *read_cache(aws_client *client, stack *plan)
{
    const char *function = function_name(plan, described_invoked_handlers[0].handler);
    char path[256];
    snprintf(path, sizeof path, "/2015-03-31/functions/%s/invocations", function);
    cJSON *event = cJSON_CreateObject();
    cJSON *answer = NULL;
    base_error err = {0};
    int rc =
        aws_rest_json_call(client, &aws_service_lambda, "POST", path, NULL, event, &answer, &err);
    cJSON_Delete(event);
    if (rc != 0)
        return unreadable_error(&err);
    const char *failed =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(answer, "errorType"));
    static const char *const fields[] = {"connections", "seq", "placedLastMinute",
                                         "placedLastHour"};
    cJSON *out = cJSON_CreateObject();
    for (size_t i = 0; !failed && i < sizeof fields / sizeof fields[0]; i++) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(answer, fields[i]);
        if (!cJSON_IsNumber(n) || n->valuedouble < 0)
            failed = "an answer without its figures";
        else
            cJSON_AddNumberToObject(out, fields[i], n->valuedouble);
    }
    if (failed) {
        char why[512];
        const char *message =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(answer, "errorMessage"));
        snprintf(why, sizeof why, "the function %s failed: %s%s%s", function, failed,
                 message ? ": " : "", message ? message : "");
        cJSON_Delete(out);
        out = unreadable(why);
    }
    cJSON_Delete(answer);
    return out;
}

/* -- the latest snapshot, from S3 ---------------------------------------------------------- */

static cJSON *read_snapshot(aws_client *client, stack *plan, long long now_ms)
{
    char path[512];
    snprintf(path, sizeof path, "/%s/%s", stack_resource_name(plan, ROLE_SITE_BUCKET),
             STACK_SNAPSHOT_LATEST_KEY);
    aws_http_response resp = {0};
    base_error err = {0};
    int rc = aws_rest_xml_call(client, &aws_service_s3, "GET", path, NULL, NULL, NULL, 0, &resp,
                               NULL, &err);
    cJSON *out;
    if (rc != 0 && strcmp(err.code, "NoSuchKey") == 0) {
        out = cJSON_CreateObject();
        cJSON_AddBoolToObject(out, "exists", false);
    } else if (rc != 0) {
        out = unreadable_error(&err);
    } else {
        cJSON *doc = cJSON_ParseWithLength(resp.body.data ? resp.body.data : "", resp.body.len);
        const cJSON *seq = cJSON_GetObjectItemCaseSensitive(doc, "seq");
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(doc, "createdAt");
        const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "url"));
        if (!cJSON_IsNumber(seq) || !cJSON_IsNumber(at) || !url) {
            out = unreadable(STACK_SNAPSHOT_LATEST_KEY " is not a snapshot's description");
        } else {
            out = cJSON_CreateObject();
            cJSON_AddBoolToObject(out, "exists", true);
            cJSON_AddNumberToObject(out, "seq", seq->valuedouble);
            cJSON_AddStringToObject(out, "url", url);
            cJSON_AddNumberToObject(out, "createdAt", at->valuedouble);
            double age = floor((double)(now_ms - (long long)at->valuedouble) / 1000.0);
            cJSON_AddNumberToObject(out, "ageSeconds", age < 0 ? 0 : age);
        }
        cJSON_Delete(doc);
    }
    aws_http_response_free(&resp);
    return out;
}

/* -- the queues, from SQS ------------------------------------------------------------------ */

static cJSON *read_queue(aws_client *client, const char *name)
{
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "QueueName", name);
    cJSON *found = NULL, *attributes = NULL;
    base_error err = {0};
    int rc = aws_json_call(client, &aws_service_sqs, "GetQueueUrl", in, &found, &err);
    cJSON_Delete(in);
    const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(found, "QueueUrl"));
    if (rc == 0) {
        in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "QueueUrl", url ? url : "");
        cJSON *names = cJSON_AddArrayToObject(in, "AttributeNames");
        cJSON_AddItemToArray(names, cJSON_CreateString("ApproximateNumberOfMessages"));
        cJSON_AddItemToArray(names, cJSON_CreateString("ApproximateNumberOfMessagesNotVisible"));
        rc = aws_json_call(client, &aws_service_sqs, "GetQueueAttributes", in, &attributes, &err);
        cJSON_Delete(in);
    }
    cJSON *out = rc != 0 ? unreadable_error(&err) : cJSON_CreateObject();
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(attributes, "Attributes");
    static const char *const wanted[][2] = {{"ApproximateNumberOfMessages", "messages"},
                                            {"ApproximateNumberOfMessagesNotVisible", "inFlight"}};
    for (size_t i = 0; rc == 0 && i < 2; i++) {
        const char *v =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(values, wanted[i][0]));
        char *end = NULL;
        double n = v ? strtod(v, &end) : -1;
        if (!v || end == v || *end || n < 0) {
            cJSON_Delete(out);
            out = unreadable("SQS answered without the queue's depth");
            break;
        }
        cJSON_AddNumberToObject(out, wanted[i][1], n);
    }
    cJSON_AddItemToObject(out, "queue", cJSON_CreateString(name));
    cJSON_Delete(found);
    cJSON_Delete(attributes);
    return out;
}

static cJSON *read_queues(aws_client *client, stack *plan, bool local)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < described_queue_count; i++) {
        cJSON_AddItemToArray(list,
                             read_queue(client, queue_name(plan, described_queues[i].name, false)));
        const char *dead = queue_name(plan, described_queues[i].name, true);
        cJSON *entry = local ? unreadable("scribblectl local has no dead-letter queues")
                             : read_queue(client, dead);
        if (local)
            cJSON_AddStringToObject(entry, "queue", dead);
        cJSON_AddBoolToObject(entry, "deadLetter", true);
        cJSON_AddItemToArray(list, entry);
    }
    return list;
}

/* -- the functions, from CloudWatch -------------------------------------------------------- */

static cJSON *metric_queries(stack *plan)
{
    cJSON *queries = cJSON_CreateArray();
    for (size_t h = 0; h < described_handler_count; h++)
        for (size_t m = 0; m < METRIC_COUNT; m++) {
            char id[32];
            snprintf(id, sizeof id, "m%zu_%zu", h, m);
            cJSON *q = cJSON_CreateObject();
            cJSON_AddStringToObject(q, "Id", id);
            cJSON *stat = cJSON_AddObjectToObject(q, "MetricStat");
            cJSON *metric = cJSON_AddObjectToObject(stat, "Metric");
            cJSON_AddStringToObject(metric, "Namespace", "AWS/Lambda");
            cJSON_AddStringToObject(metric, "MetricName", lambda_metrics[m]);
            cJSON *dimension = cJSON_CreateObject();
            cJSON_AddStringToObject(dimension, "Name", "FunctionName");
            cJSON_AddStringToObject(dimension, "Value",
                                    function_name(plan, described_handlers[h].name));
            cJSON_AddItemToArray(cJSON_AddArrayToObject(metric, "Dimensions"), dimension);
            cJSON_AddNumberToObject(stat, "Period", METRICS_PERIOD);
            cJSON_AddStringToObject(stat, "Stat", "Sum");
            cJSON_AddItemToArray(queries, q);
        }
    return queries;
}

/* Adds each result's values to its handler's and metric's sum; false on a result not asked for. */
static bool add_results(const cJSON *results, double sums[][METRIC_COUNT])
{
    const cJSON *result;
    cJSON_ArrayForEach(result, results) {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(result, "Id"));
        size_t h, m;
        int used = 0;
        if (!id || sscanf(id, "m%zu_%zu%n", &h, &m, &used) != 2 || id[used] ||
            h >= described_handler_count || m >= METRIC_COUNT)
            return false;
        const cJSON *v;
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(result, "Values"))
            if (cJSON_IsNumber(v))
                sums[h][m] += v->valuedouble;
    }
    return true;
}

static cJSON *read_functions(aws_client *client, stack *plan, bool local, long long now_ms)
{
    if (local)
        return unreadable("CloudWatch metrics exist only in AWS; scribblectl logs --local shows "
                          "each invocation");
    double(*sums)[METRIC_COUNT] = base_xcalloc(described_handler_count, sizeof *sums);
    cJSON *input = cJSON_CreateObject();
    cJSON_AddItemToObject(input, "MetricDataQueries", metric_queries(plan));
    cJSON_AddNumberToObject(input, "StartTime", (double)(now_ms / 1000 - METRICS_SECONDS));
    cJSON_AddNumberToObject(input, "EndTime", (double)(now_ms / 1000));
    base_error err = {0};
    cJSON *out = NULL;
    bool ok = true;
    for (;;) {
        cJSON *page = NULL;
        if (aws_json_call(client, &aws_service_cloudwatch, "GetMetricData", input, &page, &err) !=
            0) {
            out = unreadable_error(&err);
            break;
        }
        ok = add_results(cJSON_GetObjectItemCaseSensitive(page, "MetricDataResults"), sums);
        const char *next =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(page, "NextToken"));
        bool more = ok && next && next[0];
        if (more) {
            cJSON_DeleteItemFromObjectCaseSensitive(input, "NextToken");
            cJSON_AddStringToObject(input, "NextToken", next);
        }
        cJSON_Delete(page);
        if (!more)
            break;
    }
    if (!out && !ok)
        out = unreadable("CloudWatch answered figures that were not asked for");
    if (!out) {
        out = cJSON_CreateObject();
        cJSON_AddNumberToObject(out, "periodSeconds", METRICS_SECONDS);
        cJSON *handlers = cJSON_AddArrayToObject(out, "handlers");
        for (size_t h = 0; h < described_handler_count; h++) {
            cJSON *row = cJSON_CreateObject();
            cJSON_AddStringToObject(row, "handler", described_handlers[h].name);
            for (size_t m = 0; m < METRIC_COUNT; m++)
                cJSON_AddNumberToObject(row, metric_fields[m], sums[h][m]);
            cJSON_AddItemToArray(handlers, row);
        }
    }
    cJSON_Delete(input);
    free(sums);
    return out;
}

cJSON *canvas_figures_read(aws_client *client, stack *plan, bool local, long long now_ms)
{
    cJSON *canvas = cJSON_CreateObject();
    cJSON_AddNumberToObject(canvas, "readAt", (double)now_ms);
    cJSON_AddItemToObject(canvas, "cache", read_cache(client, plan));
    cJSON_AddItemToObject(canvas, "snapshot", read_snapshot(client, plan, now_ms));
    cJSON_AddItemToObject(canvas, "queues", read_queues(client, plan, local));
    cJSON_AddItemToObject(canvas, "functions", read_functions(client, plan, local, now_ms));
    return canvas;
}

/* -- as text ------------------------------------------------------------------------------- */

static double number_at(const cJSON *o, const char *key)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(n) ? n->valuedouble : 0;
}

static const char *error_of(const cJSON *o)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "error"));
}

static void print_cache(FILE *out, const cJSON *cache)
{
    if (error_of(cache)) {
        fprintf(out, "  connections, seq, placed: unreadable: %s\n", error_of(cache));
        return;
    }
    fprintf(out, "  connections       %.0f\n", number_at(cache, "connections"));
    fprintf(out, "  latest seq        %.0f\n", number_at(cache, "seq"));
    fprintf(out, "  pixels placed     %.0f in the last minute, %.0f in the last hour\n",
            number_at(cache, "placedLastMinute"), number_at(cache, "placedLastHour"));
}

static void print_snapshot(FILE *out, const cJSON *snapshot)
{
    if (error_of(snapshot))
        fprintf(out, "  latest snapshot   unreadable: %s\n", error_of(snapshot));
    else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(snapshot, "exists")))
        fprintf(out, "  latest snapshot   none yet\n");
    else
        fprintf(out, "  latest snapshot   seq %.0f, %.0f s old\n", number_at(snapshot, "seq"),
                number_at(snapshot, "ageSeconds"));
}

static void print_queues(FILE *out, const cJSON *queues)
{
    const cJSON *q;
    cJSON_ArrayForEach(q, queues) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(q, "queue"));
        if (error_of(q))
            fprintf(out, "  queue %-40s unreadable: %s\n", name, error_of(q));
        else
            fprintf(out, "  queue %-40s %.0f waiting, %.0f in flight\n", name,
                    number_at(q, "messages"), number_at(q, "inFlight"));
    }
}

static void print_functions(FILE *out, const cJSON *functions)
{
    if (error_of(functions)) {
        fprintf(out, "  functions         unreadable: %s\n", error_of(functions));
        return;
    }
    fprintf(out, "  functions, last hour: %-12s %11s %7s %9s\n", "", "invocations", "errors",
            "throttles");
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(functions, "handlers"))
        fprintf(out, "    %-32s %11.0f %7.0f %9.0f\n",
                cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(row, "handler")),
                number_at(row, "invocations"), number_at(row, "errors"),
                number_at(row, "throttles"));
}

void canvas_figures_print(FILE *out, const cJSON *canvas)
{
    time_t at = (time_t)(number_at(canvas, "readAt") / 1000);
    struct tm tm;
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&at, &tm));
    fprintf(out, "canvas (read %s)\n", when);
    print_cache(out, cJSON_GetObjectItemCaseSensitive(canvas, "cache"));
    print_snapshot(out, cJSON_GetObjectItemCaseSensitive(canvas, "snapshot"));
    print_queues(out, cJSON_GetObjectItemCaseSensitive(canvas, "queues"));
    print_functions(out, cJSON_GetObjectItemCaseSensitive(canvas, "functions"));
}

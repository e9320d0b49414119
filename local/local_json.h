/*
 * local_json.h - how scribblectl local's AWS stand-ins read and write JSON:
 * the SQS and DynamoDB endpoints reading requests, and the queues reading a
 * function's ReportBatchItemFailures answer and writing the Lambda event.
 *
 * One reading for both, as AWS has: a document is whole or refused (cJSON
 * alone ignores text after it), and a member whose value is JSON null is
 * absent. Printing aborts when out of memory, as base_xmalloc does.
 */
#ifndef SCRIBBLE_LOCAL_JSON_H
#define SCRIBBLE_LOCAL_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* True when text holds nothing but JSON whitespace (a NUL is not whitespace). */
bool local_json_is_blank(const char *text, size_t len);
/* One JSON document with nothing after it but whitespace; NULL otherwise.
 * Caller frees with cJSON_Delete. */
cJSON *local_json_parse(const char *text, size_t len);
/* The member called name (case-sensitive); NULL when absent or JSON null. */
const cJSON *local_json_member(const cJSON *object, const char *name);
/* doc unformatted, as a string the caller frees with free(). */
char *local_json_print(const cJSON *doc);

#endif

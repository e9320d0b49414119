/*
 * history.c - reads the history table (history.h): Scan, every page (a page
 * holds at most 1 MB; LastEvaluatedKey says there is more), each item's
 * numbers read from DynamoDB's {"N": "..."}; an item without them is
 * skipped. Sorted by seq at the end: a Scan's order is the table's, not the
 * canvas's.
 */
#include "provision/history.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws/service.h"
#include "base/buf.h"

static bool number_at(const cJSON *item, const char *name, long long *out)
{
    const cJSON *n =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, name), "N");
    if (!cJSON_IsString(n))
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(n->valuestring, &end, 10);
    if (errno || end == n->valuestring || *end || v < 0)
        return false;
    *out = v;
    return true;
}

static void add_item(history *h, size_t *cap, const cJSON *item)
{
    long long seq, x, y, colour, placed_at = 0;
    if (!number_at(item, "seq", &seq) || !number_at(item, "x", &x) || !number_at(item, "y", &y) ||
        !number_at(item, "colour", &colour) || x > INT32_MAX || y > INT32_MAX ||
        colour > UINT32_MAX)
        return;
    number_at(item, "placedAt", &placed_at);
    if (h->count == *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        h->items = base_xrealloc(h->items, *cap * sizeof *h->items);
    }
    h->items[h->count++] =
        (history_placement){(uint64_t)seq, (int)x, (int)y, (uint32_t)colour, placed_at};
}

static int by_seq(const void *a, const void *b)
{
    const history_placement *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int history_read(aws_client *c, const char *table, history *out, history_progress_fn progress,
                 void *progress_ctx, base_error *err)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    cJSON *start = NULL;
    do {
        cJSON *input = cJSON_CreateObject();
        cJSON_AddStringToObject(input, "TableName", table);
        cJSON_AddStringToObject(input, "ProjectionExpression", "#s, #x, #y, #c, #t");
        cJSON *names = cJSON_AddObjectToObject(input, "ExpressionAttributeNames");
        cJSON_AddStringToObject(names, "#s", "seq");
        cJSON_AddStringToObject(names, "#x", "x");
        cJSON_AddStringToObject(names, "#y", "y");
        cJSON_AddStringToObject(names, "#c", "colour");
        cJSON_AddStringToObject(names, "#t", "placedAt");
        if (start)
            cJSON_AddItemToObject(input, "ExclusiveStartKey", start);
        cJSON *page = NULL;
        int rc = aws_json_call(c, &aws_service_dynamodb, "Scan", input, &page, err);
        cJSON_Delete(input);
        start = NULL;
        if (rc != 0) {
            history_free(out);
            return -1;
        }
        const cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(page, "Items"))
            add_item(out, &cap, item);
        cJSON *last = cJSON_GetObjectItemCaseSensitive(page, "LastEvaluatedKey");
        if (cJSON_IsObject(last) && last->child)
            start = cJSON_DetachItemViaPointer(page, last);
        cJSON_Delete(page);
        if (progress)
            progress(progress_ctx, out->count);
    } while (start);
    qsort(out->items, out->count, sizeof *out->items, by_seq);
    return 0;
}

void history_free(history *h)
{
    free(h->items);
    memset(h, 0, sizeof *h);
}

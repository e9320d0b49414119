/*
 * local_json.c - the JSON reading and printing of scribblectl local's SQS
 * (local_json.h): small wrappers over cJSON, kept in one place so the
 * endpoint and the queues read a document the same way.
 */
#include "local/local_json.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

bool local_json_is_blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!strchr(" \t\r\n", text[i]) || text[i] == '\0')
            return false;
    return true;
}

cJSON *local_json_parse(const char *text, size_t len)
{
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (doc && !local_json_is_blank(end, len - (size_t)(end - text))) {
        cJSON_Delete(doc);
        doc = NULL;
    }
    return doc;
}

const cJSON *local_json_member(const cJSON *object, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(object, name);
    return cJSON_IsNull(v) ? NULL : v;
}

char *local_json_print(const cJSON *doc)
{
    char *text = cJSON_PrintUnformatted(doc);
    if (!text)
        abort();
    char *copy = base_xstrdup(text);
    cJSON_free(text);
    return copy;
}

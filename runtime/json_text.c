/*
 * json_text.c - cJSON trees written as compact text.
 */
#include "runtime/json_text.h"

#include "base/fatal.h"

void json_text_append(base_buf *out, cJSON *doc)
{
    char *text = cJSON_PrintUnformatted(doc);
    if (!text)
        base_fatal("out of memory writing a JSON document");
    base_buf_append_str(out, text);
    cJSON_free(text);
    cJSON_Delete(doc);
}

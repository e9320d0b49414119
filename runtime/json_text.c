/*
 * json_text.c - cJSON trees written as compact text.
 */
#include "runtime/json_text.h"

#include <stdint.h>

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

bool json_text_into(const cJSON *doc, char *out, size_t size)
{
    /* cJSON_PrintPreallocated wants 5 bytes more than the text needs */
    return size <= (size_t)INT32_MAX && cJSON_PrintPreallocated((cJSON *)doc, out, (int)size, 0);
}

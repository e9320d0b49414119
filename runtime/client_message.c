/*
 * client_message.c - parses and checks client messages (client_message.h).
 */
#include "runtime/client_message.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define MAX_SINCE 9007199254740992.0 /* 2^53: beyond it JSON numbers lose whole values */

static int refuse(aws_error *err, const char *code, const char *message)
{
    return aws_error_set(err, AWS_ERROR_INVALID, code, "%s", message);
}

/* A JSON number holding a whole value within [0, max]. */
static bool whole_number(const cJSON *item, double max, double *out)
{
    if (!cJSON_IsNumber(item))
        return false;
    double v = item->valuedouble;
    if (!isfinite(v) || v < 0 || v > max || floor(v) != v)
        return false;
    *out = v;
    return true;
}

static int parse_ref(const cJSON *ref, client_message *out, aws_error *err)
{
    if (!ref)
        return 0;
    bool ok = (cJSON_IsNumber(ref) && isfinite(ref->valuedouble) &&
               fabs(ref->valuedouble) <= MAX_SINCE) ||
              (cJSON_IsString(ref) && strlen(ref->valuestring) <= CLIENT_REF_MAX_BYTES);
    if (!ok)
        return refuse(err, "InvalidRef", "ref must be a number or a string of at most 64 bytes");
    char *text = cJSON_PrintUnformatted(ref);
    if (!text)
        abort(); /* cJSON fails only when out of memory */
    /* A string of 64 characters, each escaped as \uXXXX, plus quotes: the
     * buffer holds any ref that passed the check above except the most
     * contrived; those are refused rather than cut. */
    bool fits = strlen(text) < sizeof out->ref;
    if (fits)
        memcpy(out->ref, text, strlen(text) + 1);
    cJSON_free(text);
    return fits ? 0 : refuse(err, "InvalidRef", "ref is too long");
}

/* A JSON number with a whole value; huge magnitudes are clamped to +-2^53,
 * which is out of range for any canvas, so the conversion stays defined. */
static bool integral(const cJSON *item, long long *out)
{
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble) ||
        floor(item->valuedouble) != item->valuedouble)
        return false;
    double v = fmax(-MAX_SINCE, fmin(MAX_SINCE, item->valuedouble));
    *out = (long long)v;
    return true;
}

static int parse_pixel(const cJSON *entry, size_t i, const canvas_geometry *canvas,
                       pixel_request *out, aws_error *err)
{
    long long v[3];
    if (!cJSON_IsArray(entry) || cJSON_GetArraySize(entry) != 3 ||
        !integral(cJSON_GetArrayItem(entry, 0), &v[0]) ||
        !integral(cJSON_GetArrayItem(entry, 1), &v[1]) ||
        !integral(cJSON_GetArrayItem(entry, 2), &v[2]))
        return aws_error_set(err, AWS_ERROR_INVALID, "InvalidPixels",
                             "pixel %zu is not [x, y, colour] of whole numbers", i);
    if (canvas_check_pixel(canvas, v[0], v[1], v[2], err) != 0) {
        aws_error range = *err; /* aws_error_set starts from a clean error */
        return aws_error_set(err, AWS_ERROR_INVALID, range.code, "pixel %zu: %s", i, range.message);
    }
    out->x = (int)v[0];
    out->y = (int)v[1];
    out->colour = (uint32_t)v[2];
    return 0;
}

static int parse_place(const cJSON *doc, const canvas_geometry *canvas, int max_batch,
                       client_message *out, aws_error *err)
{
    const cJSON *pixels = cJSON_GetObjectItemCaseSensitive(doc, "pixels");
    if (!cJSON_IsArray(pixels))
        return refuse(err, "InvalidPixels", "pixels must be a list of [x, y, colour]");
    int count = cJSON_GetArraySize(pixels);
    if (count < 1 || count > max_batch)
        return aws_error_set(err, AWS_ERROR_INVALID, "TooManyPixels",
                             "a message places 1 to %d pixels; this one has %d", max_batch, count);
    out->type = CLIENT_PLACE;
    out->pixels = aws_xcalloc((size_t)count, sizeof *out->pixels);
    size_t i = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, pixels) {
        TRY(parse_pixel(entry, i, canvas, &out->pixels[i], err));
        i++;
    }
    out->count = i;
    return 0;
}

static int parse_catchup(const cJSON *doc, client_message *out, aws_error *err)
{
    const cJSON *since = cJSON_GetObjectItemCaseSensitive(doc, "since");
    out->type = CLIENT_CATCHUP;
    if (!since || cJSON_IsNull(since))
        return 0;
    double value;
    if (!whole_number(since, MAX_SINCE, &value))
        return refuse(err, "InvalidSince", "since must be a whole number from 0 to 2^53");
    out->has_since = true;
    out->since = (uint64_t)value;
    return 0;
}

static int parse_document(const cJSON *doc, const canvas_geometry *canvas, int max_batch,
                          client_message *out, aws_error *err)
{
    if (!cJSON_IsObject(doc))
        return refuse(err, "InvalidJson", "a message must be a JSON object");
    TRY(parse_ref(cJSON_GetObjectItemCaseSensitive(doc, "ref"), out, err));
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "type"));
    if (type && strcmp(type, "place") == 0)
        return parse_place(doc, canvas, max_batch, out, err);
    if (type && strcmp(type, "catchup") == 0)
        return parse_catchup(doc, out, err);
    return refuse(err, "UnknownType", "type must be \"place\" or \"catchup\"");
}

int client_message_parse(const char *body, size_t len, const canvas_geometry *canvas,
                         int max_batch, client_message *out, aws_error *err)
{
    memset(out, 0, sizeof *out);
    if (len > CLIENT_MESSAGE_MAX_BYTES)
        return aws_error_set(err, AWS_ERROR_INVALID, "MessageTooLarge",
                             "a message is at most %d bytes; this one has %zu",
                             CLIENT_MESSAGE_MAX_BYTES, len);
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(body, len, &end, false);
    while (doc && end < body + len && strchr(" \t\r\n", *end) && *end)
        end++;
    if (doc && end != body + len) { /* one JSON value, then only white space */
        cJSON_Delete(doc);
        doc = NULL;
    }
    if (!doc)
        return refuse(err, "InvalidJson", "the message is not JSON");
    int rc = parse_document(doc, canvas, max_batch, out, err);
    cJSON_Delete(doc);
    if (rc != 0) {
        free(out->pixels);
        out->pixels = NULL;
        out->count = 0;
    }
    return rc;
}

void client_message_free(client_message *m)
{
    free(m->pixels);
    m->pixels = NULL;
    m->count = 0;
}

bool client_since_parse(const char *text, uint64_t *out)
{
    size_t len = text ? strlen(text) : 0;
    if (len == 0 || len > 16)
        return false;
    uint64_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        value = value * 10 + (uint64_t)(text[i] - '0');
    }
    if (value > (1ULL << 53))
        return false;
    *out = value;
    return true;
}

/*
 * client_message.c - parses and checks client messages (client_message.h).
 */
#include "runtime/client_message.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "runtime/strict_json.h"

#define MAX_SINCE 9007199254740992.0 /* 2^53: beyond it JSON numbers lose whole values */

static int refuse(base_error *err, const char *code, const char *message)
{
    return base_error_set(err, BASE_ERROR_INVALID, code, "%s", message);
}

/* A number as a person wrote it, near enough: whole values below 1e21 in
 * full (2^64 is 18446744073709551616), others with every digit a double
 * holds. JSON numbers too large for a double say so. */
static void number_text(double v, char *out, size_t size)
{
    if (isinf(v))
        snprintf(out, size, "%s", v > 0 ? "above 1.7976931348623157e+308" : "below -1.7976931348623157e+308");
    else if (floor(v) == v && fabs(v) < 1e21)
        snprintf(out, size, "%.0f", v);
    else
        snprintf(out, size, "%.17g", v);
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

/* The ref, kept as written (body's own characters) so the answer carries
 * exactly what was sent: a string of at most 64 bytes, or a number of at
 * most 64 characters, whatever its size or precision. */
static int parse_ref(const char *body, size_t len, const cJSON *doc, client_message *out,
                     base_error *err)
{
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(doc, "ref");
    if (!ref)
        return 0;
    if (!cJSON_IsNumber(ref) && !cJSON_IsString(ref))
        return refuse(err, "InvalidRef", "ref must be a number or a string of at most 64 bytes");
    if (cJSON_IsString(ref) && strlen(ref->valuestring) > CLIENT_REF_MAX_BYTES)
        return base_error_set(err, BASE_ERROR_INVALID, "InvalidRef",
                             "ref must be a number or a string of at most 64 bytes; this string "
                             "has %zu", strlen(ref->valuestring));
    const char *text = NULL;
    size_t text_len = 0;
    if (strict_json_member(body, len, "ref", &text, &text_len) != 1)
        return refuse(err, "InvalidJson", "the message is not JSON we read: \"ref\" is given twice");
    if (cJSON_IsNumber(ref) && text_len > CLIENT_REF_MAX_BYTES)
        return base_error_set(err, BASE_ERROR_INVALID, "InvalidRef",
                             "a numeric ref is echoed as written, in at most 64 characters; this "
                             "one has %zu", text_len);
    /* A string of 64 bytes takes at most 6 characters each (\u00XX) plus quotes. */
    if (text_len > CLIENT_REF_MAX_TEXT)
        return refuse(err, "InvalidRef", "ref is written too long");
    memcpy(out->ref, text, text_len);
    out->ref[text_len] = '\0';
    return 0;
}

/* A JSON number with a whole value. */
static bool integral(const cJSON *item, double *out)
{
    if (!cJSON_IsNumber(item) || (isfinite(item->valuedouble) &&
                                  floor(item->valuedouble) != item->valuedouble))
        return false;
    *out = item->valuedouble;
    return true;
}

/* 0 <= v < limit, or the error quoting v as given. */
static int check_range(double v, double limit, size_t i, const char *code, const char *what,
                       const char *range, base_error *err)
{
    if (v >= 0 && v < limit)
        return 0;
    char text[64];
    number_text(v, text, sizeof text);
    return base_error_set(err, BASE_ERROR_INVALID, code, "pixel %zu: %s %s is %s: 0 to %.0f", i,
                         what, text, range, limit - 1);
}

static int parse_pixel(const cJSON *entry, size_t i, const canvas_geometry *canvas,
                       pixel_request *out, base_error *err)
{
    double v[3];
    if (!cJSON_IsArray(entry) || cJSON_GetArraySize(entry) != 3 ||
        !integral(cJSON_GetArrayItem(entry, 0), &v[0]) ||
        !integral(cJSON_GetArrayItem(entry, 1), &v[1]) ||
        !integral(cJSON_GetArrayItem(entry, 2), &v[2]))
        return base_error_set(err, BASE_ERROR_INVALID, "InvalidPixels",
                             "pixel %zu is not [x, y, colour] of whole numbers", i);
    TRY(check_range(v[0], canvas->width, i, "PixelOutOfRange", "x", "outside the canvas", err));
    TRY(check_range(v[1], canvas->height, i, "PixelOutOfRange", "y", "outside the canvas", err));
    TRY(check_range(v[2], (double)canvas_colour_count(canvas), i, "ColourOutOfRange", "colour",
                    "not in the palette", err));
    out->x = (int)v[0];
    out->y = (int)v[1];
    out->colour = (uint32_t)v[2];
    return 0;
}

static int parse_place(const cJSON *doc, const canvas_geometry *canvas, int max_batch,
                       client_message *out, base_error *err)
{
    const cJSON *pixels = cJSON_GetObjectItemCaseSensitive(doc, "pixels");
    if (!cJSON_IsArray(pixels))
        return refuse(err, "InvalidPixels", "pixels must be a list of [x, y, colour]");
    int count = cJSON_GetArraySize(pixels);
    if (count < 1 || count > max_batch)
        return base_error_set(err, BASE_ERROR_INVALID, "TooManyPixels",
                             "a message places 1 to %d pixels; this one has %d", max_batch, count);
    out->type = CLIENT_PLACE;
    out->pixels = base_xcalloc((size_t)count, sizeof *out->pixels);
    size_t i = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, pixels) {
        TRY(parse_pixel(entry, i, canvas, &out->pixels[i], err));
        i++;
    }
    out->count = i;
    return 0;
}

static int parse_catchup(const char *body, size_t len, const cJSON *doc, client_message *out,
                         base_error *err)
{
    const cJSON *since = cJSON_GetObjectItemCaseSensitive(doc, "since");
    out->type = CLIENT_CATCHUP;
    if (!since || cJSON_IsNull(since))
        return 0;
    /* Written in digits, the value is read exactly: 2^53 + 1 is not 2^53. */
    const char *written = NULL;
    size_t written_len = 0;
    strict_json_member(body, len, "since", &written, &written_len);
    bool digits = written_len > 0;
    for (size_t i = 0; i < written_len; i++)
        digits = digits && written[i] >= '0' && written[i] <= '9';
    char exact[24];
    double value;
    if (digits && written_len < sizeof exact) {
        memcpy(exact, written, written_len);
        exact[written_len] = '\0';
        if (client_since_parse(exact, &out->since)) {
            out->has_since = true;
            return 0;
        }
    }
    if (digits && written_len <= 40)
        return base_error_set(err, BASE_ERROR_INVALID, "InvalidSince",
                             "since must be a whole number from 0 to 2^53; this one is %.*s",
                             (int)written_len, written);
    if (digits || !whole_number(since, MAX_SINCE, &value)) {
        if (!cJSON_IsNumber(since))
            return refuse(err, "InvalidSince", "since must be a whole number from 0 to 2^53");
        char text[64];
        number_text(since->valuedouble, text, sizeof text);
        return base_error_set(err, BASE_ERROR_INVALID, "InvalidSince",
                             "since must be a whole number from 0 to 2^53; this one is %s", text);
    }
    out->has_since = true;
    out->since = (uint64_t)value;
    return 0;
}

/* The members the server reads, each at most once: cJSON would take the
 * first and API Gateway may take another. */
static const char *const read_members[] = {"action", "type", "pixels", "ref", "since"};

static int parse_document(const char *body, size_t len, const cJSON *doc,
                          const canvas_geometry *canvas, int max_batch, client_message *out,
                          base_error *err)
{
    if (!cJSON_IsObject(doc))
        return refuse(err, "InvalidJson", "a message must be a JSON object");
    for (size_t i = 0; i < sizeof read_members / sizeof read_members[0]; i++) {
        const char *value;
        size_t value_len;
        if (strict_json_member(body, len, read_members[i], &value, &value_len) > 1)
            return base_error_set(err, BASE_ERROR_INVALID, "InvalidJson",
                                 "the message gives \"%s\" more than once", read_members[i]);
    }
    TRY(parse_ref(body, len, doc, out, err));
    const char *action = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "action"));
    if (!action || strcmp(action, CLIENT_ACTION) != 0)
        return refuse(err, "InvalidJson", "a message must have \"action\": \"" CLIENT_ACTION "\"");
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "type"));
    if (type && strcmp(type, "place") == 0)
        return parse_place(doc, canvas, max_batch, out, err);
    if (type && strcmp(type, "catchup") == 0)
        return parse_catchup(body, len, doc, out, err);
    return refuse(err, "UnknownType", "type must be \"place\" or \"catchup\"");
}

int client_message_parse(const char *body, size_t len, const canvas_geometry *canvas,
                         int max_batch, client_message *out, base_error *err)
{
    memset(out, 0, sizeof *out);
    if (len > CLIENT_MESSAGE_MAX_BYTES)
        return base_error_set(err, BASE_ERROR_INVALID, "MessageTooLarge",
                             "a message is at most %d bytes; this one has %zu",
                             CLIENT_MESSAGE_MAX_BYTES, len);
    /* Whole and strict first: after this no string cJSON gives holds a NUL. */
    TRY(strict_json_check(body, len, CLIENT_MESSAGE_MAX_DEPTH, STRICT_JSON_REFUSE_NUL, err));
    cJSON *doc = cJSON_ParseWithLength(body, len);
    if (!doc)
        return refuse(err, "InvalidJson", "the message is not JSON");
    int rc = parse_document(body, len, doc, canvas, max_batch, out, err);
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

const char *client_message_route(const char *frame, size_t len)
{
    base_error ignored = {0};
    const char *value = NULL;
    size_t value_len = 0;
    /* API Gateway reads the body as JSON of any depth; the limit only bounds
     * the recursion here. */
    if (strict_json_check(frame, len, 4096, STRICT_JSON_ALLOW_NUL, &ignored) != 0 ||
        strict_json_member(frame, len, "action", &value, &value_len) == 0)
        return "$default";
    base_buf action = {0};
    bool same = strict_json_string(value, value_len, &action) &&
                action.len == strlen(CLIENT_ACTION) &&
                memcmp(base_buf_str(&action), CLIENT_ACTION, action.len) == 0;
    base_buf_free(&action);
    return same ? CLIENT_ACTION : "$default";
}

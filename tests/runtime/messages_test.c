/*
 * messages_test.c - the protocol's messages (docs/protocol.md): every way a
 * client message can be refused, with its code (NULs, invalid UTF-8, lone
 * surrogates, deep nesting and repeated members included); refs echoed as
 * written; range errors quoting the value given; what an accepted one holds;
 * the server's messages as JSON, pixel runs split under the size limit with
 * nothing lost; catch-up positions from the query string; recent placement
 * members as the cache stores them.
 */
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "runtime/client_message.h"
#include "runtime/server_message.h"
#include "test.h"

/* The start of a message with the one action there is. */
#define A "{\"action\":\"sendMessage\","

static canvas_geometry canvas_of(int width, int height, int depth)
{
    canvas_geometry g;
    base_error err = {0};
    if (canvas_geometry_init(&g, width, height, depth, &err) != 0)
        exit(2);
    return g;
}

/* Parses text against a 100x50 canvas of depth 4 (16 colours), max_batch 3:
 * returns the error code, or "" when accepted. */
static const char *refusal(const char *text, client_message *m)
{
    static base_error err;
    canvas_geometry g = canvas_of(100, 50, 4);
    base_error_clear(&err);
    if (client_message_parse(text, strlen(text), &g, 3, m, &err) == 0)
        return "";
    CHECK(m->pixels == NULL && m->count == 0);
    return err.code;
}

static void refused_messages(void)
{
    static const struct {
        const char *text, *code;
    } cases[] = {
        {"", "InvalidJson"},
        {"{", "InvalidJson"},
        {"[1,2,3]", "InvalidJson"},
        {"\"place\"", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,3]]} trailing", "InvalidJson"},
        {"{}", "InvalidJson"},
        {"{\"action\":\"sendMessage\"}", "UnknownType"},
        /* action: the one API Gateway routes on, exactly */
        {"{\"type\":\"place\",\"pixels\":[[1,2,3]]}", "InvalidJson"},
        {"{\"action\":\"place\",\"type\":\"place\",\"pixels\":[[1,2,3]]}", "InvalidJson"},
        {"{\"action\":7,\"type\":\"place\",\"pixels\":[[1,2,3]]}", "InvalidJson"},
        {"{\"action\":\"sendMessage\\u0000x\",\"type\":\"place\",\"pixels\":[[1,2,3]]}",
         "InvalidJson"},
        /* a NUL in any string, read or not */
        {A "\"type\":\"place\\u0000zzz\",\"pixels\":[[1,2,3]]}", "InvalidJson"},
        {A "\"type\":\"catchup\\u0000zzz\"}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,3]],\"ref\":\"a\\u0000bcd\"}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,3]],\"note\\u0000\":1}", "InvalidJson"},
        /* not JSON as RFC 8259 has it, though cJSON would take it */
        {A "\"type\":\"place\",\"pixels\":[[NaN,2,3]]}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[Infinity,2,3]]}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[01,2,3]]}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[+1,2,3]]}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[1.,2,3]]}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[.5,2,3]]}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,3],]}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,3]],\"ref\":\"\\ud800\"}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,3]],\"ref\":\"\\udc00\"}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,3]],\"ref\":\"\\ud800\\u0041\"}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,3]],\"ref\":\"\xff\"}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,3]],\"ref\":\"\xc0\x80\"}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,3]],\"ref\":\"\xed\xa0\x80\"}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,3]],\"ref\":\"a\tb\"}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,3]],\"ref\":\"\\x41\"}", "InvalidJson"},
        {"\x01" A "\"type\":\"catchup\"}", "InvalidJson"},
        {A "\"type\":\"catchup\"}\f", "InvalidJson"},
        {"true", "InvalidJson"},
        {"null", "InvalidJson"},
        {"17", "InvalidJson"},
        /* a member the server reads, given twice (however its name is written) */
        {A "\"type\":\"catchup\",\"type\":\"place\",\"pixels\":[[1,2,3]]}", "InvalidJson"},
        {A "\"type\":\"catchup\",\"typ\\u0065\":\"place\",\"pixels\":[[1,2,3]]}", "InvalidJson"},
        {A "\"action\":\"sendMessage\",\"type\":\"catchup\"}", "InvalidJson"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,3]],\"ref\":1,\"ref\":2}", "InvalidJson"},
        {A "\"type\":\"paint\",\"pixels\":[[1,2,3]]}", "UnknownType"},
        {A "\"type\":7}", "UnknownType"},
        {A "\"type\":\"place\"}", "InvalidPixels"},
        {A "\"type\":\"place\",\"pixels\":{\"x\":1}}", "InvalidPixels"},
        {A "\"type\":\"place\",\"pixels\":[[1,2]]}", "InvalidPixels"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,3,4]]}", "InvalidPixels"},
        {A "\"type\":\"place\",\"pixels\":[[\"1\",2,3]]}", "InvalidPixels"},
        {A "\"type\":\"place\",\"pixels\":[[1.5,2,3]]}", "InvalidPixels"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,true]]}", "InvalidPixels"},
        {A "\"type\":\"place\",\"pixels\":[[1,2,null]]}", "InvalidPixels"},
        {A "\"type\":\"place\",\"pixels\":[1,2,3]}", "InvalidPixels"},
        {A "\"type\":\"place\",\"pixels\":[]}", "TooManyPixels"},
        {A "\"type\":\"place\",\"pixels\":[[0,0,0],[1,0,0],[2,0,0],[3,0,0]]}", "TooManyPixels"},
        {A "\"type\":\"place\",\"pixels\":[[100,0,0]]}", "PixelOutOfRange"},
        {A "\"type\":\"place\",\"pixels\":[[0,50,0]]}", "PixelOutOfRange"},
        {A "\"type\":\"place\",\"pixels\":[[-1,0,0]]}", "PixelOutOfRange"},
        {A "\"type\":\"place\",\"pixels\":[[1e300,0,0]]}", "PixelOutOfRange"},
        {A "\"type\":\"place\",\"pixels\":[[-1e300,0,0]]}", "PixelOutOfRange"},
        {A "\"type\":\"place\",\"pixels\":[[0,0,16]]}", "ColourOutOfRange"},
        {A "\"type\":\"place\",\"pixels\":[[0,0,-1]]}", "ColourOutOfRange"},
        {A "\"type\":\"place\",\"pixels\":[[0,0,1],[5,5,99]]}", "ColourOutOfRange"},
        {A "\"type\":\"place\",\"pixels\":[[0,0,1]],\"ref\":{}}", "InvalidRef"},
        {A "\"type\":\"place\",\"pixels\":[[0,0,1]],\"ref\":[1]}", "InvalidRef"},
        {A "\"type\":\"place\",\"pixels\":[[0,0,1]],\"ref\":"
         "\"12345678901234567890123456789012345678901234567890123456789012345\"}",
         "InvalidRef"},
        {A "\"type\":\"catchup\",\"since\":-1}", "InvalidSince"},
        {A "\"type\":\"catchup\",\"since\":1.5}", "InvalidSince"},
        {A "\"type\":\"catchup\",\"since\":\"3\"}", "InvalidSince"},
        {A "\"type\":\"catchup\",\"since\":1e17}", "InvalidSince"},
        {A "\"type\":\"catchup\",\"since\":9007199254740993}", "InvalidSince"},
        {A "\"type\":\"place\",\"pixels\":[[0,0,1]],\"ref\":"
         "12345678901234567890123456789012345678901234567890123456789012345}",
         "InvalidRef"},
        {A "\"type\":\"place\",\"pixels\":[[0,0,1]],\"ref\":null}", "InvalidRef"},
        {A "\"type\":\"place\",\"pixels\":[[0,0,1]],\"ref\":true}", "InvalidRef"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        client_message m;
        const char *code = refusal(cases[i].text, &m);
        if (strcmp(code, cases[i].code) != 0)
            fprintf(stderr, "case %zu: %s\n", i, cases[i].text);
        CHECK_STR_EQ(code, cases[i].code);
    }

    /* Deeply nested input is refused by the nesting limit, not the stack:
     * over the size limit MessageTooLarge, within it InvalidJson. */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    client_message m;
    canvas_geometry g = canvas_of(10, 10, 1);
    base_error err = {0};
    CHECK(client_message_parse(deep, 2 * depth, &g, 10, &m, &err) != 0);
    CHECK_STR_EQ(err.code, "MessageTooLarge");
    deep[30000] = ']';
    CHECK(client_message_parse(deep, 60000, &g, 10, &m, &err) != 0);
    CHECK_STR_EQ(err.code, "InvalidJson");
    /* ~1,000 levels inside a message whose other members are right. */
    base_buf nested = {0};
    base_buf_append_str(&nested, A "\"type\":\"place\",\"pixels\":[[1,2,3]],\"pad\":");
    for (int i = 0; i < 1000; i++)
        base_buf_append_char(&nested, '[');
    for (int i = 0; i < 1000; i++)
        base_buf_append_char(&nested, ']');
    base_buf_append_char(&nested, '}');
    CHECK(client_message_parse(nested.data, nested.len, &g, 10, &m, &err) != 0);
    CHECK_STR_EQ(err.code, "InvalidJson");
    CHECK(strstr(err.message, "nest more than 16") != NULL);
    base_buf_free(&nested);
    free(deep);

    /* A raw NUL byte is part of the message: inside a string, or after the
     * object, it is not JSON; cJSON would stop at it. */
    static const char raw_in_string[] = A "\"type\":\"catchup\",\"ref\":\"a\0b\"}";
    CHECK(client_message_parse(raw_in_string, sizeof raw_in_string - 1, &g, 10, &m, &err) != 0);
    CHECK_STR_EQ(err.code, "InvalidJson");
    CHECK(strstr(err.message, "NUL") != NULL);
    static const char raw_after[] = A "\"type\":\"catchup\"}\0{\"type\":\"place\"}";
    CHECK(client_message_parse(raw_after, sizeof raw_after - 1, &g, 10, &m, &err) != 0);
    CHECK_STR_EQ(err.code, "InvalidJson");
    static const char escaped[] = A "\"type\":\"place\\u0000zzz\",\"pixels\":[[1,2,1]]}";
    CHECK(client_message_parse(escaped, sizeof escaped - 1, &g, 10, &m, &err) != 0);
    CHECK(strstr(err.message, "U+0000") != NULL);

    /* A refusal still carries a valid ref, so the answer can echo it. */
    CHECK_STR_EQ(refusal(A "\"type\":\"place\",\"pixels\":[[0,0,99]],\"ref\":\"a\\\"b\"}", &m),
                 "ColourOutOfRange");
    CHECK_STR_EQ(m.ref, "\"a\\\"b\"");
}

/* Range errors quote the value given, not a clamped one. */
static const char *range_message(const char *text)
{
    static base_error err;
    client_message m;
    canvas_geometry g = canvas_of(100, 50, 4);
    base_error_clear(&err);
    CHECK(client_message_parse(text, strlen(text), &g, 3, &m, &err) != 0);
    return err.message;
}

static void range_errors_quote_the_value(void)
{
    CHECK_STR_EQ(range_message(A "\"type\":\"place\",\"pixels\":[[18446744073709551616,0,0]]}"),
                 "pixel 0: x 18446744073709551616 is outside the canvas: 0 to 99");
    CHECK_STR_EQ(range_message(A "\"type\":\"place\",\"pixels\":[[1.8446744073709552e19,0,0]]}"),
                 "pixel 0: x 18446744073709551616 is outside the canvas: 0 to 99");
    CHECK_STR_EQ(range_message(A "\"type\":\"place\",\"pixels\":[[0,0,1],[0,-9007199254740993,0]]}"),
                 "pixel 1: y -9007199254740992 is outside the canvas: 0 to 49");
    CHECK_STR_EQ(range_message(A "\"type\":\"place\",\"pixels\":[[0,0,4294967312]]}"),
                 "pixel 0: colour 4294967312 is not in the palette: 0 to 15");
    CHECK_STR_EQ(range_message(A "\"type\":\"place\",\"pixels\":[[1e300,0,0]]}"),
                 "pixel 0: x 1.0000000000000001e+300 is outside the canvas: 0 to 99");
    CHECK_STR_EQ(range_message(A "\"type\":\"place\",\"pixels\":[[1e999,0,0]]}"),
                 "pixel 0: x above 1.7976931348623157e+308 is outside the canvas: 0 to 99");
    CHECK_STR_EQ(range_message(A "\"type\":\"catchup\",\"since\":18446744073709551616}"),
                 "since must be a whole number from 0 to 2^53; this one is 18446744073709551616");
}

/* A ref comes back exactly as written: any number, a string with its escapes. */
static void refs_echo_as_written(void)
{
    static const char *const refs[] = {
        "1152921504606846977", "1e308", "-0", "7.50", "-1.5E-300", "\"a\\u00e9\\/b\"",
        "\"\\ud83d\\ude00\"", "1234567890123456789012345678901234567890123456789012345678901234",
    };
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        base_buf text = {0};
        base_buf_printf(&text, A "\"type\":\"catchup\",\"ref\": %s }", refs[i]);
        client_message m;
        CHECK_STR_EQ(refusal(base_buf_str(&text), &m), "");
        CHECK_STR_EQ(m.ref, refs[i]);
        base_buf_free(&text);
    }
    /* 64 bytes of string, each written as an escape: still fits, still exact. */
    base_buf text = {0}, ref = {0};
    base_buf_append_char(&ref, '"');
    for (int i = 0; i < CLIENT_REF_MAX_BYTES; i++)
        base_buf_append_str(&ref, "\\u0001");
    base_buf_append_char(&ref, '"');
    base_buf_printf(&text, A "\"type\":\"catchup\",\"ref\":%s}", base_buf_str(&ref));
    client_message m;
    CHECK_STR_EQ(refusal(base_buf_str(&text), &m), "");
    CHECK_STR_EQ(m.ref, base_buf_str(&ref));
    base_buf_free(&text);
    base_buf_free(&ref);
}

/* The route API Gateway selects: sendMessage only for that exact action. */
static void routes(void)
{
    static const char *const sent[] = {
        A "\"type\":\"place\"}",
        "{\"act\\u0069on\":\"send\\u004dessage\"}",
        "{\"action\":\"sendMessage\",\"ref\":\"\\u0000\"}",
    };
    for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++)
        CHECK_STR_EQ(client_message_route(sent[i], strlen(sent[i])), "sendMessage");
    static const char *const others[] = {
        "", "not json", "[1]", "{}", "{\"action\":\"place\"}", "{\"action\":7}",
        "{\"action\":\"sendMessage\\u0000x\"}", "{\"action\":\"sendMessage\"",
        "{\"action\":\"sendMessage \"}", "{\"a\":{\"action\":\"sendMessage\"}}",
        "{\"action\":\"sendMessage\",\"x\":\"\\ud800\"}",
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        CHECK_STR_EQ(client_message_route(others[i], strlen(others[i])), "$default");
    static const char raw_nul[] = "{\"action\":\"sendMessage\"}\0";
    CHECK_STR_EQ(client_message_route(raw_nul, sizeof raw_nul - 1), "$default");
}

static void accepted_messages(void)
{
    client_message m;
    CHECK_STR_EQ(refusal("{\"action\":\"sendMessage\",\"type\":\"place\",\"ref\":7,"
                         "\"pixels\":[[99,49,15],[0,0,0],[99,49,3]]}",
                         &m),
                 "");
    CHECK_INT_EQ(m.type, CLIENT_PLACE);
    CHECK_INT_EQ(m.count, 3);
    CHECK_INT_EQ(m.pixels[0].x, 99);
    CHECK_INT_EQ(m.pixels[0].y, 49);
    CHECK_INT_EQ(m.pixels[0].colour, 15);
    CHECK_INT_EQ(m.pixels[2].colour, 3);
    CHECK_STR_EQ(m.ref, "7");
    client_message_free(&m);

    CHECK_STR_EQ(refusal(A "\"type\":\"catchup\",\"since\":9007199254740992}", &m), "");
    CHECK(m.type == CLIENT_CATCHUP && m.has_since && m.since == 9007199254740992ULL);
    CHECK_STR_EQ(refusal(A "\"type\":\"catchup\"}", &m), "");
    CHECK(m.type == CLIENT_CATCHUP && !m.has_since);
    CHECK_STR_EQ(refusal(A "\"type\":\"catchup\",\"since\":null}", &m), "");
    CHECK(!m.has_since);

    /* 24-bit colours reach 0xFFFFFF and no further. */
    canvas_geometry rgb = canvas_of(4, 4, 24);
    base_error err = {0};
    const char *top = A "\"type\":\"place\",\"pixels\":[[3,3,16777215]]}";
    CHECK(client_message_parse(top, strlen(top), &rgb, 1, &m, &err) == 0);
    CHECK_INT_EQ(m.pixels[0].colour, 16777215);
    client_message_free(&m);
    const char *over = A "\"type\":\"place\",\"pixels\":[[3,3,16777216]]}";
    CHECK(client_message_parse(over, strlen(over), &rgb, 1, &m, &err) != 0);
    CHECK_STR_EQ(err.code, "ColourOutOfRange");
}

static void since_parameter(void)
{
    uint64_t v = 0;
    CHECK(client_since_parse("0", &v) && v == 0);
    CHECK(client_since_parse("123", &v) && v == 123);
    CHECK(client_since_parse("9007199254740992", &v) && v == 9007199254740992ULL);
    CHECK(!client_since_parse("9007199254740993", &v));
    CHECK(!client_since_parse("", &v));
    CHECK(!client_since_parse("-1", &v));
    CHECK(!client_since_parse("1e3", &v));
    CHECK(!client_since_parse("12 ", &v));
    CHECK(!client_since_parse(NULL, &v));
}

/* Every message parses as JSON, stays under the limit, and together they
 * hold every placement once, in order. */
static void pixel_runs_split_without_loss(void)
{
    size_t count = 20000;
    placement *items = calloc(count, sizeof *items);
    for (size_t i = 0; i < count; i++)
        items[i] = (placement){.seq = 4000000000000ULL + i, .x = (int)(i % 1000),
                               .y = (int)(i / 1000), .colour = 16777215};
    message_list list = {0};
    server_message_pixels(&list, items, count, 4096);
    CHECK(list.count > 1);
    size_t seen = 0;
    for (size_t m = 0; m < list.count; m++) {
        CHECK(list.items[m].len <= 4096);
        cJSON *doc = cJSON_ParseWithLength(list.items[m].data, list.items[m].len);
        CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItem(doc, "type")), "pixels");
        const cJSON *entry;
        cJSON_ArrayForEach(entry, cJSON_GetObjectItem(doc, "pixels")) {
            CHECK(seen < count);
            if (seen >= count)
                break;
            CHECK_INT_EQ(cJSON_GetArrayItem(entry, 0)->valuedouble, (double)items[seen].seq);
            CHECK_INT_EQ(cJSON_GetArrayItem(entry, 1)->valueint, items[seen].x);
            CHECK_INT_EQ(cJSON_GetArrayItem(entry, 2)->valueint, items[seen].y);
            CHECK_INT_EQ(cJSON_GetArrayItem(entry, 3)->valuedouble, 16777215);
            seen++;
        }
        cJSON_Delete(doc);
    }
    CHECK_INT_EQ(seen, count);
    message_list_free(&list);
    server_message_pixels(&list, items, 0, 0);
    CHECK_INT_EQ(list.count, 0);
    free(items);
}

static void small_messages(void)
{
    canvas_geometry g = canvas_of(100, 50, 4);
    base_buf b = {0};
    server_message_snapshot(&b, &g, 40, "snapshots/40.png");
    CHECK_STR_EQ(base_buf_str(&b), "{\"type\":\"snapshot\",\"seq\":40,\"url\":\"snapshots/40.png\","
                                  "\"width\":100,\"height\":50,\"depth\":4}");
    base_buf_reset(&b);
    server_message_snapshot(&b, &g, 0, NULL);
    CHECK_STR_EQ(base_buf_str(&b), "{\"type\":\"snapshot\",\"seq\":0,\"url\":null,"
                                  "\"width\":100,\"height\":50,\"depth\":4}");
    base_buf_reset(&b);
    server_message_caughtup(&b, 42);
    CHECK_STR_EQ(base_buf_str(&b), "{\"type\":\"caughtup\",\"seq\":42}");
    base_buf_reset(&b);
    server_message_placed(&b, "\"r1\"", 41, 42, 1795000000000LL);
    CHECK_STR_EQ(base_buf_str(&b), "{\"type\":\"placed\",\"ref\":\"r1\",\"first\":41,\"last\":42,"
                                  "\"nextAt\":1795000000000}");
    base_buf_reset(&b);
    server_message_error(&b, "Cooldown", "wait \"4.2\" s", "", 4200);
    CHECK_STR_EQ(base_buf_str(&b), "{\"type\":\"error\",\"code\":\"Cooldown\","
                                  "\"message\":\"wait \\\"4.2\\\" s\",\"retryAfterMs\":4200}");
    base_buf_free(&b);
}

static void recent_members(void)
{
    canvas_geometry g = canvas_of(100, 50, 4);
    placement p;
    CHECK(store_parse_placement(&g, "17:4999:15:1795000000000", 24, &p) == 0);
    CHECK(p.seq == 17 && p.x == 99 && p.y == 49 && p.colour == 15 &&
          p.placed_at_ms == 1795000000000LL);
    static const char *const bad[] = {"17:5000:1:1", "17:1:16:1", "17:1:1", "17:1:1:1:1",
                                      "x:1:1:1", "17::1:1", "", "17:1:1:1:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(store_parse_placement(&g, bad[i], strlen(bad[i]), &p) != 0);
}

int main(void)
{
    refused_messages();
    range_errors_quote_the_value();
    refs_echo_as_written();
    routes();
    accepted_messages();
    since_parameter();
    pixel_runs_split_without_loss();
    small_messages();
    recent_members();
    return TEST_EXIT();
}

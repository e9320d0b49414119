/*
 * messages_test.c - the protocol's messages (docs/protocol.md): every way a
 * client message can be refused, with its code; what an accepted one holds;
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

static canvas_geometry canvas_of(int width, int height, int depth)
{
    canvas_geometry g;
    aws_error err = {0};
    if (canvas_geometry_init(&g, width, height, depth, &err) != 0)
        exit(2);
    return g;
}

/* Parses text against a 100x50 canvas of depth 4 (16 colours), max_batch 3:
 * returns the error code, or "" when accepted. */
static const char *refusal(const char *text, client_message *m)
{
    static aws_error err;
    canvas_geometry g = canvas_of(100, 50, 4);
    aws_error_clear(&err);
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
        {"{\"type\":\"place\",\"pixels\":[[1,2,3]]} trailing", "InvalidJson"},
        {"{}", "UnknownType"},
        {"{\"type\":\"paint\",\"pixels\":[[1,2,3]]}", "UnknownType"},
        {"{\"type\":7}", "UnknownType"},
        {"{\"type\":\"place\"}", "InvalidPixels"},
        {"{\"type\":\"place\",\"pixels\":{\"x\":1}}", "InvalidPixels"},
        {"{\"type\":\"place\",\"pixels\":[[1,2]]}", "InvalidPixels"},
        {"{\"type\":\"place\",\"pixels\":[[1,2,3,4]]}", "InvalidPixels"},
        {"{\"type\":\"place\",\"pixels\":[[\"1\",2,3]]}", "InvalidPixels"},
        {"{\"type\":\"place\",\"pixels\":[[1.5,2,3]]}", "InvalidPixels"},
        {"{\"type\":\"place\",\"pixels\":[[1,2,true]]}", "InvalidPixels"},
        {"{\"type\":\"place\",\"pixels\":[[1,2,null]]}", "InvalidPixels"},
        {"{\"type\":\"place\",\"pixels\":[1,2,3]}", "InvalidPixels"},
        {"{\"type\":\"place\",\"pixels\":[]}", "TooManyPixels"},
        {"{\"type\":\"place\",\"pixels\":[[0,0,0],[1,0,0],[2,0,0],[3,0,0]]}", "TooManyPixels"},
        {"{\"type\":\"place\",\"pixels\":[[100,0,0]]}", "PixelOutOfRange"},
        {"{\"type\":\"place\",\"pixels\":[[0,50,0]]}", "PixelOutOfRange"},
        {"{\"type\":\"place\",\"pixels\":[[-1,0,0]]}", "PixelOutOfRange"},
        {"{\"type\":\"place\",\"pixels\":[[1e300,0,0]]}", "PixelOutOfRange"},
        {"{\"type\":\"place\",\"pixels\":[[-1e300,0,0]]}", "PixelOutOfRange"},
        {"{\"type\":\"place\",\"pixels\":[[0,0,16]]}", "ColourOutOfRange"},
        {"{\"type\":\"place\",\"pixels\":[[0,0,-1]]}", "ColourOutOfRange"},
        {"{\"type\":\"place\",\"pixels\":[[0,0,1],[5,5,99]]}", "ColourOutOfRange"},
        {"{\"type\":\"place\",\"pixels\":[[0,0,1]],\"ref\":{}}", "InvalidRef"},
        {"{\"type\":\"place\",\"pixels\":[[0,0,1]],\"ref\":[1]}", "InvalidRef"},
        {"{\"type\":\"place\",\"pixels\":[[0,0,1]],\"ref\":"
         "\"12345678901234567890123456789012345678901234567890123456789012345\"}",
         "InvalidRef"},
        {"{\"type\":\"catchup\",\"since\":-1}", "InvalidSince"},
        {"{\"type\":\"catchup\",\"since\":1.5}", "InvalidSince"},
        {"{\"type\":\"catchup\",\"since\":\"3\"}", "InvalidSince"},
        {"{\"type\":\"catchup\",\"since\":1e17}", "InvalidSince"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        client_message m;
        const char *code = refusal(cases[i].text, &m);
        if (strcmp(code, cases[i].code) != 0)
            fprintf(stderr, "case %zu: %s\n", i, cases[i].text);
        CHECK_STR_EQ(code, cases[i].code);
    }

    /* Deeply nested input is refused by cJSON's nesting limit, not the stack. */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    client_message m;
    canvas_geometry g = canvas_of(10, 10, 1);
    aws_error err = {0};
    CHECK(client_message_parse(deep, 2 * depth, &g, 10, &m, &err) != 0);
    CHECK_STR_EQ(err.code, "MessageTooLarge");
    deep[30000] = ']';
    CHECK(client_message_parse(deep, 60000, &g, 10, &m, &err) != 0);
    CHECK_STR_EQ(err.code, "InvalidJson");
    free(deep);

    /* A refusal still carries a valid ref, so the answer can echo it. */
    CHECK_STR_EQ(refusal("{\"type\":\"place\",\"pixels\":[[0,0,99]],\"ref\":\"a\\\"b\"}", &m),
                 "ColourOutOfRange");
    CHECK_STR_EQ(m.ref, "\"a\\\"b\"");
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

    CHECK_STR_EQ(refusal("{\"type\":\"catchup\",\"since\":9007199254740992}", &m), "");
    CHECK(m.type == CLIENT_CATCHUP && m.has_since && m.since == 9007199254740992ULL);
    CHECK_STR_EQ(refusal("{\"type\":\"catchup\"}", &m), "");
    CHECK(m.type == CLIENT_CATCHUP && !m.has_since);
    CHECK_STR_EQ(refusal("{\"type\":\"catchup\",\"since\":null}", &m), "");
    CHECK(!m.has_since);

    /* 24-bit colours reach 0xFFFFFF and no further. */
    canvas_geometry rgb = canvas_of(4, 4, 24);
    aws_error err = {0};
    const char *top = "{\"type\":\"place\",\"pixels\":[[3,3,16777215]]}";
    CHECK(client_message_parse(top, strlen(top), &rgb, 1, &m, &err) == 0);
    CHECK_INT_EQ(m.pixels[0].colour, 16777215);
    client_message_free(&m);
    const char *over = "{\"type\":\"place\",\"pixels\":[[3,3,16777216]]}";
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
    aws_buf b = {0};
    server_message_snapshot(&b, &g, 40, "snapshots/40.png");
    CHECK_STR_EQ(aws_buf_str(&b), "{\"type\":\"snapshot\",\"seq\":40,\"url\":\"snapshots/40.png\","
                                  "\"width\":100,\"height\":50,\"depth\":4}");
    aws_buf_reset(&b);
    server_message_snapshot(&b, &g, 0, NULL);
    CHECK_STR_EQ(aws_buf_str(&b), "{\"type\":\"snapshot\",\"seq\":0,\"url\":null,"
                                  "\"width\":100,\"height\":50,\"depth\":4}");
    aws_buf_reset(&b);
    server_message_caughtup(&b, 42);
    CHECK_STR_EQ(aws_buf_str(&b), "{\"type\":\"caughtup\",\"seq\":42}");
    aws_buf_reset(&b);
    server_message_placed(&b, "\"r1\"", 41, 42, 1795000000000LL);
    CHECK_STR_EQ(aws_buf_str(&b), "{\"type\":\"placed\",\"ref\":\"r1\",\"first\":41,\"last\":42,"
                                  "\"nextAt\":1795000000000}");
    aws_buf_reset(&b);
    server_message_error(&b, "Cooldown", "wait \"4.2\" s", "", 4200);
    CHECK_STR_EQ(aws_buf_str(&b), "{\"type\":\"error\",\"code\":\"Cooldown\","
                                  "\"message\":\"wait \\\"4.2\\\" s\",\"retryAfterMs\":4200}");
    aws_buf_free(&b);
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
    accepted_messages();
    since_parameter();
    pixel_runs_split_without_loss();
    small_messages();
    recent_members();
    return TEST_EXIT();
}

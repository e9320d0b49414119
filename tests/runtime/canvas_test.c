/*
 * canvas_test.c - the canvas's bit layout against bytes worked out by hand
 * from Redis's BITFIELD rule (pixel i at bits [i*depth, (i+1)*depth) from the
 * most significant bit of byte 0), the checks on positions and colours, the
 * palettes, and the PNG encoder's refusals. The PNG pixels themselves are
 * checked with an independent decoder by test_png.py.
 */
#include <stdint.h>
#include <stdlib.h>

#include "runtime/canvas.h"
#include "runtime/png_encode.h"
#include "test.h"

static canvas_geometry geometry(int width, int height, int depth)
{
    canvas_geometry g;
    base_error err = {0};
    if (canvas_geometry_init(&g, width, height, depth, &err) != 0) {
        fprintf(stderr, "geometry %dx%dx%d refused: %s\n", width, height, depth, err.message);
        exit(1);
    }
    return g;
}

static void check_bytes(const char *what, const uint8_t *got, const uint8_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            fprintf(stderr, "%s: byte %zu is 0x%02X, want 0x%02X\n", what, i, got[i], want[i]);
            test_failures++;
        }
    }
}

static void test_layout_depth_1(void)
{
    canvas_geometry g = geometry(3, 3, 1); /* 9 bits: 2 bytes */
    uint8_t bits[2] = {0};
    CHECK_INT_EQ(canvas_byte_count(&g), 2);
    canvas_set(&g, bits, 0, 0, 1); /* index 0: bit 0 */
    canvas_set(&g, bits, 2, 0, 1); /* index 2 */
    canvas_set(&g, bits, 1, 1, 1); /* index 4 */
    canvas_set(&g, bits, 2, 2, 1); /* index 8: bit 0 of byte 1 */
    check_bytes("depth 1", bits, (const uint8_t[]){0xA8, 0x80}, 2);
    canvas_set(&g, bits, 2, 0, 0);
    check_bytes("depth 1 after clearing (2, 0)", bits, (const uint8_t[]){0x88, 0x80}, 2);
    CHECK_INT_EQ(canvas_get(&g, bits, 2, 1, 1), 1);
    CHECK_INT_EQ(canvas_get(&g, bits, 2, 2, 0), 0);
    CHECK_INT_EQ(canvas_index(&g, 2, 2), 8);
}

static void test_layout_depth_2(void)
{
    canvas_geometry g = geometry(3, 2, 2); /* 12 bits: 2 bytes */
    uint8_t bits[2] = {0};
    canvas_set(&g, bits, 0, 0, 3); /* 11 */
    canvas_set(&g, bits, 1, 0, 1); /* 01 */
    canvas_set(&g, bits, 2, 0, 2); /* 10 */
    canvas_set(&g, bits, 0, 1, 0); /* 00 */
    canvas_set(&g, bits, 1, 1, 3); /* 11: byte 1 */
    canvas_set(&g, bits, 2, 1, 2); /* 10 */
    check_bytes("depth 2", bits, (const uint8_t[]){0xD8, 0xE0}, 2);
    canvas_set(&g, bits, 1, 0, 2);
    check_bytes("depth 2 after (1, 0) = 2", bits, (const uint8_t[]){0xE8, 0xE0}, 2);
    CHECK_INT_EQ(canvas_get(&g, bits, 2, 2, 1), 2);
    CHECK_INT_EQ(canvas_get(&g, bits, 2, 1, 0), 2);
}

static void test_layout_depth_4(void)
{
    canvas_geometry g = geometry(3, 1, 4); /* 12 bits: 2 bytes */
    uint8_t bits[2] = {0};
    canvas_set(&g, bits, 0, 0, 0xA);
    canvas_set(&g, bits, 1, 0, 0x5);
    canvas_set(&g, bits, 2, 0, 0xF);
    check_bytes("depth 4", bits, (const uint8_t[]){0xA5, 0xF0}, 2);
    canvas_set(&g, bits, 0, 0, 0x3);
    check_bytes("depth 4 after (0, 0) = 3", bits, (const uint8_t[]){0x35, 0xF0}, 2);
    CHECK_INT_EQ(canvas_get(&g, bits, 2, 1, 0), 5);
}

static void test_layout_depth_8(void)
{
    canvas_geometry g = geometry(2, 2, 8);
    uint8_t bits[4] = {0};
    canvas_set(&g, bits, 0, 0, 1);
    canvas_set(&g, bits, 1, 0, 200);
    canvas_set(&g, bits, 0, 1, 255);
    canvas_set(&g, bits, 1, 1, 16);
    check_bytes("depth 8", bits, (const uint8_t[]){0x01, 0xC8, 0xFF, 0x10}, 4);
    CHECK_INT_EQ(canvas_get(&g, bits, 4, 1, 0), 200);
}

static void test_layout_depth_24(void)
{
    canvas_geometry g = geometry(2, 1, 24);
    uint8_t bits[6] = {0};
    canvas_set(&g, bits, 0, 0, 0x123456);
    canvas_set(&g, bits, 1, 0, 0xABCDEF);
    check_bytes("depth 24", bits, (const uint8_t[]){0x12, 0x34, 0x56, 0xAB, 0xCD, 0xEF}, 6);
    CHECK_INT_EQ(canvas_get(&g, bits, 6, 1, 0), 0xABCDEF);
    CHECK_INT_EQ(canvas_get(&g, bits, 4, 1, 0), 0xAB0000); /* a short value: the rest is 0 */
}

/* Every pixel reads back what was set, and setting one never disturbs another. */
static void test_round_trip(void)
{
    static const int depths[] = {1, 2, 4, 8, 24};
    for (size_t d = 0; d < sizeof depths / sizeof depths[0]; d++) {
        canvas_geometry g = geometry(7, 5, depths[d]);
        size_t n = canvas_byte_count(&g);
        uint8_t *bits = calloc(n, 1);
        uint32_t want[35];
        uint32_t state = 12345;
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 7; x++) {
                state = state * 1103515245u + 12345u;
                want[y * 7 + x] = (state >> 8) % canvas_colour_count(&g);
                canvas_set(&g, bits, x, y, want[y * 7 + x]);
            }
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 7; x++)
                if (canvas_get(&g, bits, n, x, y) != want[y * 7 + x]) {
                    fprintf(stderr, "depth %d: (%d, %d) is %u, want %u\n", depths[d], x, y,
                            canvas_get(&g, bits, n, x, y), want[y * 7 + x]);
                    test_failures++;
                }
        CHECK_INT_EQ(canvas_get(&g, bits, 0, 6, 4), 0); /* a missing key reads as colour 0 */
        free(bits);
    }
}

static void test_geometry(void)
{
    canvas_geometry g;
    base_error err = {0};
    CHECK_INT_EQ(canvas_geometry_init(&g, 4096, 4096, 4, &err), 0); /* exactly the limit */
    CHECK_INT_EQ(canvas_byte_count(&g), 8 << 20);
    CHECK_INT_EQ(canvas_geometry_init(&g, 4096, 4096, 8, &err), -1);
    CHECK_STR_EQ(err.code, "InvalidCanvas");
    CHECK_INT_EQ(canvas_geometry_init(&g, 10, 10, 3, &err), -1);
    CHECK_INT_EQ(canvas_geometry_init(&g, 0, 10, 1, &err), -1);
    CHECK_INT_EQ(canvas_geometry_init(&g, 10, -1, 1, &err), -1);
    CHECK_INT_EQ(canvas_geometry_init(&g, 1L << 40, 1L << 40, 1, &err), -1);
    CHECK_INT_EQ(canvas_geometry_init(&g, 1000, 1000, 24, &err), 0);
    CHECK_INT_EQ(canvas_byte_count(&g), 3000000);
    CHECK_INT_EQ(canvas_colour_count(&g), 16777216);
    CHECK_INT_EQ(canvas_colour_count(&(canvas_geometry){1, 1, 1}), 2);
    CHECK_INT_EQ(canvas_colour_count(&(canvas_geometry){1, 1, 8}), 256);
    CHECK_INT_EQ(canvas_byte_count(&(canvas_geometry){3, 3, 1}), 2);
}

static void test_bounds(void)
{
    canvas_geometry g = geometry(10, 20, 4);
    base_error err = {0};
    CHECK_INT_EQ(canvas_check_pixel(&g, 0, 0, 0, &err), 0);
    CHECK_INT_EQ(canvas_check_pixel(&g, 9, 19, 15, &err), 0);
    CHECK_INT_EQ(canvas_check_pixel(&g, -1, 0, 0, &err), -1);
    CHECK_STR_EQ(err.code, "PixelOutOfRange");
    CHECK_STR_EQ(err.message, "x -1 is outside the canvas: 0 to 9");
    CHECK_INT_EQ(canvas_check_pixel(&g, 10, 0, 0, &err), -1);
    CHECK_INT_EQ(canvas_check_pixel(&g, 0, 20, 0, &err), -1);
    CHECK_STR_EQ(err.message, "y 20 is outside the canvas: 0 to 19");
    CHECK_INT_EQ(canvas_check_pixel(&g, 0, -5, 0, &err), -1);
    CHECK_INT_EQ(canvas_check_pixel(&g, 1LL << 40, 0, 0, &err), -1);
    CHECK_INT_EQ(canvas_check_pixel(&g, 0, 0, 16, &err), -1);
    CHECK_STR_EQ(err.code, "ColourOutOfRange");
    CHECK_STR_EQ(err.message, "colour 16 is not in the palette: 0 to 15");
    CHECK_INT_EQ(canvas_check_pixel(&g, 0, 0, -1, &err), -1);
    CHECK_STR_EQ(err.code, "ColourOutOfRange");

    canvas_geometry bw = geometry(5, 5, 1);
    CHECK_INT_EQ(canvas_check_pixel(&bw, 4, 4, 1, &err), 0);
    CHECK_INT_EQ(canvas_check_pixel(&bw, 4, 4, 2, &err), -1);
    canvas_geometry rgb = geometry(5, 5, 24);
    CHECK_INT_EQ(canvas_check_pixel(&rgb, 0, 0, 0xFFFFFF, &err), 0);
    CHECK_INT_EQ(canvas_check_pixel(&rgb, 0, 0, 0x1000000, &err), -1);
}

static void check_rgb(canvas_rgb got, uint32_t want)
{
    uint32_t value = (uint32_t)got.r << 16 | (uint32_t)got.g << 8 | got.b;
    if (value != want) {
        fprintf(stderr, "colour is 0x%06X, want 0x%06X\n", value, want);
        test_failures++;
    }
}

static void test_palettes(void)
{
    size_t count;
    const canvas_rgb *p = canvas_palette(1, &count);
    CHECK_INT_EQ(count, 2);
    check_rgb(p[0], 0xFFFFFF);
    check_rgb(p[1], 0x000000);
    p = canvas_palette(2, &count);
    CHECK_INT_EQ(count, 4);
    check_rgb(p[1], 0xAAAAAA);
    p = canvas_palette(4, &count);
    CHECK_INT_EQ(count, 16);
    check_rgb(p[0], 0xFFFFFF);
    check_rgb(p[5], 0xE50000);
    check_rgb(p[15], 0x820080);
    p = canvas_palette(8, &count);
    CHECK_INT_EQ(count, 256);
    check_rgb(p[9], 0xFF0000);
    check_rgb(p[16], 0x000000);
    check_rgb(p[16 + 36 * 5 + 6 * 2 + 1], 0xFF875F); /* cube (5, 2, 1) */
    check_rgb(p[231], 0xFFFFFF);
    check_rgb(p[232], 0x080808);
    check_rgb(p[255], 0xEEEEEE);
    CHECK(canvas_palette(24, &count) == NULL);
    CHECK_INT_EQ(count, 0);
    check_rgb(canvas_colour_rgb(&(canvas_geometry){1, 1, 24}, 0x1A2B3C), 0x1A2B3C);
    check_rgb(canvas_colour_rgb(&(canvas_geometry){1, 1, 4}, 13), 0x0000EA);
}

static void test_png_refusals(void)
{
    base_error err = {0};
    base_buf out = {0};
    base_buf_append_str(&out, "kept");
    uint8_t bits[3] = {0};

    canvas_geometry g = geometry(2, 2, 4); /* 2 bytes */
    CHECK_INT_EQ(canvas_encode_png(&g, bits, 3, &out, &err), -1);
    CHECK_STR_EQ(err.code, "CanvasSizeMismatch");
    CHECK_STR_EQ(base_buf_str(&out), "kept");

    CHECK_INT_EQ(canvas_encode_png(&(canvas_geometry){2, 2, 5}, bits, 0, &out, &err), -1);
    CHECK_STR_EQ(err.code, "InvalidCanvas");

    /* Wider than libpng's limit of 1000000: libpng's own error, caught. */
    canvas_geometry wide = geometry(1000001, 1, 1);
    CHECK_INT_EQ(canvas_encode_png(&wide, NULL, 0, &out, &err), -1);
    CHECK_STR_EQ(err.code, "PngEncodeError");
    CHECK(strstr(err.message, "libpng: ") == err.message);
    CHECK_STR_EQ(base_buf_str(&out), "kept");

    /* An untouched canvas (no value in the cache) still encodes. */
    CHECK_INT_EQ(canvas_encode_png(&g, NULL, 0, &out, &err), 0);
    CHECK(out.len > 4 + 8);
    CHECK(memcmp(out.data + 4, "\x89PNG\r\n\x1a\n", 8) == 0);
    base_buf_free(&out);
}

int main(void)
{
    test_layout_depth_1();
    test_layout_depth_2();
    test_layout_depth_4();
    test_layout_depth_8();
    test_layout_depth_24();
    test_round_trip();
    test_geometry();
    test_bounds();
    test_palettes();
    test_png_refusals();
    return TEST_EXIT();
}

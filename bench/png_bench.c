/*
 * png_bench.c - how long canvas_encode_png takes on a 1000x1000 canvas at
 * each depth, and how big the PNG is. A measurement, not a test: ctest never
 * runs it (bench/README.md).
 *
 *   png_bench [ENCODES]     (default 20 encodes per depth and pattern)
 *
 * Two canvases per depth bracket what a snapshot meets: "noise", every pixel
 * a random colour (the worst case for compression), and "drawing", a blank
 * canvas with 2,000 random rectangles of up to 40x40 pixels in random
 * colours (flat areas, as on a canvas people draw on).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/canvas.h"
#include "runtime/png_encode.h"

#define SIDE 1000

static uint64_t rng_state = 88172645463325252u;

static uint32_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

static void fill_noise(const canvas_geometry *g, uint8_t *bits)
{
    for (int y = 0; y < g->height; y++)
        for (int x = 0; x < g->width; x++)
            canvas_set(g, bits, x, y, next_random() % canvas_colour_count(g));
}

static void fill_drawing(const canvas_geometry *g, uint8_t *bits)
{
    for (int r = 0; r < 2000; r++) {
        int x0 = (int)(next_random() % SIDE), y0 = (int)(next_random() % SIDE);
        int w = 1 + (int)(next_random() % 40), h = 1 + (int)(next_random() % 40);
        uint32_t colour = next_random() % canvas_colour_count(g);
        for (int y = y0; y < y0 + h && y < g->height; y++)
            for (int x = x0; x < x0 + w && x < g->width; x++)
                canvas_set(g, bits, x, y, colour);
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int encodes = argc > 1 ? atoi(argv[1]) : 20;
    if (encodes < 1) {
        fprintf(stderr, "usage: png_bench [ENCODES]\n");
        return 2;
    }
    static const int depths[] = {1, 2, 4, 8, 24};
    static const struct {
        const char *name;
        void (*fill)(const canvas_geometry *, uint8_t *);
    } patterns[] = {{"noise", fill_noise}, {"drawing", fill_drawing}};

    printf("canvas %dx%d, %d encodes each\n", SIDE, SIDE, encodes);
    printf("%-5s  %-8s  %11s  %11s  %12s\n", "depth", "pattern", "value bytes", "png bytes",
           "ms / encode");
    for (size_t d = 0; d < sizeof depths / sizeof depths[0]; d++) {
        for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
            canvas_geometry g;
            base_error err = {0};
            if (canvas_geometry_init(&g, SIDE, SIDE, depths[d], &err) != 0) {
                fprintf(stderr, "png_bench: %s\n", err.message);
                return 1;
            }
            size_t n = canvas_byte_count(&g);
            uint8_t *bits = calloc(n, 1);
            patterns[p].fill(&g, bits);
            base_buf png = {0};
            double start = now_seconds();
            for (int i = 0; i < encodes; i++) {
                base_buf_reset(&png);
                if (canvas_encode_png(&g, bits, n, &png, &err) != 0) {
                    fprintf(stderr, "png_bench: %s: %s\n", err.code, err.message);
                    return 1;
                }
            }
            double ms = (now_seconds() - start) * 1000.0 / encodes;
            printf("%-5d  %-8s  %11zu  %11zu  %12.2f\n", depths[d], patterns[p].name, n, png.len,
                   ms);
            base_buf_free(&png);
            free(bits);
        }
    }
    return 0;
}

/*
 * png_probe.c - writes a generated canvas and its PNG for test_png.py.
 *
 *   png_probe WIDTH HEIGHT DEPTH SEED BITS_FILE PNG_FILE [LENGTH]
 *
 * Fills a canvas with pseudo-random colours from SEED (every colour the
 * depth allows is possible), writes its cache value (canvas_byte_count bytes)
 * to BITS_FILE and canvas_encode_png's output to PNG_FILE. With LENGTH, only
 * the first LENGTH bytes of the value are encoded, as for a value the cache
 * holds shorter than the canvas. Exit 1 with the error on stderr on failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "runtime/canvas.h"
#include "runtime/png_encode.h"

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t written = fwrite(data, 1, len, f);
    return fclose(f) == 0 && written == len ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 7 && argc != 8) {
        fprintf(stderr, "usage: png_probe WIDTH HEIGHT DEPTH SEED BITS_FILE PNG_FILE [LENGTH]\n");
        return 2;
    }
    canvas_geometry g;
    base_error err = {0};
    if (canvas_geometry_init(&g, atol(argv[1]), atol(argv[2]), atol(argv[3]), &err) != 0) {
        fprintf(stderr, "png_probe: %s\n", err.message);
        return 1;
    }
    size_t n = canvas_byte_count(&g);
    uint8_t *bits = calloc(n ? n : 1, 1);
    uint64_t state = strtoull(argv[4], NULL, 10) * 2654435761u + 1;
    for (int y = 0; y < g.height; y++)
        for (int x = 0; x < g.width; x++) {
            state = state * 6364136223846793005u + 1442695040888963407u;
            canvas_set(&g, bits, x, y, (uint32_t)(state >> 33) % canvas_colour_count(&g));
        }
    size_t len = argc == 8 ? (size_t)strtoull(argv[7], NULL, 10) : n;

    base_buf png = {0};
    int rc = 0;
    if (canvas_encode_png(&g, bits, len, &png, &err) != 0) {
        fprintf(stderr, "png_probe: %s: %s\n", err.code, err.message);
        rc = 1;
    } else if (write_file(argv[5], bits, n) != 0 || write_file(argv[6], png.data, png.len) != 0) {
        fprintf(stderr, "png_probe: cannot write the output files\n");
        rc = 1;
    }
    base_buf_free(&png);
    free(bits);
    return rc;
}

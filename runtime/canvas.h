/*
 * canvas.h - the canvas's geometry, its bit layout in the cache, and its
 * colours.
 *
 * The whole canvas is one string value in the cache, a bitfield: pixel
 * (x, y) has index i = y * width + x and occupies bits [i * depth,
 * (i + 1) * depth), counted from the most significant bit of byte 0, which
 * is the order Redis's BITFIELD and SETBIT use. So a handler sets a pixel
 * with one `BITFIELD key SET u<depth> #<i> <colour>` and a snapshot reads the
 * whole canvas with one GET. Rows are not padded: a row may start in the
 * middle of a byte. Bits never written (the key is missing, or shorter than
 * the canvas because the last pixels were never set) read as colour 0.
 *
 * depth is 1, 2, 4, 8 (indexes into the fixed palettes below) or 24 (the
 * colour is 0xRRGGBB itself). Colour 0 is what an untouched canvas shows:
 * white for depths 1, 2 and 4, black for 8 (xterm) and 24.
 *
 * Nothing here allocates, prints or talks to the cache; every function that
 * takes a position or colour from outside checks it first.
 */
#ifndef SCRIBBLE_RUNTIME_CANVAS_H
#define SCRIBBLE_RUNTIME_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "stack/description.h" /* SCRIBBLE_CANVAS_MAX_BITS */
#include "stack/palette.h"

typedef struct canvas_geometry {
    int width;  /* pixels, at least 1 */
    int height; /* pixels, at least 1 */
    int depth;  /* bits per pixel: 1, 2, 4, 8 or 24 */
} canvas_geometry;

typedef stack_rgb canvas_rgb;

bool canvas_depth_valid(long depth);

/* Fills g after checking width and height (at least 1), depth (1, 2, 4, 8,
 * 24) and width x height x depth against SCRIBBLE_CANVAS_MAX_BITS. Returns 0, or -1 with an BASE_ERROR_CONFIG
 * "InvalidCanvas" error. */
int canvas_geometry_init(canvas_geometry *g, long width, long height, long depth, base_error *err);

/* The same checks on a geometry built some other way. */
int canvas_geometry_check(const canvas_geometry *g, base_error *err);

/* Bytes of the whole canvas in the cache: ceil(width x height x depth / 8). */
size_t canvas_byte_count(const canvas_geometry *g);

/* How many colours a pixel can take: 2, 4, 16, 256 or 16777216. */
uint32_t canvas_colour_count(const canvas_geometry *g);

/* Checks a placement from a client: 0 <= x < width, 0 <= y < height and
 * 0 <= colour < canvas_colour_count. Returns 0, or -1 with an
 * BASE_ERROR_INVALID error whose code is "PixelOutOfRange" or
 * "ColourOutOfRange" and whose message says what is allowed. */
int canvas_check_pixel(const canvas_geometry *g, long long x, long long y, long long colour,
                       base_error *err);

/* The pixel's index (BITFIELD's #<i>). x and y must be inside the canvas. */
size_t canvas_index(const canvas_geometry *g, int x, int y);

/* The colour at (x, y) of a canvas value of len bytes as GET returned it;
 * bits past len read as 0. x and y must be inside the canvas. */
uint32_t canvas_get(const canvas_geometry *g, const uint8_t *bits, size_t len, int x, int y);

/* Sets (x, y) to colour in bits, which holds canvas_byte_count(g) bytes.
 * x, y and colour must have passed canvas_check_pixel. */
void canvas_set(const canvas_geometry *g, uint8_t *bits, int x, int y, uint32_t colour);

/* The fixed palette of an indexed depth: stack_palette (stack/palette.h). */
const canvas_rgb *canvas_palette(int depth, size_t *count);

/* What a colour value looks like: its palette entry, or for depth 24 the
 * value 0xRRGGBB itself. colour must be below canvas_colour_count. */
canvas_rgb canvas_colour_rgb(const canvas_geometry *g, uint32_t colour);

#endif

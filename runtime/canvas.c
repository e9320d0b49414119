/*
 * canvas.c - the canvas's bit layout (see canvas.h); its palettes are the
 * stack's (stack/palette.c).
 *
 * The layout is Redis's BITFIELD layout, big-endian within each byte, so the
 * value the cache holds is the canvas itself: nothing converts between a
 * cache format and a memory format. Palettes are tables of data; the 24-bit
 * depth has none, its colour value is the RGB.
 */
#include "runtime/canvas.h"

bool canvas_depth_valid(long depth)
{
    return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 24;
}

int canvas_geometry_init(canvas_geometry *g, long width, long height, long depth, base_error *err)
{
    ENSURE(width >= 1 && height >= 1, err, BASE_ERROR_CONFIG, "InvalidCanvas",
           "canvas %ldx%ld: width and height must be at least 1", width, height);
    ENSURE(canvas_depth_valid(depth), err, BASE_ERROR_CONFIG, "InvalidCanvas",
           "canvas depth %ld: must be 1, 2, 4, 8 or 24", depth);
    /* Each factor is checked before multiplying, so the product cannot overflow. */
    ENSURE(width <= SCRIBBLE_CANVAS_MAX_BITS && height <= SCRIBBLE_CANVAS_MAX_BITS &&
               (long long)width * height <= SCRIBBLE_CANVAS_MAX_BITS / depth,
           err, BASE_ERROR_CONFIG, "InvalidCanvas",
           "canvas %ldx%ld at depth %ld: more than %ld bits", width, height, depth,
           (long)SCRIBBLE_CANVAS_MAX_BITS);
    g->width = (int)width;
    g->height = (int)height;
    g->depth = (int)depth;
    return 0;
}

int canvas_geometry_check(const canvas_geometry *g, base_error *err)
{
    canvas_geometry copy;
    return canvas_geometry_init(&copy, g->width, g->height, g->depth, err);
}

size_t canvas_byte_count(const canvas_geometry *g)
{
    return ((size_t)g->width * (size_t)g->height * (size_t)g->depth + 7) / 8;
}

uint32_t canvas_colour_count(const canvas_geometry *g)
{
    return (uint32_t)1 << g->depth;
}

int canvas_check_pixel(const canvas_geometry *g, long long x, long long y, long long colour,
                       base_error *err)
{
    ENSURE(x >= 0 && x < g->width, err, BASE_ERROR_INVALID, "PixelOutOfRange",
           "x %lld is outside the canvas: 0 to %d", x, g->width - 1);
    ENSURE(y >= 0 && y < g->height, err, BASE_ERROR_INVALID, "PixelOutOfRange",
           "y %lld is outside the canvas: 0 to %d", y, g->height - 1);
    ENSURE(colour >= 0 && colour < (long long)canvas_colour_count(g), err, BASE_ERROR_INVALID,
           "ColourOutOfRange", "colour %lld is not in the palette: 0 to %lu", colour,
           (unsigned long)canvas_colour_count(g) - 1);
    return 0;
}

size_t canvas_index(const canvas_geometry *g, int x, int y)
{
    return (size_t)y * (size_t)g->width + (size_t)x;
}

static uint8_t byte_at(const uint8_t *bits, size_t len, size_t i)
{
    return i < len ? bits[i] : 0;
}

uint32_t canvas_get(const canvas_geometry *g, const uint8_t *bits, size_t len, int x, int y)
{
    size_t index = canvas_index(g, x, y);
    if (g->depth == 24) {
        size_t at = index * 3;
        return (uint32_t)byte_at(bits, len, at) << 16 | (uint32_t)byte_at(bits, len, at + 1) << 8 |
               byte_at(bits, len, at + 2);
    }
    /* depth divides 8, so a pixel never straddles two bytes. */
    size_t bit = index * (size_t)g->depth;
    unsigned shift = 8u - (unsigned)g->depth - (unsigned)(bit % 8);
    unsigned mask = (1u << g->depth) - 1;
    return (byte_at(bits, len, bit / 8) >> shift) & mask;
}

void canvas_set(const canvas_geometry *g, uint8_t *bits, int x, int y, uint32_t colour)
{
    size_t index = canvas_index(g, x, y);
    if (g->depth == 24) {
        size_t at = index * 3;
        bits[at] = (uint8_t)(colour >> 16);
        bits[at + 1] = (uint8_t)(colour >> 8);
        bits[at + 2] = (uint8_t)colour;
        return;
    }
    size_t bit = index * (size_t)g->depth;
    unsigned shift = 8u - (unsigned)g->depth - (unsigned)(bit % 8);
    unsigned mask = ((1u << g->depth) - 1) << shift;
    bits[bit / 8] = (uint8_t)((bits[bit / 8] & ~mask) | ((colour << shift) & mask));
}

const canvas_rgb *canvas_palette(int depth, size_t *count) { return stack_palette(depth, count); }

canvas_rgb canvas_colour_rgb(const canvas_geometry *g, uint32_t colour)
{
    return stack_colour_rgb(g->depth, colour);
}

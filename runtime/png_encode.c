/*
 * png_encode.c - the canvas as a PNG, through libpng (see png_encode.h).
 *
 * libpng reports errors by longjmp. Everything that runs under its setjmp
 * lives in write_image(), whose locals die with the jump, and png_encode's
 * own state is fixed before setjmp, so no local is clobbered. The error
 * callback copies libpng's message out before jumping; the warning callback
 * drops warnings, since this library never prints.
 *
 * A canvas row is width x depth bits, not padded; a PNG row is padded to a
 * whole byte. When width x depth is a multiple of 8 the two coincide and
 * libpng reads rows straight from the cache's value; otherwise each row is
 * shifted into a row buffer first. Rows past the end of a short value are
 * built in the row buffer too.
 */
#include "runtime/png_encode.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct png_encode_state {
    base_buf *out;
    char message[256]; /* libpng's error, kept for the base_error */
} png_encode_state;

static void on_png_error(png_structp png, png_const_charp message)
{
    png_encode_state *state = png_get_error_ptr(png);
    snprintf(state->message, sizeof state->message, "%s", message ? message : "unknown error");
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp message)
{
    (void)png;
    (void)message;
}

static void on_png_write(png_structp png, png_bytep data, size_t length)
{
    base_buf_append(png_get_io_ptr(png), data, length);
}

static void on_png_flush(png_structp png)
{
    (void)png;
}

/* Row y of the canvas as PNG wants it: a pointer into bits when the row lies
 * whole and byte-aligned inside the value, else row (row_bytes long) filled
 * by shifting the row's bits to the start of the buffer. */
static const uint8_t *png_row(const canvas_geometry *g, const uint8_t *bits, size_t len, int y,
                              uint8_t *row, size_t row_bytes)
{
    size_t row_bits = (size_t)g->width * (size_t)g->depth;
    size_t first_bit = (size_t)y * row_bits;
    size_t start = first_bit / 8;
    unsigned shift = (unsigned)(first_bit % 8);
    if (shift == 0 && start + row_bytes <= len)
        return bits + start;
    for (size_t i = 0; i < row_bytes; i++) {
        unsigned high = start + i < len ? bits[start + i] : 0;
        unsigned low = shift && start + i + 1 < len ? bits[start + i + 1] : 0;
        row[i] = (uint8_t)(high << shift | low >> (8 - shift));
    }
    /* Zero the padding bits that belong to the next row. */
    unsigned used = (unsigned)(row_bits % 8);
    if (used)
        row[row_bytes - 1] &= (uint8_t)(0xFFu << (8 - used));
    return row;
}

/* Everything libpng may longjmp out of. */
static void write_image(png_structp png, png_infop info, const canvas_geometry *g,
                        const uint8_t *bits, size_t len, uint8_t *row, size_t row_bytes)
{
    if (g->depth == 24) {
        png_set_IHDR(png, info, (png_uint_32)g->width, (png_uint_32)g->height, 8,
                     PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                     PNG_FILTER_TYPE_DEFAULT);
    } else {
        size_t count;
        const canvas_rgb *palette = canvas_palette(g->depth, &count);
        png_color colours[256];
        for (size_t i = 0; i < count; i++)
            colours[i] = (png_color){palette[i].r, palette[i].g, palette[i].b};
        png_set_IHDR(png, info, (png_uint_32)g->width, (png_uint_32)g->height, g->depth,
                     PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                     PNG_FILTER_TYPE_DEFAULT);
        png_set_PLTE(png, info, colours, (int)count);
    }
    png_write_info(png, info);
    for (int y = 0; y < g->height; y++)
        png_write_row(png, png_row(g, bits, len, y, row, row_bytes));
    png_write_end(png, info);
}

int canvas_encode_png(const canvas_geometry *g, const uint8_t *bits, size_t len, base_buf *out,
                      base_error *err)
{
    TRY(canvas_geometry_check(g, err));
    ENSURE(len <= canvas_byte_count(g), err, BASE_ERROR_INVALID, "CanvasSizeMismatch",
           "the canvas value is %zu bytes; a %dx%d canvas at depth %d has %zu", len, g->width,
           g->height, g->depth, canvas_byte_count(g));

    png_encode_state state = {.out = out};
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_png_error, on_png_warning);
    ENSURE(png, err, BASE_ERROR_INVALID, "PngEncodeError", "libpng: cannot create a write struct");
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return base_error_set(err, BASE_ERROR_INVALID, "PngEncodeError",
                             "libpng: cannot create an info struct");
    }
    size_t row_bytes = ((size_t)g->width * (size_t)g->depth + 7) / 8;
    uint8_t *row = base_xmalloc(row_bytes);
    size_t out_len = out->len;
    int rc = 0;

    if (setjmp(png_jmpbuf(png)) == 0) {
        png_set_write_fn(png, out, on_png_write, on_png_flush);
        write_image(png, info, g, bits, len, row, row_bytes);
    } else {
        rc = base_error_set(err, BASE_ERROR_INVALID, "PngEncodeError", "libpng: %s", state.message);
        out->len = out_len; /* drop the partial image */
        if (out->data)
            out->data[out->len] = '\0';
    }
    png_destroy_write_struct(&png, &info);
    free(row);
    return rc;
}

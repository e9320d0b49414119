/*
 * png_encode.h - the canvas as a PNG image, for the snapshot handler.
 *
 * libpng does the encoding, into memory. The image type is the natural one
 * for the depth: an indexed-colour PNG of bit depth 1, 2, 4 or 8 carrying
 * the canvas's palette for depths 1 to 8 (so a pixel's PNG index is its
 * colour value), and 8-bit RGB for depth 24. Never prints, never aborts on
 * a libpng error: libpng's errors come back as an base_error.
 */
#ifndef SCRIBBLE_RUNTIME_PNG_ENCODE_H
#define SCRIBBLE_RUNTIME_PNG_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"
#include "runtime/canvas.h"

/* Appends the PNG of the canvas value `bits` (len bytes, as GET returned it;
 * a shorter value means the missing pixels are colour 0, NULL with len 0 an
 * untouched canvas) to out. Returns 0, or -1 with err filled and out as it
 * was: BASE_ERROR_CONFIG for a bad geometry, BASE_ERROR_INVALID
 * "CanvasSizeMismatch" for a value longer than the canvas, and
 * BASE_ERROR_INVALID "PngEncodeError" for an error libpng reported. */
int canvas_encode_png(const canvas_geometry *g, const uint8_t *bits, size_t len, base_buf *out,
                      base_error *err);

#endif

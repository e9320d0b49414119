/*
 * palette.h - what a canvas's colour values look like: the fixed palettes of
 * the indexed depths and the 24-bit colours. Part of the stack's
 * description: the runtime's PNG snapshots and scribblectl's timelapse draw
 * with them. The page (static/protocol.js) holds the same palettes;
 * tests/static/protocol.test.js and tests/runtime/test_png.py hold both to
 * their public definitions.
 */
#ifndef SCRIBBLE_STACK_PALETTE_H
#define SCRIBBLE_STACK_PALETTE_H

#include <stddef.h>
#include <stdint.h>

typedef struct stack_rgb {
    uint8_t r, g, b;
} stack_rgb;

/* The fixed palette of an indexed depth (1, 2, 4 or 8), with its number of
 * entries in *count; NULL (and *count 0) for 24 and anything else.
 *   1: white, black.
 *   2: four greys from white to black (0xFFFFFF, 0xAAAAAA, 0x555555, 0x000000).
 *   4: the 16 colours of Reddit's r/place of 2017, white first.
 *   8: xterm's 256 colours: its 16 system colours, the 6x6x6 cube with
 *      levels 0, 95, 135, 175, 215, 255, and 24 greys 8, 18, ..., 238. */
const stack_rgb *stack_palette(int depth, size_t *count);

/* What a colour value of a canvas of this depth looks like: its palette
 * entry (entry 0 for a value past the palette), or for depth 24 the value
 * 0xRRGGBB itself. */
stack_rgb stack_colour_rgb(int depth, uint32_t colour);

#endif

/*
 * timelapse.h - the canvas's history as an animated WebP: frame 0 is the
 * canvas before the chosen range, then `frames` frames (fewer when the
 * range holds fewer placements), each the canvas after an even share of
 * the range's placements, the last after all of them. Drawn in the
 * canvas's own palette (stack/palette.h), each pixel a scale x scale
 * square, losslessly (libwebp's animation encoder). Prints nothing.
 */
#ifndef SCRIBBLE_PROVISION_TIMELAPSE_H
#define SCRIBBLE_PROVISION_TIMELAPSE_H

#include "base/buf.h"
#include "provision/history.h"

/* WebP's largest width or height. */
#define TIMELAPSE_MAX_SIDE 16383

typedef struct timelapse_options {
    int width, height, depth; /* the canvas's */
    size_t first, end;        /* the range: placements [first, end) of the history */
    int frames;               /* after frame 0; at least 1 */
    int fps;                  /* frames a second */
    int scale;                /* pixels per canvas pixel, each way */
} timelapse_options;

/* Called after each frame is added, with its number and the total. */
typedef void (*timelapse_progress_fn)(void *ctx, int frame, int total);

/* Refuses (BASE_ERROR_CONFIG) a canvas whose scaled side is over
 * TIMELAPSE_MAX_SIDE; a caller asks before reading any history. */
int timelapse_check_size(int width, int height, int scale, base_error *err);

/* The placements of the history drawn into an animated WebP in out. Refuses
 * what timelapse_check_size refuses. *frame_count
 * is how many frames it holds, frame 0 included. */
int timelapse_encode(const history *h, const timelapse_options *o, base_buf *out, int *frame_count,
                     timelapse_progress_fn progress, void *progress_ctx, base_error *err);

#endif

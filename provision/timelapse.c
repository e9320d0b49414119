/*
 * timelapse.c - draws the history into an animated WebP (timelapse.h):
 * the canvas is kept as one ARGB word per canvas pixel, placements are
 * applied in seq order, and each frame is that canvas scaled into a
 * WebPPicture and given to WebPAnimEncoder with its time (frame / fps).
 */
#include "provision/timelapse.h"

#include <stdlib.h>
#include <string.h>
#include <webp/encode.h>
#include <webp/mux.h>

#include "base/fatal.h"
#include "stack/palette.h"

typedef struct canvas_argb {
    int width, height, depth;
    uint32_t *pixels; /* width x height, row by row */
} canvas_argb;

static uint32_t argb(int depth, uint32_t colour)
{
    stack_rgb c = stack_colour_rgb(depth, colour);
    return 0xFF000000u | (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
}

static void place(canvas_argb *c, const history_placement *p)
{
    if (p->x < c->width && p->y < c->height)
        c->pixels[(size_t)p->y * (size_t)c->width + (size_t)p->x] = argb(c->depth, p->colour);
}

static int add_frame(WebPAnimEncoder *enc, const canvas_argb *c, int scale, int timestamp_ms,
                     base_error *err)
{
    WebPConfig config;
    WebPPicture pic;
    ENSURE(WebPConfigInit(&config) && WebPPictureInit(&pic), err, BASE_ERROR_INVALID, "WebP",
           "libwebp's version does not match its headers");
    config.lossless = 1;
    config.quality = 25; /* lossless: effort, not loss; 25 is fast and still small */
    pic.use_argb = 1;
    pic.width = c->width * scale;
    pic.height = c->height * scale;
    if (!WebPPictureAlloc(&pic))
        base_fatal("out of memory for a %dx%d frame", pic.width, pic.height);
    for (int y = 0; y < pic.height; y++) {
        const uint32_t *row = c->pixels + (size_t)(y / scale) * (size_t)c->width;
        uint32_t *to = pic.argb + (size_t)y * (size_t)pic.argb_stride;
        for (int x = 0; x < pic.width; x++)
            to[x] = row[x / scale];
    }
    int ok = WebPAnimEncoderAdd(enc, &pic, timestamp_ms, &config);
    WebPPictureFree(&pic);
    ENSURE(ok, err, BASE_ERROR_INVALID, "WebP", "adding frame at %d ms: %s", timestamp_ms,
           WebPAnimEncoderGetError(enc));
    return 0;
}

/* Frames 0..frames, each after its share of the range; the last one at `end`. */
static int add_frames(WebPAnimEncoder *enc, canvas_argb *c, const history *h,
                      const timelapse_options *o, int frames, timelapse_progress_fn progress,
                      void *progress_ctx, base_error *err)
{
    size_t next = o->first, span = o->end - o->first;
    for (int f = 0; f <= frames; f++) {
        size_t until = o->first + (size_t)((double)span * f / frames + 0.5);
        for (; next < until; next++)
            place(c, &h->items[next]);
        TRY(add_frame(enc, c, o->scale, f * 1000 / o->fps, err));
        if (progress)
            progress(progress_ctx, f + 1, frames + 1);
    }
    return 0;
}

static int assemble(WebPAnimEncoder *enc, int end_ms, base_buf *out, base_error *err)
{
    ENSURE(WebPAnimEncoderAdd(enc, NULL, end_ms, NULL), err, BASE_ERROR_INVALID, "WebP",
           "ending the animation: %s", WebPAnimEncoderGetError(enc));
    WebPData data;
    WebPDataInit(&data);
    ENSURE(WebPAnimEncoderAssemble(enc, &data), err, BASE_ERROR_INVALID, "WebP",
           "assembling the animation: %s", WebPAnimEncoderGetError(enc));
    base_buf_append(out, data.bytes, data.size);
    WebPDataClear(&data);
    return 0;
}

int timelapse_check_size(int width, int height, int scale, base_error *err)
{
    ENSURE((long)width * scale <= TIMELAPSE_MAX_SIDE && (long)height * scale <= TIMELAPSE_MAX_SIDE,
           err, BASE_ERROR_CONFIG, "TooLarge",
           "a %dx%d canvas at --scale %d is %ldx%ld pixels; WebP allows at most %d a side", width,
           height, scale, (long)width * scale, (long)height * scale, TIMELAPSE_MAX_SIDE);
    return 0;
}

int timelapse_encode(const history *h, const timelapse_options *o, base_buf *out, int *frame_count,
                     timelapse_progress_fn progress, void *progress_ctx, base_error *err)
{
    TRY(timelapse_check_size(o->width, o->height, o->scale, err));
    size_t span = o->end - o->first;
    int frames = span < (size_t)o->frames ? (int)(span ? span : 1) : o->frames;
    canvas_argb c = {o->width, o->height, o->depth,
                     base_xcalloc((size_t)o->width * (size_t)o->height, sizeof(uint32_t))};
    for (size_t i = 0; i < (size_t)o->width * (size_t)o->height; i++)
        c.pixels[i] = argb(o->depth, 0);
    for (size_t i = 0; i < o->first; i++)
        place(&c, &h->items[i]);
    WebPAnimEncoderOptions options;
    int rc = -1;
    WebPAnimEncoder *enc = NULL;
    if (!WebPAnimEncoderOptionsInit(&options)) {
        base_error_set(err, BASE_ERROR_INVALID, "WebP",
                       "libwebp's version does not match its headers");
    } else {
        options.anim_params.loop_count = 0; /* loop for ever */
        options.allow_mixed = 0;
        enc = WebPAnimEncoderNew(o->width * o->scale, o->height * o->scale, &options);
        if (!enc)
            base_fatal("out of memory for the WebP encoder");
        rc = add_frames(enc, &c, h, o, frames, progress, progress_ctx, err);
        if (rc == 0)
            rc = assemble(enc, (frames + 1) * 1000 / o->fps, out, err);
        WebPAnimEncoderDelete(enc);
    }
    free(c.pixels);
    *frame_count = frames + 1;
    return rc;
}

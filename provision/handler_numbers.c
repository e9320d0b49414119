/*
 * handler_numbers.c - which scribble.ini setting each SCRIBBLE_* number of
 * the handlers' environment holds (handler_numbers.h).
 */
#include "provision/handler_numbers.h"

#include <stddef.h>

typedef struct handler_number {
    const char *variable;
    size_t offset; /* of an int in scribble_config */
} handler_number;

#define FROM(field) offsetof(scribble_config, field)

static const handler_number numbers[] = {
    {"SCRIBBLE_CANVAS_WIDTH", FROM(canvas.width)},
    {"SCRIBBLE_CANVAS_HEIGHT", FROM(canvas.height)},
    {"SCRIBBLE_CANVAS_DEPTH", FROM(canvas.depth)},
    {"SCRIBBLE_COOLDOWN", FROM(canvas.cooldown)},
    {"SCRIBBLE_MAX_BATCH", FROM(canvas.max_batch)},
    {"SCRIBBLE_ADDRESS_ALLOWANCE", FROM(limits.address_allowance)},
    {"SCRIBBLE_ADDRESS_CATCHUPS", FROM(limits.address_catchups)},
};

void handler_numbers_each(const scribble_config *cfg, handler_number_fn fn, void *ctx)
{
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        fn(ctx, numbers[i].variable, *(const int *)((const char *)cfg + numbers[i].offset));
}

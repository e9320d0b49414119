/*
 * handler_numbers.c - which scribble.ini setting each number of the
 * handlers' environment holds (handler_numbers.h); the variables' names are
 * the stack description's (stack/description.h).
 */
#include "provision/handler_numbers.h"

#include <stddef.h>

#include "stack/description.h"

typedef struct handler_number {
    stack_env_id variable;
    size_t offset; /* of an int in scribble_config */
} handler_number;

#define FROM(field) offsetof(scribble_config, field)

static const handler_number numbers[] = {
    {STACK_ENV_CANVAS_WIDTH, FROM(canvas.width)},
    {STACK_ENV_CANVAS_HEIGHT, FROM(canvas.height)},
    {STACK_ENV_CANVAS_DEPTH, FROM(canvas.depth)},
    {STACK_ENV_COOLDOWN, FROM(canvas.cooldown)},
    {STACK_ENV_MAX_BATCH, FROM(canvas.max_batch)},
    {STACK_ENV_ADDRESS_ALLOWANCE, FROM(limits.address_allowance)},
    {STACK_ENV_ADDRESS_CATCHUPS, FROM(limits.address_catchups)},
    {STACK_ENV_BROADCAST_RATE, FROM(limits.broadcast_rate)},
};

void handler_numbers_each(const scribble_config *cfg, handler_number_fn fn, void *ctx)
{
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        fn(ctx, stack_env_names[numbers[i].variable], *(const int *)((const char *)cfg + numbers[i].offset));
}

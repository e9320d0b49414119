/*
 * resource.c - a resource's live view: outputs for dependents and drift lines.
 */
#include "provision/resource.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void resource_set_output(resource *r, const char *key, const char *value)
{
    int slot = -1;
    for (int i = 0; i < RESOURCE_MAX_OUTPUTS && slot < 0; i++)
        if (!r->output_keys[i][0] || strcmp(r->output_keys[i], key) == 0)
            slot = i;
    if (slot < 0)
        abort(); /* a kind publishes a fixed, small set of outputs */
    snprintf(r->output_keys[slot], sizeof r->output_keys[slot], "%s", key);
    free(r->output_values[slot]);
    r->output_values[slot] = base_xstrdup(value ? value : "");
}

const char *resource_output(const resource *r, const char *key)
{
    for (int i = 0; i < RESOURCE_MAX_OUTPUTS && r->output_keys[i][0]; i++)
        if (strcmp(r->output_keys[i], key) == 0)
            return r->output_values[i];
    return NULL;
}

void resource_add_drift(resource *r, const char *setting, const char *live, const char *wanted)
{
    base_buf_printf(&r->drift, "%s%s: is %s, config says %s", r->drift.len ? "\n" : "", setting,
                   live && live[0] ? live : "(none)", wanted && wanted[0] ? wanted : "(none)");
}

void resource_reset_live(resource *r)
{
    r->exists = false;
    r->id[0] = r->arn[0] = r->state[0] = r->waiting_hint[0] = '\0';
    base_buf_free(&r->drift);
    for (int i = 0; i < RESOURCE_MAX_OUTPUTS; i++) {
        free(r->output_values[i]);
        r->output_values[i] = NULL;
        r->output_keys[i][0] = '\0';
    }
}

void op_say(const op_ctx *ctx, const resource *r, const char *fmt, ...)
{
    if (!ctx || !ctx->say)
        return;
    char phase[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(phase, sizeof phase, fmt, ap);
    va_end(ap);
    ctx->say(ctx->say_ctx, r, phase);
}

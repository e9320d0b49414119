/*
 * handler_numbers.h - the settings of scribble.ini the handlers read as
 * whole numbers from their environment (runtime/settings.c), listed once
 * for both writers: the functions scribblectl deploys (function.c) and
 * those `scribblectl local` starts (local_app.c).
 */
#ifndef SCRIBBLE_PROVISION_HANDLER_NUMBERS_H
#define SCRIBBLE_PROVISION_HANDLER_NUMBERS_H

#include "provision/config.h"

typedef void (*handler_number_fn)(void *ctx, const char *variable, int value);

/* Calls fn once per variable, with its value in cfg. */
void handler_numbers_each(const scribble_config *cfg, handler_number_fn fn, void *ctx);

#endif

/*
 * handlers.c - the runtime's table of handlers: for each handler the stack's
 * description names (STACK_HANDLERS, stack/description.h), that name and
 * handler_<name>. The table is made from the description's list, so a
 * handler is named once, and one described without code fails to link.
 */
#include "runtime/handler.h"

#include <string.h>

static const struct handler_row {
    const char *name;
    handler_fn fn;
} handlers[] = {
#define HANDLER_ROW_(name) {#name, handler_##name},
    STACK_HANDLERS(HANDLER_ROW_)
#undef HANDLER_ROW_
};

handler_fn runtime_handler_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof handlers / sizeof handlers[0]; i++)
        if (strcmp(handlers[i].name, name) == 0)
            return handlers[i].fn;
    return NULL;
}

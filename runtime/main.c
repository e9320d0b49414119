/*
 * main.c - the runtime binary (Lambda's `bootstrap`): picks the handler named
 * by Lambda's handler setting ($_HANDLER, e.g. "send") from one table, then
 * serves invocations through the Runtime API until it goes away.
 *
 * Adding a handler is one file (handler_<name>.c) and one row here. An
 * unknown handler is reported to /runtime/init/error, so the function's
 * invocations fail with that reason instead of timing out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/handler.h"
#include "runtime/lambda_runtime.h"
#include "runtime/log.h"

static const struct handler_row {
    const char *name;
    handler_fn fn;
} handlers[] = {
    {"connect", handler_connect},     {"disconnect", handler_disconnect},
    {"send", handler_send},           {"broadcast", handler_broadcast},
    {"catchup", handler_catchup},     {"snapshot", handler_snapshot},
    {"save", handler_save},
};

static const struct handler_row *find_handler(const char *name)
{
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
        if (strcmp(handlers[i].name, name) == 0)
            return &handlers[i];
    return NULL;
}

int main(void)
{
    aws_error err = {0};
    lambda_runtime *rt = NULL;
    if (lambda_runtime_new(getenv("AWS_LAMBDA_RUNTIME_API"), &rt, &err) != 0) {
        log_aws_error("starting the runtime", &err);
        return 2;
    }
    const char *name = getenv("_HANDLER");
    const struct handler_row *row = find_handler(name ? name : "");
    if (!row) {
        aws_buf message = {0};
        aws_buf_printf(&message, "no handler named \"%s\"; the handlers are", name ? name : "");
        for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
            aws_buf_printf(&message, "%s %s", i ? "," : "", handlers[i].name);
        log_error("%s", aws_buf_str(&message));
        if (lambda_runtime_init_error(rt, "Runtime.UnknownHandler", aws_buf_str(&message), &err) != 0)
            log_aws_error("reporting the initialisation error", &err);
        aws_buf_free(&message);
        lambda_runtime_free(rt);
        return 1;
    }
    log_info("serving the %s handler", row->name);
    int rc = lambda_runtime_serve(rt, row->name, row->fn, &err);
    log_aws_error("the Runtime API failed", &err);
    lambda_runtime_free(rt);
    return rc == 0 ? 0 : 1;
}

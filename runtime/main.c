/*
 * main.c - the runtime binary (Lambda's `bootstrap`): picks the handler named
 * by Lambda's handler setting ($_HANDLER, e.g. "send") from one table, then
 * serves invocations through the Runtime API until it goes away.
 *
 * Adding a handler is one file (handler_<name>.c) and one row here. An
 * unknown handler or an unusable setting (runtime/settings.h) is reported
 * to /runtime/init/error, so the function's invocations fail with that
 * reason instead of timing out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/app.h"
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

/* Logs the reason and tells Lambda; the process then exits. */
static void report_init_error(lambda_runtime *rt, const char *type, const char *message)
{
    aws_error err = {0};
    log_error("%s", message);
    if (lambda_runtime_init_error(rt, type, message, &err) != 0)
        log_aws_error("reporting the initialisation error", &err);
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
    app state;
    int rc = 1;
    if (!row) {
        aws_buf message = {0};
        aws_buf_printf(&message, "no handler named \"%s\"; the handlers are", name ? name : "");
        for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
            aws_buf_printf(&message, "%s %s", i ? "," : "", handlers[i].name);
        report_init_error(rt, "Runtime.UnknownHandler", aws_buf_str(&message));
        aws_buf_free(&message);
    } else if (app_init(&state, &err) != 0) {
        report_init_error(rt, "Runtime.InvalidSetting", err.message);
    } else {
        log_info("serving the %s handler", row->name);
        rc = lambda_runtime_serve(rt, row->name, row->fn, &state, &err) == 0 ? 0 : 1;
        log_aws_error("the Runtime API failed", &err);
        app_free(&state);
    }
    lambda_runtime_free(rt);
    return rc;
}

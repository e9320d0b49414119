/*
 * main.c - the runtime binary (Lambda's `bootstrap`): picks the handler named
 * by Lambda's handler setting ($_HANDLER, e.g. "send") from the runtime's
 * table (handlers.c), then serves invocations through the Runtime API until
 * it goes away.
 *
 * Adding a handler is one file (handler_<name>.c) and its name in the
 * stack's description (stack/description.h). An
 * unknown handler or an unusable setting (runtime/settings.h) is reported
 * to /runtime/init/error, so the function's invocations fail with that
 * reason instead of timing out.
 */
#include <stdio.h>
#include <stdlib.h>

#include "runtime/app.h"
#include "runtime/handler.h"
#include "runtime/lambda_runtime.h"
#include "runtime/log.h"

/* Logs the reason and tells Lambda; the process then exits. */
static void report_init_error(lambda_runtime *rt, const char *type, const char *message)
{
    base_error err = {0};
    log_error("%s", message);
    if (lambda_runtime_init_error(rt, type, message, &err) != 0)
        log_failure("reporting the initialisation error", &err);
}

int main(void)
{
    base_error err = {0};
    lambda_runtime *rt = NULL;
    if (lambda_runtime_new(getenv("AWS_LAMBDA_RUNTIME_API"), &rt, &err) != 0) {
        log_failure("starting the runtime", &err);
        return 2;
    }
    const char *name = getenv("_HANDLER");
    handler_fn fn = runtime_handler_find(name);
    app state;
    int rc = 1;
    if (!fn) {
        base_buf message = {0};
        base_buf_printf(&message, "no handler named \"%s\"; the handlers are", name ? name : "");
        for (size_t i = 0; i < described_handler_count; i++)
            base_buf_printf(&message, "%s %s", i ? "," : "", described_handlers[i].name);
        report_init_error(rt, "Runtime.UnknownHandler", base_buf_str(&message));
        base_buf_free(&message);
    } else if (app_init(&state, &err) != 0) {
        report_init_error(rt, "Runtime.InvalidSetting", err.message);
    } else {
        log_info("serving the %s handler", name);
        rc = lambda_runtime_serve(rt, name, fn, &state, &err) == 0 ? 0 : 1;
        log_failure("the Runtime API failed", &err);
        app_free(&state);
    }
    lambda_runtime_free(rt);
    return rc;
}

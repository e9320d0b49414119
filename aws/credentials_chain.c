/*
 * credentials_chain.c - tries providers in order until one yields.
 *
 * A provider that answers "NotFound" had nothing to offer: the chain notes
 * "name: reason" and moves on. Any other failure (partial keys, a failing
 * credential_process, an STS error) stops the chain, because a source that
 * is configured but broken must not be silently skipped for another
 * identity. When nothing yields, one "NoCredentials" error lists every
 * source tried and why it gave nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "credentials_providers.h"

typedef struct chain {
    aws_credentials_provider **providers;
    int count;
} chain;

static bool is_not_found(const base_error *e)
{
    return e->kind == BASE_ERROR_CREDENTIALS && strcmp(e->code, "NotFound") == 0;
}

/* Puts "name: " in front of a stopping error's message, so it says which source failed. */
static void name_the_source(base_error *err, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(err->message, name, n) == 0 && err->message[n] == ':')
        return;
    base_buf message = {0};
    base_buf_printf(&message, "%s: %s", name, err->message);
    snprintf(err->message, sizeof err->message, "%s", base_buf_str(&message));
    base_buf_free(&message);
}

static int chain_get(aws_credentials_provider *self, aws_credentials *out, base_error *err)
{
    chain *c = self->impl;
    base_buf tried = {0};
    for (int i = 0; i < c->count; i++) {
        aws_credentials_provider *p = c->providers[i];
        base_error attempt = {0};
        if (aws_credentials_provider_get(p, out, &attempt) == 0) {
            base_buf_free(&tried);
            return 0;
        }
        aws_credentials_free(out);
        if (!is_not_found(&attempt)) {
            base_buf_free(&tried);
            name_the_source(&attempt, p->name);
            if (err)
                *err = attempt;
            return -1;
        }
        base_buf_printf(&tried, "%s%s: %s", tried.len ? "; " : "", p->name, attempt.message);
    }
    base_error_set(err, BASE_ERROR_CREDENTIALS, "NoCredentials",
                  "no AWS credentials found; tried %s", c->count ? base_buf_str(&tried) : "nothing");
    base_buf_free(&tried);
    return -1;
}

static void chain_destroy(aws_credentials_provider *self)
{
    chain *c = self->impl;
    for (int i = 0; i < c->count; i++)
        aws_credentials_provider_free(c->providers[i]);
    free(c->providers);
    free(c);
    free(self);
}

aws_credentials_provider *aws_credentials_provider_new_chain(aws_credentials_provider **providers,
                                                             int count)
{
    chain *c = base_xcalloc(1, sizeof *c);
    c->count = count > 0 ? count : 0;
    c->providers = base_xcalloc((size_t)c->count + 1, sizeof *c->providers);
    for (int i = 0; i < c->count; i++)
        c->providers[i] = providers[i];
    aws_credentials_provider *p = base_xcalloc(1, sizeof *p);
    *p = (aws_credentials_provider){.name = "chain", .get = chain_get, .destroy = chain_destroy,
                                    .impl = c};
    return p;
}

/*
 * credentials_static.c - a provider that hands out credentials it was given:
 * keys read from a profile, the source of an AssumeRole, or a test's fixed
 * keys. It owns a copy, wiped when the provider is freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "credentials_providers.h"

static int static_get(aws_credentials_provider *self, aws_credentials *out, base_error *err)
{
    (void)err;
    aws_credentials_copy(out, self->impl);
    if (!out->source[0])
        snprintf(out->source, sizeof out->source, "static");
    return 0;
}

static void static_destroy(aws_credentials_provider *self)
{
    aws_credentials_free(self->impl);
    free(self->impl);
    free(self);
}

aws_credentials_provider *aws_credentials_provider_new_static(const aws_credentials *creds)
{
    aws_credentials_provider *p = base_xcalloc(1, sizeof *p);
    aws_credentials *copy = base_xcalloc(1, sizeof *copy);
    aws_credentials_copy(copy, creds);
    *p = (aws_credentials_provider){.name = "static", .get = static_get, .destroy = static_destroy,
                                    .impl = copy};
    return p;
}

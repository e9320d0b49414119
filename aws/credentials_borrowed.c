/*
 * credentials_borrowed.c - a reference to a provider someone else owns, so
 * several clients (the provisioning walk's workers) share one cache of
 * credentials and refresh them once, instead of each resolving its own.
 * Freeing the reference frees only the reference.
 */
#include <stdlib.h>

#include "base/buf.h"
#include "credentials_providers.h"

static int borrowed_get(aws_credentials_provider *self, aws_credentials *out, base_error *err)
{
    return aws_credentials_provider_get(self->impl, out, err);
}

static void borrowed_destroy(aws_credentials_provider *self)
{
    free(self);
}

aws_credentials_provider *aws_credentials_provider_new_borrowed(aws_credentials_provider *shared)
{
    aws_credentials_provider *p = base_xcalloc(1, sizeof *p);
    *p = (aws_credentials_provider){.name = shared->name, .get = borrowed_get,
                                    .destroy = borrowed_destroy, .impl = shared};
    return p;
}

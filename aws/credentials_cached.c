/*
 * credentials_cached.c - keeps another provider's credentials until they
 * come within refresh_before_s of their expiration, then asks again.
 *
 * Credentials without an expiration (0) are kept for the provider's life.
 * A failed refresh is reported, not papered over with the old credentials:
 * they are about to expire, and the caller should hear why now.
 *
 * Thread-safe: one lock covers the check, the refresh and the copy, so
 * threads sharing the cache never run the inner provider (a
 * credential_process, an STS call) twice at once; those that arrive during a
 * refresh wait for it and take its result.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "credentials_providers.h"

typedef struct cached {
    aws_credentials_provider *inner;
    int refresh_before_s;
    bool have;
    aws_credentials creds;
    pthread_mutex_t lock;
} cached;

static bool still_fresh(const cached *c, time_t now)
{
    return c->have && (c->creds.expiration == 0 || now < c->creds.expiration - c->refresh_before_s);
}

static int cached_get(aws_credentials_provider *self, aws_credentials *out, base_error *err)
{
    cached *c = self->impl;
    int rc = 0;
    pthread_mutex_lock(&c->lock);
    if (!still_fresh(c, time(NULL))) {
        aws_credentials fresh;
        rc = aws_credentials_provider_get(c->inner, &fresh, err);
        if (rc == 0) {
            aws_credentials_free(&c->creds);
            c->creds = fresh;
            c->have = true;
        }
    }
    if (rc == 0)
        aws_credentials_copy(out, &c->creds);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

static void cached_destroy(aws_credentials_provider *self)
{
    cached *c = self->impl;
    aws_credentials_free(&c->creds);
    aws_credentials_provider_free(c->inner);
    pthread_mutex_destroy(&c->lock);
    free(c);
    free(self);
}

aws_credentials_provider *aws_credentials_provider_new_cached(aws_credentials_provider *inner,
                                                              int refresh_before_s)
{
    cached *c = base_xcalloc(1, sizeof *c);
    c->inner = inner;
    c->refresh_before_s = refresh_before_s > 0 ? refresh_before_s : 0;
    pthread_mutex_init(&c->lock, NULL);
    aws_credentials_provider *p = base_xcalloc(1, sizeof *p);
    *p = (aws_credentials_provider){.name = inner ? inner->name : "cached", .get = cached_get,
                                    .destroy = cached_destroy, .impl = c};
    return p;
}

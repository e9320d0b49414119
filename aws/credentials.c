/*
 * credentials.c - the credentials value and the provider interface glue.
 */
#include "credentials.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

void aws_credentials_free(aws_credentials *c)
{
    if (!c)
        return;
    base_free_secret(c->access_key_id);
    base_free_secret(c->secret_access_key);
    base_free_secret(c->session_token);
    memset(c, 0, sizeof *c);
}

void aws_credentials_copy(aws_credentials *dst, const aws_credentials *src)
{
    memset(dst, 0, sizeof *dst);
    dst->access_key_id = src->access_key_id ? base_xstrdup(src->access_key_id) : NULL;
    dst->secret_access_key = src->secret_access_key ? base_xstrdup(src->secret_access_key) : NULL;
    dst->session_token = src->session_token ? base_xstrdup(src->session_token) : NULL;
    dst->expiration = src->expiration;
    memcpy(dst->source, src->source, sizeof dst->source);
}

int aws_credentials_provider_get(aws_credentials_provider *p, aws_credentials *out, base_error *err)
{
    memset(out, 0, sizeof *out);
    return p->get(p, out, err);
}

void aws_credentials_provider_free(aws_credentials_provider *p)
{
    if (p && p->destroy)
        p->destroy(p);
}

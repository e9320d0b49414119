/*
 * credentials_probe.c - runs the default credentials chain (or one
 * provider) and prints what it found, for tests/aws/test_credentials.py.
 *
 *   credentials_probe [--provider default|environment|profile|container|imds]
 *                     [--profile NAME] [--region NAME] [--count N] [--cache SECONDS] [--debug]
 *
 * One line per fetch:
 *   source=<provider> access_key_id=<id> secret_sha256=<12 hex> session_token=<yes|no>
 *   token_sha256=<12 hex|-> expiration=<epoch>
 * The secret and the token are never printed, only a prefix of their SHA-256,
 * so a test can tell which ones were picked. On failure: the error on stderr, exit 1.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/credentials_providers.h"

typedef struct options {
    const char *provider;
    int count;
    int cache_seconds;
    bool debug;
    aws_credentials_context ctx;
} options;

static void sha256_prefix(const char *text, char out[13])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(text, strlen(text), digest, &len, EVP_sha256(), NULL);
    for (int i = 0; i < 6; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

static void print_debug(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "debug: %s\n", line);
}

static int usage(void)
{
    fprintf(stderr, "usage: credentials_probe [--provider default|environment|profile|container|imds]\n"
                    "                         [--profile NAME] [--region NAME] [--count N]\n"
                    "                         [--cache SECONDS] [--debug]\n");
    return 2;
}

static int parse_options(int argc, char **argv, options *o)
{
    *o = (options){.provider = "default", .count = 1};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--debug") == 0) {
            o->debug = true;
            continue;
        }
        if (!next)
            return -1;
        i++;
        if (strcmp(arg, "--provider") == 0)
            o->provider = next;
        else if (strcmp(arg, "--profile") == 0)
            o->ctx.profile = next;
        else if (strcmp(arg, "--region") == 0)
            o->ctx.region = next;
        else if (strcmp(arg, "--count") == 0)
            o->count = atoi(next);
        else if (strcmp(arg, "--cache") == 0)
            o->cache_seconds = atoi(next);
        else
            return -1;
    }
    if (o->debug)
        o->ctx.debug_log = print_debug;
    return o->count > 0 ? 0 : -1;
}

static aws_credentials_provider *new_provider(const options *o)
{
    aws_credentials_provider *p = NULL;
    if (strcmp(o->provider, "default") == 0)
        return aws_credentials_provider_new_default_chain(&o->ctx);
    if (strcmp(o->provider, "environment") == 0)
        p = aws_credentials_provider_new_environment();
    else if (strcmp(o->provider, "profile") == 0)
        p = aws_credentials_provider_new_profile(&o->ctx);
    else if (strcmp(o->provider, "container") == 0)
        p = aws_credentials_provider_new_container(&o->ctx);
    else if (strcmp(o->provider, "imds") == 0)
        p = aws_credentials_provider_new_imds(&o->ctx);
    if (p && o->cache_seconds > 0)
        p = aws_credentials_provider_new_cached(p, o->cache_seconds);
    return p;
}

static void print_credentials(const aws_credentials *c)
{
    char secret[13], token[13] = "-";
    sha256_prefix(c->secret_access_key, secret);
    if (c->session_token)
        sha256_prefix(c->session_token, token);
    printf("source=%s access_key_id=%s secret_sha256=%s session_token=%s token_sha256=%s "
           "expiration=%lld\n",
           c->source, c->access_key_id, secret, c->session_token ? "yes" : "no", token,
           (long long)c->expiration);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    options o;
    if (parse_options(argc, argv, &o) != 0)
        return usage();
    aws_credentials_provider *provider = new_provider(&o);
    if (!provider)
        return usage();
    int status = 0;
    for (int i = 0; i < o.count && status == 0; i++) {
        aws_credentials creds;
        base_error err = {0};
        if (aws_credentials_provider_get(provider, &creds, &err) != 0) {
            char message[1400];
            base_error_format(&err, message, sizeof message);
            fprintf(stderr, "credentials_probe: %s error: %s\n", base_error_kind_name(err.kind), message);
            status = 1;
        } else {
            print_credentials(&creds);
        }
        aws_credentials_free(&creds);
    }
    aws_credentials_provider_free(provider);
    return status;
}

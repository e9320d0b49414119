/*
 * credentials_cache_test.c - the credentials cache shared by several threads
 * (as the provisioning walk's workers share it): credentials near their
 * expiry are refreshed, by one fetch at a time, and every thread gets them.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/credentials_providers.h"
#include "test.h"

#define REFRESH_BEFORE_S 300
#define THREADS 8

/* A provider that counts its fetches, notices overlapping ones, and hands out
 * credentials valid for one more second past the cache's refresh window. */
typedef struct counting {
    atomic_int fetches;
    atomic_int inside;
    atomic_int overlaps;
} counting;

static int counting_get(aws_credentials_provider *self, aws_credentials *out, base_error *err)
{
    (void)err;
    counting *c = self->impl;
    if (atomic_fetch_add(&c->inside, 1) != 0)
        atomic_fetch_add(&c->overlaps, 1);
    struct timespec slow = {0, 50 * 1000000L}; /* a fetch takes time, as a process does */
    nanosleep(&slow, NULL);
    int n = atomic_fetch_add(&c->fetches, 1) + 1;
    char key[32];
    snprintf(key, sizeof key, "AKIDFETCH%04d", n);
    out->access_key_id = base_xstrdup(key);
    out->secret_access_key = base_xstrdup("secret");
    out->expiration = time(NULL) + REFRESH_BEFORE_S + 1;
    atomic_fetch_sub(&c->inside, 1);
    return 0;
}

static void counting_destroy(aws_credentials_provider *self)
{
    free(self);
}

typedef struct reader {
    aws_credentials_provider *shared;
    double until;
    int failures;
    int reads;
} reader;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Each thread borrows the one cache, as each worker's client does. */
static void *read_until(void *arg)
{
    reader *r = arg;
    aws_credentials_provider *mine = aws_credentials_provider_new_borrowed(r->shared);
    while (now_s() < r->until) {
        aws_credentials creds;
        base_error err = {0};
        if (aws_credentials_provider_get(mine, &creds, &err) != 0 || !creds.access_key_id ||
            strncmp(creds.access_key_id, "AKIDFETCH", 9) != 0)
            r->failures++;
        aws_credentials_free(&creds);
        r->reads++;
        struct timespec pause = {0, 5 * 1000000L};
        nanosleep(&pause, NULL);
    }
    aws_credentials_provider_free(mine);
    return NULL;
}

int main(void)
{
    counting c = {0};
    aws_credentials_provider *inner = base_xcalloc(1, sizeof *inner);
    *inner = (aws_credentials_provider){.name = "counting", .get = counting_get,
                                        .destroy = counting_destroy, .impl = &c};
    aws_credentials_provider *cache = aws_credentials_provider_new_cached(inner, REFRESH_BEFORE_S);
    double start = now_s();
    reader readers[THREADS];
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        readers[i] = (reader){.shared = cache, .until = start + 3.5};
        pthread_create(&threads[i], NULL, read_until, &readers[i]);
    }
    int reads = 0, failures = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        reads += readers[i].reads;
        failures += readers[i].failures;
    }
    double took = now_s() - start;
    int fetches = atomic_load(&c.fetches);
    fprintf(stderr, "%d reads by %d threads in %.1f s: %d fetches\n", reads, THREADS, took, fetches);
    CHECK_INT_EQ(failures, 0);
    CHECK_INT_EQ(atomic_load(&c.overlaps), 0);
    /* Credentials last about a second past the window (time() counts whole
     * seconds): one fetch at the start and one per second or two after it,
     * never one per thread. */
    CHECK(fetches >= 2);
    CHECK(fetches <= (int)took + 3);
    CHECK(reads > fetches * THREADS);
    aws_credentials_provider_free(cache);
    return TEST_EXIT();
}

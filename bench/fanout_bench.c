/*
 * fanout_bench.c - how long fanout_broadcast (runtime/fanout.h) takes to post
 * one pixels message to 1,000 WebSocket connections, by number of workers.
 * A measurement, not a test: ctest never runs it (bench/README.md).
 *
 *   fanout_bench [REPEATS]     (default 3 timed broadcasts per row)
 *
 * API Gateway's management API is stood in for by a small HTTP/1.1 server in
 * this process, on a port the OS gives, that answers every POST with 200
 * after a set latency. At 0 ms the figures are what the client itself costs
 * (signing, HTTP, threads); at 20 ms, about what PostToConnection takes from
 * inside Lambda, they show how far the workers overlap the waiting, which is
 * where a real broadcast spends its time.
 *
 * Each fanout is warmed by one untimed broadcast to as many connections as it
 * has workers, so its HTTP connections are open before the timing starts, as
 * a warm Lambda's are; the "new conns" column says how many the timed
 * broadcasts still had to open (0 when every worker's was reused). A row that
 * would take more than LONG_ROW_SECONDS a broadcast (one worker at 20 ms:
 * ~20 s) is timed once, not REPEATS times, so that every row still posts to
 * all 1,000 connections and the rows compare directly.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "runtime/fanout.h"
#include "runtime/server_message.h"

#define CONNECTIONS 1000
#define PIXELS 50
#define LONG_ROW_SECONDS 5.0
/* Long enough that every worker of a warm-up broadcast has started before
 * the first has its answer, so each takes one connection and opens its own. */
#define WARM_LATENCY_MS 100

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the stand-in for API Gateway ---------------------------------------- */

typedef struct stand_in stand_in;

typedef struct peer {
    stand_in *server;
    int fd; /* -1 once the peer's thread has closed it */
    pthread_t thread;
} peer;

struct stand_in {
    int listen_fd;
    int port;
    pthread_t acceptor;
    atomic_bool stopping;
    atomic_int latency_ms;
    atomic_long posts;    /* POST /@connections/... answered */
    atomic_long others;   /* any other request: the bench fails */
    atomic_long accepted; /* TCP connections opened */
    pthread_mutex_t lock; /* guards peers and every peer's fd */
    peer **peers;
    size_t peer_count;
};

static long long content_length(const char *head, size_t len)
{
    static const char name[] = "\r\ncontent-length:";
    for (size_t i = 0; i + sizeof name - 1 <= len; i++)
        if (strncasecmp(head + i, name, sizeof name - 1) == 0)
            return strtoll(head + i + sizeof name - 1, NULL, 10);
    return 0;
}

/* Where the blank line ending the headers starts in buf[0..len), or NULL. */
static char *header_end(char *buf, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return buf + i;
    return NULL;
}

/* Reads one request (headers, then Content-Length bytes of body, which are
 * dropped) from the front of buf, receiving more as needed; what follows it
 * stays in buf. 0, or -1 when the client has closed the connection. */
static int read_request(int fd, char *buf, size_t size, size_t *have, bool *is_post)
{
    char *end;
    while (!(end = header_end(buf, *have))) {
        if (*have == size)
            return -1; /* headers larger than any the client sends */
        ssize_t n = recv(fd, buf + *have, size - *have, 0);
        if (n <= 0)
            return -1;
        *have += (size_t)n;
    }
    size_t head = (size_t)(end - buf) + 4;
    static const char post[] = "POST /@connections/";
    *is_post = head > sizeof post && memcmp(buf, post, sizeof post - 1) == 0;
    long long body = content_length(buf, head);
    size_t consumed = head;
    if (body > 0 && (size_t)body <= *have - head) {
        consumed += (size_t)body;
    } else if (body > 0) {
        long long missing = body - (long long)(*have - head);
        consumed = *have;
        char sink[4096];
        while (missing > 0) {
            ssize_t n = recv(fd, sink, missing < (long long)sizeof sink ? (size_t)missing : sizeof sink,
                             0);
            if (n <= 0)
                return -1;
            missing -= n;
        }
    }
    memmove(buf, buf + consumed, *have - consumed);
    *have -= consumed;
    return 0;
}

static void *serve_peer(void *arg)
{
    peer *p = arg;
    stand_in *s = p->server;
    static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    char buf[16384];
    size_t have = 0;
    bool is_post;
    while (read_request(p->fd, buf, sizeof buf, &have, &is_post) == 0) {
        int latency = atomic_load(&s->latency_ms);
        if (latency > 0) {
            struct timespec wait = {latency / 1000, (long)(latency % 1000) * 1000000L};
            while (nanosleep(&wait, &wait) != 0 && errno == EINTR) {
            }
        }
        atomic_fetch_add(is_post ? &s->posts : &s->others, 1);
        if (send(p->fd, answer, sizeof answer - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof answer - 1))
            break;
    }
    pthread_mutex_lock(&s->lock);
    close(p->fd);
    p->fd = -1;
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void *accept_peers(void *arg)
{
    stand_in *s = arg;
    for (;;) {
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            break;
        }
        if (atomic_load(&s->stopping)) {
            close(fd);
            break;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        atomic_fetch_add(&s->accepted, 1);
        peer *p = calloc(1, sizeof *p);
        if (!p)
            abort();
        p->server = s;
        p->fd = fd;
        pthread_mutex_lock(&s->lock);
        s->peers = realloc(s->peers, (s->peer_count + 1) * sizeof *s->peers);
        if (!s->peers)
            abort();
        if (pthread_create(&p->thread, NULL, serve_peer, p) == 0) {
            s->peers[s->peer_count++] = p;
        } else {
            close(fd);
            free(p);
        }
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

static int stand_in_start(stand_in *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(s->listen_fd, 256) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&addr, &len) != 0)
        return -1;
    s->port = ntohs(addr.sin_port);
    return pthread_create(&s->acceptor, NULL, accept_peers, s) == 0 ? 0 : -1;
}

/* The acceptor is woken by one last connection of our own; each peer's
 * thread by shutting its socket down, if its client has not closed it. */
static void stand_in_stop(stand_in *s)
{
    atomic_store(&s->stopping, true);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                               .sin_port = htons((uint16_t)s->port)};
    int wake = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (wake < 0 || connect(wake, (struct sockaddr *)&addr, sizeof addr) != 0)
        shutdown(s->listen_fd, SHUT_RDWR); /* Linux wakes accept() with EINVAL */
    pthread_join(s->acceptor, NULL);
    if (wake >= 0)
        close(wake);
    close(s->listen_fd);
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->peer_count; i++)
        if (s->peers[i]->fd >= 0)
            shutdown(s->peers[i]->fd, SHUT_RDWR);
    pthread_mutex_unlock(&s->lock);
    for (size_t i = 0; i < s->peer_count; i++) {
        pthread_join(s->peers[i]->thread, NULL);
        free(s->peers[i]);
    }
    free(s->peers);
    pthread_mutex_destroy(&s->lock);
}

/* ---- the measurement ------------------------------------------------------ */

typedef struct row {
    int latency_ms;
    int workers;
    int runs;
    double median_ms;
    long new_connections;
} row;

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int count)
{
    qsort(values, (size_t)count, sizeof *values, compare_doubles);
    return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

/* 0 when every outcome of the first count is FANOUT_SENT; else -1, printed. */
static int check_outcomes(const row *r, const fanout_outcome *outcomes, size_t count)
{
    size_t gone = 0, failed = 0;
    for (size_t i = 0; i < count; i++) {
        gone += outcomes[i] == FANOUT_GONE;
        failed += outcomes[i] == FANOUT_FAILED;
    }
    if (gone + failed == 0)
        return 0;
    fprintf(stderr, "fanout_bench: %d ms, %d workers: %zu of %zu connections not sent (%zu gone, %zu failed)\n",
            r->latency_ms, r->workers, gone + failed, count, gone, failed);
    return -1;
}

static int run_row(stand_in *s, const char *endpoint, char *const *ids,
                   const message_list *messages, int repeats, row *r)
{
    fanout *f = NULL;
    base_error err = {0};
    if (fanout_new(endpoint, r->workers, &f, &err) != 0) {
        fprintf(stderr, "fanout_bench: %s: %s\n", err.code, err.message);
        return -1;
    }
    fanout_outcome *outcomes = calloc(CONNECTIONS, sizeof *outcomes);
    double *times = calloc((size_t)repeats, sizeof *times);
    if (!outcomes || !times)
        abort();
    int rc = -1;

    atomic_store(&s->latency_ms, WARM_LATENCY_MS);
    for (size_t i = 0; i < CONNECTIONS; i++)
        outcomes[i] = FANOUT_FAILED;
    fanout_broadcast(f, ids, (size_t)r->workers, messages, outcomes);
    if (check_outcomes(r, outcomes, (size_t)r->workers) != 0)
        goto done;

    atomic_store(&s->latency_ms, r->latency_ms);
    double estimate = (double)CONNECTIONS / r->workers * r->latency_ms / 1000.0;
    r->runs = estimate > LONG_ROW_SECONDS ? 1 : repeats;
    long posts_before = atomic_load(&s->posts);
    long accepted_before = atomic_load(&s->accepted);
    for (int run = 0; run < r->runs; run++) {
        for (size_t i = 0; i < CONNECTIONS; i++)
            outcomes[i] = FANOUT_FAILED;
        double start = now_seconds();
        fanout_broadcast(f, ids, CONNECTIONS, messages, outcomes);
        times[run] = (now_seconds() - start) * 1000.0;
        if (check_outcomes(r, outcomes, CONNECTIONS) != 0)
            goto done;
    }
    long posts = atomic_load(&s->posts) - posts_before;
    long expected = (long)CONNECTIONS * (long)messages->count * r->runs;
    if (posts != expected) {
        fprintf(stderr, "fanout_bench: %d ms, %d workers: the server answered %ld posts, not %ld\n",
                r->latency_ms, r->workers, posts, expected);
        goto done;
    }
    r->new_connections = atomic_load(&s->accepted) - accepted_before;
    r->median_ms = median(times, r->runs);
    rc = 0;
done:
    free(times);
    free(outcomes);
    fanout_free(f);
    return rc;
}

/* Made-up placements scattered over a 1000x1000 canvas, as a busy second
 * of drawing would produce. */
static void build_message(message_list *messages)
{
    placement items[PIXELS];
    uint32_t state = 2463534242u;
    for (int i = 0; i < PIXELS; i++) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        items[i] = (placement){.seq = 1048576u + (uint64_t)i,
                               .x = (int)(state % 1000),
                               .y = (int)((state / 1000) % 1000),
                               .colour = (state >> 24) % 16,
                               .placed_at_ms = 1700000000000LL + i};
    }
    server_message_pixels(messages, items, PIXELS, 0);
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 3;
    if (repeats < 1 || argc > 2) {
        fprintf(stderr, "usage: fanout_bench [REPEATS]\n");
        return 2;
    }
    /* The AWS client signs every post; these credentials only have to exist. */
    setenv("AWS_ACCESS_KEY_ID", "AKIDBENCHFANOUT00000", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "bench/fanout/secret/not/a/real/key/0000", 1);
    unsetenv("AWS_SESSION_TOKEN");
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("no_proxy", "127.0.0.1", 1);

    stand_in server;
    if (stand_in_start(&server) != 0) {
        fprintf(stderr, "fanout_bench: cannot listen on 127.0.0.1: %s\n", strerror(errno));
        return 1;
    }
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", server.port);

    char *ids[CONNECTIONS];
    for (int i = 0; i < CONNECTIONS; i++) {
        ids[i] = malloc(16);
        if (!ids[i])
            abort();
        snprintf(ids[i], 16, "conn-%04d", i);
    }
    message_list messages = {0};
    build_message(&messages);

    printf("fanout: a pixels message of %d pixels (%zu bytes) to %d connections, "
           "median of %d broadcasts\n",
           PIXELS, messages.items[0].len, CONNECTIONS, repeats);
    printf("(a row whose broadcast takes over %.0f s is timed once; see runs)\n", LONG_ROW_SECONDS);
    printf("%7s  %7s  %4s  %14s  %9s  %8s  %9s\n", "latency", "workers", "runs", "ms / broadcast",
           "posts / s", "speed-up", "new conns");

    static const int latencies[] = {0, 20};
    static const int worker_counts[] = {1, 8, 32, 64};
    int rc = 0;
    for (size_t l = 0; l < sizeof latencies / sizeof latencies[0] && rc == 0; l++) {
        double one_worker_ms = 0;
        for (size_t w = 0; w < sizeof worker_counts / sizeof worker_counts[0]; w++) {
            row r = {.latency_ms = latencies[l], .workers = worker_counts[w]};
            if (run_row(&server, endpoint, ids, &messages, repeats, &r) != 0) {
                rc = 1;
                break;
            }
            if (r.workers == 1)
                one_worker_ms = r.median_ms;
            double posts_per_second = (double)CONNECTIONS * (double)messages.count /
                                      (r.median_ms / 1000.0);
            printf("%4d ms  %7d  %4d  %14.1f  %9.0f  %7.2fx  %9ld\n", r.latency_ms, r.workers, r.runs,
                   r.median_ms, posts_per_second, one_worker_ms / r.median_ms, r.new_connections);
            fflush(stdout);
        }
    }
    if (rc == 0 && atomic_load(&server.others) != 0) {
        fprintf(stderr, "fanout_bench: the server got %ld requests that were not PostToConnection\n",
                atomic_load(&server.others));
        rc = 1;
    }

    stand_in_stop(&server);
    message_list_free(&messages);
    for (int i = 0; i < CONNECTIONS; i++)
        free(ids[i]);
    return rc;
}

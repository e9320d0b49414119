/*
 * cache_client.c - RESP2 over TLS (or, on request, plain TCP) to the cache.
 *
 * Owns one socket, its TLS session and a read buffer. Blocking I/O with
 * SO_RCVTIMEO/SO_SNDTIMEO, because a handler has nothing else to do while it
 * waits. Replies are parsed by cache_reply.c's reader, which this file feeds
 * from the connection (receive); the reconnection rule is
 * in cache_client.h. Must not print, and must not change the process's
 * signal dispositions: SIGPIPE from a write to a dropped TLS connection is
 * blocked for the write and swallowed instead.
 */
#include "runtime/cache_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "aws/ca_bundle.h"

#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_MAX_REPLY_BYTES ((size_t)64 << 20)
#define DEFAULT_MAX_DEPTH 8

struct cache_client {
    cache_config config; /* the strings point at the copies below */
    char *host, *username, *password, *ca_file;
    SSL_CTX *tls_context;
    SSL *tls;
    int fd; /* -1 when not connected */
    cache_reply_reader reader;
    unsigned long connections;
};

static void disconnect(cache_client *c)
{
    if (c->tls) {
        SSL_free(c->tls);
        c->tls = NULL;
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    cache_reply_reader_reset(&c->reader);
}

static int transport_error(cache_client *c, base_error *err, const char *what)
{
    int saved = errno;
    disconnect(c);
    const char *reason = saved == EAGAIN || saved == EWOULDBLOCK ? "timed out" : strerror(saved);
    return base_error_set(err, BASE_ERROR_TRANSPORT, "CacheTransport", "%s %s:%d: %s", what,
                         c->config.host, c->config.port, saved ? reason : "connection closed");
}

static int tls_error(cache_client *c, base_error *err, const char *what)
{
    char detail[256] = "";
    unsigned long code = ERR_get_error();
    if (code)
        ERR_error_string_n(code, detail, sizeof detail);
    ERR_clear_error();
    int saved = errno;
    disconnect(c);
    if (!detail[0])
        snprintf(detail, sizeof detail, "%s",
                 saved == EAGAIN || saved == EWOULDBLOCK ? "timed out"
                 : saved                                 ? strerror(saved)
                                                         : "connection closed");
    return base_error_set(err, BASE_ERROR_TRANSPORT, "CacheTransport", "%s %s:%d: %s", what,
                         c->config.host, c->config.port, detail);
}

static int parse_error(cache_client *c, base_error *err, const char *message)
{
    disconnect(c); /* the stream's framing can no longer be trusted */
    return base_error_set(err, BASE_ERROR_PARSE, "CacheProtocol", "reply from %s:%d: %s",
                         c->config.host, c->config.port, message);
}

/* -- connecting ------------------------------------------------------------ */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_io_timeout(int fd, int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* Connects one address within the deadline; the socket is left blocking. */
static int connect_address(const struct addrinfo *ai, long long deadline)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0)
        return -1;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS)
            goto fail;
        for (;;) {
            long long left = deadline - now_ms();
            if (left <= 0) {
                errno = ETIMEDOUT;
                goto fail;
            }
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int n = poll(&p, 1, (int)left);
            if (n > 0)
                break;
            if (n < 0 && errno != EINTR)
                goto fail;
        }
        int so_error = 0;
        socklen_t len = sizeof so_error;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0)
            goto fail;
        if (so_error) {
            errno = so_error;
            goto fail;
        }
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
        goto fail;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
fail:;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

static int open_socket(cache_client *c, long long deadline, base_error *err)
{
    char port[16];
    snprintf(port, sizeof port, "%d", c->config.port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *list = NULL;
    int rc = getaddrinfo(c->config.host, port, &hints, &list);
    if (rc != 0)
        return base_error_set(err, BASE_ERROR_TRANSPORT, "CacheTransport", "resolving %s: %s",
                             c->config.host, gai_strerror(rc));
    errno = 0;
    for (const struct addrinfo *ai = list; ai && c->fd < 0; ai = ai->ai_next)
        c->fd = connect_address(ai, deadline);
    freeaddrinfo(list);
    if (c->fd < 0)
        return transport_error(c, err, "connecting to");
    return 0;
}

static int start_tls(cache_client *c, base_error *err)
{
    ERR_clear_error();
    c->tls = SSL_new(c->tls_context);
    if (!c->tls || SSL_set_fd(c->tls, c->fd) != 1)
        return tls_error(c, err, "setting up TLS to");
    /* An address is checked against the certificate's IP names, a name
     * against its DNS names; only a name is sent as SNI. */
    unsigned char address[sizeof(struct in6_addr)];
    bool is_address = inet_pton(AF_INET, c->config.host, address) == 1 ||
                      inet_pton(AF_INET6, c->config.host, address) == 1;
    if (is_address) {
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->tls), c->config.host) != 1)
            return tls_error(c, err, "setting the expected address of");
    } else if (SSL_set1_host(c->tls, c->config.host) != 1 ||
               SSL_set_tlsext_host_name(c->tls, c->config.host) != 1) {
        return tls_error(c, err, "setting the expected host name of");
    }
    if (SSL_connect(c->tls) != 1) {
        long verify = SSL_get_verify_result(c->tls);
        if (verify != X509_V_OK) {
            ERR_clear_error();
            disconnect(c);
            return base_error_set(err, BASE_ERROR_TRANSPORT, "CacheTlsVerify",
                                 "TLS certificate of %s:%d not trusted: %s", c->config.host,
                                 c->config.port, X509_verify_cert_error_string(verify));
        }
        return tls_error(c, err, "TLS handshake with");
    }
    return 0;
}

static int write_request(cache_client *c, const char *data, size_t len, bool *sent_any, base_error *err);
static int read_reply(cache_client *c, cache_reply **out, base_error *err);

static int authenticate(cache_client *c, base_error *err)
{
    const char *argv[3] = {"AUTH"};
    size_t argc = 1;
    if (c->config.username)
        argv[argc++] = c->config.username;
    argv[argc++] = c->config.password;
    base_buf request = {0};
    base_buf_printf(&request, "*%zu\r\n", argc);
    for (size_t i = 0; i < argc; i++) {
        base_buf_printf(&request, "$%zu\r\n", strlen(argv[i]));
        base_buf_append_str(&request, argv[i]);
        base_buf_append(&request, "\r\n", 2);
    }
    bool sent_any = false;
    cache_reply *reply = NULL;
    int rc = write_request(c, request.data, request.len, &sent_any, err);
    base_buf_free_secret(&request);
    if (rc == 0)
        rc = read_reply(c, &reply, err);
    if (rc == 0 && cache_reply_error(reply, err) != 0) {
        disconnect(c);
        rc = -1;
    }
    cache_reply_free(reply);
    return rc;
}

static int connect_client(cache_client *c, base_error *err)
{
    long long deadline = now_ms() + c->config.connect_timeout_ms;
    TRY(open_socket(c, deadline, err));
    c->connections++;
    long long left = deadline - now_ms();
    set_io_timeout(c->fd, left > 0 ? (int)left : 1);
    if (c->tls_context)
        TRY(start_tls(c, err));
    if (c->config.password)
        TRY(authenticate(c, err));
    set_io_timeout(c->fd, c->config.io_timeout_ms);
    return 0;
}

/* True if an idle connection is still usable: nothing has arrived on it.
 * EOF, a TLS close_notify or unsolicited bytes all mean it is not. TLS 1.3
 * session tickets arrive unasked after the handshake and are consumed here. */
static bool idle_connection_alive(cache_client *c)
{
    if (c->fd < 0 || cache_reply_reader_pending(&c->reader) > 0)
        return false;
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    if (poll(&p, 1, 0) == 0 && (!c->tls || SSL_pending(c->tls) == 0))
        return true;
    char byte;
    if (!c->tls) {
        ssize_t n = recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
    int flags = fcntl(c->fd, F_GETFL);
    if (flags < 0 || fcntl(c->fd, F_SETFL, flags | O_NONBLOCK) != 0)
        return false;
    ERR_clear_error();
    int n = SSL_peek(c->tls, &byte, 1);
    bool alive = n <= 0 && SSL_get_error(c->tls, n) == SSL_ERROR_WANT_READ;
    ERR_clear_error();
    if (fcntl(c->fd, F_SETFL, flags) != 0)
        return false;
    return alive;
}

/* -- writing --------------------------------------------------------------- */

/* Writes all of data. SIGPIPE is blocked for the write and a pending one it
 * raised is consumed, so a dropped connection is an EPIPE error, not death. */
static int write_request(cache_client *c, const char *data, size_t len, bool *sent_any, base_error *err)
{
    sigset_t pipe_set, old_set, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE);

    /* Once writing starts, bytes may reach the server even if the call fails
     * (SSL_write reports nothing of a record it sent before an error). */
    *sent_any = len > 0;
    int rc = 0;
    size_t done = 0;
    while (done < len && rc == 0) {
        size_t chunk = len - done > INT_MAX ? INT_MAX : len - done;
        if (c->tls) {
            ERR_clear_error();
            errno = 0;
            int n = SSL_write(c->tls, data + done, (int)chunk);
            if (n > 0)
                done += (size_t)n;
            else
                rc = tls_error(c, err, "writing to");
        } else {
            ssize_t n = send(c->fd, data + done, chunk, MSG_NOSIGNAL);
            if (n > 0)
                done += (size_t)n;
            else if (n < 0 && errno == EINTR)
                continue;
            else
                rc = transport_error(c, err, "writing to");
        }
    }

    if (!was_pending) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) > 0) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old_set, NULL);
    return rc;
}

static void append_command(base_buf *request, const cache_command *command)
{
    base_buf_printf(request, "*%zu\r\n", command->argc);
    for (size_t i = 0; i < command->argc; i++) {
        base_buf_printf(request, "$%zu\r\n", command->argv_len[i]);
        base_buf_append(request, command->argv[i], command->argv_len[i]);
        base_buf_append(request, "\r\n", 2);
    }
}

/* -- reading --------------------------------------------------------------- */

/* The reader's source: one read from the connection. */
static int receive(void *ctx, char *dst, size_t cap, size_t *got, base_error *err)
{
    cache_client *c = ctx;
    *got = 0;
    for (;;) {
        if (c->tls) {
            ERR_clear_error();
            errno = 0;
            int n = SSL_read(c->tls, dst, cap > INT_MAX ? INT_MAX : (int)cap);
            if (n > 0) {
                *got = (size_t)n;
                return 0;
            }
            return tls_error(c, err, "reading from");
        }
        ssize_t n = recv(c->fd, dst, cap, 0);
        if (n > 0) {
            *got = (size_t)n;
            return 0;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            errno = 0;
        return transport_error(c, err, "reading from");
    }
}

static int read_reply(cache_client *c, cache_reply **out, base_error *err)
{
    if (cache_reply_read(&c->reader, out, err) == 0)
        return 0;
    if (err && err->kind == BASE_ERROR_PARSE) {
        char message[sizeof err->message];
        snprintf(message, sizeof message, "%s", err->message);
        parse_error(c, err, message);
    }
    return -1;
}

/* -- commands -------------------------------------------------------------- */

static int exchange(cache_client *c, const base_buf *request, size_t count, bool idempotent,
                    cache_reply **replies, base_error *err)
{
    for (int attempt = 0;; attempt++) {
        if (c->fd >= 0 && !idle_connection_alive(c))
            disconnect(c);
        if (c->fd < 0)
            TRY(connect_client(c, err));
        bool sent_any = false;
        size_t got = 0;
        int rc = write_request(c, request->data, request->len, &sent_any, err);
        while (rc == 0 && got < count) {
            rc = read_reply(c, &replies[got], err);
            if (rc == 0)
                got++;
        }
        if (rc == 0)
            return 0;
        for (size_t i = 0; i < got; i++) {
            cache_reply_free(replies[i]);
            replies[i] = NULL;
        }
        disconnect(c);
        bool may_resend = !sent_any || idempotent;
        if (attempt > 0 || !err || err->kind != BASE_ERROR_TRANSPORT || !may_resend)
            return -1;
    }
}

int cache_pipeline(cache_client *c, const cache_command *commands, size_t count, bool idempotent,
                   cache_reply **replies, base_error *err)
{
    for (size_t i = 0; i < count; i++) {
        replies[i] = NULL;
        ENSURE(commands[i].argc > 0, err, BASE_ERROR_INVALID, "CacheInvalid",
               "command %zu has no arguments", i);
    }
    if (count == 0)
        return 0;
    base_buf request = {0};
    for (size_t i = 0; i < count; i++)
        append_command(&request, &commands[i]);
    int rc = exchange(c, &request, count, idempotent, replies, err);
    base_buf_free(&request);
    return rc;
}

int cache_command_run(cache_client *c, const cache_command *command, bool idempotent,
                      cache_reply **reply, base_error *err)
{
    *reply = NULL;
    cache_reply *r = NULL;
    TRY(cache_pipeline(c, command, 1, idempotent, &r, err));
    if (cache_reply_error(r, err) != 0) {
        cache_reply_free(r);
        return -1;
    }
    *reply = r;
    return 0;
}

int cache_command_argv(cache_client *c, int argc, const char *const *argv, bool idempotent,
                       cache_reply **reply, base_error *err)
{
    *reply = NULL;
    ENSURE(argc > 0, err, BASE_ERROR_INVALID, "CacheInvalid", "a command needs a name");
    size_t *lengths = base_xcalloc((size_t)argc, sizeof *lengths);
    for (int i = 0; i < argc; i++)
        lengths[i] = strlen(argv[i]);
    cache_command command = {.argc = (size_t)argc, .argv = argv, .argv_len = lengths};
    int rc = cache_command_run(c, &command, idempotent, reply, err);
    free(lengths);
    return rc;
}

/* -- lifetime -------------------------------------------------------------- */

int cache_client_open(cache_client **out, const cache_config *config, base_error *err)
{
    *out = NULL;
    ENSURE(config->host && config->host[0], err, BASE_ERROR_CONFIG, "CacheConfig", "no cache host");
    ENSURE(config->port > 0 && config->port < 65536, err, BASE_ERROR_CONFIG, "CacheConfig",
           "cache port %d out of range", config->port);
    ENSURE(!config->username || config->password, err, BASE_ERROR_CONFIG, "CacheConfig",
           "a cache user name needs a password");
    cache_client *c = base_xcalloc(1, sizeof *c);
    c->fd = -1;
    c->config = *config;
    c->config.host = c->host = base_xstrdup(config->host);
    c->config.username = c->username = config->username ? base_xstrdup(config->username) : NULL;
    c->config.password = c->password = config->password ? base_xstrdup(config->password) : NULL;
    const char *ca_file = config->ca_file ? config->ca_file : aws_ca_bundle();
    c->config.ca_file = c->ca_file = ca_file ? base_xstrdup(ca_file) : NULL;
    if (c->config.connect_timeout_ms <= 0)
        c->config.connect_timeout_ms = DEFAULT_TIMEOUT_MS;
    if (c->config.io_timeout_ms <= 0)
        c->config.io_timeout_ms = DEFAULT_TIMEOUT_MS;
    if (c->config.max_reply_bytes == 0)
        c->config.max_reply_bytes = DEFAULT_MAX_REPLY_BYTES;
    if (c->config.max_depth <= 0)
        c->config.max_depth = DEFAULT_MAX_DEPTH;
    c->reader = (cache_reply_reader){.source = receive,
                                     .source_ctx = c,
                                     .max_reply_bytes = c->config.max_reply_bytes,
                                     .max_depth = c->config.max_depth};

    if (!config->plaintext) {
        ERR_clear_error();
        c->tls_context = SSL_CTX_new(TLS_client_method());
        bool ok = c->tls_context &&
                  SSL_CTX_set_min_proto_version(c->tls_context, TLS1_2_VERSION) == 1 &&
                  (c->ca_file ? SSL_CTX_load_verify_locations(c->tls_context, c->ca_file, NULL)
                              : SSL_CTX_set_default_verify_paths(c->tls_context)) == 1;
        if (!ok) {
            char detail[256] = "unknown error";
            unsigned long code = ERR_get_error();
            if (code)
                ERR_error_string_n(code, detail, sizeof detail);
            ERR_clear_error();
            cache_client_close(c);
            return base_error_set(err, BASE_ERROR_CONFIG, "CacheTlsConfig",
                                 "loading CA certificates%s%s: %s", ca_file ? " from " : "",
                                 ca_file ? ca_file : "", detail);
        }
        SSL_CTX_set_verify(c->tls_context, SSL_VERIFY_PEER, NULL);
    }
    if (connect_client(c, err) != 0) {
        cache_client_close(c);
        return -1;
    }
    *out = c;
    return 0;
}

void cache_client_close(cache_client *c)
{
    if (!c)
        return;
    disconnect(c);
    if (c->tls_context)
        SSL_CTX_free(c->tls_context);
    cache_reply_reader_free(&c->reader);
    free(c->host);
    free(c->username);
    base_free_secret(c->password);
    free(c->ca_file);
    free(c);
}

unsigned long cache_client_connections(const cache_client *c)
{
    return c->connections;
}

/* -- keys ------------------------------------------------------------------ */

int cache_key(char *out, size_t size, const char *stack, const char *name)
{
    if (size == 0)
        return -1;
    out[0] = '\0';
    if (!stack[0] || strpbrk(stack, "{}"))
        return -1;
    int n = snprintf(out, size, "{%s}:%s", stack, name);
    if (n < 0 || (size_t)n >= size) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

/* CRC16-CCITT (XMODEM), as Redis Cluster uses for key slots. */
static unsigned crc16(const char *data, size_t len)
{
    unsigned crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (unsigned)(unsigned char)data[i] << 8;
        for (int bit = 0; bit < 8; bit++)
            crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    return crc;
}

unsigned cache_key_slot(const char *key, size_t len)
{
    const char *open = memchr(key, '{', len);
    if (open) {
        size_t after = (size_t)(open - key) + 1;
        const char *close_brace = memchr(open + 1, '}', len - after);
        if (close_brace && close_brace > open + 1)
            return crc16(open + 1, (size_t)(close_brace - open - 1)) & 16383;
    }
    return crc16(key, len) & 16383;
}

/*
 * local_cache.c - the cache of scribblectl local (local_cache.h): reading
 * local.cache_url, or running Debian's redis-server as a child process.
 *
 * redis-server listens with TLS only, on a port the OS hands out: the port
 * is found by binding port 0 and closing the socket, so another process may
 * take it before redis-server binds it; when redis-server then fails with
 * "Address already in use", another port is tried. Readiness is a verified
 * TLS PING through the handlers' own client (runtime/cache_client.h), polled
 * against a deadline while watching that the child is still alive, never a
 * fixed sleep. The child gets its own process group, so the terminal's ^C
 * reaches scribblectl alone, which then stops redis-server in order.
 * Passwords from the URL stay in the settings: no error message quotes one.
 *
 * The started redis-server requires a password made for each run (AUTH; TLS
 * client certificates stay off, as with ElastiCache's AUTH tokens), so other
 * users of the machine, or of the network when [local] bind is not
 * loopback, cannot read or change the canvas. It reaches redis-server in a
 * configuration file only this user can read, created anew (O_EXCL, never
 * through a symlink) and removed once the server has started: on the
 * command line every user would see it in /proc. The handlers get it as
 * SCRIBBLE_CACHE_PASSWORD, as in AWS.
 */
#include "local/local_cache.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "aws/http.h"
#include "base/file_write.h"
#include "local/local_child.h"
#include "local/local_clock.h"
#include "local/local_private.h"
#include "runtime/cache_client.h"
#include "stack/description.h"

#define URL_ERROR "InvalidCacheUrl"
#define URL_FORMS "redis://[user[:password]@]host[:port] or rediss://[user[:password]@]host[:port]"
#define HOST_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"
#define START_DEADLINE_MS 10000
#define STOP_DEADLINE_MS 5000
#define PING_TIMEOUT_MS 1000
#define POLL_FIRST_MS 10
#define POLL_MAX_MS 200
#define PORT_ATTEMPTS 5
#define LOG_TAIL_BYTES 2048
#define LOG_TAIL_LINES 3
#define PASSWORD_BYTES 32 /* 256 bits, written as 64 hex digits */

/* ---- local.cache_url ---- */

/* Copies s[0..n) into out, undoing %XX escapes; what names the part in errors. */
static int decode_part(const char *s, size_t n, char *out, size_t size, const char *what,
                       base_error *err)
{
    base_buf decoded = {0};
    bool ok = aws_uri_decode_strict(&decoded, s, n);
    size_t len = decoded.len;
    bool printable = true;
    for (size_t i = 0; ok && i < len; i++)
        printable = printable && (unsigned char)decoded.data[i] >= ' ' && decoded.data[i] != 0x7f;
    if (ok && printable && len < size)
        memcpy(out, decoded.data ? decoded.data : "", len + 1);
    base_buf_free_secret(&decoded);
    ENSURE(ok, err, BASE_ERROR_CONFIG, URL_ERROR,
           "the cache URL's %s has a bad %%-escape; allowed: %%XX with two hex digits, not %%00",
           what);
    ENSURE(printable, err, BASE_ERROR_CONFIG, URL_ERROR,
           "the cache URL's %s holds a control character; allowed: printable characters, or "
           "%%XX escapes",
           what);
    ENSURE(len < size, err, BASE_ERROR_CONFIG, URL_ERROR,
           "the cache URL's %s is longer than %zu characters", what, size - 1);
    return 0;
}

/* user[:password], as between // and @. */
static int parse_userinfo(const char *s, size_t n, local_cache_settings *out, base_error *err)
{
    ENSURE(n > 0, err, BASE_ERROR_CONFIG, URL_ERROR,
           "the cache URL has nothing before @; allowed: user:password@, :password@, or no @");
    const char *colon = memchr(s, ':', n);
    ENSURE(colon, err, BASE_ERROR_CONFIG, URL_ERROR,
           "the cache URL names a user without a password; allowed: user:password@ or "
           ":password@ (the default user)");
    size_t user_len = (size_t)(colon - s);
    TRY(decode_part(s, user_len, out->username, sizeof out->username, "user name", err));
    TRY(decode_part(colon + 1, n - user_len - 1, out->password, sizeof out->password, "password",
                    err));
    ENSURE(out->password[0], err, BASE_ERROR_CONFIG, URL_ERROR,
           "the cache URL's password is empty; allowed: user:password@ or :password@ with a "
           "password, or no @ at all");
    return 0;
}

static int parse_port(const char *s, size_t n, int *port, base_error *err)
{
    long value = 0;
    bool digits = n > 0 && n <= 5 && strspn(s, "0123456789") >= n;
    for (size_t i = 0; digits && i < n; i++)
        value = value * 10 + (s[i] - '0');
    ENSURE(digits && value >= 1 && value <= 65535, err, BASE_ERROR_CONFIG, URL_ERROR,
           "the cache URL's port is \"%.*s\"; allowed: a whole number from 1 to 65535", (int)n, s);
    *port = (int)value;
    return 0;
}

/* host[:port] or [IPv6][:port], all of s[0..n). */
static int parse_host_port(const char *s, size_t n, local_cache_settings *out, base_error *err)
{
    const char *host = s, *rest;
    size_t host_len;
    unsigned char address[16];
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        ENSURE(close, err, BASE_ERROR_CONFIG, URL_ERROR,
               "the cache URL's host \"%.*s\" opens [ without closing it; allowed: an IPv6 "
               "address in brackets, e.g. [::1]",
               (int)n, s);
        host = s + 1;
        host_len = (size_t)(close - host);
        rest = close + 1;
    } else {
        const char *colon = memchr(s, ':', n);
        host_len = colon ? (size_t)(colon - s) : n;
        rest = s + host_len;
        ENSURE(host_len > 0 && strspn(s, HOST_CHARS) >= host_len, err, BASE_ERROR_CONFIG,
               URL_ERROR,
               "the cache URL's host is \"%.*s\"; allowed: a DNS name, an IPv4 address, or an "
               "IPv6 address in brackets",
               (int)host_len, s);
    }
    ENSURE(host_len < sizeof out->host, err, BASE_ERROR_CONFIG, URL_ERROR,
           "the cache URL's host is longer than %zu characters", sizeof out->host - 1);
    memcpy(out->host, host, host_len);
    out->host[host_len] = '\0';
    ENSURE(host == s || inet_pton(AF_INET6, out->host, address) == 1, err, BASE_ERROR_CONFIG,
           URL_ERROR, "the cache URL's host [%s] is not an IPv6 address; allowed: [IPv6 address]",
           out->host);
    size_t rest_len = n - (size_t)(rest - s);
    out->port = LOCAL_CACHE_DEFAULT_PORT;
    if (rest_len == 0)
        return 0;
    ENSURE(rest[0] == ':', err, BASE_ERROR_CONFIG, URL_ERROR,
           "the cache URL has \"%.*s\" after its host; allowed: :port", (int)rest_len, rest);
    return parse_port(rest + 1, rest_len - 1, &out->port, err);
}

int local_cache_parse_url(const char *url, local_cache_settings *out, base_error *err)
{
    memset(out, 0, sizeof *out);
    const char *p = url && strncmp(url, "rediss://", 9) == 0 ? url + 9
                    : url && strncmp(url, "redis://", 8) == 0 ? url + 8
                                                               : NULL;
    ENSURE(p, err, BASE_ERROR_CONFIG, URL_ERROR,
           "the cache URL starts with neither redis:// nor rediss://; allowed: " URL_FORMS);
    out->tls = p - url == 9;
    size_t authority = strcspn(p, "/?#");
    ENSURE(p[authority] == '\0', err, BASE_ERROR_CONFIG, URL_ERROR,
           "the cache URL has \"%s\" after host:port; allowed: nothing (no path, database "
           "number or query): " URL_FORMS,
           p + authority);
    const char *at = NULL;
    for (const char *q = p; q < p + authority; q++)
        if (*q == '@')
            at = q;
    int rc = 0;
    if (at)
        rc = parse_userinfo(p, (size_t)(at - p), out, err);
    const char *host = at ? at + 1 : p;
    if (rc == 0)
        rc = parse_host_port(host, authority - (size_t)(host - p), out, err);
    if (rc != 0)
        local_cache_settings_clear(out);
    return rc;
}

void local_cache_settings_clear(local_cache_settings *settings)
{
    explicit_bzero(settings, sizeof *settings);
}

void local_cache_environment(const local_cache_settings *settings,
                             void (*add)(void *context, const char *name, const char *value),
                             void *context)
{
    char endpoint[sizeof settings->host + 8];
    snprintf(endpoint, sizeof endpoint, "%s:%d", settings->host, settings->port);
    add(context, STACK_ENV(CACHE_ENDPOINT), endpoint);
    add(context, STACK_ENV(CACHE_TLS), settings->tls ? "true" : "false");
    add(context, STACK_ENV(CACHE_CA_FILE), settings->ca_file);
    add(context, STACK_ENV(CACHE_USERNAME), settings->username);
    add(context, STACK_ENV(CACHE_PASSWORD), settings->password);
}

cache_config local_cache_config(const local_cache_settings *settings)
{
    return (cache_config){
        .host = settings->host,
        .port = settings->port,
        .username = settings->username[0] ? settings->username : NULL,
        .password = settings->password[0] ? settings->password : NULL,
        .ca_file = settings->ca_file[0] ? settings->ca_file : NULL,
        .plaintext = !settings->tls,
    };
}

int local_cache_ping(const local_cache_settings *settings, int timeout_ms, base_error *err)
{
    cache_config config = local_cache_config(settings);
    config.connect_timeout_ms = timeout_ms;
    config.io_timeout_ms = timeout_ms;
    cache_client *client;
    TRY(cache_client_open(&client, &config, err));
    const char *const argv[] = {"PING"};
    cache_reply *reply = NULL;
    int rc = cache_command_argv(client, 1, argv, true, &reply, err);
    if (rc == 0 && !(reply->type == CACHE_REPLY_STRING && strcmp(reply->str, "PONG") == 0))
        rc = base_error_set(err, BASE_ERROR_PARSE, "CachePing",
                           "the cache at %s:%d answered PING with something other than PONG",
                           settings->host, settings->port);
    cache_reply_free(reply);
    cache_client_close(client);
    return rc;
}

/* ---- the redis-server process ---- */

/* The first executable regular file called name in PATH's folders. */
static bool find_program(const char *name, char *out, size_t size)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    for (const char *folder = path;;) {
        const char *end = strchr(folder, ':');
        int n = end ? (int)(end - folder) : (int)strlen(folder);
        int written = snprintf(out, size, "%.*s/%s", n ? n : 1, n ? folder : ".", name);
        struct stat st;
        if (written > 0 && (size_t)written < size && stat(out, &st) == 0 &&
            S_ISREG(st.st_mode) && access(out, X_OK) == 0)
            return true;
        if (!end)
            return false;
        folder = end + 1;
    }
}

/* mkdir -p with mode 0700, the last folder checked as local_private_dir
 * does (it holds the password's file and the TLS key), then the absolute
 * path into out (PATH_MAX bytes). */
static int prepare_data_dir(const char *data_dir, char *out, base_error *err)
{
    TRY(local_private_dirs(data_dir, err));
    if (!realpath(data_dir, out))
        return base_error_set(err, BASE_ERROR_CONFIG, "InvalidDataDir", "%s: %s", data_dir,
                             strerror(errno));
    return 0;
}

/* What redis-server binds (localhost is 127.0.0.1), and what clients then
 * connect to (a wildcard address means this machine's loopback). */
static int resolve_bind(const char *bind, const char **listen_address,
                        const char **client_address, base_error *err)
{
    struct in6_addr v6;
    struct in_addr v4;
    *listen_address = !bind || !bind[0] || strcasecmp(bind, "localhost") == 0 ? "127.0.0.1" : bind;
    if (inet_pton(AF_INET, *listen_address, &v4) == 1) {
        *client_address = v4.s_addr == htonl(INADDR_ANY) ? "127.0.0.1" : *listen_address;
        return 0;
    }
    ENSURE(inet_pton(AF_INET6, *listen_address, &v6) == 1, err, BASE_ERROR_INVALID, "InvalidAddress",
           "the cache's bind address is \"%s\"; allowed: an IP address or localhost", bind);
    *client_address = IN6_IS_ADDR_UNSPECIFIED(&v6) ? "::1" : *listen_address;
    return 0;
}

/* A port free on address now (the OS's choice for port 0). */
static int pick_port(const char *address, int *port, base_error *err)
{
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_PASSIVE, .ai_socktype = SOCK_STREAM};
    struct addrinfo *found = NULL;
    int rc = getaddrinfo(address, "0", &hints, &found);
    ENSURE(rc == 0, err, BASE_ERROR_INVALID, "InvalidAddress",
           "the cache's bind address is \"%s\" (%s); allowed: an IP address or localhost",
           address, gai_strerror(rc));
    struct sockaddr_storage bound;
    socklen_t len = sizeof bound;
    int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok = fd >= 0 && bind(fd, found->ai_addr, found->ai_addrlen) == 0 &&
              getsockname(fd, (struct sockaddr *)&bound, &len) == 0;
    int saved = errno;
    if (fd >= 0)
        close(fd);
    freeaddrinfo(found);
    if (!ok)
        return base_error_set(err, BASE_ERROR_TRANSPORT, "RedisServerStart",
                             "finding a free port on %s: %s", address, strerror(saved));
    *port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                             : ((struct sockaddr_in6 *)&bound)->sin6_port);
    return 0;
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void run_child(const char *const *argv, int null_fd, int log_fd, pid_t parent)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    local_child_detach(parent);
    if (dup2(null_fd, STDIN_FILENO) >= 0 && dup2(log_fd, STDOUT_FILENO) >= 0 &&
        dup2(log_fd, STDERR_FILENO) >= 0)
        execv(argv[0], (char *const *)argv);
    static const char message[] = "scribblectl: could not run redis-server\n";
    if (write(log_fd, message, sizeof message - 1) < 0)
        _exit(127);
    _exit(127);
}

/* Forks and execs argv with its output appended to log_file; *log_from is
 * the log's size before, so the child's own lines can be told apart. */
static int spawn(const char *const *argv, const char *log_file, pid_t *pid, off_t *log_from,
                 base_error *err)
{
    int log_fd = local_private_open(log_file, O_WRONLY | O_APPEND, err);
    if (log_fd < 0)
        return -1;
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    *log_from = lseek(log_fd, 0, SEEK_END);
    pid_t parent = getpid();
    pid_t child = null_fd >= 0 ? fork() : -1;
    if (child == 0)
        run_child(argv, null_fd, log_fd, parent);
    int saved = errno;
    close(log_fd);
    if (null_fd >= 0)
        close(null_fd);
    if (child < 0)
        return base_error_set(err, BASE_ERROR_CONFIG, "RedisServerStart",
                             "starting redis-server: %s", strerror(saved));
    setpgid(child, child); /* as the child does too, whichever runs first */
    *pid = child;
    return 0;
}

/* true once pid has exited (it is then reaped, its status in *status). */
static bool has_exited(pid_t pid, int *status)
{
    pid_t r;
    *status = 0;
    do
        r = waitpid(pid, status, WNOHANG);
    while (r < 0 && errno == EINTR);
    return r == pid || (r < 0 && errno == ECHILD);
}

void local_cache_stop(local_cache *cache)
{
    if (!cache)
        return;
    if (cache->pid > 0)
        local_child_stop(cache->pid, STOP_DEADLINE_MS, NULL);
    cache->pid = 0;
    explicit_bzero(cache->settings.password, sizeof cache->settings.password);
}

/* The last LOG_TAIL_BYTES the child wrote to log_file (from offset from). */
static void read_log_tail(const char *log_file, off_t from, char *out, size_t size)
{
    out[0] = '\0';
    int fd = open(log_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t end = lseek(fd, 0, SEEK_END);
    off_t start = end - (off_t)(size - 1) > from ? end - (off_t)(size - 1) : from;
    ssize_t n = start < end ? pread(fd, out, (size_t)(end - start), start) : 0;
    close(fd);
    out[n > 0 ? n : 0] = '\0';
}

/* The last LOG_TAIL_LINES non-empty lines of text, joined by " | ". */
static void last_lines(char *text, char *out, size_t size)
{
    const char *lines[LOG_TAIL_LINES] = {0};
    size_t count = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save))
        lines[count++ % LOG_TAIL_LINES] = line;
    size_t first = count > LOG_TAIL_LINES ? count - LOG_TAIL_LINES : 0;
    out[0] = '\0';
    for (size_t i = first, used = 0; i < count && used < size; i++) {
        int n = snprintf(out + used, size - used, "%s%s", i > first ? " | " : "",
                         lines[i % LOG_TAIL_LINES]);
        used += n > 0 ? (size_t)n : 0;
    }
    if (!out[0])
        snprintf(out, size, "(redis.log is empty)");
}

/* Fills err for a child that exited before answering; true when it failed
 * only because its port was taken meanwhile. */
static bool exit_error(const local_cache *cache, off_t log_from, int status, base_error *err)
{
    char tail[LOG_TAIL_BYTES], lines[600], how[64];
    read_log_tail(cache->log_file, log_from, tail, sizeof tail);
    bool port_taken = strstr(tail, "Address already in use") != NULL;
    last_lines(tail, lines, sizeof lines);
    if (WIFSIGNALED(status))
        snprintf(how, sizeof how, "was killed by signal %d", WTERMSIG(status));
    else
        snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(status));
    base_error_set(err, BASE_ERROR_CONFIG, "RedisServerExited",
                  "redis-server %s before answering on port %d; the end of %s: %s", how,
                  cache->settings.port, cache->log_file, lines);
    return port_taken;
}

typedef enum start_result { STARTED, FAILED, PORT_TAKEN } start_result;

/* Polls a TLS PING until it answers, the child exits or the deadline passes. */
static start_result wait_ready(local_cache *cache, off_t log_from, base_error *err)
{
    long long deadline = local_monotonic_ms() + START_DEADLINE_MS;
    long long delay = POLL_FIRST_MS;
    base_error last = {0};
    for (;;) {
        int status;
        if (has_exited(cache->pid, &status)) {
            cache->pid = 0;
            return exit_error(cache, log_from, status, err) ? PORT_TAKEN : FAILED;
        }
        long long left = deadline - local_monotonic_ms();
        int timeout = left < PING_TIMEOUT_MS ? (int)(left > 1 ? left : 1) : PING_TIMEOUT_MS;
        if (local_cache_ping(&cache->settings, timeout, &last) == 0)
            return STARTED;
        left = deadline - local_monotonic_ms();
        if (left <= 0) {
            local_cache_stop(cache);
            base_error_set(err, BASE_ERROR_TRANSPORT, "RedisServerTimeout",
                          "redis-server did not answer a TLS PING on %s:%d within %d s (last "
                          "try: %s); its output is in %s",
                          cache->settings.host, cache->settings.port, START_DEADLINE_MS / 1000,
                          last.message, cache->log_file);
            return FAILED;
        }
        local_sleep_ms(delay < left ? delay : left);
        delay = delay * 2 < POLL_MAX_MS ? delay * 2 : POLL_MAX_MS;
    }
}

/* dir/redis.conf saying requirepass, mode 0600, made anew: what was there
 * (a symlink included, which unlink removes rather than follows) goes, and
 * O_EXCL | O_NOFOLLOW refuse whatever appears meanwhile. */
static int write_config(const char *dir, const char *password, char *path, size_t size,
                        base_error *err)
{
    int n = snprintf(path, size, "%s/redis.conf", dir);
    ENSURE(n > 0 && (size_t)n < size, err, BASE_ERROR_INVALID, "InvalidDataDir",
           "the data directory %s is too long a path", dir);
    int fd = local_private_create(path, "RedisConfigWrite", err);
    if (fd < 0)
        return -1;
    char text[64 + 2 * PASSWORD_BYTES];
    n = snprintf(text, sizeof text, "requirepass %s\n", password);
    bool ok = n > 0 && (size_t)n < sizeof text && base_file_write_all(fd, text, (size_t)n);
    int saved = errno;
    explicit_bzero(text, sizeof text);
    ok = close(fd) == 0 && ok;
    if (!ok)
        unlink(path);
    ENSURE(ok, err, BASE_ERROR_CONFIG, "RedisConfigWrite", "writing %s: %s", path, strerror(saved));
    return 0;
}

/* One try: a free port, the process, and its first PING. */
static start_result start_once(const char *program, const char *config, const char *dir,
                               const char *listen_address, const local_tls_files *tls,
                               local_cache *cache, base_error *err)
{
    if (pick_port(listen_address, &cache->settings.port, err) != 0)
        return FAILED;
    char port[8];
    snprintf(port, sizeof port, "%d", cache->settings.port);
    const char *const argv[] = {
        program,
        config, /* requirepass: first, as redis-server wants its file */
        "--port", "0", /* no plain-text port: TLS only, as ElastiCache */
        "--tls-port", port,
        "--tls-cert-file", tls->cert_file,
        "--tls-key-file", tls->key_file,
        "--tls-ca-cert-file", tls->ca_file,
        "--tls-auth-clients", "no",
        "--bind", listen_address,
        "--save", "", /* nothing on disk: the handlers rebuild the canvas from the tables */
        "--appendonly", "no",
        "--dir", dir,
        NULL,
    };
    off_t log_from = 0;
    if (spawn(argv, cache->log_file, &cache->pid, &log_from, err) != 0)
        return FAILED;
    return wait_ready(cache, log_from, err);
}

static int prepare_files(const char *dir, const char *client_address, local_cache *out,
                         local_tls_files *tls, base_error *err)
{
    char tls_dir[PATH_MAX + 8];
    snprintf(tls_dir, sizeof tls_dir, "%s/tls", dir);
    int n = snprintf(out->log_file, sizeof out->log_file, "%s/redis.log", dir);
    ENSURE(n > 0 && (size_t)n < sizeof out->log_file, err, BASE_ERROR_INVALID, "InvalidDataDir",
           "the data directory %s is too long a path", dir);
    TRY(local_tls_ensure(tls_dir, client_address, tls, err));
    snprintf(out->settings.host, sizeof out->settings.host, "%s", client_address);
    snprintf(out->settings.ca_file, sizeof out->settings.ca_file, "%s", tls->ca_file);
    out->settings.tls = true;
    return 0;
}

int local_cache_start(const char *data_dir, const char *bind, local_cache *out, base_error *err)
{
    memset(out, 0, sizeof *out);
    char program[PATH_MAX], dir[PATH_MAX];
    const char *listen_address = NULL, *client_address = NULL;
    local_tls_files tls;
    ENSURE(find_program("redis-server", program, sizeof program), err, BASE_ERROR_CONFIG,
           "RedisServerMissing",
           "redis-server is not on PATH; install Debian's redis-server (sudo apt-get install "
           "redis-server), or name a cache in local.cache_url");
    TRY(resolve_bind(bind, &listen_address, &client_address, err));
    TRY(prepare_data_dir(data_dir, dir, err));
    TRY(prepare_files(dir, client_address, out, &tls, err));
    TRY(local_private_random_hex(out->settings.password, sizeof out->settings.password,
                                 PASSWORD_BYTES, "RedisPassword", err));
    char config[PATH_MAX + 16];
    TRY(write_config(dir, out->settings.password, config, sizeof config, err));
    start_result result;
    for (int attempt = 1;; attempt++) {
        result = start_once(program, config, dir, listen_address, &tls, out, err);
        if (result != PORT_TAKEN || attempt == PORT_ATTEMPTS)
            break;
    }
    unlink(config); /* read at start; nothing reads it again */
    if (result != STARTED)
        explicit_bzero(out->settings.password, sizeof out->settings.password);
    return result == STARTED ? 0 : -1;
}

/*
 * package.c - builds the Lambda deployment package (package.h): a zip of
 * `bootstrap` (the Lambda build of the handler binary) and lib/ (every shared
 * library it loads, and the ELF loader it names as its interpreter).
 *
 * The libraries are found by running `ldd` on the binary, which resolves the
 * whole dependency tree exactly as this machine's loader would (search paths,
 * ld.so.cache, the binary's RPATH) without us re-implementing any of it; each
 * "soname => /path (address)" line becomes lib/<soname>, and the loader's line
 * ("/var/task/lib/<loader> => /lib64/<loader>") becomes lib/<loader>. A binary
 * whose interpreter is not under /var/task/lib is refused: it is the host
 * build, which would not start on Lambda.
 *
 * Determinism: entries are sorted by name, every entry carries the same DOS
 * timestamp (1980-01-01 00:00, set directly so the time zone plays no part)
 * and mode 0755 (the loader must be executable, being an ELF interpreter), so
 * the same inputs give the same bytes and the same CodeSha256.
 *
 * Each file is read once, hashed, and zipped from that same copy. The hashes,
 * the entries' names and PACKAGE_FORMAT make the inputs key under which the
 * zip is kept in the local cache (package_cache.h); a later run whose files
 * hash the same takes the zip from there instead of compressing again.
 */
#define _GNU_SOURCE /* pipe2 */

#include "base/cursor.h"
#include "provision/package.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

#include "aws/sigv4.h"
#include "provision/install_paths.h"
#include "provision/package_cache.h"

extern char **environ;

#define LAMBDA_LIB_DIR "/var/task/lib/"
#define ZIP_DOS_DATE_1980_01_01 ((0u << 9) | (1u << 5) | 1u)
#define ZIP_DOS_TIME_MIDNIGHT 0u
/* Part of the inputs key: change it whenever the same files would zip to
 * different bytes (order, attributes, compression), so no cached zip of the
 * old format is taken for the new one. */
#define PACKAGE_FORMAT "scribble-lambda-package 1"

typedef struct package_entry {
    char *name;          /* path inside the zip */
    char *source;        /* file on this machine */
    base_buf data;        /* its bytes, once read */
    char sha256_hex[65]; /* and their SHA-256 */
} package_entry;

typedef struct package_entries {
    package_entry *items;
    size_t count;
    size_t cap;
} package_entries;

static void entries_add(package_entries *e, const char *name, const char *source)
{
    for (size_t i = 0; i < e->count; i++)
        if (strcmp(e->items[i].name, name) == 0)
            return; /* ldd names each library once; a repeat changes nothing */
    if (e->count == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 32;
        e->items = base_xrealloc(e->items, e->cap * sizeof *e->items);
    }
    e->items[e->count] = (package_entry){.name = base_xstrdup(name), .source = base_xstrdup(source)};
    e->count++;
}

static void entries_free(package_entries *e)
{
    for (size_t i = 0; i < e->count; i++) {
        free(e->items[i].name);
        free(e->items[i].source);
        base_buf_free(&e->items[i].data);
    }
    free(e->items);
    memset(e, 0, sizeof *e);
}

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const package_entry *)a)->name, ((const package_entry *)b)->name);
}

static int read_file(const char *path, base_buf *out, base_error *err)
{
    FILE *f = fopen(path, "rb");
    ENSURE(f, err, BASE_ERROR_CONFIG, "PackageError", "cannot read %s: %s", path, strerror(errno));
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        base_buf_append(out, chunk, n);
    int failed = ferror(f);
    fclose(f);
    ENSURE(!failed, err, BASE_ERROR_CONFIG, "PackageError", "cannot read %s", path);
    return 0;
}

/* Runs `ldd binary` and collects its output (stdout and stderr together). */
static int run_ldd(const char *binary, base_buf *output, base_error *err)
{
    int fds[2];
    ENSURE(pipe2(fds, O_CLOEXEC) == 0, err, BASE_ERROR_CONFIG, "PackageError", "pipe: %s",
           strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    char *argv[] = {"ldd", (char *)binary, NULL};
    pid_t pid;
    int spawn_rc = posix_spawnp(&pid, "ldd", &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (spawn_rc != 0) {
        close(fds[0]);
        return base_error_set(err, BASE_ERROR_CONFIG, "PackageError", "cannot run ldd: %s",
                             strerror(spawn_rc));
    }
    char chunk[4096];
    ssize_t n;
    while ((n = read(fds[0], chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        base_buf_append(output, chunk, (size_t)n);
    }
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ENSURE(errno == EINTR, err, BASE_ERROR_CONFIG, "PackageError", "waitpid: %s",
               strerror(errno));
    ENSURE(WIFEXITED(status) && WEXITSTATUS(status) == 0, err, BASE_ERROR_CONFIG, "PackageError",
           "ldd %s failed: %.300s", binary, base_buf_str(output));
    return 0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* One line of ldd's output: "soname => /path (0x...)", "/interp => /path (0x...)",
 * "linux-vdso.so.1 (0x...)", or "/interp (0x...)" (an interpreter found as named,
 * i.e. not the Lambda build). */
static int parse_ldd_line(base_cursor line, const char *binary, package_entries *entries,
                          int *found_loader, base_error *err)
{
    line = base_cursor_trim(line);
    if (!line.len)
        return 0;
    char *text = base_cursor_dup(line);
    int rc = 0;
    char *address = strstr(text, " (0x");
    char *arrow = strstr(text, " => ");
    if (!arrow) {
        if (address)
            *address = '\0';
        if (text[0] == '/')
            rc = base_error_set(err, BASE_ERROR_CONFIG, "PackageError",
                               "%s is not the Lambda build of the handler (its interpreter is %s, "
                               "not under " LAMBDA_LIB_DIR "): use scribble-handler-lambda",
                               binary, text);
        else if (!address)
            rc = base_error_set(err, BASE_ERROR_CONFIG, "PackageError", "ldd %s: %s", binary, text);
        /* else the vDSO, which the kernel provides */
        free(text);
        return rc;
    }
    *arrow = '\0';
    const char *name = text;
    char *path = arrow + 4;
    if (address)
        *address = '\0';
    if (path[0] != '/') {
        rc = base_error_set(err, BASE_ERROR_CONFIG, "PackageError", "%s needs %s, which is %s here",
                           binary, name, path);
    } else if (name[0] == '/') {
        if (strncmp(name, LAMBDA_LIB_DIR, strlen(LAMBDA_LIB_DIR)) != 0) {
            rc = base_error_set(err, BASE_ERROR_CONFIG, "PackageError",
                               "%s is not the Lambda build of the handler (its interpreter is %s)",
                               binary, name);
        } else {
            base_buf entry = {0};
            base_buf_printf(&entry, "lib/%s", base_name(name));
            entries_add(entries, base_buf_str(&entry), path);
            base_buf_free(&entry);
            *found_loader = 1;
        }
    } else {
        base_buf entry = {0};
        base_buf_printf(&entry, "lib/%s", base_name(name));
        entries_add(entries, base_buf_str(&entry), path);
        base_buf_free(&entry);
    }
    free(text);
    return rc;
}

/* bootstrap plus lib/<everything ldd names>, sorted by name. */
static int collect_entries(const char *binary, package_entries *entries, base_error *err)
{
    base_buf output = {0};
    if (run_ldd(binary, &output, err) != 0) {
        base_buf_free(&output);
        return -1;
    }
    entries_add(entries, "bootstrap", binary);
    int found_loader = 0;
    int rc = 0;
    base_cursor rest = base_cursor_of(output.data, output.len), line;
    while (rc == 0 && base_cursor_next_token(&rest, '\n', &line))
        rc = parse_ldd_line(line, binary, entries, &found_loader, err);
    if (rc == 0 && !found_loader)
        rc = base_error_set(err, BASE_ERROR_CONFIG, "PackageError",
                           "ldd named no loader for %s: %.300s", binary, base_buf_str(&output));
    base_buf_free(&output);
    if (rc == 0)
        qsort(entries->items, entries->count, sizeof *entries->items, compare_entries);
    return rc;
}

static int zip_failure(base_error *err, const char *what, zip_error_t *ze)
{
    return base_error_set(err, BASE_ERROR_CONFIG, "PackageError", "%s: %s", what,
                         zip_error_strerror(ze));
}

static int add_entry(zip_t *za, const package_entry *entry, base_error *err)
{
    /* libzip reads the bytes when the zip is closed, while entries still owns them. */
    zip_source_t *src = zip_source_buffer(za, entry->data.data ? entry->data.data : "",
                                          entry->data.len, 0);
    if (!src)
        return zip_failure(err, entry->name, zip_get_error(za));
    zip_int64_t index = zip_file_add(za, entry->name, src, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
        zip_source_free(src);
        return zip_failure(err, entry->name, zip_get_error(za));
    }
    zip_uint64_t i = (zip_uint64_t)index;
    /* Level 6: a third of level 9's time for 0.4% more bytes. */
    if (zip_set_file_compression(za, i, ZIP_CM_DEFLATE, 6) != 0 ||
        zip_file_set_dostime(za, i, ZIP_DOS_TIME_MIDNIGHT, ZIP_DOS_DATE_1980_01_01, 0) != 0 ||
        zip_file_set_external_attributes(za, i, 0, ZIP_OPSYS_UNIX,
                                         (zip_uint32_t)(S_IFREG | 0755) << 16) != 0)
        return zip_failure(err, entry->name, zip_get_error(za));
    return 0;
}

/* Writes the zip into memory and copies it out. */
static int write_zip(const package_entries *entries, base_buf *out, base_error *err)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *archive = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!archive) {
        int rc = zip_failure(err, "creating the zip", &ze);
        zip_error_fini(&ze);
        return rc;
    }
    zip_t *za = zip_open_from_source(archive, ZIP_TRUNCATE, &ze);
    if (!za) {
        int rc = zip_failure(err, "creating the zip", &ze);
        zip_source_free(archive);
        zip_error_fini(&ze);
        return rc;
    }
    zip_error_fini(&ze);
    zip_source_keep(archive); /* survives zip_close, which writes into it */
    for (size_t i = 0; i < entries->count; i++) {
        if (add_entry(za, &entries->items[i], err) != 0) {
            zip_discard(za);
            zip_source_free(archive);
            return -1;
        }
    }
    if (zip_close(za) != 0) {
        int rc = zip_failure(err, "writing the zip", zip_get_error(za));
        zip_discard(za);
        zip_source_free(archive);
        return rc;
    }
    zip_stat_t st;
    int rc = 0;
    if (zip_source_stat(archive, &st) != 0 || zip_source_open(archive) != 0) {
        rc = zip_failure(err, "reading the zip back", zip_source_error(archive));
    } else {
        char chunk[65536];
        zip_int64_t n;
        while ((n = zip_source_read(archive, chunk, sizeof chunk)) > 0)
            base_buf_append(out, chunk, (size_t)n);
        if (n < 0 || out->len != st.size)
            rc = zip_failure(err, "reading the zip back", zip_source_error(archive));
        zip_source_close(archive);
    }
    zip_source_free(archive);
    return rc;
}

/* Reads every entry's file and hashes it. */
static int read_entries(package_entries *entries, base_error *err)
{
    for (size_t i = 0; i < entries->count; i++) {
        package_entry *e = &entries->items[i];
        TRY(read_file(e->source, &e->data, err));
        aws_sha256_hex(base_buf_str(&e->data), e->data.len, e->sha256_hex);
    }
    return 0;
}

/* SHA-256 over the format, then each entry's name (ended by a NUL, which no
 * name holds) and content hash, in zip order. */
static void inputs_key(const package_entries *entries, char out[65])
{
    base_buf text = {0};
    base_buf_append_str(&text, PACKAGE_FORMAT "\n");
    for (size_t i = 0; i < entries->count; i++) {
        base_buf_append_str(&text, entries->items[i].name);
        base_buf_append_char(&text, '\0');
        base_buf_append_str(&text, entries->items[i].sha256_hex);
        base_buf_append_char(&text, '\n');
    }
    aws_sha256_hex(text.data, text.len, out);
    base_buf_free(&text);
}

/* code_sha256 (base64, as Lambda reports it) from sha256_hex. */
static int encode_code_sha256(lambda_package *out, base_error *err)
{
    unsigned char digest[32];
    for (size_t i = 0; i < sizeof digest; i++) {
        unsigned int byte;
        ENSURE(sscanf(out->sha256_hex + 2 * i, "%2x", &byte) == 1, err, BASE_ERROR_INVALID,
               "PackageError", "the package's SHA-256 is not hex: %s", out->sha256_hex);
        digest[i] = (unsigned char)byte;
    }
    EVP_EncodeBlock((unsigned char *)out->code_sha256, digest, (int)sizeof digest);
    return 0;
}

/* The zip of entries: the cached one when its inputs are the same, else a new
 * one, which the cache then keeps. */
static int cached_or_new_zip(const package_entries *entries, lambda_package *out, base_error *err)
{
    char key[65];
    inputs_key(entries, key);
    package_cache cache;
    bool cached = package_cache_open(&cache);
    if (cached && package_cache_load(&cache, key, &out->zip, out->sha256_hex)) {
        out->reused = true;
    } else {
        TRY(write_zip(entries, &out->zip, err));
        aws_sha256_hex(base_buf_str(&out->zip), out->zip.len, out->sha256_hex);
        if (cached)
            package_cache_store(&cache, key, &out->zip, out->sha256_hex);
    }
    return encode_code_sha256(out, err);
}

int package_build(const char *binary_path, lambda_package *out, base_error *err)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    ENSURE(binary_path && binary_path[0], err, BASE_ERROR_INVALID, "PackageError",
           "no handler binary given");
    ENSURE(stat(binary_path, &st) == 0 && S_ISREG(st.st_mode), err, BASE_ERROR_CONFIG,
           "HandlerBinaryMissing",
           "the Lambda handler binary %s is missing: build it (cmake --build, target "
           "scribble-handler-lambda) or set SCRIBBLE_HANDLER_BINARY",
           binary_path);
    package_entries entries = {0};
    int rc = collect_entries(binary_path, &entries, err);
    if (rc == 0)
        rc = read_entries(&entries, err);
    if (rc == 0)
        rc = cached_or_new_zip(&entries, out, err);
    entries_free(&entries);
    if (rc != 0)
        package_free(out);
    return rc;
}

void package_free(lambda_package *p)
{
    if (!p)
        return;
    base_buf_free(&p->zip);
    memset(p, 0, sizeof *p);
}

static pthread_once_t package_once = PTHREAD_ONCE_INIT;
static lambda_package built_package;
static base_error build_error;
static int build_rc;

static void build_package_once(void)
{
    char binary[PATH_MAX];
    build_rc = install_path(INSTALL_LAMBDA_HANDLER, binary, &build_error);
    if (build_rc == 0)
        build_rc = package_build(binary, &built_package, &build_error);
}

int package_get(const lambda_package **out, base_error *err)
{
    pthread_once(&package_once, build_package_once);
    *out = NULL;
    if (build_rc != 0) {
        if (err)
            *err = build_error;
        return -1;
    }
    *out = &built_package;
    return 0;
}

/*
 * local_tls.c - makes and checks the local cache's CA and server certificate
 * (local_tls.h) with OpenSSL's own API, never by running the openssl tool.
 *
 * EC P-256 keys and SHA-256 signatures, as any TLS 1.2+ client accepts. Each
 * file is written to <name>.tmp and renamed over the old one, so a reader
 * sees a whole file or the previous one; a crash between two renames leaves
 * files that no longer match, which the next check notices and replaces.
 * Reuse is decided by verifying the files as a client would (chain, purpose,
 * names, dates) plus the key matching the certificate, so anything a client
 * would refuse is made anew instead.
 *
 * The directory holds a private key, and its parent the cache's password,
 * so both must be the user's own: local_private_dir refuses a symlink, a
 * directory of another user's, or one others may write to (they could swap
 * the files), rather than repair it.
 */
#include "local/local_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/file_write.h"
#include "local/local_private.h"

#define UNUSABLE "LocalTlsUnusable"
/* Certificates start a little in the past, so a clock a few minutes behind still accepts them. */
#define CLOCK_SKEW_SECONDS 300L
#define DNS_NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"

typedef struct extension {
    int nid;
    const char *value; /* in OpenSSL's configuration syntax */
} extension;

static int openssl_error(base_error *err, const char *what)
{
    char detail[256] = "no detail from OpenSSL";
    unsigned long code = ERR_get_error();
    if (code)
        ERR_error_string_n(code, detail, sizeof detail);
    ERR_clear_error();
    return base_error_set(err, BASE_ERROR_CONFIG, "LocalTlsError", "%s: %s", what, detail);
}

static bool is_ip_address(const char *s)
{
    unsigned char bytes[16];
    return inet_pton(AF_INET, s, bytes) == 1 || inet_pton(AF_INET6, s, bytes) == 1;
}

/* true when address must be named besides 127.0.0.1 and localhost. */
static bool extra_address(const char *address)
{
    return address && address[0] && strcmp(address, "127.0.0.1") != 0 &&
           strcasecmp(address, "localhost") != 0;
}

static int check_address(const char *address, base_error *err)
{
    if (!extra_address(address) || is_ip_address(address))
        return 0;
    size_t n = strlen(address);
    ENSURE(n < 254 && strspn(address, DNS_NAME_CHARS) == n && address[0] != '.' &&
               address[0] != '-',
           err, BASE_ERROR_INVALID, "InvalidAddress",
           "\"%s\" cannot be named in a certificate; allowed: an IPv4 or IPv6 address, or a "
           "DNS name of letters, digits, dots and hyphens",
           address);
    return 0;
}

static int file_paths(const char *dir, local_tls_files *out, base_error *err)
{
    size_t size = sizeof out->ca_file;
    int a = snprintf(out->ca_file, size, "%s/ca.crt", dir);
    int b = snprintf(out->cert_file, size, "%s/server.crt", dir);
    int c = snprintf(out->key_file, size, "%s/server.key", dir);
    ENSURE(a > 0 && b > 0 && c > 0 && (size_t)a < size && (size_t)b < size && (size_t)c < size,
           err, BASE_ERROR_INVALID, "LocalTlsPath",
           "the TLS directory \"%s\" is too long a path; allowed: up to %zu characters", dir,
           size - 12);
    return 0;
}

/* ---- making ---- */

static bool set_serial(X509 *cert)
{
    BIGNUM *serial = BN_new();
    bool ok = serial && BN_rand(serial, 120, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1 &&
              BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) != NULL;
    BN_free(serial);
    return ok;
}

static bool set_subject(X509 *cert, const char *common_name)
{
    X509_NAME *name = X509_get_subject_name(cert);
    return X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                      (const unsigned char *)common_name, -1, -1, 0) == 1;
}

static bool add_extension(X509 *cert, X509 *issuer, extension e)
{
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *made = X509V3_EXT_conf_nid(NULL, &context, e.nid, e.value);
    bool ok = made && X509_add_ext(cert, made, -1) == 1;
    X509_EXTENSION_free(made);
    return ok;
}

/* A certificate for key, signed by issuer_key; issuer NULL: self-signed. */
static X509 *make_certificate(EVP_PKEY *key, const char *common_name, X509 *issuer,
                              EVP_PKEY *issuer_key, long lifetime_seconds,
                              const extension *extensions, size_t count)
{
    X509 *cert = X509_new();
    if (!cert)
        return NULL;
    X509 *signer = issuer ? issuer : cert;
    bool ok = X509_set_version(cert, X509_VERSION_3) == 1 && set_serial(cert) &&
              X509_gmtime_adj(X509_getm_notBefore(cert), -CLOCK_SKEW_SECONDS) &&
              X509_gmtime_adj(X509_getm_notAfter(cert), lifetime_seconds) &&
              set_subject(cert, common_name) &&
              X509_set_issuer_name(cert, X509_get_subject_name(signer)) == 1 &&
              X509_set_pubkey(cert, key) == 1;
    for (size_t i = 0; ok && i < count; i++)
        ok = add_extension(cert, signer, extensions[i]);
    if (!ok || X509_sign(cert, issuer_key, EVP_sha256()) <= 0) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

static X509 *make_ca(EVP_PKEY *key, long lifetime_seconds)
{
    const extension extensions[] = {
        {NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
        {NID_key_usage, "critical,keyCertSign,cRLSign"},
        {NID_subject_key_identifier, "hash"},
    };
    return make_certificate(key, "Scribble local CA", NULL, key, lifetime_seconds, extensions,
                            sizeof extensions / sizeof extensions[0]);
}

static X509 *make_server(EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, const char *address,
                         long lifetime_seconds)
{
    char names[320];
    snprintf(names, sizeof names, "IP:127.0.0.1,DNS:localhost%s%s",
             !extra_address(address) ? "" : is_ip_address(address) ? ",IP:" : ",DNS:",
             extra_address(address) ? address : "");
    const extension extensions[] = {
        {NID_basic_constraints, "critical,CA:FALSE"},
        {NID_key_usage, "critical,digitalSignature"},
        {NID_ext_key_usage, "serverAuth"},
        {NID_subject_key_identifier, "hash"},
        {NID_authority_key_identifier, "keyid:always"},
        {NID_subject_alt_name, names},
    };
    return make_certificate(key, "localhost", ca, ca_key, lifetime_seconds, extensions,
                            sizeof extensions / sizeof extensions[0]);
}

/* Writes <path>.tmp with mode, then renames it over path. The temporary
 * file is made anew: whatever had its name goes first (unlink removes a
 * symlink rather than following it), and O_EXCL | O_NOFOLLOW refuse one
 * that appears meanwhile; rename replaces a symlink at path itself. */
static int replace_file(const char *path, const char *data, size_t len, mode_t mode,
                        base_error *err)
{
    char temporary[LOCAL_TLS_PATH_MAX + 8];
    snprintf(temporary, sizeof temporary, "%s.tmp", path);
    if (unlink(temporary) != 0 && errno != ENOENT)
        return base_error_set(err, BASE_ERROR_CONFIG, "LocalTlsWrite", "removing %s: %s",
                             temporary, strerror(errno));
    int fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return base_error_set(err, BASE_ERROR_CONFIG, "LocalTlsWrite", "creating %s: %s",
                             temporary, strerror(errno));
    bool ok = fchmod(fd, mode) == 0 && base_file_write_all(fd, data, len);
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(temporary, path) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(temporary);
        return base_error_set(err, BASE_ERROR_CONFIG, "LocalTlsWrite", "writing %s: %s", path,
                             strerror(saved));
    }
    return 0;
}

/* PEM-encodes a certificate (cert) or a private key (key) and writes it to path. */
static int write_pem(const char *path, X509 *cert, EVP_PKEY *key, base_error *err)
{
    BIO *bio = BIO_new(BIO_s_mem());
    bool ok = bio && (cert ? PEM_write_bio_X509(bio, cert)
                           : PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) == 1;
    if (!ok) {
        BIO_free(bio);
        return openssl_error(err, "PEM-encoding the TLS material");
    }
    char *data;
    long len = BIO_get_mem_data(bio, &data);
    int rc = replace_file(path, data, (size_t)len, key ? 0600 : 0644, err);
    BIO_free(bio);
    return rc;
}

int local_tls_generate(const char *dir, const char *address, long lifetime_seconds,
                       local_tls_files *out, base_error *err)
{
    TRY(check_address(address, err));
    TRY(file_paths(dir, out, err));
    TRY(local_private_dir(dir, err));
    ENSURE(lifetime_seconds > 0, err, BASE_ERROR_INVALID, "LocalTlsLifetime",
           "a certificate lifetime of %ld seconds; allowed: more than 0", lifetime_seconds);
    out->generated = false;
    ERR_clear_error();
    EVP_PKEY *ca_key = EVP_EC_gen("P-256");
    EVP_PKEY *server_key = EVP_EC_gen("P-256");
    X509 *ca = ca_key ? make_ca(ca_key, lifetime_seconds) : NULL;
    X509 *server = ca && server_key
                       ? make_server(server_key, ca, ca_key, address, lifetime_seconds)
                       : NULL;
    int rc = server ? 0 : openssl_error(err, "making the local cache's CA and certificate");
    if (rc == 0)
        rc = write_pem(out->key_file, NULL, server_key, err) == 0 &&
                     write_pem(out->cert_file, server, NULL, err) == 0 &&
                     write_pem(out->ca_file, ca, NULL, err) == 0
                 ? 0
                 : -1;
    X509_free(server);
    X509_free(ca);
    EVP_PKEY_free(server_key);
    EVP_PKEY_free(ca_key);
    out->generated = rc == 0;
    return rc;
}

/* ---- checking ---- */

static int no_passphrase(char *buf, int size, int writing, void *context)
{
    (void)buf, (void)size, (void)writing, (void)context;
    return -1;
}

static int load_certificate(const char *path, X509 **out, base_error *err)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return base_error_set(err, BASE_ERROR_CONFIG, UNUSABLE, "%s: %s", path, strerror(errno));
    *out = PEM_read_X509(f, NULL, no_passphrase, NULL);
    fclose(f);
    ENSURE(*out, err, BASE_ERROR_CONFIG, UNUSABLE, "%s does not hold a PEM certificate", path);
    return 0;
}

static int load_key(const char *path, EVP_PKEY **out, base_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return base_error_set(err, BASE_ERROR_CONFIG, UNUSABLE, "%s: %s", path, strerror(errno));
    ENSURE((st.st_mode & 077) == 0, err, BASE_ERROR_CONFIG, UNUSABLE,
           "%s may be read by others (mode %04o)", path, (unsigned)(st.st_mode & 07777));
    FILE *f = fopen(path, "re");
    if (!f)
        return base_error_set(err, BASE_ERROR_CONFIG, UNUSABLE, "%s: %s", path, strerror(errno));
    *out = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
    fclose(f);
    ENSURE(*out, err, BASE_ERROR_CONFIG, UNUSABLE, "%s does not hold a PEM private key", path);
    return 0;
}

/* Verifies server against ca as a TLS client would, at the current time. */
static int check_chain(X509 *ca, X509 *server, base_error *err)
{
    ENSURE(X509_check_ca(ca) == 1, err, BASE_ERROR_CONFIG, UNUSABLE, "ca.crt is not a CA");
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *context = X509_STORE_CTX_new();
    bool ready = store && context && X509_STORE_add_cert(store, ca) == 1 &&
                 X509_STORE_CTX_init(context, store, server, NULL) == 1 &&
                 X509_STORE_CTX_set_purpose(context, X509_PURPOSE_SSL_SERVER) == 1;
    int verified = ready ? X509_verify_cert(context) : -1;
    int code = ready ? X509_STORE_CTX_get_error(context) : X509_V_ERR_UNSPECIFIED;
    X509_STORE_CTX_free(context);
    X509_STORE_free(store);
    ENSURE(verified == 1, err, BASE_ERROR_CONFIG, UNUSABLE,
           "server.crt does not verify against ca.crt: %s", X509_verify_cert_error_string(code));
    return 0;
}

static int check_remaining(const X509 *cert, const char *name, long seconds, base_error *err)
{
    time_t later = time(NULL) + seconds;
    ENSURE(X509_cmp_time(X509_get0_notAfter(cert), &later) > 0, err, BASE_ERROR_CONFIG, UNUSABLE,
           "%s expires within %ld seconds", name, seconds);
    return 0;
}

static bool names(X509 *cert, const char *name)
{
    return is_ip_address(name) ? X509_check_ip_asc(cert, name, 0) == 1
                               : X509_check_host(cert, name, 0, 0, NULL) == 1;
}

static int check_names(X509 *server, const char *address, base_error *err)
{
    const char *wanted[] = {"127.0.0.1", "localhost", extra_address(address) ? address : NULL};
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
        ENSURE(!wanted[i] || names(server, wanted[i]), err, BASE_ERROR_CONFIG, UNUSABLE,
               "server.crt does not name %s", wanted[i]);
    return 0;
}

static int check_files(const local_tls_files *f, const char *address, long min_remaining,
                       base_error *err)
{
    X509 *ca = NULL, *server = NULL;
    EVP_PKEY *key = NULL;
    int rc = load_certificate(f->ca_file, &ca, err) == 0 &&
                     load_certificate(f->cert_file, &server, err) == 0 &&
                     load_key(f->key_file, &key, err) == 0 && check_chain(ca, server, err) == 0 &&
                     check_remaining(ca, "ca.crt", min_remaining, err) == 0 &&
                     check_remaining(server, "server.crt", min_remaining, err) == 0 &&
                     check_names(server, address, err) == 0
                 ? 0
                 : -1;
    if (rc == 0 && X509_check_private_key(server, key) != 1)
        rc = base_error_set(err, BASE_ERROR_CONFIG, UNUSABLE, "server.key does not match server.crt");
    EVP_PKEY_free(key);
    X509_free(server);
    X509_free(ca);
    ERR_clear_error();
    return rc;
}

int local_tls_check(const char *dir, const char *address, long min_remaining_seconds,
                    base_error *err)
{
    local_tls_files files;
    TRY(check_address(address, err));
    TRY(file_paths(dir, &files, err));
    return check_files(&files, address, min_remaining_seconds, err);
}

int local_tls_ensure(const char *dir, const char *address, local_tls_files *out, base_error *err)
{
    TRY(check_address(address, err));
    TRY(file_paths(dir, out, err));
    TRY(local_private_dir(dir, err));
    base_error reason = {0};
    if (check_files(out, address, LOCAL_TLS_MIN_REMAINING_SECONDS, &reason) == 0) {
        out->generated = false;
        return 0;
    }
    return local_tls_generate(dir, address, LOCAL_TLS_LIFETIME_SECONDS, out, err);
}

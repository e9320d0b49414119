/*
 * ca_bundle.h - which file of CA certificates TLS connections trust.
 *
 * The handlers are built on Debian and run on Amazon Linux 2023: Debian's
 * libcurl and OpenSSL look for /etc/ssl/certs/ca-certificates.crt, which
 * Amazon Linux does not have (it keeps /etc/pki/tls/certs/ca-bundle.crt).
 * Both the AWS client and the cache client therefore ask here instead of
 * trusting their compiled-in default blindly.
 */
#ifndef SCRIBBLE_AWS_CA_BUNDLE_H
#define SCRIBBLE_AWS_CA_BUNDLE_H

/* AWS_CA_BUNDLE when set (as the AWS SDKs honour it); otherwise the first
 * existing file of: libcurl's compiled-in bundle, Debian's, Amazon Linux's
 * and the other common places; NULL when none exists (the TLS library's own
 * default then applies). The string is static or the environment's. */
const char *aws_ca_bundle(void);

#endif

/*
 * ca_bundle.h - which file of CA certificates TLS connections trust.
 *
 * The handlers are built on Debian and run on Amazon Linux 2023. The Lambda
 * build's libcurl (scripts/lambda-deps) has Amazon Linux's
 * /etc/pki/tls/certs/ca-bundle.crt compiled in, the host build's libcurl
 * Debian's /etc/ssl/certs/ca-certificates.crt, and Debian's OpenSSL looks
 * under /usr/lib/ssl, which Amazon Linux does not have. Both the AWS client
 * and the cache client therefore ask here instead of trusting a compiled-in
 * default blindly.
 */
#ifndef SCRIBBLE_AWS_CA_BUNDLE_H
#define SCRIBBLE_AWS_CA_BUNDLE_H

/* AWS_CA_BUNDLE when set (as the AWS SDKs honour it); otherwise the first
 * existing file of: libcurl's compiled-in bundle, Debian's, Amazon Linux's
 * and the other common places; NULL when none exists (the TLS library's own
 * default then applies). The string is static or the environment's. */
const char *aws_ca_bundle(void);

#endif

/*
 * ca_bundle.c - finds the CA certificates file (ca_bundle.h). Looked up on
 * every call: it is a handful of stat()s, once per client, and a test or an
 * operator may change AWS_CA_BUNDLE between clients.
 */
#include "aws/ca_bundle.h"

#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include <curl/curl.h>

static const char *const well_known[] = {
    "/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu */
    "/etc/pki/tls/certs/ca-bundle.crt",   /* Amazon Linux, Fedora, RHEL */
    "/etc/ssl/cert.pem",                  /* Alpine, macOS */
    "/etc/ssl/ca-bundle.pem",             /* openSUSE */
};

const char *aws_ca_bundle(void)
{
    const char *configured = getenv("AWS_CA_BUNDLE");
    if (configured && configured[0])
        return configured;
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
    if (curl && curl->cainfo && access(curl->cainfo, R_OK) == 0)
        return curl->cainfo;
    for (size_t i = 0; i < sizeof well_known / sizeof well_known[0]; i++)
        if (access(well_known[i], R_OK) == 0)
            return well_known[i];
    return NULL;
}

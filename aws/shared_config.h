/*
 * shared_config.h - the AWS shared config and credentials files
 * (~/.aws/config, ~/.aws/credentials, or AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE), read with inih.
 *
 * Profiles are "[name]" in the credentials file and "[profile name]" (or
 * "[default]") in the config file; a key in the credentials file wins over
 * the same key in the config file. "[services name]" sections hold
 * per-service endpoint_url settings, as the SDKs read them.
 */
#ifndef SCRIBBLE_AWS_SHARED_CONFIG_H
#define SCRIBBLE_AWS_SHARED_CONFIG_H

#include "base/error.h"

typedef struct aws_shared_config aws_shared_config;

/* Loads both files (missing files are not an error; unreadable or malformed ones are). */
int aws_shared_config_load(aws_shared_config **out, base_error *err);
void aws_shared_config_free(aws_shared_config *c);

/* The profile in use: the explicit one when non-NULL, else AWS_PROFILE, else "default". */
const char *aws_shared_config_profile_name(const char *explicit_profile);
/* A profile's value for key, or NULL. */
const char *aws_shared_config_get(const aws_shared_config *c, const char *profile, const char *key);
/* True when the profile appears in either file. */
int aws_shared_config_has_profile(const aws_shared_config *c, const char *profile);
/* The endpoint_url for a service (by its env_suffix, lowercased, as in
 * "[services x]\nsqs =\n  endpoint_url = ..."), via the profile's "services" key; or NULL. */
const char *aws_shared_config_service_endpoint(const aws_shared_config *c, const char *profile,
                                               const char *service_key);
/* The paths actually used, for messages. */
const char *aws_shared_config_config_path(const aws_shared_config *c);
const char *aws_shared_config_credentials_path(const aws_shared_config *c);

#endif

/*
 * credentials_parse.h - what the providers that read credentials documents
 * share: the JSON shape of credential_process, container and instance
 * metadata answers, and their ISO-8601 expiration times.
 */
#ifndef SCRIBBLE_AWS_CREDENTIALS_PARSE_H
#define SCRIBBLE_AWS_CREDENTIALS_PARSE_H

#include <cjson/cJSON.h>
#include <time.h>

#include "credentials.h"
#include "base/error.h"

/* "2024-05-01T12:00:00Z", with optional fractional seconds and a Z or
 * +hh:mm / -hh:mm offset, to seconds since the epoch. 0 on success. */
int aws_credentials_parse_time(const char *text, time_t *out);

/* Fills out from a JSON object with AccessKeyId, SecretAccessKey, the session
 * token under token_field ("SessionToken" or "Token"; optional) and an
 * optional Expiration. `what` names the source in messages, which never
 * contain a value. Errors are BASE_ERROR_CREDENTIALS "MalformedCredentials". */
int aws_credentials_from_json(const cJSON *doc, const char *token_field, const char *what,
                              aws_credentials *out, base_error *err);

#endif

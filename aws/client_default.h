/*
 * client_default.h - a client with the credentials the AWS CLI and SDKs
 * would use: the options' provider when given, else the default chain
 * (environment, profile with its role or process, container, instance).
 *
 * It is apart from client.c so that the client does not reach the chain:
 * the chain's role provider calls STS through a client of its own, and
 * client.c never calls back into the chain.
 */
#ifndef SCRIBBLE_AWS_CLIENT_DEFAULT_H
#define SCRIBBLE_AWS_CLIENT_DEFAULT_H

#include "aws/client.h"

/* aws_client_new, with the default chain when opts->credentials is NULL. */
int aws_client_new_default(const aws_client_options *opts, aws_client **out, base_error *err);

#endif

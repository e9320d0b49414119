/*
 * zone_delegation.h - is a Route 53 hosted zone the one public DNS uses?
 * Its name servers (Route 53 GetHostedZone) against the NS records public
 * DNS gives for its name (dns_delegation.h). ACM validates, and people
 * reach the names, only through a delegated zone.
 */
#ifndef SCRIBBLE_PROVISION_ZONE_DELEGATION_H
#define SCRIBBLE_PROVISION_ZONE_DELEGATION_H

#include <stddef.h>

#include "aws/client.h"

/* 0 with a sentence in detail when the zone is delegated to its name
 * servers, or when DNS could not be asked (detail says why); -1 (err, a
 * config error that says what to do) when public DNS names other servers,
 * or has no such name. */
int zone_delegation_check(aws_client *c, const char *zone, const char *zone_id, char *detail,
                          size_t size, base_error *err);

#endif

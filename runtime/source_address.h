/*
 * source_address.h - the client address a limit is kept under: the
 * requestContext.identity.sourceIp API Gateway puts in every WebSocket
 * event, as one cache-key-safe name per person as far as an address can
 * tell. An IPv4 address is itself; an IPv6 address counts by its /64, the
 * block one home or device is given, so rotating through it gains nothing;
 * an IPv4 address mapped into IPv6 is the IPv4 address.
 */
#ifndef SCRIBBLE_RUNTIME_SOURCE_ADDRESS_H
#define SCRIBBLE_RUNTIME_SOURCE_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

#define SOURCE_ADDRESS_SIZE 64

/* Writes the key of address ip into out; false (out "") when ip is not an
 * IPv4 or IPv6 address. */
bool source_address_key(const char *ip, char out[SOURCE_ADDRESS_SIZE]);

#endif

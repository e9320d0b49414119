/*
 * http_transfer.h - how the transport watches a transfer (a request with a
 * large body): its progress as the network saw it, and whether it stalled.
 * Internal to aws/ (http.c).
 *
 * libcurl counts a body's bytes as sent once they are in the kernel's send
 * buffer, which on a slow uplink may hold megabytes: the whole package can
 * look sent in a second and then nothing moves for a minute while the
 * buffer drains. So the bytes still queued on the socket (SIOCOUTQ: not yet
 * acknowledged by the peer) are subtracted; what is left is what arrived.
 * Progress reports that, and a stall is that moving fewer than
 * stall_bytes_per_s a second over stall_seconds. A watched transfer gets a
 * connection of its own, so its socket is known.
 */
#ifndef SCRIBBLE_AWS_HTTP_TRANSFER_H
#define SCRIBBLE_AWS_HTTP_TRANSFER_H

#include <curl/curl.h>
#include <stdbool.h>

#include "http.h"

typedef struct aws_transfer_watch {
    const aws_http_request *req;
    curl_socket_t socket;    /* the transfer's connection */
    long stall_bytes_per_s;
    long stall_seconds;
    curl_off_t window_moved; /* bytes arrived (either way) when the window began */
    double window_start;     /* monotonic seconds */
    bool stalled;
} aws_transfer_watch;

/* Sets curl's progress callback to watch req's transfer. */
void aws_transfer_watch_attach(aws_transfer_watch *w, CURL *curl, const aws_http_request *req,
                               long stall_bytes_per_s, long stall_seconds);

#endif

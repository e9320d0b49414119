/*
 * http_transfer.c - progress and stalls of a transfer, counted in bytes the
 * peer has acknowledged. See http_transfer.h.
 */
#include "http_transfer.h"

#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "clock.h"

/* Bytes written to the socket that the peer has not acknowledged yet. */
static curl_off_t queued_on_socket(const aws_transfer_watch *w)
{
    int queued = 0;
    if (w->socket == CURL_SOCKET_BAD || ioctl(w->socket, SIOCOUTQ, &queued) != 0 || queued < 0)
        return 0;
    return queued;
}

/* CURLOPT_SOCKOPTFUNCTION: notes the transfer's own connection. */
static int on_socket(void *ctx, curl_socket_t socket, curlsocktype purpose)
{
    aws_transfer_watch *w = ctx;
    if (purpose == CURLSOCKTYPE_IPCXN)
        w->socket = socket;
    return CURL_SOCKOPT_OK;
}

/* CURLOPT_XFERINFOFUNCTION: non-zero aborts the transfer (a stall). */
static int on_progress(void *ctx, curl_off_t download_total, curl_off_t downloaded,
                       curl_off_t upload_total, curl_off_t uploaded)
{
    (void)download_total, (void)upload_total;
    aws_transfer_watch *w = ctx;
    curl_off_t queued = queued_on_socket(w);
    curl_off_t arrived = uploaded > queued ? uploaded - queued : 0;
    curl_off_t moved = arrived + downloaded;
    double now = aws_monotonic_s();
    if (now - w->window_start >= (double)w->stall_seconds) {
        if (moved - w->window_moved < (curl_off_t)w->stall_bytes_per_s * w->stall_seconds) {
            w->stalled = true;
            return 1;
        }
        w->window_moved = moved;
        w->window_start = now;
    }
    if (w->req->progress)
        w->req->progress(w->req->progress_ctx, (size_t)arrived, w->req->body.len);
    return 0;
}

void aws_transfer_watch_attach(aws_transfer_watch *w, CURL *curl, const aws_http_request *req,
                               long stall_bytes_per_s, long stall_seconds)
{
    *w = (aws_transfer_watch){.req = req, .socket = CURL_SOCKET_BAD,
                              .stall_bytes_per_s = stall_bytes_per_s,
                              .stall_seconds = stall_seconds, .window_start = aws_monotonic_s()};
    /* A connection of its own, so the socket is known (a reused one's is not
     * handed out while a transfer runs): one handshake per transfer. */
    curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(curl, CURLOPT_SOCKOPTFUNCTION, on_socket);
    curl_easy_setopt(curl, CURLOPT_SOCKOPTDATA, w);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, w);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
}

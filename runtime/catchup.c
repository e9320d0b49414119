/*
 * catchup.c - builds a catch-up (catchup.h).
 *
 * Recent placements are read a page at a time, each page atomically with the
 * floor below which they were trimmed. A save may trim while a catch-up
 * reads (only up to the latest snapshot): when the floor passes the point
 * reached, the catch-up starts again from the newer snapshot, which holds
 * everything trimmed. Since trims follow snapshots, this ends quickly.
 */
#include "runtime/catchup.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_PAGE 10000
#define MAX_RESTARTS 4

/* The snapshot a fresh start begins from: the latest, or a blank canvas at 0. */
static int snapshot_start(canvas_store *s, const recent_page *page, message_list *out,
                          uint64_t *cursor, base_error *err)
{
    if (!page->has_snapshot) {
        ENSURE(page->floor == 0, err, BASE_ERROR_SERVICE, "CatchupUnavailable",
               "placements up to %llu were trimmed but no snapshot is recorded",
               (unsigned long long)page->floor);
        server_message_snapshot(message_list_add(out), &s->canvas, 0, NULL);
        *cursor = 0;
        return 0;
    }
    /* A loaded blank canvas is recorded as a snapshot without a URL. */
    server_message_snapshot(message_list_add(out), &s->canvas, page->snapshot_seq,
                            page->snapshot_url[0] ? page->snapshot_url : NULL);
    *cursor = page->snapshot_seq;
    return 0;
}

/* Reads pages from *cursor on, appending them, until a short page. Returns 1
 * when the floor passed the cursor (start again), 0 when done. */
static int read_pages(canvas_store *s, uint64_t *cursor, size_t page_size, message_list *out,
                      uint64_t *caught_up, base_error *err)
{
    for (;;) {
        recent_page page;
        TRY(store_recent_after(s, *cursor, page_size, &page, err));
        if (page.floor > *cursor) {
            free(page.items);
            return 1;
        }
        server_message_pixels(out, page.items, page.count, 0);
        if (page.count)
            *cursor = page.items[page.count - 1].seq;
        bool last = page.count < page_size;
        *caught_up = page.seq;
        free(page.items);
        if (last)
            return 0;
    }
}

int catchup_messages(canvas_store *s, bool has_since, uint64_t since, size_t page_size,
                     message_list *out, base_error *err)
{
    if (!page_size)
        page_size = DEFAULT_PAGE;
    recent_page first;
    TRY(store_recent_after(s, has_since ? since : 0, 0, &first, err));
    if (!first.loaded) {
        free(first.items);
        return base_error_set(err, BASE_ERROR_SERVICE, "CanvasNotLoaded",
                             "the canvas has not been loaded from the tables yet");
    }
    bool fresh = !has_since || since < first.floor || since > first.seq;
    uint64_t cursor = since;
    int rc = fresh ? snapshot_start(s, &first, out, &cursor, err) : 0;
    free(first.items);
    TRY(rc);
    uint64_t caught_up = 0;
    for (int attempt = 0;; attempt++) {
        int outcome = read_pages(s, &cursor, page_size, out, &caught_up, err);
        TRY(outcome < 0 ? -1 : 0);
        if (outcome == 0)
            break;
        ENSURE(attempt < MAX_RESTARTS, err, BASE_ERROR_SERVICE, "CatchupUnavailable",
               "the recent placements kept being trimmed during the catch-up");
        recent_page latest;
        TRY(store_recent_after(s, cursor, 0, &latest, err));
        rc = snapshot_start(s, &latest, out, &cursor, err);
        free(latest.items);
        TRY(rc);
    }
    server_message_caughtup(message_list_add(out), caught_up);
    return 0;
}

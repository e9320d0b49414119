/*
 * canvas_store.h - the canvas, its placements and its connections as the
 * cache holds them (docs/protocol.md, "The cache"): every read or change
 * that must be atomic is one Lua script here, so the handlers never race
 * each other whatever the number of concurrent invocations.
 *
 * Nothing here prints or talks to AWS; every function returns 0 or -1 with
 * the cache client's error.
 */
#ifndef SCRIBBLE_RUNTIME_CANVAS_STORE_H
#define SCRIBBLE_RUNTIME_CANVAS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"
#include "runtime/cache_client.h"
#include "runtime/canvas.h"

typedef struct canvas_store {
    cache_client *cache;
    const char *stack;
    canvas_geometry canvas;
} canvas_store;

/* One pixel a client asked for; already checked against the canvas. */
typedef struct pixel_request {
    int x, y;
    uint32_t colour;
} pixel_request;

/* One accepted placement. */
typedef struct placement {
    uint64_t seq;
    int x, y;
    uint32_t colour;
    long long placed_at_ms; /* Unix time */
} placement;

typedef struct place_outcome {
    bool not_loaded;          /* refused: the canvas has not been loaded (store_restore) */
    uint64_t reserve_up_to;   /* refused: seqs up to this must be reserved first (0: not that) */
    bool accepted;
    long long retry_after_ms; /* when refused for the cooldown */
    uint64_t first_seq, last_seq;
    long long next_at_ms;     /* accepted: when the connection may place again (0: at once) */
} place_outcome;

/* A limit by source address (source_address.h): each unit of an act (a
 * pixel, a catch-up) moves the address's clock on by step_ms, and an act
 * is refused while it would take the clock more than tolerance_ms ahead of
 * now, unless the clock is not ahead at all. So an address may act
 * tolerance_ms / step_ms units per tolerance_ms, and an idle one always
 * gets its act. An empty address or a step of 0: no limit by address. */
typedef struct address_limit {
    const char *address;
    double step_ms;
    long long tolerance_ms;
} address_limit;

/* Places pixels[0..count) for connection_id as one atomic step. Once the
 * canvas is loaded it registers the connection if it is not (a lost cache
 * forgot it; store_connection_seen). Refused whole while the canvas is not
 * loaded, when the seqs it needs are beyond the
 * cache's reservation (seq_mark.h; store_reserved_raise), while the
 * connection's cooldown runs, or while the address's limit refuses it;
 * otherwise starts a cooldown of count x cooldown_ms (0: none), moves the
 * address's clock on by count steps, gives the pixels consecutive seqs,
 * sets them and records them in the recent placements. */
int store_place(canvas_store *s, const char *connection_id, const address_limit *address,
                const pixel_request *pixels, size_t count, int cooldown_ms, long long now_ms,
                place_outcome *out, base_error *err);

/* The whole canvas value and the seq it is at, read atomically. */
int store_read_canvas(canvas_store *s, base_buf *bits, uint64_t *seq, base_error *err);

typedef struct recent_page {
    uint64_t floor;        /* placements up to this seq are no longer recent */
    uint64_t seq;          /* the last seq given out when the page was read */
    bool has_snapshot;
    uint64_t snapshot_seq;
    char snapshot_url[256];
    placement *items;      /* seq order; caller frees with free() */
    size_t count;
    bool loaded;           /* the canvas is loaded (store_restore) */
} recent_page;

/* Up to limit recent placements after seq `after`, with the floor, the
 * current seq and the latest snapshot, all read atomically. */
int store_recent_after(canvas_store *s, uint64_t after, size_t limit, recent_page *out,
                       base_error *err);

/* Whether the cache holds a loaded canvas. An empty cache (a new stack, or
 * one whose cache was replaced or flushed) holds none until store_restore
 * loads it from the pixels table; until then placements are refused. */
int store_loaded(canvas_store *s, bool *loaded, base_error *err);
/* Writes a canvas value and the seq it is at, forgetting recent placements
 * and snapshots of the cache's previous life; a blank canvas is recorded as
 * its own snapshot (no URL), as there is nothing to publish. The cache may
 * give out seqs up to `reserved` (seq_mark.h). Placing waits until
 * store_loaded_set, so the loader can publish a snapshot first. *restored
 * is false when a canvas was loaded meanwhile (nothing changes). */
int store_restore(canvas_store *s, const uint8_t *bits, size_t len, uint64_t seq, bool blank,
                  uint64_t reserved, bool *restored, base_error *err);
/* Marks the canvas written by store_restore as loaded: placing starts. */
int store_loaded_set(canvas_store *s, base_error *err);
/* Lets a loaded canvas give out seqs up to `reserved`, a value the durable
 * mark reached (seq_mark.h); never lowers it. */
int store_reserved_raise(canvas_store *s, uint64_t reserved, base_error *err);

/* The latest snapshot's seq and URL; *found false when there is none. */
int store_snapshot_get(canvas_store *s, bool *found, uint64_t *seq, char url[256], base_error *err);
/* Records a snapshot uploaded at seq, unless a newer one is recorded already. */
int store_snapshot_set(canvas_store *s, uint64_t seq, const char *url, base_error *err);

/* The highest seq saved to the tables (0: none). */
int store_saved_get(canvas_store *s, uint64_t *saved, base_error *err);
/* Records that everything up to `saved` is in the tables, then trims the
 * recent placements up to the older of that and the latest snapshot's seq.
 * *floor receives the floor afterwards. */
int store_saved_set(canvas_store *s, uint64_t saved, uint64_t *floor, base_error *err);

/* The save lock: taken only if free, for ttl_ms; released only by its holder. */
#define STORE_LOCK_MAX_TTL_MS (15LL * 60 * 1000) /* Lambda's longest invocation */
/* The lock's lifetime for an invocation with remaining_ms left: it must not
 * outlive a holder that died, nor a run without a deadline by much. */
static inline long long store_lock_ttl(long long remaining_ms)
{
    if (remaining_ms <= 0)
        return 1;
    return remaining_ms < STORE_LOCK_MAX_TTL_MS ? remaining_ms : STORE_LOCK_MAX_TTL_MS;
}
int store_lock_take(canvas_store *s, const char *token, long long ttl_ms, bool *taken,
                    base_error *err);
int store_lock_release(canvas_store *s, const char *token, base_error *err);

/* Connections, scored by when they connected (Unix ms). */
int store_connection_add(canvas_store *s, const char *connection_id, long long now_ms,
                         base_error *err);
/* Registers a connection that is alive (it sent a message, or is being
 * caught up) unless it is registered: a lost cache forgets the connections
 * it had, and they receive live pixels again once they are seen. */
int store_connection_seen(canvas_store *s, const char *connection_id, long long now_ms,
                          base_error *err);
/* Whether the connection may ask for a catch-up now, as each one can cost
 * a snapshot's worth of messages: at most one per interval_ms, and as the
 * address's limit allows. *retry_after_ms is 0 when it may (and the ask is
 * counted), else how long it must wait. */
int store_catchup_allowed(canvas_store *s, const char *connection_id, const address_limit *address,
                          int interval_ms, long long now_ms, long long *retry_after_ms,
                          base_error *err);
/* Reserves the next `messages` broadcast slots, step_ms apart, on the
 * stack's one broadcast clock: *wait_ms is how long from now_ms the first
 * may go (message k goes k steps later). So every broadcaster together
 * sends each connection at most one message a step. */
int store_broadcast_slots(canvas_store *s, size_t messages, long long step_ms, long long now_ms,
                          long long *wait_ms, base_error *err);
/* Placements are counted in steps of this many ms (each step's count kept
 * an hour): "the last minute" is the step under way and the 5 before it. */
#define STORE_PLACED_STEP_MS 10000
#define STORE_FIGURES_MINUTE_STEPS 6
#define STORE_FIGURES_HOUR_STEPS 360

/* The canvas's figures as the cache holds them, read in one round trip. */
typedef struct store_figures_out {
    uint64_t connections;        /* registered now */
    uint64_t seq;                /* the last seq given out */
    uint64_t placed_last_minute; /* pixels placed: this step and the 5 before */
    uint64_t placed_last_hour;   /* this step and the 359 before */
} store_figures_out;

int store_figures(canvas_store *s, long long now_ms, store_figures_out *out, base_error *err);

/* Forgets a connection, its cooldown and its catch-up limit. */
int store_connection_remove(canvas_store *s, const char *connection_id, base_error *err);
/* When the connection connected; *found false when it is not registered. */
int store_connection_since(canvas_store *s, const char *connection_id, bool *found,
                           long long *connected_ms, base_error *err);

typedef struct connection_list {
    char **ids;
    long long *connected_ms;
    size_t count;
} connection_list;
int store_connections(canvas_store *s, connection_list *out, base_error *err);
void connection_list_free(connection_list *list);

/* Parses a recent placement's member ("seq:idx:colour:placedAt"). */
int store_parse_placement(const canvas_geometry *g, const char *member, size_t len,
                          placement *out);

#endif

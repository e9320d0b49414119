/*
 * canvas_store.c - the cache's side of the protocol (canvas_store.h).
 *
 * Lua numbers are doubles: seqs stay exact up to 2^53, and every number a
 * script writes back goes through string.format('%.0f') so it is never
 * written in exponent form.
 */
#include "runtime/canvas_store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cache_script.h"

#define KEY_SIZE 320

/* An address's clock (canvas_store.h, address_limit): a Unix time in ms,
 * never behind now, kept until it is. clock_wait is how long an act of
 * `units` must wait. Both limiting scripts start with these. */
#define ADDRESS_CLOCK_LUA                                                                      \
    "local function clock_read(key, now)\n"                                                    \
    "  return math.max(tonumber(redis.call('GET', key) or '0'), now)\n"                         \
    "end\n"                                                                                    \
    "local function clock_wait(clock, now, units, step, tolerance)\n"                          \
    "  if clock <= now then return 0 end\n"                                                    \
    "  return math.max(0, math.min(clock - now, clock + units * step - now - tolerance))\n"     \
    "end\n"                                                                                    \
    "local function clock_set(key, clock, now)\n"                                              \
    "  redis.call('SET', key, string.format('%.0f', clock), 'PX',\n"                           \
    "             string.format('%.0f', math.max(clock - now, 1)))\n"                          \
    "end\n"

/* How long a step's placement count is kept: the hour figures reads, and a
 * step more (a number in the script's text, so checked against both here). */
#define PLACED_KEEP_S "3610"
_Static_assert(3610 == (STORE_FIGURES_HOUR_STEPS + 1) * STORE_PLACED_STEP_MS / 1000,
               "PLACED_KEEP_S is the hour of steps figures reads, and one more");

/* KEYS: canvas seq recent cooldown loaded reserved connections address-clock
 * placed-count (this step's); ARGV: depth, cooldown per pixel, now, address
 * step, (idx, colour) per pixel, connection id. */
static cache_script place_script = {.source = ADDRESS_CLOCK_LUA
    "if redis.call('EXISTS', KEYS[5]) == 0 then return {2} end\n"
    "redis.call('ZADD', KEYS[7], 'NX', ARGV[3], ARGV[#ARGV])\n"
    "local count = (#ARGV - 5) / 2\n"
    "local want = tonumber(redis.call('GET', KEYS[2]) or '0') + count\n"
    "if want > tonumber(redis.call('GET', KEYS[6]) or '0') then\n"
    "  return {3, string.format('%.0f', want)}\n"
    "end\n"
    "local cooldown, now, step = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])\n"
    "local wait, clock = 0, now\n"
    "if cooldown > 0 then wait = math.max(redis.call('PTTL', KEYS[4]), 0) end\n"
    "if step > 0 then\n"
    "  clock = clock_read(KEYS[8], now)\n"
    "  wait = math.max(wait, clock_wait(clock, now, count, step, cooldown))\n"
    "end\n"
    "if wait > 0 then return {0, math.ceil(wait)} end\n"
    "local next_at = 0\n"
    "if cooldown > 0 then\n"
    "  redis.call('SET', KEYS[4], '1', 'PX', string.format('%.0f', cooldown * count))\n"
    "  next_at = now + cooldown * count\n"
    "end\n"
    "if step > 0 then\n"
    "  clock = clock + step * count\n"
    "  clock_set(KEYS[8], clock, now)\n"
    "  next_at = math.max(next_at, math.ceil(clock + step - cooldown))\n"
    "end\n"
    "local last = redis.call('INCRBY', KEYS[2], count)\n"
    "local first = last - count + 1\n"
    "local kind = 'u' .. ARGV[1]\n"
    "local bits, recent = {}, {}\n"
    "for i = 0, count - 1 do\n"
    "  local idx, colour = ARGV[5 + 2 * i], ARGV[6 + 2 * i]\n"
    "  local seq = string.format('%.0f', first + i)\n"
    "  bits[#bits + 1] = 'SET'; bits[#bits + 1] = kind\n"
    "  bits[#bits + 1] = '#' .. idx; bits[#bits + 1] = colour\n"
    "  recent[#recent + 1] = seq\n"
    "  recent[#recent + 1] = seq .. ':' .. idx .. ':' .. colour .. ':' .. ARGV[3]\n"
    "end\n"
    "redis.call('BITFIELD', KEYS[1], unpack(bits))\n"
    "redis.call('ZADD', KEYS[3], unpack(recent))\n"
    "redis.call('INCRBY', KEYS[9], count)\n"
    "redis.call('EXPIRE', KEYS[9], " PLACED_KEEP_S ")\n"
    "return {1, first, last, string.format('%.0f', next_at)}\n"};

/* KEYS: the connection's catch-up limit, the address's clock; ARGV:
 * interval, now, address step, address tolerance. Returns the ms to wait,
 * 0 when allowed (and counted). */
static cache_script catchup_limit_script = {.source = ADDRESS_CLOCK_LUA
    "local now, step, tolerance = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])\n"
    "local wait, clock = math.max(redis.call('PTTL', KEYS[1]), 0), now\n"
    "if step > 0 then\n"
    "  clock = clock_read(KEYS[2], now)\n"
    "  wait = math.max(wait, clock_wait(clock, now, 1, step, tolerance))\n"
    "end\n"
    "if wait > 0 then return math.ceil(wait) end\n"
    "redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])\n"
    "if step > 0 then clock_set(KEYS[2], clock + step, now) end\n"
    "return 0\n"};

/* KEYS: the broadcast clock; ARGV: now, ms per message, messages. Answers
 * how long to wait before the first message: the clock, moved on by one
 * step per message. */
static cache_script broadcast_slots_script = {.source = ADDRESS_CLOCK_LUA
    "local now = tonumber(ARGV[1])\n"
    "local clock = clock_read(KEYS[1], now)\n"
    "clock_set(KEYS[1], clock + tonumber(ARGV[2]) * tonumber(ARGV[3]), now)\n"
    "return clock - now\n"};

static cache_script read_canvas_script = {.source =
    "return {redis.call('GET', KEYS[1]) or '', redis.call('GET', KEYS[2]) or '0'}\n"};

static cache_script recent_script = {.source =
    "local snapshot = redis.call('HMGET', KEYS[4], 'seq', 'url')\n"
    "return {redis.call('GET', KEYS[2]) or '0', redis.call('GET', KEYS[3]) or '0',\n"
    "        snapshot[1] or '', snapshot[2] or '',\n"
    "        redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'LIMIT', 0, ARGV[2]),\n"
    "        redis.call('EXISTS', KEYS[5])}\n"};

/* Loads a canvas restored from the tables, unless one is loaded already. */
static cache_script restore_script = {.source =
    "if redis.call('EXISTS', KEYS[7]) == 1 then return 0 end\n"
    "redis.call('DEL', KEYS[1], KEYS[4], KEYS[6])\n"
    "if #ARGV[1] > 0 then redis.call('SET', KEYS[1], ARGV[1]) end\n"
    "redis.call('SET', KEYS[2], ARGV[2])\n"
    "redis.call('SET', KEYS[3], ARGV[2])\n"
    "redis.call('SET', KEYS[5], ARGV[2])\n"
    "redis.call('SET', KEYS[8], ARGV[4])\n"
    "if ARGV[3] == 'blank' then redis.call('HSET', KEYS[6], 'seq', ARGV[2], 'url', '') end\n"
    "return 1\n"};

/* Raises the reservation of a loaded canvas; a cache whose canvas is not
 * loaded gets its reservation when it is. */
static cache_script reserved_raise_script = {.source =
    "if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end\n"
    "if tonumber(ARGV[1]) <= tonumber(redis.call('GET', KEYS[1]) or '0') then return 0 end\n"
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "return 1\n"};

static cache_script snapshot_set_script = {.source =
    "local current = tonumber(redis.call('HGET', KEYS[1], 'seq') or '-1')\n"
    "if tonumber(ARGV[1]) <= current then return 0 end\n"
    "redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'url', ARGV[2])\n"
    "return 1\n"};

static cache_script saved_set_script = {.source =
    "local saved = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(ARGV[1]))\n"
    "redis.call('SET', KEYS[1], string.format('%.0f', saved))\n"
    "local snapshot = tonumber(redis.call('HGET', KEYS[4], 'seq') or '0')\n"
    "local floor = tonumber(redis.call('GET', KEYS[3]) or '0')\n"
    "local trim = math.min(saved, snapshot)\n"
    "if trim > floor then\n"
    "  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%.0f', trim))\n"
    "  redis.call('SET', KEYS[3], string.format('%.0f', trim))\n"
    "  floor = trim\n"
    "end\n"
    "return string.format('%.0f', floor)\n"};

static cache_script lock_release_script = {.source =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n"};

/* ---- keys and replies ------------------------------------------------------ */

static int key(const canvas_store *s, const char *name, char out[KEY_SIZE], base_error *err)
{
    ENSURE(cache_key(out, KEY_SIZE, s->stack, name) == 0, err, BASE_ERROR_INVALID, "InvalidKey",
           "the cache key for %s does not fit", name);
    return 0;
}

/* A key of one connection's: "<kind>:<connection id>". */
static int connection_key(const canvas_store *s, const char *kind, const char *connection_id,
                          char out[KEY_SIZE], base_error *err)
{
    char name[KEY_SIZE];
    ENSURE((size_t)snprintf(name, sizeof name, "%s:%s", kind, connection_id) < sizeof name, err,
           BASE_ERROR_INVALID, "InvalidKey", "connection id too long");
    return key(s, name, out, err);
}

/* The count of pixels placed in one step of STORE_PLACED_STEP_MS. */
static int placed_key(const canvas_store *s, long long step, char out[KEY_SIZE], base_error *err)
{
    char name[48];
    snprintf(name, sizeof name, "placed:%lld", step);
    return key(s, name, out, err);
}

static int cooldown_key(const canvas_store *s, const char *connection_id, char out[KEY_SIZE],
                        base_error *err)
{
    return connection_key(s, "cooldown", connection_id, out, err);
}

/* The clock of an address's limit: "<kind>:<address>" ("<kind>:" and
 * unused when the limit does not apply). */
static int address_clock_key(const canvas_store *s, const char *kind, const address_limit *limit,
                             char out[KEY_SIZE], base_error *err)
{
    return connection_key(s, kind, limit && limit->address ? limit->address : "", out, err);
}

/* The limit's step as a script argument; "0" when it does not apply. */
static void address_step(const address_limit *limit, char out[32])
{
    bool applies = limit && limit->address && limit->address[0] && limit->step_ms > 0;
    snprintf(out, 32, "%.3f", applies ? limit->step_ms : 0.0);
}

static int unexpected(base_error *err, const char *what)
{
    return base_error_set(err, BASE_ERROR_PARSE, "UnexpectedReply",
                         "the cache answered %s with an unexpected reply", what);
}

static bool parse_u64(const char *text, size_t len, uint64_t *out)
{
    if (len == 0 || len > 20)
        return false;
    uint64_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9' || value > (UINT64_MAX - 9) / 10)
            return false;
        value = value * 10 + (uint64_t)(text[i] - '0');
    }
    *out = value;
    return true;
}

/* A reply element holding a whole number, as a bulk string or an integer. */
static bool reply_u64(const cache_reply *r, uint64_t *out)
{
    if (r->type == CACHE_REPLY_INTEGER && r->integer >= 0) {
        *out = (uint64_t)r->integer;
        return true;
    }
    return (r->type == CACHE_REPLY_BULK || r->type == CACHE_REPLY_STRING) &&
           parse_u64(r->str, r->len, out);
}

static int run_script(canvas_store *s, cache_script *script, size_t key_count,
                      const char *const *keys, size_t arg_count, const char *const *args,
                      bool idempotent, cache_reply **reply, base_error *err)
{
    return cache_script_run(s->cache, script, key_count, keys, arg_count, args, NULL, idempotent,
                            reply, err);
}

/* ---- placing ------------------------------------------------------------- */

/* The placing script's answer: {2} not loaded, {3, want} not reserved,
 * {0, wait} refused by a limit, {1, first, last, next at} placed. */
static int read_place_reply(const cache_reply *reply, place_outcome *out)
{
    memset(out, 0, sizeof *out);
    if (reply->type != CACHE_REPLY_ARRAY || reply->count < 1 ||
        reply->elements[0].type != CACHE_REPLY_INTEGER)
        return -1;
    const cache_reply *e = reply->elements;
    switch (e[0].integer) {
    case 2:
        out->not_loaded = true;
        return reply->count == 1 ? 0 : -1;
    case 3:
        return reply->count == 2 && reply_u64(&e[1], &out->reserve_up_to) && out->reserve_up_to > 0
                   ? 0 : -1;
    case 0:
        if (reply->count != 2 || e[1].type != CACHE_REPLY_INTEGER)
            return -1;
        out->retry_after_ms = e[1].integer > 0 ? e[1].integer : 1;
        return 0;
    case 1: {
        uint64_t next_at;
        if (reply->count != 4 || !reply_u64(&e[1], &out->first_seq) ||
            !reply_u64(&e[2], &out->last_seq) || !reply_u64(&e[3], &next_at))
            return -1;
        out->next_at_ms = (long long)next_at;
        out->accepted = true;
        return 0;
    }
    default:
        return -1;
    }
}

int store_place(canvas_store *s, const char *connection_id, const address_limit *address,
                const pixel_request *pixels, size_t count, int cooldown_ms, long long now_ms,
                place_outcome *out, base_error *err)
{
    ENSURE(count > 0, err, BASE_ERROR_INVALID, "NoPixels", "nothing to place");
    char canvas[KEY_SIZE], seq[KEY_SIZE], recent[KEY_SIZE], cooldown[KEY_SIZE], loaded[KEY_SIZE],
        reserved[KEY_SIZE], connections[KEY_SIZE], clock[KEY_SIZE], placed[KEY_SIZE];
    TRY(key(s, "canvas", canvas, err));
    TRY(key(s, "seq", seq, err));
    TRY(key(s, "recent", recent, err));
    TRY(cooldown_key(s, connection_id, cooldown, err));
    TRY(key(s, "loaded", loaded, err));
    TRY(key(s, "reserved", reserved, err));
    TRY(key(s, "connections", connections, err));
    TRY(address_clock_key(s, "placing", address, clock, err));
    TRY(placed_key(s, now_ms / STORE_PLACED_STEP_MS, placed, err));
    const char *keys[] = {canvas, seq, recent, cooldown, loaded, reserved, connections, clock, placed};

    /* depth, cooldown, now, address step, (idx, colour) per pixel, then the connection id */
    size_t arg_count = 5 + 2 * count;
    char (*numbers)[32] = base_xcalloc(arg_count, sizeof *numbers);
    const char **args = base_xcalloc(arg_count, sizeof *args);
    snprintf(numbers[0], 32, "%d", s->canvas.depth);
    snprintf(numbers[1], 32, "%d", cooldown_ms);
    snprintf(numbers[2], 32, "%lld", now_ms);
    address_step(cooldown_ms > 0 ? address : NULL, numbers[3]);
    for (size_t i = 0; i < count; i++) {
        snprintf(numbers[4 + 2 * i], 32, "%zu", canvas_index(&s->canvas, pixels[i].x, pixels[i].y));
        snprintf(numbers[5 + 2 * i], 32, "%" PRIu32, pixels[i].colour);
    }
    for (size_t i = 0; i + 1 < arg_count; i++)
        args[i] = numbers[i];
    args[arg_count - 1] = connection_id;
    cache_reply *reply = NULL;
    int rc = run_script(s, &place_script, 9, keys, arg_count, args, false, &reply, err);
    free(args);
    free(numbers);
    TRY(rc);
    rc = read_place_reply(reply, out);
    cache_reply_free(reply);
    return rc == 0 ? 0 : unexpected(err, "the placement");
}

/* ---- reading -------------------------------------------------------------- */

int store_read_canvas(canvas_store *s, base_buf *bits, uint64_t *seq, base_error *err)
{
    char canvas[KEY_SIZE], seq_key[KEY_SIZE];
    TRY(key(s, "canvas", canvas, err));
    TRY(key(s, "seq", seq_key, err));
    const char *keys[] = {canvas, seq_key};
    cache_reply *reply = NULL;
    TRY(run_script(s, &read_canvas_script, 2, keys, 0, NULL, true, &reply, err));
    int rc = -1;
    if (reply->type == CACHE_REPLY_ARRAY && reply->count == 2 &&
        reply->elements[0].type == CACHE_REPLY_BULK && reply_u64(&reply->elements[1], seq)) {
        base_buf_append(bits, reply->elements[0].str, reply->elements[0].len);
        rc = 0;
    }
    cache_reply_free(reply);
    return rc == 0 ? 0 : unexpected(err, "the canvas read");
}

int store_parse_placement(const canvas_geometry *g, const char *member, size_t len,
                          placement *out)
{
    uint64_t fields[4];
    size_t start = 0, field = 0;
    for (size_t i = 0; i <= len && field < 4; i++) {
        if (i == len || member[i] == ':') {
            if (!parse_u64(member + start, i - start, &fields[field++]))
                return -1;
            start = i + 1;
        }
    }
    uint64_t pixels = (uint64_t)g->width * (uint64_t)g->height;
    if (field != 4 || start != len + 1 || fields[1] >= pixels ||
        fields[2] >= canvas_colour_count(g) || fields[3] > (uint64_t)INT64_MAX)
        return -1;
    out->seq = fields[0];
    out->x = (int)(fields[1] % (uint64_t)g->width);
    out->y = (int)(fields[1] / (uint64_t)g->width);
    out->colour = (uint32_t)fields[2];
    out->placed_at_ms = (long long)fields[3];
    return 0;
}

static int copy_text(const cache_reply *r, char *out, size_t size)
{
    if (r->type != CACHE_REPLY_BULK || r->len >= size)
        return -1;
    memcpy(out, r->str, r->len + 1);
    return 0;
}

static int read_page(canvas_store *s, const cache_reply *reply, recent_page *out)
{
    if (reply->type != CACHE_REPLY_ARRAY || reply->count != 6 ||
        reply->elements[5].type != CACHE_REPLY_INTEGER)
        return -1;
    out->loaded = reply->elements[5].integer == 1;
    const cache_reply *e = reply->elements;
    char snapshot_seq[24];
    if (!reply_u64(&e[0], &out->floor) || !reply_u64(&e[1], &out->seq) ||
        copy_text(&e[2], snapshot_seq, sizeof snapshot_seq) != 0 ||
        copy_text(&e[3], out->snapshot_url, sizeof out->snapshot_url) != 0 ||
        e[4].type != CACHE_REPLY_ARRAY)
        return -1;
    out->has_snapshot = snapshot_seq[0] != '\0';
    if (out->has_snapshot && !parse_u64(snapshot_seq, strlen(snapshot_seq), &out->snapshot_seq))
        return -1;
    out->items = base_xcalloc(e[4].count ? e[4].count : 1, sizeof *out->items);
    for (size_t i = 0; i < e[4].count; i++) {
        const cache_reply *m = &e[4].elements[i];
        if (m->type != CACHE_REPLY_BULK ||
            store_parse_placement(&s->canvas, m->str, m->len, &out->items[out->count]) != 0)
            return -1;
        out->count++;
    }
    return 0;
}

int store_recent_after(canvas_store *s, uint64_t after, size_t limit, recent_page *out,
                       base_error *err)
{
    memset(out, 0, sizeof *out);
    char recent[KEY_SIZE], floor[KEY_SIZE], seq[KEY_SIZE], snapshot[KEY_SIZE], loaded[KEY_SIZE];
    TRY(key(s, "recent", recent, err));
    TRY(key(s, "floor", floor, err));
    TRY(key(s, "seq", seq, err));
    TRY(key(s, "snapshot", snapshot, err));
    TRY(key(s, "loaded", loaded, err));
    const char *keys[] = {recent, floor, seq, snapshot, loaded};
    char after_text[24], limit_text[24];
    snprintf(after_text, sizeof after_text, "%" PRIu64, after);
    snprintf(limit_text, sizeof limit_text, "%zu", limit);
    const char *args[] = {after_text, limit_text};
    cache_reply *reply = NULL;
    TRY(run_script(s, &recent_script, 5, keys, 2, args, true, &reply, err));
    int rc = read_page(s, reply, out);
    cache_reply_free(reply);
    if (rc != 0) {
        free(out->items);
        memset(out, 0, sizeof *out);
        return unexpected(err, "the recent placements read");
    }
    return 0;
}

/* ---- loading from the tables ---------------------------------------------- */

int store_loaded(canvas_store *s, bool *loaded, base_error *err)
{
    char loaded_key[KEY_SIZE];
    TRY(key(s, "loaded", loaded_key, err));
    const char *argv[] = {"EXISTS", loaded_key};
    cache_reply *reply = NULL;
    TRY(cache_command_argv(s->cache, 2, argv, true, &reply, err));
    *loaded = reply->type == CACHE_REPLY_INTEGER && reply->integer == 1;
    cache_reply_free(reply);
    return 0;
}

int store_restore(canvas_store *s, const uint8_t *bits, size_t len, uint64_t seq, bool blank,
                  uint64_t reserved, bool *restored, base_error *err)
{
    static const char *const names[] = {"canvas",   "seq",    "saved",  "recent",
                                        "floor",    "snapshot", "loaded", "reserved"};
    enum { KEY_COUNT = sizeof names / sizeof names[0] };
    char keys[KEY_COUNT][KEY_SIZE];
    const char *key_list[KEY_COUNT];
    for (size_t i = 0; i < KEY_COUNT; i++) {
        TRY(key(s, names[i], keys[i], err));
        key_list[i] = keys[i];
    }
    char seq_text[24], reserved_text[24];
    snprintf(seq_text, sizeof seq_text, "%" PRIu64, seq);
    snprintf(reserved_text, sizeof reserved_text, "%" PRIu64, reserved);
    const char *mode = blank ? "blank" : "drawn";
    const char *args[] = {(const char *)bits, seq_text, mode, reserved_text};
    const size_t lens[] = {len, strlen(seq_text), strlen(mode), strlen(reserved_text)};
    cache_reply *reply = NULL;
    TRY(cache_script_run(s->cache, &restore_script, KEY_COUNT, key_list, 4, args, lens, true,
                         &reply, err));
    *restored = reply->type == CACHE_REPLY_INTEGER && reply->integer == 1;
    cache_reply_free(reply);
    return 0;
}

int store_reserved_raise(canvas_store *s, uint64_t reserved, base_error *err)
{
    char reserved_key[KEY_SIZE], loaded[KEY_SIZE], reserved_text[24];
    TRY(key(s, "reserved", reserved_key, err));
    TRY(key(s, "loaded", loaded, err));
    snprintf(reserved_text, sizeof reserved_text, "%" PRIu64, reserved);
    const char *keys[] = {reserved_key, loaded};
    const char *args[] = {reserved_text};
    cache_reply *reply = NULL;
    TRY(run_script(s, &reserved_raise_script, 2, keys, 1, args, true, &reply, err));
    cache_reply_free(reply);
    return 0;
}

int store_loaded_set(canvas_store *s, base_error *err)
{
    char loaded[KEY_SIZE];
    TRY(key(s, "loaded", loaded, err));
    const char *argv[] = {"SET", loaded, "1"};
    cache_reply *reply = NULL;
    TRY(cache_command_argv(s->cache, 3, argv, true, &reply, err));
    cache_reply_free(reply);
    return 0;
}

/* ---- snapshots and saves -------------------------------------------------- */

int store_snapshot_get(canvas_store *s, bool *found, uint64_t *seq, char url[256], base_error *err)
{
    char snapshot[KEY_SIZE];
    TRY(key(s, "snapshot", snapshot, err));
    const char *argv[] = {"HMGET", snapshot, "seq", "url"};
    cache_reply *reply = NULL;
    TRY(cache_command_argv(s->cache, 4, argv, true, &reply, err));
    int rc = -1;
    *found = false;
    if (reply->type == CACHE_REPLY_ARRAY && reply->count == 2) {
        if (reply->elements[0].type == CACHE_REPLY_NIL) {
            rc = 0;
        } else if (reply_u64(&reply->elements[0], seq) &&
                   copy_text(&reply->elements[1], url, 256) == 0) {
            *found = true;
            rc = 0;
        }
    }
    cache_reply_free(reply);
    return rc == 0 ? 0 : unexpected(err, "the snapshot read");
}

int store_snapshot_set(canvas_store *s, uint64_t seq, const char *url, base_error *err)
{
    char snapshot[KEY_SIZE], seq_text[24];
    TRY(key(s, "snapshot", snapshot, err));
    snprintf(seq_text, sizeof seq_text, "%" PRIu64, seq);
    const char *keys[] = {snapshot};
    const char *args[] = {seq_text, url};
    cache_reply *reply = NULL;
    TRY(run_script(s, &snapshot_set_script, 1, keys, 2, args, true, &reply, err));
    cache_reply_free(reply);
    return 0;
}

int store_saved_get(canvas_store *s, uint64_t *saved, base_error *err)
{
    char saved_key[KEY_SIZE];
    TRY(key(s, "saved", saved_key, err));
    const char *argv[] = {"GET", saved_key};
    cache_reply *reply = NULL;
    TRY(cache_command_argv(s->cache, 2, argv, true, &reply, err));
    *saved = 0;
    int rc = reply->type == CACHE_REPLY_NIL || reply_u64(reply, saved) ? 0 : -1;
    cache_reply_free(reply);
    return rc == 0 ? 0 : unexpected(err, "the saved seq read");
}

int store_saved_set(canvas_store *s, uint64_t saved, uint64_t *floor, base_error *err)
{
    char saved_key[KEY_SIZE], recent[KEY_SIZE], floor_key[KEY_SIZE], snapshot[KEY_SIZE];
    TRY(key(s, "saved", saved_key, err));
    TRY(key(s, "recent", recent, err));
    TRY(key(s, "floor", floor_key, err));
    TRY(key(s, "snapshot", snapshot, err));
    const char *keys[] = {saved_key, recent, floor_key, snapshot};
    char saved_text[24];
    snprintf(saved_text, sizeof saved_text, "%" PRIu64, saved);
    const char *args[] = {saved_text};
    cache_reply *reply = NULL;
    TRY(run_script(s, &saved_set_script, 4, keys, 1, args, true, &reply, err));
    int rc = reply_u64(reply, floor) ? 0 : -1;
    cache_reply_free(reply);
    return rc == 0 ? 0 : unexpected(err, "the save's record");
}

int store_lock_take(canvas_store *s, const char *token, long long ttl_ms, bool *taken,
                    base_error *err)
{
    char lock[KEY_SIZE], ttl[24];
    TRY(key(s, "save-lock", lock, err));
    snprintf(ttl, sizeof ttl, "%lld", ttl_ms > 0 ? ttl_ms : 1);
    const char *argv[] = {"SET", lock, token, "PX", ttl, "NX"};
    cache_reply *reply = NULL;
    /* Not idempotent: a resent SET NX after a lost reply would find our own lock. */
    TRY(cache_command_argv(s->cache, 6, argv, false, &reply, err));
    *taken = reply->type == CACHE_REPLY_STRING;
    cache_reply_free(reply);
    return 0;
}

int store_lock_release(canvas_store *s, const char *token, base_error *err)
{
    char lock[KEY_SIZE];
    TRY(key(s, "save-lock", lock, err));
    const char *keys[] = {lock};
    const char *args[] = {token};
    cache_reply *reply = NULL;
    TRY(run_script(s, &lock_release_script, 1, keys, 1, args, true, &reply, err));
    cache_reply_free(reply);
    return 0;
}

/* ---- connections ---------------------------------------------------------- */

int store_connection_add(canvas_store *s, const char *connection_id, long long now_ms,
                         base_error *err)
{
    char connections[KEY_SIZE], score[24];
    TRY(key(s, "connections", connections, err));
    snprintf(score, sizeof score, "%lld", now_ms);
    const char *argv[] = {"ZADD", connections, score, connection_id};
    cache_reply *reply = NULL;
    TRY(cache_command_argv(s->cache, 4, argv, true, &reply, err));
    cache_reply_free(reply);
    return 0;
}

int store_connection_seen(canvas_store *s, const char *connection_id, long long now_ms,
                          base_error *err)
{
    char connections[KEY_SIZE], score[24];
    TRY(key(s, "connections", connections, err));
    snprintf(score, sizeof score, "%lld", now_ms);
    const char *argv[] = {"ZADD", connections, "NX", score, connection_id};
    cache_reply *reply = NULL;
    TRY(cache_command_argv(s->cache, 5, argv, true, &reply, err));
    cache_reply_free(reply);
    return 0;
}

int store_catchup_allowed(canvas_store *s, const char *connection_id, const address_limit *address,
                          int interval_ms, long long now_ms, long long *retry_after_ms,
                          base_error *err)
{
    char limit[KEY_SIZE], clock[KEY_SIZE], interval[24], now[24], step[32], tolerance[24];
    TRY(connection_key(s, "catchup", connection_id, limit, err));
    TRY(address_clock_key(s, "catchups", address, clock, err));
    snprintf(interval, sizeof interval, "%d", interval_ms > 0 ? interval_ms : 1);
    snprintf(now, sizeof now, "%lld", now_ms);
    address_step(address, step);
    snprintf(tolerance, sizeof tolerance, "%lld", address ? address->tolerance_ms : 0);
    const char *keys[] = {limit, clock};
    const char *args[] = {interval, now, step, tolerance};
    cache_reply *reply = NULL;
    TRY(run_script(s, &catchup_limit_script, 2, keys, 4, args, false, &reply, err));
    int rc = reply->type == CACHE_REPLY_INTEGER && reply->integer >= 0 ? 0 : -1;
    *retry_after_ms = rc == 0 ? reply->integer : 0;
    cache_reply_free(reply);
    return rc == 0 ? 0 : unexpected(err, "the catch-up limit");
}

int store_broadcast_slots(canvas_store *s, size_t messages, long long step_ms, long long now_ms,
                          long long *wait_ms, base_error *err)
{
    char clock[KEY_SIZE], now[24], step[24], count[24];
    TRY(key(s, "broadcast-clock", clock, err));
    snprintf(now, sizeof now, "%lld", now_ms);
    snprintf(step, sizeof step, "%lld", step_ms);
    snprintf(count, sizeof count, "%zu", messages);
    const char *keys[] = {clock};
    const char *args[] = {now, step, count};
    cache_reply *reply = NULL;
    TRY(run_script(s, &broadcast_slots_script, 1, keys, 3, args, false, &reply, err));
    int rc = reply->type == CACHE_REPLY_INTEGER && reply->integer >= 0 ? 0 : -1;
    *wait_ms = rc == 0 ? reply->integer : 0;
    cache_reply_free(reply);
    return rc == 0 ? 0 : unexpected(err, "the broadcast clock");
}

/* A whole number from a bulk reply, or 0 for nil (a key that is gone). */
static uint64_t count_of(const cache_reply *r)
{
    uint64_t n = 0;
    return r->type == CACHE_REPLY_BULK && reply_u64(r, &n) ? n : 0;
}

int store_figures(canvas_store *s, long long now_ms, store_figures_out *out, base_error *err)
{
    enum { STEPS = STORE_FIGURES_HOUR_STEPS };
    char connections[KEY_SIZE], seq[KEY_SIZE];
    char(*placed)[KEY_SIZE] = base_xcalloc(STEPS, sizeof *placed);
    const char *mget[1 + STEPS];
    size_t mget_lens[1 + STEPS];
    int rc = key(s, "connections", connections, err) == 0 && key(s, "seq", seq, err) == 0 ? 0 : -1;
    long long step = now_ms / STORE_PLACED_STEP_MS;
    mget[0] = "MGET";
    mget_lens[0] = 4;
    for (int i = 0; rc == 0 && i < STEPS; i++) {
        rc = placed_key(s, step - i, placed[i], err);
        mget[1 + i] = placed[i];
        mget_lens[1 + i] = strlen(placed[i]);
    }
    const char *zcard[] = {"ZCARD", connections};
    const char *get[] = {"GET", seq};
    const size_t zcard_lens[] = {5, strlen(connections)}, get_lens[] = {3, strlen(seq)};
    cache_command commands[] = {{2, zcard, zcard_lens}, {2, get, get_lens}, {1 + STEPS, mget, mget_lens}};
    cache_reply *replies[3] = {0};
    if (rc == 0)
        rc = cache_pipeline(s->cache, commands, 3, true, replies, err);
    free(placed);
    TRY(rc);
    rc = -1;
    *out = (store_figures_out){0};
    const cache_reply *steps = replies[2];
    if (replies[0]->type == CACHE_REPLY_INTEGER && replies[0]->integer >= 0 &&
        (replies[1]->type == CACHE_REPLY_NIL || reply_u64(replies[1], &out->seq)) &&
        steps->type == CACHE_REPLY_ARRAY && steps->count == STEPS) {
        out->connections = (uint64_t)replies[0]->integer;
        for (int i = 0; i < STEPS; i++) {
            uint64_t n = count_of(&steps->elements[i]);
            out->placed_last_hour += n;
            if (i < STORE_FIGURES_MINUTE_STEPS)
                out->placed_last_minute += n;
        }
        rc = 0;
    }
    for (int i = 0; i < 3; i++)
        cache_reply_free(replies[i]);
    return rc == 0 ? 0 : unexpected(err, "the figures");
}

int store_connection_remove(canvas_store *s, const char *connection_id, base_error *err)
{
    char connections[KEY_SIZE], cooldown[KEY_SIZE], catchup[KEY_SIZE];
    TRY(key(s, "connections", connections, err));
    TRY(cooldown_key(s, connection_id, cooldown, err));
    TRY(connection_key(s, "catchup", connection_id, catchup, err));
    const char *zrem[] = {"ZREM", connections, connection_id};
    const char *del[] = {"DEL", cooldown, catchup};
    const size_t zrem_lens[] = {4, strlen(connections), strlen(connection_id)};
    const size_t del_lens[] = {3, strlen(cooldown), strlen(catchup)};
    cache_command commands[] = {{3, zrem, zrem_lens}, {3, del, del_lens}};
    cache_reply *replies[2] = {0};
    TRY(cache_pipeline(s->cache, commands, 2, true, replies, err));
    int rc = cache_reply_error(replies[0], err) == 0 && cache_reply_error(replies[1], err) == 0 ? 0 : -1;
    cache_reply_free(replies[0]);
    cache_reply_free(replies[1]);
    return rc;
}

int store_connection_since(canvas_store *s, const char *connection_id, bool *found,
                           long long *connected_ms, base_error *err)
{
    char connections[KEY_SIZE];
    TRY(key(s, "connections", connections, err));
    const char *argv[] = {"ZSCORE", connections, connection_id};
    cache_reply *reply = NULL;
    TRY(cache_command_argv(s->cache, 3, argv, true, &reply, err));
    uint64_t score = 0;
    *found = reply->type != CACHE_REPLY_NIL;
    int rc = !*found || reply_u64(reply, &score) ? 0 : -1;
    *connected_ms = (long long)score;
    cache_reply_free(reply);
    return rc == 0 ? 0 : unexpected(err, "the connection read");
}

int store_connections(canvas_store *s, connection_list *out, base_error *err)
{
    memset(out, 0, sizeof *out);
    char connections[KEY_SIZE];
    TRY(key(s, "connections", connections, err));
    const char *argv[] = {"ZRANGE", connections, "0", "-1", "WITHSCORES"};
    cache_reply *reply = NULL;
    TRY(cache_command_argv(s->cache, 5, argv, true, &reply, err));
    if (reply->type != CACHE_REPLY_ARRAY || reply->count % 2 != 0) {
        cache_reply_free(reply);
        return unexpected(err, "the connections read");
    }
    size_t count = reply->count / 2;
    out->ids = base_xcalloc(count ? count : 1, sizeof *out->ids);
    out->connected_ms = base_xcalloc(count ? count : 1, sizeof *out->connected_ms);
    for (size_t i = 0; i < count; i++) {
        const cache_reply *id = &reply->elements[2 * i], *score = &reply->elements[2 * i + 1];
        uint64_t ms = 0;
        if (id->type != CACHE_REPLY_BULK || !reply_u64(score, &ms))
            continue; /* not one of ours: skip rather than fail every broadcast */
        out->ids[out->count] = base_xstrdup(id->str);
        out->connected_ms[out->count++] = (long long)ms;
    }
    cache_reply_free(reply);
    return 0;
}

void connection_list_free(connection_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->ids[i]);
    free(list->ids);
    free(list->connected_ms);
    memset(list, 0, sizeof *list);
}

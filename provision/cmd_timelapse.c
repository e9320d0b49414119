/*
 * cmd_timelapse.c - `scribblectl timelapse -o FILE.webp [--from SEQ|TIME]
 * [--to SEQ|TIME] [--fps N] [--frames N] [--scale N] [--local [--data-dir
 * DIR]]`: the canvas's history table read (history.c) and drawn into an
 * animated WebP (timelapse.c). With --local it reads a running `scribblectl
 * local`'s history through its local AWS endpoint, with that run's
 * credentials (<data_dir>/credentials). Progress goes to stderr on a
 * terminal; the summary to stdout.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/client_default.h"
#include "provision/commands.h"
#include "provision/history.h"
#include "provision/log_events.h"
#include "provision/resource.h"
#include "provision/session.h"
#include "provision/timelapse.h"
#include "stack/description.h"

enum { TL_OUT, TL_FROM, TL_TO, TL_FPS, TL_FRAMES, TL_SCALE, TL_LOCAL, TL_DATA_DIR };
static const cli_option timelapse_options_table[] = {
    [TL_OUT] = {.name = "--out",
                .short_name = 'o',
                .value = OPTION_FILE,
                .placeholder = "FILE",
                .help = "the animated WebP to write",
                .required = true},
    [TL_FROM] = {.name = "--from",
                 .value = OPTION_TEXT,
                 .placeholder = "SEQ|TIME",
                 .help = "start at this seq, or at this time (2026-12-04T10:00Z, or 2h ago);\n"
                         "default: the first placement"},
    [TL_TO] = {.name = "--to",
               .value = OPTION_TEXT,
               .placeholder = "SEQ|TIME",
               .help = "end at this seq or time, included; default: the last placement"},
    [TL_FPS] = {.name = "--fps",
                .value = OPTION_NUMBER,
                .placeholder = "N",
                .min = 1,
                .max = 60,
                .help = "frames a second (default 10)"},
    [TL_FRAMES] = {.name = "--frames",
                   .value = OPTION_NUMBER,
                   .placeholder = "N",
                   .min = 1,
                   .max = 10000,
                   .help = "frames after the first (default 100; fewer if fewer placements)"},
    [TL_SCALE] = {.name = "--scale",
                  .value = OPTION_NUMBER,
                  .placeholder = "N",
                  .min = 1,
                  .max = 64,
                  .help = "each canvas pixel as an N x N square (default 1)"},
    [TL_LOCAL] = {.name = "--local",
                  .value = OPTION_FLAG,
                  .help = "read a running scribblectl local's history instead of AWS's"},
    [TL_DATA_DIR] = CLI_LOCAL_DATA_DIR_OPTION,
};

#define DEFAULT_FPS 10
#define DEFAULT_FRAMES 100

/* A bound of the range: a seq (all digits), or a time as logs --since takes it. */
typedef struct range_bound {
    bool given, is_seq;
    long long value; /* seq, or ms since the epoch */
} range_bound;

static int parse_bound(const cli_args *a, int index, range_bound *out)
{
    *out = (range_bound){0};
    if (!a->given[index])
        return 0;
    const char *text = a->text[index];
    out->given = true;
    if (strspn(text, "0123456789") == strlen(text)) {
        errno = 0;
        out->value = strtoll(text, NULL, 10);
        out->is_seq = true;
        if (!errno)
            return 0;
    } else {
        out->value = log_parse_since(text, log_now_ms());
        if (out->value >= 0)
            return 0;
    }
    fprintf(stderr,
            "scribblectl timelapse: %s %s: allowed: a seq (digits) or a time (90s, 15m, 2h, "
            "3d ago, or 2026-12-04T10:00:00Z)\n",
            timelapse_options_table[index].name, text);
    return -1;
}

static bool before(const history_placement *p, const range_bound *b)
{
    return b->is_seq ? p->seq < (uint64_t)b->value : p->placed_at_ms < b->value;
}

static bool after(const history_placement *p, const range_bound *b)
{
    return b->is_seq ? p->seq > (uint64_t)b->value : p->placed_at_ms > b->value;
}

/* [first, end): the placements from `from` up to and including `to`. */
static void find_range(const history *h, const range_bound *from, const range_bound *to,
                       size_t *first, size_t *end)
{
    *first = 0;
    while (from->given && *first < h->count && before(&h->items[*first], from))
        (*first)++;
    *end = *first;
    while (*end < h->count && !(to->given && after(&h->items[*end], to)))
        (*end)++;
}

static void show_read(void *ctx, size_t read)
{
    if (*(bool *)ctx)
        fprintf(stderr, "\rtimelapse: read %zu placements", read);
}

static void show_frame(void *ctx, int frame, int total)
{
    if (*(bool *)ctx)
        fprintf(stderr, "\rtimelapse: frame %d of %d      ", frame, total);
}

static int write_file(const char *path, const base_buf *webp)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(webp->data, 1, webp->len, f) == webp->len;
    ok = (f && fclose(f) == 0) && ok;
    if (!ok)
        fprintf(stderr, "scribblectl timelapse: %s: %s\n", path, strerror(errno));
    return ok ? 0 : -1;
}

static int draw(const cli_args *a, const scribble_config *cfg, const history *h, size_t first,
                size_t end, bool tty)
{
    timelapse_options o = {
        .width = cfg->canvas.width,
        .height = cfg->canvas.height,
        .depth = cfg->canvas.depth,
        .first = first,
        .end = end,
        .frames = a->given[TL_FRAMES] ? (int)a->number[TL_FRAMES] : DEFAULT_FRAMES,
        .fps = a->given[TL_FPS] ? (int)a->number[TL_FPS] : DEFAULT_FPS,
        .scale = a->given[TL_SCALE] ? (int)a->number[TL_SCALE] : 1,
    };
    base_buf webp = {0};
    base_error err = {0};
    int frames = 0;
    int rc = timelapse_encode(h, &o, &webp, &frames, show_frame, &tty, &err);
    if (tty)
        fprintf(stderr, "\n");
    if (rc != 0) {
        session_print_error("timelapse", &err);
        rc = err.kind == BASE_ERROR_CONFIG ? EXIT_STATUS_USAGE : EXIT_STATUS_FAILED;
    } else if (write_file(a->text[TL_OUT], &webp) != 0) {
        rc = EXIT_STATUS_FAILED;
    } else {
        printf("%s: %d frames of %dx%d at %d a second, %zu placements", a->text[TL_OUT], frames,
               o.width * o.scale, o.height * o.scale, o.fps, end - first);
        if (end > first)
            printf(" (seq %llu to %llu)", (unsigned long long)h->items[first].seq,
                   (unsigned long long)h->items[end - 1].seq);
        printf(", %zu bytes\n", webp.len);
    }
    base_buf_free(&webp);
    return rc;
}

static int run_timelapse(const cli_args *a, const scribble_globals *g)
{
    range_bound from, to;
    if (parse_bound(a, TL_FROM, &from) != 0 || parse_bound(a, TL_TO, &to) != 0)
        return EXIT_STATUS_USAGE;
    scribble_config cfg;
    if (session_load_config(g, &cfg) != 0)
        return EXIT_STATUS_USAGE;
    stack *plan = NULL;
    base_error err = {0};
    aws_client_options options = session_client_options(g, &cfg);
    char endpoint[300];
    int rc = EXIT_STATUS_FAILED;
    aws_client *client = NULL;
    history h = {0};
    bool tty = isatty(STDERR_FILENO);
    int scale = a->given[TL_SCALE] ? (int)a->number[TL_SCALE] : 1;
    if (timelapse_check_size(cfg.canvas.width, cfg.canvas.height, scale, &err) != 0 ||
        stack_build(&cfg, &plan, &err) != 0) {
        session_print_error("timelapse", &err);
        rc = EXIT_STATUS_USAGE;
    } else if (a->given[TL_LOCAL] &&
               session_local_client_options(g, &cfg, a->text[TL_DATA_DIR], "timelapse", &options,
                                            endpoint, sizeof endpoint) != 0) {
        rc = EXIT_STATUS_FAILED;
    } else if (aws_client_new_default(&options, &client, &err) != 0) {
        session_print_error("timelapse", &err);
    } else {
        char role[ROLE_SIZE];
        snprintf(role, sizeof role, ROLE_TABLE_FORMAT, "history");
        const char *table = stack_resource_name(plan, role);
        if (history_read(client, table, &h, show_read, &tty, &err) != 0) {
            if (tty)
                fprintf(stderr, "\n");
            session_print_error("timelapse", &err);
        } else {
            if (tty)
                fprintf(stderr, "\n");
            size_t first, end;
            find_range(&h, &from, &to, &first, &end);
            rc = draw(a, &cfg, &h, first, end, tty);
        }
    }
    history_free(&h);
    aws_client_free(client);
    stack_free(plan);
    scribble_config_free(&cfg);
    return rc;
}

const cli_verb verb_timelapse = {
    .name = "timelapse",
    .run = run_timelapse,
    .operands = "",
    .summary = "draw the canvas's history into an animated WebP",
    .description =
        "Reads every placement of the history table (DynamoDB, or with --local a running\n"
        "scribblectl local's) and draws them into an animated WebP in the canvas's own\n"
        "palette: the first frame is the canvas before --from, then --frames frames, each\n"
        "after an even share of the placements up to --to, the last after all of them.\n"
        "Lossless; it loops. Progress goes to stderr on a terminal.",
    .options = timelapse_options_table,
    .option_count = CLI_COUNT(timelapse_options_table),
};

/*
 * walk_report.c - progress lines, outcome tables and the failure summary for
 * the walking verbs. A failure is described in one place
 * (walk_describe_failure), so the progress line, the table, the JSON and the
 * summary say the same.
 */
#include "provision/walk_report.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "aws/clock.h"
#include "provision/session.h"

#define TICK_MS 250
/* Plain output (not a terminal) repeats a resource's running account of a
 * long activity (a phase starting with one of these words, the same but for
 * its figures) at most every PLAIN_REPEAT_S: a log needs to know it goes on,
 * not every second of it. Every retry and every step still gets its line. */
#define PLAIN_REPEAT_S 15.0
static const char *const running_accounts[] = {"uploading", "waiting"};

typedef struct row_state {
    const resource *resource;
    char phase[128]; /* what the live table shows */
    char full[1700];  /* the last phase in full */
    double started;  /* when the current phase began; 0: not started */
    double finished; /* 0 while running */
    bool shown;      /* on a terminal: worth a line (not merely read) */
    double printed_at;       /* plain output: when this row last had a line */
    char printed_key[128];   /* ... and that line without its figures */
} row_state;

struct walk_display {
    stack *stack;
    walk_mode mode;
    bool live;
    double start;
    row_state *rows;
    size_t count;
    int lines_drawn;
    bool stopping;
    pthread_mutex_t lock;
    pthread_t ticker;
    bool ticking;
};


static row_state *row_of(walk_display *d, const resource *r)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->rows[i].resource == r)
            return &d->rows[i];
    return NULL;
}

/* The terminal's width, so no line of the live table wraps (a wrapped line
 * would throw off the redraw); 80 when it cannot be told. */
static int terminal_columns(void)
{
    struct winsize size;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 20)
        return size.ws_col;
    return 80;
}

/* Redraws the live table in place (called with d->lock held). */
static void redraw(walk_display *d)
{
    double now = aws_monotonic_s();
    int columns = terminal_columns();
    if (d->lines_drawn)
        fprintf(stderr, "\033[%dA", d->lines_drawn);
    int lines = 0;
    for (size_t i = 0; i < d->count; i++) {
        row_state *row = &d->rows[i];
        if (!row->shown)
            continue;
        double end = row->finished ? row->finished : now;
        char line[512];
        snprintf(line, sizeof line, "  %-28s %7.1fs  %s", row->resource->role,
                 row->started ? end - row->started : 0.0, row->phase);
        fprintf(stderr, "\033[2K%.*s\n", columns - 1, line);
        lines++;
    }
    d->lines_drawn = lines;
    fflush(stderr);
}

static void *tick(void *arg)
{
    walk_display *d = arg;
    struct timespec pause = {0, TICK_MS * 1000000L};
    for (;;) {
        pthread_mutex_lock(&d->lock);
        bool stop = d->stopping;
        if (!stop)
            redraw(d);
        pthread_mutex_unlock(&d->lock);
        if (stop)
            return NULL;
        nanosleep(&pause, NULL);
    }
}

walk_display *walk_display_start(stack *s, walk_mode mode)
{
    walk_display *d = base_xcalloc(1, sizeof *d);
    d->stack = s;
    d->mode = mode;
    d->start = aws_monotonic_s();
    d->live = isatty(STDERR_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
    d->count = stack_count(s);
    d->rows = base_xcalloc(d->count, sizeof *d->rows);
    for (size_t i = 0; i < d->count; i++) {
        d->rows[i].resource = stack_at(s, i);
        snprintf(d->rows[i].phase, sizeof d->rows[i].phase, "waiting for dependencies");
    }
    pthread_mutex_init(&d->lock, NULL);
    if (d->live)
        d->ticking = pthread_create(&d->ticker, NULL, tick, d) == 0;
    return d;
}

void walk_display_stop(walk_display *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->lock);
    d->stopping = true;
    if (d->live)
        redraw(d);
    pthread_mutex_unlock(&d->lock);
    if (d->ticking)
        pthread_join(d->ticker, NULL);
    pthread_mutex_destroy(&d->lock);
    free(d->rows);
    free(d);
}

/* "cache scribble-cache", or the role alone when the name says no more. */
static void who(const resource *r, char *out, size_t size)
{
    if (r->name[0] && strcmp(r->name, r->role) != 0)
        snprintf(out, size, "%s %s", r->role, r->name);
    else
        snprintf(out, size, "%s", r->role);
}

void walk_describe_failure(const resource *r, const walk_outcome *o, char *out, size_t size)
{
    char name[200], detail[1400], took[32];
    who(r, name, sizeof name);
    base_error_format(&o->error, detail, sizeof detail);
    walk_format_duration(o->failing_seconds, took, sizeof took);
    const char *call = o->error.call[0] ? o->error.call : "the call";
    switch (o->failure) {
    case WALK_FAILED_FAULTS:
        snprintf(out, size, "%s: %s failed after %d tr%s in %s: %s", name, call, o->tries,
                 o->tries == 1 ? "y" : "ies", took, detail);
        break;
    case WALK_FAILED_REFUSED:
        snprintf(out, size, "%s: %s still refused after %s: %s", name, call, took, detail);
        break;
    case WALK_FAILED_WAITING:
        snprintf(out, size, "%s: %s", name, o->error.message);
        break;
    case WALK_FAILED_ERROR:
        if (o->error.call[0])
            snprintf(out, size, "%s: %s: %s", name, o->error.call, detail);
        else
            snprintf(out, size, "%s: %s", name, detail);
        break;
    }
}

static void describe_outcome(const walk_display *d, const resource *r, const walk_outcome *done,
                             char *out, size_t size)
{
    if (done->action == ACTION_FAILED) {
        int n = snprintf(out, size, "FAILED: ");
        walk_describe_failure(r, done, out + n, size - (size_t)n);
    } else {
        snprintf(out, size, "%s%s%s", walk_action_name(done->action, d->mode), r->id[0] ? " " : "",
                 r->id);
    }
}

/* The phase without its figures: "uploading 1.2 of 3.4 MB" and "uploading
 * 2.5 of 3.4 MB" are one activity, "waiting: NotVisibleYet" and "waiting
 * until ready" are two. */
static void activity_key(const char *text, char *key, size_t size)
{
    size_t n = 0;
    for (const char *p = text; *p && n + 1 < size; p++)
        if (!(*p >= '0' && *p <= '9') && *p != '.' && *p != '%')
            key[n++] = *p;
    key[n] = '\0';
}

/* Plain output: true for another line of the activity this row printed less
 * than PLAIN_REPEAT_S ago; otherwise notes this line. */
static bool same_activity_too_soon(row_state *row, const char *text, const walk_outcome *done,
                                   double now)
{
    char key[sizeof row->printed_key];
    activity_key(text, key, sizeof key);
    bool running = false;
    for (size_t i = 0; i < sizeof running_accounts / sizeof running_accounts[0]; i++)
        running = running || strncmp(text, running_accounts[i], strlen(running_accounts[i])) == 0;
    if (!done && running && row->printed_at && strcmp(key, row->printed_key) == 0 &&
        now - row->printed_at < PLAIN_REPEAT_S)
        return true;
    row->printed_at = now;
    memcpy(row->printed_key, key, sizeof key);
    return false;
}

void walk_report_progress(void *ctx, const resource *r, const char *phase, const walk_outcome *done)
{
    walk_display *d = ctx;
    pthread_mutex_lock(&d->lock);
    row_state *row = row_of(d, r);
    double now = aws_monotonic_s();
    char text[1700];
    if (done) {
        describe_outcome(d, r, done, text, sizeof text);
        row->finished = now;
    } else {
        snprintf(text, sizeof text, "%s", phase);
        if (!row->started)
            row->started = now;
    }
    /* A kind that waits long says the same thing on each try: once is enough. */
    bool repeated = !done && strcmp(row->full, text) == 0;
    snprintf(row->full, sizeof row->full, "%s", text);
    /* The live table keeps one short line per resource; the full text goes
     * to plain output and, for failures, to the final summary. */
    size_t n = strlen(text);
    if (n >= sizeof row->phase)
        n = sizeof row->phase - 1;
    memcpy(row->phase, text, n);
    row->phase[n] = '\0';
    bool quiet = (!done && strcmp(phase, "reading") == 0) ||
                 (done && (done->action == ACTION_UNCHANGED || done->action == ACTION_ABSENT));
    if (!quiet)
        row->shown = true;
    if (d->live) {
        redraw(d);
    } else if (!quiet && !repeated && !same_activity_too_soon(row, text, done, now)) {
        if (done && done->action != ACTION_FAILED)
            fprintf(stderr, "  [%6.1fs] %-28s %s (%.1f s)\n", now - d->start, r->role, text,
                    done->seconds);
        else
            fprintf(stderr, "  [%6.1fs] %-28s %s\n", now - d->start, r->role, text);
    }
    pthread_mutex_unlock(&d->lock);
}

/* "  skipped because of it: a, b, c" for what failed resource `failed` held back. */
static void print_skipped(FILE *out, stack *s, const walk_outcome *outcomes, size_t failed)
{
    bool any = false;
    for (size_t i = 0; i < stack_count(s); i++) {
        if (outcomes[i].action != ACTION_NONE || outcomes[i].blocked_by != (int)failed)
            continue;
        fprintf(out, "%s%s", any ? ", " : "      skipped because of it: ", stack_at(s, i)->role);
        any = true;
    }
    if (any)
        fprintf(out, "\n");
}

void walk_report_failures(FILE *out, stack *s, const walk_outcome *outcomes, const char *verb)
{
    int failed = walk_count(s, outcomes, ACTION_FAILED);
    int skipped = walk_count(s, outcomes, ACTION_NONE);
    fprintf(out, "%s: %d resource%s failed", verb, failed, failed == 1 ? "" : "s");
    if (skipped)
        fprintf(out, ", %d skipped because of %s", skipped, failed == 1 ? "it" : "them");
    fprintf(out, ":\n");
    for (size_t i = 0; i < stack_count(s); i++) {
        if (outcomes[i].action != ACTION_FAILED)
            continue;
        char text[1600];
        walk_describe_failure(stack_at(s, i), &outcomes[i], text, sizeof text);
        fprintf(out, "  %s\n", text);
        print_skipped(out, s, outcomes, i);
    }
    fprintf(out, "%s: what could be done is done; run `scribblectl %s` again to retry the rest\n",
            verb, verb);
}

int walk_count(const stack *s, const walk_outcome *outcomes, walk_action a)
{
    int n = 0;
    for (size_t i = 0; i < stack_count(s); i++)
        n += outcomes[i].action == a;
    return n;
}

static void print_drift(FILE *out, const resource *r)
{
    const char *p = base_buf_str(&r->drift);
    while (*p) {
        size_t n = strcspn(p, "\n");
        fprintf(out, "      ~ %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

void walk_report_table(FILE *out, stack *s, const walk_outcome *outcomes, walk_mode mode)
{
    fprintf(out, "%-28s %-22s %-36s %s\n", "RESOURCE", "KIND", "ID", mode == WALK_STATUS ? "STATE" : "ACTION");
    for (size_t i = 0; i < stack_count(s); i++) {
        resource *r = stack_at(s, i);
        const walk_outcome *o = &outcomes[i];
        if (o->action == ACTION_OUTSIDE)
            continue;
        const char *what = walk_action_name(o->action, mode);
        if (mode == WALK_STATUS && o->action == ACTION_UNCHANGED)
            what = r->state[0] ? r->state : "exists";
        fprintf(out, "%-28s %-22s %-36s %s\n", r->role, r->ops->kind, r->id[0] ? r->id : "-", what);
        if (o->action == ACTION_FAILED) {
            char text[1600];
            walk_describe_failure(r, o, text, sizeof text);
            fprintf(out, "      ! %s\n", text);
        }
        print_drift(out, r);
    }
}

cJSON *walk_report_document(stack *s, const walk_outcome *outcomes, walk_mode mode)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "stack", stack_name(s));
    cJSON_AddStringToObject(doc, "region", stack_region(s));
    cJSON_AddStringToObject(doc, "account", stack_account(s));
    cJSON *list = cJSON_AddArrayToObject(doc, "resources");
    for (size_t i = 0; i < stack_count(s); i++) {
        resource *r = stack_at(s, i);
        if (outcomes[i].action == ACTION_OUTSIDE)
            continue;
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "role", r->role);
        cJSON_AddStringToObject(item, "kind", r->ops->kind);
        cJSON_AddStringToObject(item, "name", r->name);
        cJSON_AddBoolToObject(item, "exists", r->exists);
        if (r->id[0])
            cJSON_AddStringToObject(item, "id", r->id);
        if (r->arn[0])
            cJSON_AddStringToObject(item, "arn", r->arn);
        if (r->state[0])
            cJSON_AddStringToObject(item, "state", r->state);
        cJSON_AddStringToObject(item, "action", walk_action_name(outcomes[i].action, mode));
        session_add_lines(item, "drift", base_buf_str(&r->drift));
        if (outcomes[i].action == ACTION_FAILED) {
            char text[1600];
            walk_describe_failure(r, &outcomes[i], text, sizeof text);
            cJSON_AddStringToObject(item, "error", text);
        } else if (outcomes[i].action == ACTION_NONE && outcomes[i].blocked_by >= 0) {
            cJSON_AddStringToObject(item, "skipped_because",
                                    stack_at(s, (size_t)outcomes[i].blocked_by)->role);
        }
        cJSON_AddItemToArray(list, item);
    }
    return doc;
}

/*
 * fuzz_log_lines.c - `scribblectl logs --local` reading a handler's log
 * file (provision/log_events.c): the first line of the input is a --since
 * value and a filter, the rest is the file. Every event it returns is one
 * whole line of the file (no newline in it), at or after the start, holding
 * the filter, and the events come sorted by time.
 */
#include "fuzz.h"
#include "provision/log_events.h"

#define NOW_MS 1796400000000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *head = fuzz_take_line(&data, &size);
    char *space = strchr(head, ' ');
    if (space)
        *space = '\0';
    const char *filter = space && space[1] ? space + 1 : NULL;
    long long start = log_parse_since(head, NOW_MS); /* -1: not a time; the verb refuses it */
    char path[128];
    snprintf(path, sizeof path, "%s/send.log", fuzz_temp_dir());
    fuzz_write_file(path, data, size);
    log_source source = {"send", path};
    log_query q = {
        .sources = &source, .source_count = 1, .start_ms = start < 0 ? 0 : start, .filter = filter};
    log_batch b;
    base_error err = {0};
    if (log_events_read_files(&q, &b, &err) != 0)
        abort();
    size_t lines = 0;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (b.count > lines || b.missing)
        abort();
    for (size_t i = 0; i < b.count; i++) {
        const log_event *e = &b.events[i];
        if (strchr(e->message, '\n') || e->timestamp_ms < q.start_ms ||
            (filter && !strstr(e->message, filter)) ||
            (i && e->timestamp_ms < b.events[i - 1].timestamp_ms))
            abort();
    }
    log_seen seen = {.window_ms = 1000, .latest_ms = -1};
    log_events_drop_seen(&b, &seen);
    log_seen_free(&seen);
    log_batch_free(&b);
    free(head);
    return 0;
}

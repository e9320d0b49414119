/*
 * walk_report.c - progress lines and outcome tables for the walking verbs.
 */
#include "provision/walk_report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static double elapsed_s(void)
{
    static struct timespec start;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!start.tv_sec && !start.tv_nsec)
        start = now;
    return (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
}

void walk_report_progress(void *ctx, const resource *r, const char *phase, const walk_outcome *done)
{
    const walk_mode *mode = ctx;
    double t = elapsed_s();
    if (!done) {
        if (strcmp(phase, "reading") != 0)
            fprintf(stderr, "  [%6.1fs] %-28s %s\n", t, r->role, phase);
        return;
    }
    if (done->action == ACTION_FAILED) {
        char text[1400];
        aws_error_format(&done->error, text, sizeof text);
        fprintf(stderr, "  [%6.1fs] %-28s FAILED: %s\n", t, r->role, text);
    } else if (done->action != ACTION_UNCHANGED && done->action != ACTION_ABSENT &&
               *mode != WALK_PLAN && *mode != WALK_STATUS) {
        fprintf(stderr, "  [%6.1fs] %-28s %s %s (%.1f s)\n", t, r->role,
                walk_action_name(done->action, *mode), r->id, done->seconds);
    }
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
    const char *p = aws_buf_str(&r->drift);
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
        const char *what = walk_action_name(o->action, mode);
        if (mode == WALK_STATUS && o->action == ACTION_UNCHANGED)
            what = r->state[0] ? r->state : "exists";
        fprintf(out, "%-28s %-22s %-36s %s\n", r->role, r->ops->kind, r->id[0] ? r->id : "-", what);
        if (o->action == ACTION_FAILED) {
            char text[1400];
            aws_error_format(&o->error, text, sizeof text);
            fprintf(out, "      ! %s\n", text);
        }
        print_drift(out, r);
    }
}

void walk_report_json(FILE *out, stack *s, const walk_outcome *outcomes, walk_mode mode)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "stack", stack_name(s));
    cJSON_AddStringToObject(doc, "region", stack_region(s));
    cJSON_AddStringToObject(doc, "account", stack_account(s));
    cJSON *list = cJSON_AddArrayToObject(doc, "resources");
    for (size_t i = 0; i < stack_count(s); i++) {
        resource *r = stack_at(s, i);
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
        cJSON *drift = cJSON_AddArrayToObject(item, "drift");
        const char *p = aws_buf_str(&r->drift);
        while (*p) {
            size_t n = strcspn(p, "\n");
            char *line = aws_xstrndup(p, n);
            cJSON_AddItemToArray(drift, cJSON_CreateString(line));
            free(line);
            p += n + (p[n] == '\n');
        }
        if (outcomes[i].action == ACTION_FAILED) {
            char text[1400];
            aws_error_format(&outcomes[i].error, text, sizeof text);
            cJSON_AddStringToObject(item, "error", text);
        }
        cJSON_AddItemToArray(list, item);
    }
    char *text = cJSON_Print(doc);
    fprintf(out, "%s\n", text);
    free(text);
    cJSON_Delete(doc);
}

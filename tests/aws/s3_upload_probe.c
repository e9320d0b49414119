/*
 * s3_upload_probe.c - puts one file into S3 through aws_s3_upload, so Python
 * tests can check single and multipart uploads, resuming, progress and the
 * transport's time limits against a local endpoint:
 *
 *   s3_upload_probe [--part-size BYTES] [--stall-seconds S] [--timeout-ms MS] BUCKET KEY FILE
 *
 * Success: "ok parts_sent=N parts_reused=M progress_calls=K progress_last=SENT/TOTAL".
 * Failure: the error's code and message, exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/client_default.h"
#include "aws/s3_upload.h"

typedef struct progress_seen {
    int calls;
    size_t last_sent;
    size_t last_total;
    bool went_back;
} progress_seen;

static void on_progress(void *ctx, size_t sent, size_t total)
{
    progress_seen *p = ctx;
    if (p->calls && sent < p->last_sent)
        p->went_back = true;
    p->calls++;
    p->last_sent = sent;
    p->last_total = total;
}

static int read_file(const char *path, base_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        base_buf_append(out, chunk, n);
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    aws_client_options options = {0};
    aws_s3_upload_options upload = {0};
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (!strcmp(argv[i], "--part-size"))
            upload.part_size = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--stall-seconds"))
            options.stall_seconds = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--timeout-ms"))
            options.timeout_ms = atol(argv[i + 1]);
        else
            break;
    }
    if (argc - i != 3) {
        fprintf(stderr, "usage: s3_upload_probe [--part-size B] [--stall-seconds S] "
                        "[--timeout-ms MS] BUCKET KEY FILE\n");
        return 2;
    }
    base_buf data = {0};
    if (read_file(argv[i + 2], &data) != 0) {
        fprintf(stderr, "cannot read %s\n", argv[i + 2]);
        return 2;
    }
    progress_seen seen = {0};
    int parts_sent = 0, parts_reused = 0;
    upload.progress = on_progress;
    upload.progress_ctx = &seen;
    upload.parts_sent = &parts_sent;
    upload.parts_reused = &parts_reused;
    aws_s3_object object = {.bucket = argv[i], .key = argv[i + 1], .data = data.data,
                            .size = data.len};
    base_error err = {0};
    aws_client *client = NULL;
    int rc = aws_client_new_default(&options, &client, &err);
    if (rc == 0)
        rc = aws_s3_upload(client, &object, &upload, &err);
    aws_client_free(client);
    base_buf_free(&data);
    if (rc != 0) {
        char text[1400];
        base_error_format(&err, text, sizeof text);
        printf("error %s\n", text);
        return 1;
    }
    printf("ok parts_sent=%d parts_reused=%d progress_calls=%d progress_last=%zu/%zu%s\n",
           parts_sent, parts_reused, seen.calls, seen.last_sent, seen.last_total,
           seen.went_back ? " progress_went_back" : "");
    return 0;
}

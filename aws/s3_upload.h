/*
 * s3_upload.h - puts one object into S3 the way a slow or flaky uplink needs:
 * in one PutObject when small, otherwise as a multipart upload that resumes
 * an unfinished upload of the same key instead of starting over, so what
 * was sent before an interruption is not sent again.
 *
 * Every body carries Content-MD5, so S3 refuses a corrupted part rather
 * than storing it. Progress is reported as bytes of the whole object.
 */
#ifndef SCRIBBLE_AWS_S3_UPLOAD_H
#define SCRIBBLE_AWS_S3_UPLOAD_H

#include <stddef.h>

#include "client.h"

/* Objects up to this size go in one PutObject; larger ones in parts of it.
 * S3's minimum part size is 5 MiB; 8 MiB is the AWS CLI's default. */
#define AWS_S3_PART_SIZE ((size_t)8 * 1024 * 1024)

typedef struct aws_s3_object {
    const char *bucket;
    const char *key;          /* as stored: "packages/<sha256>.zip" */
    const void *data;
    size_t size;
    const char *content_type; /* NULL: application/octet-stream */
} aws_s3_object;

typedef struct aws_s3_upload_options {
    size_t part_size;         /* 0: AWS_S3_PART_SIZE (at least 5 MiB when set) */
    aws_progress_fn progress; /* bytes of the object sent so far (parts found already
                                 uploaded count as sent); NULL: none */
    void *progress_ctx;
    int *parts_sent;          /* optional: how many parts this call sent (0 for PutObject) */
    int *parts_reused;        /* optional: how many parts an earlier upload had sent */
} aws_s3_upload_options;

/* Adds Content-MD5 (base64 of the body's MD5), which S3 requires on
 * configuration PUTs and DeleteObjects and checks on every upload. */
void aws_s3_add_content_md5(aws_headers *headers, const void *body, size_t len);

/* Puts o at s3://bucket/key. */
int aws_s3_upload(aws_client *c, const aws_s3_object *o, const aws_s3_upload_options *options,
                  base_error *err);

#endif

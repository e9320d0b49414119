/*
 * local_s3.h - scribblectl local's S3: path-style PutObject, GetObject,
 * HeadObject and DeleteObject on the stack's buckets, answered from a
 * local_store in S3's REST-XML shapes and error documents.
 *
 * Buckets are not created through the API: they are the stack's, known from
 * scribble.ini and passed in with each request. A request is a pure function
 * of the store and its parts; it never prints. The public web server reads
 * objects directly with local_store_get_object (local_store.h).
 */
#ifndef SCRIBBLE_LOCAL_S3_H
#define SCRIBBLE_LOCAL_S3_H

#include <stddef.h>

#include "base/error.h"
#include "local/local_reply.h"
#include "local/local_store.h"

/*
 * Answers one request. path is the request target as received,
 * percent-encoded: "/bucket/key" (a query after '?' may carry only x-id);
 * content_type is the request's Content-Type (NULL: none, stored as
 * binary/octet-stream). reply (zeroed, or freed with local_reply_free)
 * receives the answer: status, ETag, an x-amz-request-id header and, for
 * GetObject and HeadObject, the object's content type (valid while the store
 * is open), Last-Modified and bytes. HeadObject carries the bytes too, so
 * that Content-Length is the object's size: the HTTP server sends no body to
 * HEAD. Errors to HEAD have no body, as S3's.
 *
 * Answers: 200 PutObject, GetObject, HeadObject, HeadBucket; 204
 * DeleteObject; 400 InvalidURI (bad percent-encoding), KeyTooLongError,
 * InvalidArgument (a Content-Type with control characters); 404 NoSuchBucket,
 * NoSuchKey; 405 MethodNotAllowed (another method on an object); 501
 * NotImplemented (other bucket or service operations, query parameters).
 *
 * Returns 0 when reply holds the answer to the request, a success or the
 * request's error. Returns -1 when the store failed: reply then holds an
 * InternalError (HTTP 500) and err says what failed, for the server's log.
 */
int local_s3_handle(local_store *store, const char *const *buckets, size_t bucket_count,
                    const char *method, const char *path, const char *content_type,
                    const char *body, size_t len, local_reply *reply, base_error *err);

/* Answers a request S3 would refuse before reading it (a signature's
 * refusal): status, and S3's XML error with code and message. */
void local_s3_refuse(local_reply *reply, const char *method, int status, const char *code,
                     const char *message);

#endif

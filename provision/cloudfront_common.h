/*
 * cloudfront_common.h - what the CloudFront kinds (cache policy, origin
 * access control, distribution) share: one call shape with If-Match and
 * ETag, and building request documents in CloudFront's namespace.
 */
#ifndef SCRIBBLE_PROVISION_CLOUDFRONT_COMMON_H
#define SCRIBBLE_PROVISION_CLOUDFRONT_COMMON_H

#include <libxml/tree.h>

#include "provision/resource.h"

#define CLOUDFRONT_NAMESPACE "http://cloudfront.amazonaws.com/doc/2020-05-31/"
#define ETAG_SIZE 128
#define PATH_SIZE 640 /* a route and an id (r->id is 512) */
#define CLOUDFRONT_DISTRIBUTION_PATH "/2020-05-31/distribution"

/* "<stack> Scribble site": the comment that names the site's CloudFront
 * resources (the distribution is found by it). */
void cloudfront_site_comment(const stack *s, char out[160]);
/* The site distribution's domain name (d123.cloudfront.net) into out; ""
 * when the stack has none. */
int cloudfront_site_domain(op_ctx *ctx, char *out, size_t size, base_error *err);

/* A CloudFront call; body (freed here) and if_match optional; etag, when
 * given, receives the answer's ETag header. */
int cloudfront_call(op_ctx *ctx, const char *method, const char *path, const aws_params *query,
                    const char *if_match, xmlDocPtr body, xmlDocPtr *out, char *etag, base_error *err);
/* The ETag of <base_path>/<id>, for If-Match. */
int cloudfront_etag(op_ctx *ctx, const char *base_path, const char *id, char etag[ETAG_SIZE],
                    base_error *err);
/* A stale ETag means someone changed the resource between our GET and this
 * call: marks that refusal retryable (the walker reads it again). Returns rc. */
int cloudfront_retry_on_conflict(int rc, base_error *err);
/* Deletes <base_path>/<id> with its current ETag. Already gone (not_found)
 * is success; in_use (a distribution still letting go of it) is retryable. */
int cloudfront_delete(op_ctx *ctx, const char *base_path, const char *id, const char *not_found,
                      const char *in_use, base_error *err);
/* Pages through the list at path (query optional) for the first <summary>
 * element whose element at field (a path of child names, NULL-terminated)
 * holds value, and calls found(arg, summary) while its page is alive.
 * Nothing found: found is not called. */
typedef void (*cloudfront_found_fn)(void *arg, xmlNodePtr summary);
int cloudfront_find(op_ctx *ctx, const char *path, const aws_params *query, const char *summary,
                    const char *const *field, const char *value, cloudfront_found_fn found,
                    void *arg, base_error *err);

/* The first child element of node named name; NULL when there is none (or no node). */
xmlNodePtr cloudfront_child(xmlNodePtr node, const char *name);
/* The element at a path of child names (NULL-terminated) below node, or NULL. */
xmlNodePtr cloudfront_element_at(xmlNodePtr node, const char *const *path);
/* That element's text (caller frees), or NULL when there is no such element. */
char *cloudfront_text_at(xmlNodePtr node, const char *const *path);

/* <name>value</name> under parent, escaped. */
void cloudfront_add_text(xmlNodePtr parent, const char *name, const char *value);

#endif

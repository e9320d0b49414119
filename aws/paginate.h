/*
 * paginate.h - following an AWS list operation's pages to the end, once
 * per protocol: the caller names the request's token field and the
 * response's, and gets each page in turn. A page function that returns -1
 * stops the walk with its error; one that sets *stop ends it early.
 */
#ifndef SCRIBBLE_AWS_PAGINATE_H
#define SCRIBBLE_AWS_PAGINATE_H

#include <stdbool.h>

#include "aws/client.h"

typedef int (*aws_json_page_fn)(void *ctx, const cJSON *page, bool *stop, base_error *err);
typedef int (*aws_xml_page_fn)(void *ctx, xmlNodePtr root, bool *stop, base_error *err);

/* json: the token goes in the input document (which is modified), e.g.
 * "ExclusiveStartTableName" / "LastEvaluatedTableName", "PaginationToken";
 * a token may also be an object ("ExclusiveStartKey" / "LastEvaluatedKey"). */
int aws_json_paginate(aws_client *c, const aws_service *svc, const char *operation, cJSON *input,
                      const char *input_token, const char *output_token, aws_json_page_fn fn,
                      void *ctx, base_error *err);
/* rest-json GET: the token is a query parameter, e.g. "Marker" / "NextMarker". */
int aws_rest_json_paginate(aws_client *c, const aws_service *svc, const char *path,
                           const aws_params *query, const char *query_token,
                           const char *output_token, aws_json_page_fn fn, void *ctx, base_error *err);
/* query and ec2: the token is a parameter; the response's token element
 * (found anywhere in the document) is read, e.g. "Marker" / "Marker", "NextToken". */
int aws_query_paginate(aws_client *c, const aws_service *svc, const char *action,
                       const aws_params *params, const char *input_token, const char *output_token,
                       aws_xml_page_fn fn, void *ctx, base_error *err);
/* rest-xml GET: the token is a query parameter, e.g. "Marker" / "NextMarker",
 * "continuation-token" / "NextContinuationToken". */
int aws_rest_xml_paginate(aws_client *c, const aws_service *svc, const char *path,
                          const aws_params *query, const char *query_token,
                          const char *output_token, aws_xml_page_fn fn, void *ctx, base_error *err);

#endif

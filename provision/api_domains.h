/*
 * api_domains.h - API Gateway's custom domain names, as the domain's kinds
 * read them: one by name, and those tagged with the stack.
 */
#ifndef SCRIBBLE_PROVISION_API_DOMAINS_H
#define SCRIBBLE_PROVISION_API_DOMAINS_H

#include <stdbool.h>

#include "aws/client.h"
#include "provision/route53.h"

#define API_DOMAINS_PATH "/v2/domainnames"

typedef struct api_domain {
    char name[ROUTE53_NAME_SIZE];
    char certificate_arn[512];
    char target[ROUTE53_NAME_SIZE]; /* apiGatewayDomainName: what the alias records name */
    char target_zone[ROUTE53_ID_SIZE];
    char status[40]; /* domainNameStatus */
    char security_policy[16];
    char ip_address_type[16];
    char stack[128]; /* its scribble:stack tag; "" when it has none */
} api_domain;

/* The domain name `name`; *found false when API Gateway has none. */
int api_domain_get(aws_client *c, const char *name, api_domain *out, bool *found, base_error *err);

/* DELETE path; already gone (NotFoundException) is success. */
int api_domains_delete(aws_client *c, const char *path, base_error *err);

/* Calls fn for each custom domain name of the region tagged scribble:stack=<stack_name>. */
typedef int (*api_domain_fn)(void *ctx, const api_domain *domain, base_error *err);
int api_domain_each_of_stack(aws_client *c, const char *stack_name, api_domain_fn fn, void *ctx,
                             base_error *err);

#endif

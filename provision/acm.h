/*
 * acm.h - what the domain's kinds share of Certificate Manager: the
 * certificates the stack wants, one certificate as DescribeCertificate
 * gives it, and the stack's certificates found by their tags.
 *
 * Every certificate the stack requests covers both [domain] names (the page
 * and the WebSocket), validated by DNS: one certificate in us-east-1 serves
 * CloudFront (and API Gateway too when the stack is in us-east-1), another
 * in the stack's region serves API Gateway. A certificate is the stack's
 * when it carries the stack's tag; it is the one wanted now when its names
 * are exactly the configured ones.
 */
#ifndef SCRIBBLE_PROVISION_ACM_H
#define SCRIBBLE_PROVISION_ACM_H

#include <stdbool.h>

#include "aws/client.h"
#include "provision/config.h"
#include "provision/route53.h"

#define ACM_MAX_NAMES 4

typedef struct acm_validation {
    char domain[ROUTE53_NAME_SIZE];
    char status[32];       /* PENDING_VALIDATION, SUCCESS, FAILED */
    route53_record record; /* the CNAME ACM looks up; name "" until ACM has made it */
} acm_validation;

typedef struct acm_certificate {
    char arn[512];
    char domain[ROUTE53_NAME_SIZE];
    char names[ACM_MAX_NAMES][ROUTE53_NAME_SIZE]; /* SubjectAlternativeNames (the domain too) */
    int name_count;
    char status[32];  /* PENDING_VALIDATION, ISSUED, FAILED, VALIDATION_TIMED_OUT, ... */
    char failure[64]; /* FailureReason, when FAILED */
    double not_after; /* seconds since the epoch; 0 until issued */
    int in_use;       /* how many resources InUseBy names */
    acm_validation validations[ACM_MAX_NAMES];
    int validation_count;
} acm_certificate;

/* The service a certificate role's certificate lives in: us-east-1 for
 * the site's (CloudFront's), the stack's region for the WebSocket's. */
const aws_service *acm_service_of_role(const char *role);

/* Does the certificate cover exactly the configured names? */
bool acm_names_wanted(const acm_certificate *cert, const scribble_config *cfg);
/* Is it usable, or on its way to be (ISSUED or PENDING_VALIDATION)? */
bool acm_status_live(const acm_certificate *cert);
/* "ISSUED until 2027-12-04", "PENDING_VALIDATION": for r->state. */
void acm_state_text(const acm_certificate *cert, char *out, size_t size);

int acm_describe(aws_client *c, const aws_service *svc, const char *arn, acm_certificate *out,
                 base_error *err);

/* Calls fn for each certificate in svc's region that carries
 * scribble:stack=<stack>, with its scribble:role tag, as the Resource Groups
 * Tagging API lists them (one call, however many certificates the account
 * has; a certificate just requested may be listed a little later). fn
 * returns -1 (err) to stop. */
typedef int (*acm_each_fn)(void *ctx, const char *arn, const char *role, base_error *err);
int acm_each_of_stack(aws_client *c, const aws_service *svc, const char *stack_name, acm_each_fn fn,
                      void *ctx, base_error *err);

/* Does a certificate that is not the stack's (in us-east-1 or the client's
 * region) cover name? ACM gives every certificate of the account the same
 * validation record for a name, and renews with it: such a record stays. */
int acm_name_needed_elsewhere(aws_client *c, const char *stack_name, const char *name, bool *needed,
                              base_error *err);

/* The stack's certificate of role in svc's region that covers exactly the
 * configured names and is issued (else one pending validation): *found.
 * Found in ListCertificates by the page's name, so a certificate is found
 * as soon as ACM lists it. */
int acm_find_wanted(aws_client *c, const aws_service *svc, const char *stack_name, const char *role,
                    const scribble_config *cfg, acm_certificate *out, bool *found, base_error *err);

#endif

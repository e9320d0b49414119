/*
 * doctor.h - the checks behind `scribblectl doctor`: who the credentials
 * belong to, and one read call per service, as a table of rows.
 */
#ifndef SCRIBBLE_PROVISION_DOCTOR_H
#define SCRIBBLE_PROVISION_DOCTOR_H

#include <stddef.h>

#include "aws/client.h"
#include "provision/config.h"

typedef struct doctor_check {
    const aws_service *service;
    const char *operation;
    int (*run)(aws_client *c, base_error *err);
    /* Instead of run, for a check with figures to show after OK. */
    int (*report)(aws_client *c, const scribble_config *cfg, char *detail, size_t size,
                  base_error *err);
} doctor_check;

extern const doctor_check doctor_checks[];
extern const size_t doctor_check_count;

/* STS GetCallerIdentity: the account and ARN the credentials belong to. */
int doctor_caller_identity(aws_client *c, char *account, size_t account_size, char *arn,
                           size_t arn_size, base_error *err);

#endif

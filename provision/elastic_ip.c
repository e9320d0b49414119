/*
 * elastic_ip.c - the Elastic IP of NAT gateway r->index.
 *
 * Allocated (domain vpc) tagged in the same call, found by its tags. Release
 * is refused for a while after the NAT gateway using it is deleted: AWS
 * answers InvalidIPAddress.InUse while it is still associated and, once the
 * NAT gateway is gone but not yet forgotten, AuthFailure ("You do not have
 * permission to access the specified resource", a known misleading answer:
 * kubernetes/kops#938, coreos/grafiti#89). Both are returned retryable so the
 * walker keeps trying within its timeout.
 *
 * r->state is "associated" (in use by the NAT gateway) or "allocated".
 * Outputs: allocation_id, public_ip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/ec2_common.h"
#include "provision/kind_support.h"

static void publish(resource *r, xmlNodePtr item)
{
    char id[64], ip[64], association[64];
    ec2_text(item, "allocationId", id, sizeof id);
    ec2_text(item, "publicIp", ip, sizeof ip);
    ec2_text(item, "associationId", association, sizeof association);
    ec2_publish(r, id, "allocation_id", association[0] ? "associated" : "allocated");
    resource_set_output(r, "public_ip", ip);
}

static int elastic_ip_read(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    int rc = ec2_find_tagged(ctx, r, "DescribeAddresses", "addressesSet", "", NULL, &doc, &item,
                             err);
    if (item)
        publish(r, item);
    xmlFreeDoc(doc);
    return rc;
}

static int elastic_ip_create(op_ctx *ctx, resource *r, base_error *err)
{
    aws_params p = {0};
    aws_params_add(&p, "Domain", "vpc");
    stack_add_ec2_tag_specifications(ctx->stack, r, "elastic-ip", &p);
    xmlDocPtr doc = NULL;
    TRY(ec2_call(ctx, "AllocateAddress", &p, &doc, err));
    publish(r, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    ENSURE(r->id[0], err, BASE_ERROR_PARSE, "MalformedResponse",
           "AllocateAddress gave no allocationId");
    return 0;
}

static int elastic_ip_remove(op_ctx *ctx, resource *r, base_error *err)
{
    if (ec2_delete(ctx, "ReleaseAddress", "AllocationId", r->id, err) == 0)
        return 0;
    if (error_is(err, "InvalidIPAddress.InUse") || error_is(err, "AuthFailure"))
        err->retryable = true;
    return -1;
}

const resource_ops elastic_ip_ops = {
    .kind = "Elastic IP",
    .read = elastic_ip_read,
    .create = elastic_ip_create,
    .remove = elastic_ip_remove,
};

/*
 * operations.c - the table of calls not repeated blindly. See operations.h.
 * Names, methods and paths are botocore's (service-2.json "operations").
 */
#include "operations.h"

#include <stddef.h>
#include <string.h>

static const aws_operation unsafe_to_repeat[] = {
    /* EC2: no token; a repeat makes a second one, or is refused as a duplicate. */
    {&aws_service_ec2, "CreateVpc", NULL, NULL},
    {&aws_service_ec2, "CreateSubnet", NULL, NULL},
    {&aws_service_ec2, "CreateInternetGateway", NULL, NULL},
    {&aws_service_ec2, "AttachInternetGateway", NULL, NULL},
    {&aws_service_ec2, "AllocateAddress", NULL, NULL},
    {&aws_service_ec2, "CreateSecurityGroup", NULL, NULL},
    {&aws_service_ec2, "AuthorizeSecurityGroupIngress", NULL, NULL},
    {&aws_service_ec2, "AuthorizeSecurityGroupEgress", NULL, NULL},
    {&aws_service_ec2, "CreateRoute", NULL, NULL},
    {&aws_service_ec2, "AssociateRouteTable", NULL, NULL},
    /* EC2 with a ClientToken: AWS deduplicates, the caller looks first all the same. */
    {&aws_service_ec2, "CreateNatGateway", NULL, NULL},
    {&aws_service_ec2, "CreateRouteTable", NULL, NULL},
    {&aws_service_ec2, "CreateVpcEndpoint", NULL, NULL},
    /* Unique names: a repeat is refused as already existing. */
    {&aws_service_iam, "CreateRole", NULL, NULL},
    {&aws_service_dynamodb, "CreateTable", NULL, NULL},
    {&aws_service_logs, "CreateLogGroup", NULL, NULL},
    {&aws_service_elasticache, "CreateServerlessCache", NULL, NULL},
    {&aws_service_elasticache, "CreateReplicationGroup", NULL, NULL},
    {&aws_service_elasticache, "CreateCacheSubnetGroup", NULL, NULL},
    {&aws_service_lambda, "CreateFunction", "POST", "/2015-03-31/functions"},
    {&aws_service_lambda, "AddPermission", "POST", "/2015-03-31/functions/{FunctionName}/policy"},
    {&aws_service_cloudfront, "CreateCachePolicy", "POST", "/2020-05-31/cache-policy"},
    {&aws_service_cloudfront, "CreateOriginAccessControl", "POST",
     "/2020-05-31/origin-access-control"},
    /* No unique name: a repeat makes a second one. */
    {&aws_service_lambda, "CreateEventSourceMapping", "POST", "/2015-03-31/event-source-mappings"},
    {&aws_service_apigatewayv2, "CreateApi", "POST", "/v2/apis"},
    {&aws_service_apigatewayv2, "CreateIntegration", "POST", "/v2/apis/{apiId}/integrations"},
    {&aws_service_apigatewayv2, "CreateRoute", "POST", "/v2/apis/{apiId}/routes"},
    {&aws_service_apigatewayv2, "CreateStage", "POST", "/v2/apis/{apiId}/stages"},
    {&aws_service_apigatewayv2, "CreateDeployment", "POST", "/v2/apis/{apiId}/deployments"},
    /* Refused when repeated: the first one exists (ConflictException). */
    {&aws_service_apigatewayv2, "CreateDomainName", "POST", "/v2/domainnames"},
    {&aws_service_apigatewayv2, "CreateApiMapping", "POST",
     "/v2/domainnames/{domainName}/apimappings"},
    /* A DELETE batch repeated after it applied is refused whole (InvalidChangeBatch). */
    {&aws_service_route53, "ChangeResourceRecordSets", "POST", "/2013-04-01/hostedzone/{Id}/rrset"},
};

/* The number of '/'-separated segments of a path. */
static size_t segment_count(const char *path)
{
    size_t n = 0;
    for (const char *p = path; *p; p++)
        n += *p == '/' && p[1] && p[1] != '/';
    return n;
}

/* Does the end of path match template, segment by segment ("{x}" is any one)? */
static bool path_matches(const char *template, const char *path)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--; /* "/event-source-mappings/" is the same call */
    size_t wanted = segment_count(template);
    const char *start = path + len;
    for (size_t seen = 0; seen < wanted;) {
        if (start == path)
            return false;
        start--;
        seen += *start == '/';
    }
    const char *t = template, *p = start, *end = path + len;
    while (*t && p < end) {
        if (*t != '/' || *p != '/')
            return false;
        t++, p++;
        size_t tn = strcspn(t, "/"), pn = 0;
        while (p + pn < end && p[pn] != '/')
            pn++;
        bool any = tn >= 2 && t[0] == '{' && t[tn - 1] == '}';
        if (!any && (tn != pn || strncmp(t, p, tn) != 0))
            return false;
        if (any && pn == 0)
            return false;
        t += tn, p += pn;
    }
    return !*t && p == end;
}

const aws_operation *aws_operation_find(const aws_service *svc, const char *operation,
                                        const char *method, const char *path)
{
    for (size_t i = 0; i < sizeof unsafe_to_repeat / sizeof unsafe_to_repeat[0]; i++) {
        const aws_operation *op = &unsafe_to_repeat[i];
        if (op->service != svc)
            continue;
        if (op->method ? (method && path && strcmp(op->method, method) == 0 &&
                          path_matches(op->path, path))
                       : (operation && strcmp(op->name, operation) == 0))
            return op;
    }
    return NULL;
}

void aws_operation_rest_name(const aws_service *svc, const char *method, const char *path,
                             base_buf *out)
{
    const aws_operation *op = aws_operation_find(svc, NULL, method, path);
    if (op)
        base_buf_append_str(out, op->name);
    else
        base_buf_printf(out, "%s %s", method, path);
}

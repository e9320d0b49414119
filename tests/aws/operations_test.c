/*
 * operations_test.c - which calls the client never repeats blindly, and the
 * names failed rest calls are given: by name for query, ec2 and json, by
 * method and path (botocore's requestUri) for the rest protocols.
 */
#include "aws/operations.h"
#include "test.h"

static const char *name_of(const aws_operation *op)
{
    return op ? op->name : "(none)";
}

static void test_named_protocols(void)
{
    CHECK_STR_EQ(name_of(aws_operation_find(&aws_service_ec2, "CreateVpc", "POST", "/")),
                 "CreateVpc");
    CHECK_STR_EQ(name_of(aws_operation_find(&aws_service_ec2, "AllocateAddress", "POST", "/")),
                 "AllocateAddress");
    /* EC2's creates with a ClientToken are left to the caller too. */
    CHECK_STR_EQ(name_of(aws_operation_find(&aws_service_ec2, "CreateNatGateway", "POST", "/")),
                 "CreateNatGateway");
    CHECK(!aws_operation_find(&aws_service_ec2, "DescribeVpcs", "POST", "/"));
    CHECK(!aws_operation_find(&aws_service_sqs, "CreateQueue", "POST", "/"));
    /* A name is the service's own: EC2's CreateRoute is not API Gateway's. */
    CHECK_STR_EQ(name_of(aws_operation_find(&aws_service_ec2, "CreateRoute", "POST", "/")),
                 "CreateRoute");
    CHECK(!aws_operation_find(&aws_service_iam, "CreateVpc", "POST", "/"));
    CHECK_STR_EQ(name_of(aws_operation_find(&aws_service_iam, "CreateRole", "POST", "/")),
                 "CreateRole");
    CHECK_STR_EQ(name_of(aws_operation_find(&aws_service_dynamodb, "CreateTable", "POST", "/")),
                 "CreateTable");
}

static void test_rest_paths(void)
{
    const aws_service *api = &aws_service_apigatewayv2, *lambda = &aws_service_lambda;
    CHECK_STR_EQ(name_of(aws_operation_find(api, NULL, "POST", "/v2/apis")), "CreateApi");
    CHECK_STR_EQ(name_of(aws_operation_find(api, NULL, "POST", "/v2/apis/a1b2c3/integrations")),
                 "CreateIntegration");
    CHECK_STR_EQ(name_of(aws_operation_find(api, NULL, "POST", "/v2/apis/a1b2c3/routes")),
                 "CreateRoute");
    /* An endpoint's path prefix is ignored; a trailing slash is the same call. */
    CHECK_STR_EQ(name_of(aws_operation_find(api, NULL, "POST", "/prefix/v2/apis/x/deployments")),
                 "CreateDeployment");
    CHECK_STR_EQ(name_of(aws_operation_find(lambda, NULL, "POST",
                                            "/2015-03-31/event-source-mappings/")),
                 "CreateEventSourceMapping");
    CHECK_STR_EQ(name_of(aws_operation_find(lambda, NULL, "POST",
                                            "/2015-03-31/functions/scribble-send/policy")),
                 "AddPermission");
    CHECK_STR_EQ(name_of(aws_operation_find(api, NULL, "POST", "/v2/domainnames")),
                 "CreateDomainName");
    CHECK_STR_EQ(name_of(aws_operation_find(api, NULL, "POST",
                                            "/v2/domainnames/ws.canvas.example.com/apimappings")),
                 "CreateApiMapping");
    CHECK_STR_EQ(name_of(aws_operation_find(&aws_service_route53, NULL, "POST",
                                            "/2013-04-01/hostedzone/Z123/rrset/")),
                 "ChangeResourceRecordSets");
    CHECK(!aws_operation_find(&aws_service_route53, NULL, "GET", "/2013-04-01/hostedzone/Z123/rrset"));
    /* Other methods, deeper paths and empty segments are other calls. */
    CHECK(!aws_operation_find(api, NULL, "GET", "/v2/apis"));
    CHECK(!aws_operation_find(api, NULL, "PATCH", "/v2/apis/a1b2c3/routes"));
    CHECK(!aws_operation_find(api, NULL, "POST", "/v2/apis/a1b2c3/routes/r1"));
    CHECK(!aws_operation_find(api, NULL, "POST", "/v2/apis//routes"));
    CHECK(!aws_operation_find(lambda, NULL, "POST", "/2015-03-31/functions/f/invocations"));
    CHECK(!aws_operation_find(&aws_service_scheduler, NULL, "POST", "/schedules/s"));
}

static void test_rest_names(void)
{
    base_buf name = {0};
    aws_operation_rest_name(&aws_service_cloudfront, "POST", "/2020-05-31/cache-policy", &name);
    CHECK_STR_EQ(base_buf_str(&name), "CreateCachePolicy");
    base_buf_reset(&name);
    aws_operation_rest_name(&aws_service_lambda, "GET", "/2015-03-31/functions/f", &name);
    CHECK_STR_EQ(base_buf_str(&name), "GET /2015-03-31/functions/f");
    base_buf_free(&name);
}

int main(void)
{
    test_named_protocols();
    test_rest_paths();
    test_rest_names();
    return TEST_EXIT();
}

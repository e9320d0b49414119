/*
 * json_body_test.c - a request whose JSON body cJSON cannot print (no
 * memory) fails with an error naming the call, before anything is sent,
 * for the json and rest-json protocols alike; it is never sent as "{}" or
 * as no body at all.
 */
#include <stdlib.h>

#include "aws/client.h"
#include "aws/client_default.h"
#include "aws/credentials_providers.h"
#include "aws/protocol.h"
#include "test.h"

static bool fail_allocations;

static void *failing_malloc(size_t size)
{
    return fail_allocations ? NULL : malloc(size);
}

static aws_client *new_client(void)
{
    aws_credentials creds = {.access_key_id = "AKIDEXAMPLE", .secret_access_key = "secret"};
    /* Port 9 of the loopback: if anything were sent, it would fail as a
     * transport error, not as the OutOfMemory this test expects. */
    aws_client_options options = {.region = "us-east-1",
                                   .endpoint_url = "http://127.0.0.1:9",
                                   .max_attempts = 1,
                                   .credentials = aws_credentials_provider_new_static(&creds)};
    aws_client *client = NULL;
    base_error err = {0};
    if (aws_client_new_default(&options, &client, &err) != 0) {
        fprintf(stderr, "aws_client_new_default: %s\n", err.message);
        exit(1);
    }
    return client;
}

static void test_append_body(void)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "TableName", "pixels");
    base_buf body = {0};
    base_error err = {0};
    CHECK_INT_EQ(aws_json_append_body(&body, doc, &err), 0);
    CHECK_STR_EQ(base_buf_str(&body), "{\"TableName\":\"pixels\"}");

    fail_allocations = true;
    base_buf_reset(&body);
    CHECK_INT_EQ(aws_json_append_body(&body, doc, &err), -1);
    fail_allocations = false;
    CHECK_STR_EQ(err.code, "OutOfMemory");
    CHECK_INT_EQ(body.len, 0);
    base_buf_free(&body);
    cJSON_Delete(doc);
}

static void test_calls_fail_before_sending(void)
{
    aws_client *client = new_client();
    cJSON *input = cJSON_CreateObject();
    cJSON_AddStringToObject(input, "TableName", "pixels");
    cJSON *out = (cJSON *)1;
    base_error err = {0};

    fail_allocations = true;
    int rc = aws_json_call(client, &aws_service_dynamodb, "DescribeTable", input, &out, &err);
    fail_allocations = false;
    CHECK_INT_EQ(rc, -1);
    CHECK(out == NULL);
    CHECK_STR_EQ(err.code, "OutOfMemory");
    CHECK_STR_EQ(err.call, "DynamoDB DescribeTable");

    out = (cJSON *)1;
    base_error_clear(&err);
    fail_allocations = true;
    rc = aws_rest_json_call(client, &aws_service_lambda, "POST", "/2015-03-31/functions", NULL, input,
                            &out, &err);
    fail_allocations = false;
    CHECK_INT_EQ(rc, -1);
    CHECK(out == NULL);
    CHECK_STR_EQ(err.code, "OutOfMemory");
    CHECK(strncmp(err.call, "Lambda ", 7) == 0);

    cJSON_Delete(input);
    aws_client_free(client);
}

int main(void)
{
    cJSON_Hooks hooks = {.malloc_fn = failing_malloc, .free_fn = free};
    cJSON_InitHooks(&hooks);
    test_append_body();
    test_calls_fail_before_sending();
    return TEST_EXIT();
}

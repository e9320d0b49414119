"""Tests of the harness itself: LocalAws, its request record, the moto extensions, LocalRedis."""

import io
import json
import os
import queue
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import zipfile

import pytest
from botocore.exceptions import ClientError

from harness.local_aws import ACCESS_KEY_ID, LocalAws, make_client
from harness.local_redis import LocalRedis, RedisConnection, RedisError

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def error_of(excinfo):
    """(error code, HTTP status) of a ClientError."""
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def refuses_connections(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


# -- LocalAws ----------------------------------------------------------------------------
def test_fresh_instance_has_no_state_left_by_an_earlier_one():
    with LocalAws() as first:
        first.client("sqs").create_queue(QueueName="left-behind")
        first.client("s3").create_bucket(Bucket="scribble-left-behind")
        first.client("elasticache").create_serverless_cache(
            ServerlessCacheName="left-behind", Engine="valkey")
    with LocalAws() as second:
        assert second.client("sqs").list_queues().get("QueueUrls", []) == []
        # Bucket names are global across accounts: only a reset frees this one.
        assert second.client("s3").list_buckets()["Buckets"] == []
        second.client("s3").create_bucket(Bucket="scribble-left-behind")
        assert second.client("elasticache").describe_serverless_caches()["ServerlessCaches"] == []
        assert second.client("dynamodb").list_tables()["TableNames"] == []
        assert second.client("iam").list_roles()["Roles"] == []
        assert second.client("lambda").list_functions()["Functions"] == []


def test_each_account_has_its_own_aws_managed_policies():
    """moto_costs parses moto's managed policies once per process: each account
    must still get policy objects of its own."""
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole"}]})
    with LocalAws() as a, LocalAws() as b:
        a.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument=trust)
        a.client("iam").attach_role_policy(RoleName="fn", PolicyArn=arn)
        assert a.client("iam").get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
        assert b.client("iam").get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0


def test_two_live_instances_have_different_ports_and_separate_state():
    with LocalAws() as a:
        a.client("sqs").create_queue(QueueName="only-in-a")
        with LocalAws() as b:  # starting b must not reset a
            assert a.port != b.port
            assert a.account_id != b.account_id
            a.client("dynamodb").create_table(
                TableName="pixels", BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "idx", "AttributeType": "N"}],
                KeySchema=[{"AttributeName": "idx", "KeyType": "HASH"}])
            queues_a = a.client("sqs").list_queues()["QueueUrls"]
            assert [u.rsplit("/", 1)[1] for u in queues_a] == ["only-in-a"]
            assert b.client("sqs").list_queues().get("QueueUrls", []) == []
            assert b.client("dynamodb").list_tables()["TableNames"] == []
            # The same names are free in the other account.
            b.client("sqs").create_queue(QueueName="only-in-a")
            identity_a = a.client("sts").get_caller_identity()["Account"]
            identity_b = b.client("sts").get_caller_identity()["Account"]
            assert (identity_a, identity_b) == (a.account_id, b.account_id)
            assert len(b.requests) == 4 and len(a.requests) == 4, "records mixed up"


def test_moto_is_configured_for_the_stack(local_aws):
    """AWS-managed IAM policies exist; Lambda invokes without Docker."""
    policy = local_aws.client("iam").get_policy(
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
    assert policy["Policy"]["PolicyName"] == "AWSLambdaVPCAccessExecutionRole"
    role = local_aws.client("iam").create_role(
        RoleName="functions", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    lam = local_aws.client("lambda")
    lam.create_function(FunctionName="send", Runtime="provided.al2023", Role=role,
                        Handler="send", Code={"ZipFile": package.getvalue()})
    answer = lam.invoke(FunctionName="send", Payload=b'{"action": "sendMessage"}')
    assert answer["Payload"].read() == b'{"action": "sendMessage"}'


def test_server_is_stopped_on_exit():
    with LocalAws() as aws:
        port = aws.port
        aws.client("sqs").list_queues()
    assert refuses_connections(port), f"something still listens on {port}"
    with LocalAws() as after:  # the process's one moto application serves it too
        assert after.client("sqs").list_queues().get("QueueUrls", []) == []


def test_env_holds_only_the_local_aws(monkeypatch):
    with LocalAws(region="eu-west-1") as aws:
        monkeypatch.setenv("AWS_PROFILE", "a-developers-profile")
        monkeypatch.setenv("AWS_SESSION_TOKEN", "a-developers-token")
        env = aws.env(SCRIBBLE_EXTRA="1", AWS_EC2_METADATA_DISABLED=None)
        aws_vars = {k for k in env if k.startswith("AWS_")}
        assert aws_vars == {"AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
                            "AWS_SECRET_ACCESS_KEY", "AWS_CONFIG_FILE",
                            "AWS_SHARED_CREDENTIALS_FILE"}
        assert env["AWS_ENDPOINT_URL"] == aws.endpoint
        assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
        assert env["SCRIBBLE_EXTRA"] == "1"
        assert aws.env()["AWS_EC2_METADATA_DISABLED"] == "true"
        for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            assert os.path.getsize(env[name]) == 0, f"{name} is not empty"
        config_dir = os.path.dirname(env["AWS_CONFIG_FILE"])
    assert not os.path.exists(config_dir), "the empty AWS config files outlived LocalAws"


CHILD = """
import boto3
sqs = boto3.client("sqs")  # endpoint, region and credentials from the environment only
sqs.create_queue(QueueName="from-a-child")
print(sqs.meta.region_name, boto3.Session().get_credentials().access_key)
"""


def test_child_process_reaches_it_through_env_and_is_recorded(local_aws, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "missing-profile-that-would-break-boto3")
    result = subprocess.run([sys.executable, "-c", CHILD], env=local_aws.env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["us-east-1", ACCESS_KEY_ID]
    urls = local_aws.client("sqs").list_queues()["QueueUrls"]
    assert [u.rsplit("/", 1)[1] for u in urls] == ["from-a-child"]
    assert local_aws.requests.count(service="sqs", operation="CreateQueue", mutating=True) == 1


def test_request_record_classifies_every_protocol(local_aws):
    aws = local_aws
    aws.client("sqs").create_queue(QueueName="q")                  # json, X-Amz-Target
    aws.client("sqs").list_queues()
    vpc = aws.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")    # ec2, Action=
    aws.client("ec2").describe_vpcs(VpcIds=[vpc["Vpc"]["VpcId"]])
    aws.client("iam").list_roles()                                  # query, Action=
    aws.client("s3").create_bucket(Bucket="scribble-site")         # rest-xml, PUT /bucket
    aws.client("s3").put_object(Bucket="scribble-site", Key="a/b.html", Body=b"<p>")
    aws.client("s3").get_object(Bucket="scribble-site", Key="a/b.html")
    aws.client("lambda").list_functions()                           # rest-json
    aws.client("apigatewayv2").get_apis()                           # rest-json, signed "apigateway"
    with pytest.raises(ClientError):
        aws.client("dynamodb").describe_table(TableName="missing")  # a refused read

    assert [str(r) for r in aws.requests.mutating()] == [
        "POST / sqs:CreateQueue -> 200",
        "POST / ec2:CreateVpc -> 200",
        "PUT /scribble-site s3:CreateBucket -> 200",
        "PUT /scribble-site/a/b.html s3:PutObject -> 200",
    ]
    assert aws.requests.count(mutating=False) == 7
    assert aws.requests.by_operation() == {
        "sqs:CreateQueue": 1, "sqs:ListQueues": 1, "ec2:CreateVpc": 1, "ec2:DescribeVpcs": 1,
        "iam:ListRoles": 1, "s3:CreateBucket": 1, "s3:PutObject": 1, "s3:GetObject": 1,
        "lambda:ListFunctions": 1, "apigatewayv2:GetApis": 1, "dynamodb:DescribeTable": 1,
    }
    assert aws.requests.select(operation="DescribeTable")[0].status == 400

    aws.requests.clear()
    assert len(aws.requests) == 0
    aws.client("sqs").list_queues()
    assert aws.requests.count() == 1 and aws.requests.mutating() == []


# -- ElastiCache serverless caches (moto extension) ----------------------------------------
def test_serverless_cache_lifecycle(local_aws):
    ec = local_aws.client("elasticache")
    created = ec.create_serverless_cache(
        ServerlessCacheName="scribble-cache", Engine="valkey", MajorEngineVersion="8",
        SubnetIds=["subnet-a", "subnet-b"], SecurityGroupIds=["sg-cache"],
        CacheUsageLimits={"DataStorage": {"Maximum": 1, "Unit": "GB"}},
        Tags=[{"Key": "scribble:stack", "Value": "test"}])["ServerlessCache"]
    assert created["Status"] == "creating"
    assert created["Endpoint"]["Port"] == 6379 and created["Endpoint"]["Address"]
    assert created["ARN"] == (f"arn:aws:elasticache:us-east-1:{local_aws.account_id}"
                              ":serverlesscache:scribble-cache")
    assert (created["Engine"], created["MajorEngineVersion"]) == ("valkey", "8")

    with pytest.raises(ClientError) as excinfo:
        ec.create_serverless_cache(ServerlessCacheName="scribble-cache", Engine="valkey")
    assert error_of(excinfo) == ("ServerlessCacheAlreadyExistsFault", 400)
    with pytest.raises(ClientError) as excinfo:
        ec.delete_serverless_cache(ServerlessCacheName="scribble-cache")
    assert error_of(excinfo) == ("InvalidServerlessCacheStateFault", 400)

    [described] = ec.describe_serverless_caches()["ServerlessCaches"]
    assert described["Status"] == "available"
    assert described["SubnetIds"] == ["subnet-a", "subnet-b"]
    assert described["CacheUsageLimits"] == {"DataStorage": {"Maximum": 1, "Unit": "GB"}}
    assert ec.list_tags_for_resource(ResourceName=created["ARN"])["TagList"] == [
        {"Key": "scribble:stack", "Value": "test"}]
    tagged = local_aws.client("resourcegroupstaggingapi").get_resources(
        TagFilters=[{"Key": "scribble:stack", "Values": ["test"]}])["ResourceTagMappingList"]
    assert [r["ResourceARN"] for r in tagged] == [created["ARN"]]

    modified = ec.modify_serverless_cache(
        ServerlessCacheName="scribble-cache", Description="canvas",
        SecurityGroupIds=["sg-other"])["ServerlessCache"]
    assert modified["Status"] == "modifying"
    [described] = ec.describe_serverless_caches(
        ServerlessCacheName="scribble-cache")["ServerlessCaches"]
    assert (described["Status"], described["Description"], described["SecurityGroupIds"]) == (
        "available", "canvas", ["sg-other"])

    deleted = ec.delete_serverless_cache(ServerlessCacheName="scribble-cache")["ServerlessCache"]
    assert deleted["Status"] == "deleting"
    with pytest.raises(ClientError) as excinfo:
        ec.describe_serverless_caches(ServerlessCacheName="scribble-cache")
    assert error_of(excinfo) == ("ServerlessCacheNotFoundFault", 404)
    assert ec.describe_serverless_caches()["ServerlessCaches"] == []


def test_serverless_cache_errors_and_paging(local_aws):
    ec = local_aws.client("elasticache")
    for call in (lambda: ec.modify_serverless_cache(ServerlessCacheName="nope", Description="x"),
                 lambda: ec.delete_serverless_cache(ServerlessCacheName="nope")):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == ("ServerlessCacheNotFoundFault", 404)
    with pytest.raises(ClientError) as excinfo:
        ec.create_serverless_cache(ServerlessCacheName="c", Engine="mysql")
    assert error_of(excinfo) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as excinfo:
        ec.create_serverless_cache(ServerlessCacheName="bad--name", Engine="redis")
    assert error_of(excinfo) == ("InvalidParameterValue", 400)

    for name in ("one", "two", "three"):
        ec.create_serverless_cache(ServerlessCacheName=name, Engine="redis")
    first = ec.describe_serverless_caches(MaxResults=2)
    rest = ec.describe_serverless_caches(MaxResults=2, NextToken=first["NextToken"])
    names = [c["ServerlessCacheName"] for c in first["ServerlessCaches"] + rest["ServerlessCaches"]]
    assert names == ["one", "two", "three"] and "NextToken" not in rest
    with pytest.raises(ClientError) as excinfo:
        ec.modify_serverless_cache(ServerlessCacheName="one")
    assert error_of(excinfo) == ("InvalidParameterCombination", 400)


# -- CloudFront cache policies (moto extension) ---------------------------------------------
def policy_config(name, ttl=60, headers=None):
    header_config = {"HeaderBehavior": "none"}
    if headers is not None:
        header_config = {"HeaderBehavior": "whitelist", "Headers": headers}
    return {
        "Name": name, "Comment": "static site", "MinTTL": 0, "DefaultTTL": ttl, "MaxTTL": ttl,
        "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": True, "EnableAcceptEncodingBrotli": True,
            "HeadersConfig": header_config,
            "CookiesConfig": {"CookieBehavior": "none"},
            "QueryStringsConfig": {"QueryStringBehavior": "none"},
        },
    }


def test_cache_policy_lifecycle_with_etags(local_aws):
    cf = local_aws.client("cloudfront")
    created = cf.create_cache_policy(CachePolicyConfig=policy_config(
        "scribble-site", headers={"Quantity": 1, "Items": ["Origin"]}))
    policy_id, etag = created["CachePolicy"]["Id"], created["ETag"]
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["Location"].endswith("/2020-05-31/cache-policy/" + policy_id)
    assert created["CachePolicy"]["CachePolicyConfig"] == policy_config(
        "scribble-site", headers={"Quantity": 1, "Items": ["Origin"]})

    got = cf.get_cache_policy(Id=policy_id)
    assert (got["ETag"], got["CachePolicy"]["Id"]) == (etag, policy_id)
    assert cf.get_cache_policy_config(Id=policy_id)["CachePolicyConfig"]["DefaultTTL"] == 60
    custom = cf.list_cache_policies(Type="custom")["CachePolicyList"]
    assert [i["CachePolicy"]["Id"] for i in custom["Items"]] == [policy_id]
    every = cf.list_cache_policies()["CachePolicyList"]["Items"]
    assert "Managed-CachingOptimized" in [i["CachePolicy"]["CachePolicyConfig"]["Name"] for i in every]

    with pytest.raises(ClientError) as excinfo:
        cf.create_cache_policy(CachePolicyConfig=policy_config("scribble-site"))
    assert error_of(excinfo) == ("CachePolicyAlreadyExists", 409)

    updated = cf.update_cache_policy(Id=policy_id, IfMatch=etag,
                                     CachePolicyConfig=policy_config("scribble-site", ttl=120))
    assert updated["ETag"] != etag
    assert updated["CachePolicy"]["CachePolicyConfig"]["MaxTTL"] == 120
    assert cf.get_cache_policy(Id=policy_id)["ETag"] == updated["ETag"]
    with pytest.raises(ClientError) as excinfo:
        cf.update_cache_policy(Id=policy_id, IfMatch=etag,
                               CachePolicyConfig=policy_config("scribble-site", ttl=30))
    assert error_of(excinfo) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as excinfo:
        cf.update_cache_policy(Id=policy_id, CachePolicyConfig=policy_config("scribble-site"))
    assert error_of(excinfo) == ("InvalidIfMatchVersion", 400)
    assert cf.get_cache_policy_config(Id=policy_id)["CachePolicyConfig"]["MaxTTL"] == 120

    with pytest.raises(ClientError) as excinfo:
        cf.delete_cache_policy(Id=policy_id, IfMatch=etag)
    assert error_of(excinfo) == ("PreconditionFailed", 412)
    cf.delete_cache_policy(Id=policy_id, IfMatch=updated["ETag"])
    for call in (lambda: cf.get_cache_policy(Id=policy_id),
                 lambda: cf.get_cache_policy_config(Id=policy_id),
                 lambda: cf.delete_cache_policy(Id=policy_id, IfMatch=updated["ETag"])):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == ("NoSuchCachePolicy", 404)


def test_cache_policy_refusals(local_aws):
    cf = local_aws.client("cloudfront")
    optimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"
    managed = cf.get_cache_policy(Id=optimized)
    with pytest.raises(ClientError) as excinfo:
        cf.update_cache_policy(Id=optimized, IfMatch=managed["ETag"],
                               CachePolicyConfig=policy_config("Managed-CachingOptimized"))
    assert error_of(excinfo) == ("IllegalUpdate", 400)
    with pytest.raises(ClientError) as excinfo:
        cf.create_cache_policy(CachePolicyConfig=policy_config(
            "inconsistent", headers={"Quantity": 2, "Items": ["Origin"]}))
    assert error_of(excinfo) == ("InconsistentQuantities", 400)

    created = cf.create_cache_policy(CachePolicyConfig=policy_config("in-use"))
    policy_id = created["CachePolicy"]["Id"]
    cf.create_distribution(DistributionConfig={
        "CallerReference": "scribble", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "site", "DomainName": "scribble-site.s3.us-east-1.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": policy_id},
    })
    with pytest.raises(ClientError) as excinfo:
        cf.delete_cache_policy(Id=policy_id, IfMatch=created["ETag"])
    assert error_of(excinfo) == ("CachePolicyInUse", 409)


def headers_policy_config(name, csp="default-src 'none'"):
    return {
        "Name": name, "Comment": "static site",
        "SecurityHeadersConfig": {
            "FrameOptions": {"Override": True, "FrameOption": "DENY"},
            "ContentSecurityPolicy": {"Override": True, "ContentSecurityPolicy": csp},
            "ContentTypeOptions": {"Override": True},
            "StrictTransportSecurity": {"Override": True, "IncludeSubdomains": True,
                                        "AccessControlMaxAgeSec": 63072000},
        },
    }


def test_response_headers_policy_lifecycle_with_etags(local_aws):
    cf = local_aws.client("cloudfront")
    created = cf.create_response_headers_policy(ResponseHeadersPolicyConfig=headers_policy_config("site"))
    policy_id, etag = created["ResponseHeadersPolicy"]["Id"], created["ETag"]
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["Location"].endswith("/2020-05-31/response-headers-policy/" + policy_id)
    assert created["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"] == headers_policy_config("site")
    got = cf.get_response_headers_policy(Id=policy_id)
    assert (got["ETag"], got["ResponseHeadersPolicy"]["Id"]) == (etag, policy_id)
    custom = cf.list_response_headers_policies(Type="custom")["ResponseHeadersPolicyList"]
    assert [i["ResponseHeadersPolicy"]["Id"] for i in custom["Items"]] == [policy_id]
    every = cf.list_response_headers_policies()["ResponseHeadersPolicyList"]["Items"]
    assert "Managed-SecurityHeadersPolicy" in [
        i["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]["Name"] for i in every]

    with pytest.raises(ClientError) as excinfo:
        cf.create_response_headers_policy(ResponseHeadersPolicyConfig=headers_policy_config("site"))
    assert error_of(excinfo) == ("ResponseHeadersPolicyAlreadyExists", 409)
    with pytest.raises(ClientError) as excinfo:
        cf.create_response_headers_policy(
            ResponseHeadersPolicyConfig=headers_policy_config("long", csp="x" * 1784))
    assert error_of(excinfo) == ("TooLongCSPInResponseHeadersPolicy", 400)

    changed = headers_policy_config("site", csp="default-src 'self'")
    updated = cf.update_response_headers_policy(Id=policy_id, IfMatch=etag,
                                                ResponseHeadersPolicyConfig=changed)
    assert updated["ETag"] != etag
    config = cf.get_response_headers_policy_config(Id=policy_id)["ResponseHeadersPolicyConfig"]
    assert config == changed
    with pytest.raises(ClientError) as excinfo:
        cf.update_response_headers_policy(Id=policy_id, IfMatch=etag, ResponseHeadersPolicyConfig=changed)
    assert error_of(excinfo) == ("PreconditionFailed", 412)

    cf.create_distribution(DistributionConfig={
        "CallerReference": "scribble", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "site", "DomainName": "scribble-site.s3.us-east-1.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                                 "ResponseHeadersPolicyId": policy_id},
    })
    with pytest.raises(ClientError) as excinfo:
        cf.delete_response_headers_policy(Id=policy_id, IfMatch=updated["ETag"])
    assert error_of(excinfo) == ("ResponseHeadersPolicyInUse", 409)
    managed = "67f7725c-6f97-4210-82d7-5512b31e9d03"
    with pytest.raises(ClientError) as excinfo:
        cf.delete_response_headers_policy(Id=managed, IfMatch="E23ZP02F085DFQ")
    assert error_of(excinfo) == ("IllegalDelete", 400)

    created = cf.create_response_headers_policy(ResponseHeadersPolicyConfig=headers_policy_config("free"))
    free_id = created["ResponseHeadersPolicy"]["Id"]
    cf.delete_response_headers_policy(Id=free_id, IfMatch=created["ETag"])
    with pytest.raises(ClientError) as excinfo:
        cf.get_response_headers_policy(Id=free_id)
    assert error_of(excinfo) == ("NoSuchResponseHeadersPolicy", 404)


# -- python -m harness.local_aws ---------------------------------------------------------------
def test_command_line_serves_until_sigterm():
    process = subprocess.Popen([sys.executable, "-m", "harness.local_aws"], cwd=TESTS_DIR,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    try:
        exports = {}
        deadline = time.monotonic() + 60
        while "AWS_SHARED_CREDENTIALS_FILE" not in exports:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line.startswith("export "):
                key, value = line[len("export "):].strip().split("=", 1)
                exports[key] = value
        endpoint = exports["AWS_ENDPOINT_URL"]
        port = int(endpoint.rsplit(":", 1)[1])
        sqs = make_client("sqs", endpoint, exports["AWS_REGION"])
        sqs.create_queue(QueueName="by-hand")
        assert [u.rsplit("/", 1)[1] for u in sqs.list_queues()["QueueUrls"]] == ["by-hand"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, process.stderr.read()
        assert refuses_connections(port)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# -- LocalRedis --------------------------------------------------------------------------------
def test_redis_answers_over_tls_only(local_redis):
    assert local_redis.command("PING") == b"PONG"
    assert local_redis.command("SET", "k", "v") == b"OK"
    assert local_redis.command("GET", "k") == b"v"
    assert local_redis.command("CONFIG", "GET", "save") == [b"save", b""]

    with socket.create_connection((local_redis.host, local_redis.port), timeout=5) as plain:
        plain.sendall(b"PING\r\n")
        try:
            reply = plain.recv(64)
        except (ConnectionResetError, socket.timeout):
            reply = b""
    assert not reply.startswith(b"+PONG"), "a plaintext client was answered"

    untrusting = ssl.create_default_context()  # system CAs only: our CA is not among them
    with pytest.raises(ssl.SSLCertVerificationError):
        with socket.create_connection((local_redis.host, local_redis.port), timeout=5) as raw:
            untrusting.wrap_socket(raw, server_hostname=local_redis.host)


def test_redis_enforces_auth_and_stops_on_exit():
    with LocalRedis(password="correct horse battery") as redis:
        assert redis.command("PING") == b"PONG"  # authenticated
        with RedisConnection(redis.host, redis.port, redis.ca_file) as anonymous:
            with pytest.raises(RedisError, match="NOAUTH"):
                anonymous.command("PING")
            with pytest.raises(RedisError, match="WRONGPASS"):
                anonymous.command("AUTH", "wrong")
            assert anonymous.command("AUTH", "correct horse battery") == b"OK"
            assert anonymous.command("PING") == b"PONG"
        port = redis.port
    assert not redis.running
    assert refuses_connections(port)

"""Tests of the real AWS profile (harness/real_aws*.py): each behaviour through boto3.

Slow states and consistency windows are stepped with a ManualClock, so what
is observed before and after never depends on the machine's speed; one NAT
gateway test runs on the real clock. Latency and bandwidth are checked with
lower bounds only.
"""

import collections
import http.client
import io
import json
import socket
import threading
import time
import zipfile

import botocore.exceptions
import botocore.parsers
import pytest
from botocore.awsrequest import HeadersDict
from botocore.exceptions import ClientError
from botocore.retries.standard import ThrottledRetryableChecker

from harness import aws_errors
from harness.local_aws import LocalAws
from harness.pacing import CHUNK
from harness.real_aws import DEFAULT_THROTTLE, ManualClock, RealAwsProfile

SERVICES = ("ec2", "iam", "sts", "elasticache", "sqs", "dynamodb", "lambda", "apigatewayv2",
            "apigatewaymanagementapi", "scheduler", "cloudfront", "s3", "logs",
            "resourcegroupstaggingapi")
# The codes botocore's standard retry mode treats as throttling.
THROTTLING_CODES = ThrottledRetryableChecker._THROTTLED_ERROR_CODES
TRUST_LAMBDA = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole",
    "Principal": {"Service": ["lambda.amazonaws.com", "scheduler.amazonaws.com"]}}]})


@pytest.fixture(autouse=True, scope="module")
def moto_kept_alive():
    """One instance live for the whole module, so each test's LocalAws starts without
    resetting moto (a reset takes a second once EC2, IAM and Lambda have state);
    every instance is its own account all the same."""
    with LocalAws():
        yield


def profile(**changes):
    """A profile without latency (tests stay fast) and with the changes given."""
    changes.setdefault("latency", (0.0, 0.0))
    return RealAwsProfile(**changes)


def error_of(excinfo):
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def refused(call, code, status=None):
    """Asserts call() fails with `code` (and `status`), returns the message."""
    with pytest.raises(ClientError) as excinfo:
        call()
    got_code, got_status = error_of(excinfo)
    assert got_code == code, excinfo.value
    if status is not None:
        assert got_status == status, excinfo.value
    return excinfo.value.response["Error"]["Message"]


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still not {what} after {timeout} s"
        time.sleep(0.05)


def package():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    return data.getvalue()


def role(aws, name="functions"):
    return aws.client("iam").create_role(
        RoleName=name, AssumeRolePolicyDocument=TRUST_LAMBDA)["Role"]["Arn"]


def create_function(aws, name, role_arn, **extra):
    return aws.client("lambda").create_function(
        FunctionName=name, Runtime="provided.al2023", Role=role_arn, Handler="bootstrap",
        Code={"ZipFile": package()}, **extra)


def network(aws, subnets=("10.0.1.0/24",)):
    """A VPC with its subnets, for tests where new ids are known at once."""
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ids = [ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"] for cidr in subnets]
    return ec2, vpc, ids


def signed_request(aws, target, body=b"{}"):
    """Raw bytes of a JSON-protocol SQS request the record can classify (moto does not check
    the signature)."""
    headers = [
        f"Host: 127.0.0.1:{aws.port}",
        "Content-Type: application/x-amz-json-1.0",
        f"X-Amz-Target: AmazonSQS.{target}",
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIALOCALAWSHARNESS1/20250101/"
        "us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00",
        f"Content-Length: {len(body)}",
    ]
    return ("POST / HTTP/1.1\r\n" + "\r\n".join(headers) + "\r\n\r\n").encode() + body


# -- without a profile ----------------------------------------------------------------------------
def test_without_a_profile_records_bytes_and_injects_nothing(local_aws):
    assert local_aws.profile is None
    raw = signed_request(local_aws, "ListQueues")
    with socket.create_connection(("127.0.0.1", local_aws.port), timeout=10) as sock:
        sock.sendall(raw)
        answer = sock.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 200")
    local_aws.client("sqs").create_queue(QueueName="q")
    first, second = local_aws.requests.all()
    assert (first.service, first.operation, first.bytes, first.injected) == (
        "sqs", "ListQueues", len(raw), None)
    assert second.injected is None and second.bytes > 0
    stats = local_aws.stats.snapshot()
    assert stats["calls"] == 2 and stats["bytes_received"] == first.bytes + second.bytes
    assert stats["injected"] == {}


def test_a_profile_leaves_other_accounts_as_moto_makes_them():
    clock = ManualClock()
    with LocalAws(profile=profile(clock=clock, role_propagation_s=0)) as slow, LocalAws() as plain:
        for aws, state in ((slow, "Pending"), (plain, "Active")):
            created = create_function(aws, "f", role(aws))
            assert created["State"] == state
        ec2, _, [subnet] = network(plain)
        address = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=address)["NatGateway"]
        assert nat["State"] == "available"


# -- latency and bandwidth ------------------------------------------------------------------------
def test_latency_is_added_to_every_call():
    with LocalAws(profile=profile(latency=(0.15, 0.2))) as aws:
        sqs = aws.client("sqs")
        for _ in range(3):
            started = time.monotonic()
            sqs.list_queues()
            assert time.monotonic() - started >= 0.15
        assert aws.stats.snapshot()["injected"] == {}, "latency is not an injection"


UPLINK = 1_000_000  # bytes per second
UPLOAD = 400_000


def test_uplink_paces_uploads_and_is_shared_by_all_connections():
    with LocalAws(profile=profile(uplink_bytes_per_s=UPLINK)) as aws:
        s3 = aws.client("s3")
        s3.create_bucket(Bucket="packages")
        started = time.monotonic()
        s3.put_object(Bucket="packages", Key="one", Body=b"x" * UPLOAD)
        assert time.monotonic() - started >= (UPLOAD - CHUNK) / UPLINK
        [put] = aws.requests.select(operation="PutObject")
        assert put.bytes > UPLOAD

        errors = []

        def upload(key):
            try:
                aws.client("s3").put_object(Bucket="packages", Key=key, Body=b"y" * UPLOAD)
            except Exception as error:  # reported below, in the test's thread
                errors.append(error)

        threads = [threading.Thread(target=upload, args=(key,)) for key in ("two", "three")]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.monotonic() - started
        assert not errors
        # Two uploads at once share the link: together they take as long as both in a row.
        assert elapsed >= (2 * UPLOAD - 2 * CHUNK) / UPLINK
        assert aws.stats.snapshot()["bytes_received"] >= 3 * UPLOAD


def test_downlink_paces_answers():
    with LocalAws(profile=profile(downlink_bytes_per_s=UPLINK)) as aws:
        s3 = aws.client("s3")
        s3.create_bucket(Bucket="site")
        s3.put_object(Bucket="site", Key="big", Body=b"z" * UPLOAD)
        started = time.monotonic()
        body = s3.get_object(Bucket="site", Key="big")["Body"].read()
        assert len(body) == UPLOAD
        assert time.monotonic() - started >= (UPLOAD - CHUNK) / UPLINK


# -- slow states ----------------------------------------------------------------------------------
def test_nat_gateway_pending_then_available_and_deleting_then_deleted():
    clock = ManualClock()
    with LocalAws(profile=profile(clock=clock, not_found_after_create_s=0,
                                  nat_gateway_pending_s=60, nat_gateway_deleting_s=60)) as aws:
        ec2, vpc, [subnet] = network(aws)
        gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        address = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=address)["NatGateway"]["NatGatewayId"]

        def state():
            return ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0]["State"]

        assert state() == "pending"
        clock.advance(59)
        assert state() == "pending"
        clock.advance(1)
        assert state() == "available"
        assert [g["NatGatewayId"] for g in ec2.describe_nat_gateways(
            Filters=[{"Name": "state", "Values": ["available"]}])["NatGateways"]] == [nat]

        ec2.delete_nat_gateway(NatGatewayId=nat)
        assert state() == "deleting"
        refused(lambda: ec2.delete_subnet(SubnetId=subnet), "DependencyViolation")
        message = refused(lambda: ec2.detach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc),
                          "DependencyViolation")
        assert "mapped public address" in message
        clock.advance(60)
        assert state() == "deleted"
        ec2.detach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        ec2.delete_subnet(SubnetId=subnet)
        assert aws.stats.snapshot()["slow_state_refusals"] == {"dependency-violation": 2}
        assert [r.injected for r in aws.requests.select(operation="DeleteSubnet")] == [
            "dependency-violation", None]


def test_nat_gateway_becomes_available_on_the_real_clock():
    with LocalAws(profile=profile(not_found_after_create_s=0, nat_gateway_pending_s=1.5)) as aws:
        ec2, _, [subnet] = network(aws)
        address = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=address)["NatGateway"]
        assert nat["State"] == "pending"
        wait_until(lambda: ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])
                   ["NatGateways"][0]["State"] == "available", 20, "available")


def test_serverless_cache_creating_modifying_deleting():
    clock = ManualClock()
    with LocalAws(profile=profile(clock=clock, cache_creating_s=30, cache_modifying_s=20,
                                  cache_deleting_s=10)) as aws:
        ec = aws.client("elasticache")

        def status():
            return ec.describe_serverless_caches(
                ServerlessCacheName="canvas")["ServerlessCaches"][0]["Status"]

        assert ec.create_serverless_cache(
            ServerlessCacheName="canvas", Engine="valkey")["ServerlessCache"]["Status"] == "creating"
        clock.advance(29)
        assert status() == "creating"
        refused(lambda: ec.modify_serverless_cache(ServerlessCacheName="canvas", Description="x"),
                "InvalidServerlessCacheStateFault")
        clock.advance(1)
        assert status() == "available"
        ec.modify_serverless_cache(ServerlessCacheName="canvas", Description="x")
        assert status() == "modifying"
        clock.advance(20)
        assert status() == "available"
        ec.delete_serverless_cache(ServerlessCacheName="canvas")
        assert status() == "deleting"
        clock.advance(10)
        refused(status, "ServerlessCacheNotFoundFault", 404)


def distribution_config(enabled=True):
    return {
        "CallerReference": "scribble", "Comment": "", "Enabled": enabled,
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "site", "DomainName": "site.s3.us-east-1.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                                 "MinTTL": 0},
    }


def test_distribution_deploys_and_is_deleted_only_disabled_and_deployed():
    clock = ManualClock()
    with LocalAws(profile=profile(clock=clock, distribution_deploy_s=60)) as aws:
        cf = aws.client("cloudfront")
        created = cf.create_distribution(DistributionConfig=distribution_config())
        distribution = created["Distribution"]["Id"]

        def status():
            return cf.get_distribution(Id=distribution)["Distribution"]["Status"]

        def delete():
            cf.delete_distribution(Id=distribution, IfMatch=cf.get_distribution(Id=distribution)["ETag"])

        assert created["Distribution"]["Status"] == "InProgress"
        refused(delete, "DistributionNotDisabled", 409)
        clock.advance(60)
        assert status() == "Deployed"
        refused(delete, "DistributionNotDisabled", 409)  # still enabled

        cf.update_distribution(Id=distribution, IfMatch=created["ETag"],
                               DistributionConfig=distribution_config(enabled=False))
        assert status() == "InProgress"
        refused(delete, "DistributionNotDisabled", 409)  # disabled, not yet deployed
        clock.advance(60)
        assert status() == "Deployed"
        delete()
        refused(lambda: cf.get_distribution(Id=distribution), "NoSuchDistribution", 404)
        assert aws.stats.snapshot()["slow_state_refusals"] == {"distribution-not-disabled": 3}


def test_lambda_pending_then_active_and_updates_in_progress():
    clock = ManualClock()
    with LocalAws(profile=profile(clock=clock, role_propagation_s=0, lambda_pending_s=5,
                                  lambda_update_s=3)) as aws:
        lam = aws.client("lambda")
        created = create_function(aws, "draw", role(aws))
        assert (created["State"], created["StateReasonCode"]) == ("Pending", "Creating")
        assert lam.get_function(FunctionName="draw")["Configuration"]["State"] == "Pending"
        message = refused(lambda: lam.update_function_configuration(FunctionName="draw", Timeout=9),
                          "ResourceConflictException", 409)
        assert "Pending" in message
        clock.advance(5)
        configuration = lam.get_function_configuration(FunctionName="draw")
        assert (configuration["State"], configuration["LastUpdateStatus"]) == ("Active", "Successful")

        lam.update_function_configuration(FunctionName="draw", Timeout=9)
        assert lam.get_function_configuration(FunctionName="draw")["LastUpdateStatus"] == "InProgress"
        message = refused(lambda: lam.update_function_code(FunctionName="draw", ZipFile=package()),
                          "ResourceConflictException", 409)
        assert "update is in progress" in message
        clock.advance(3)
        assert lam.get_function_configuration(FunctionName="draw")["LastUpdateStatus"] == "Successful"
        lam.update_function_code(FunctionName="draw", ZipFile=package())
        assert aws.stats.snapshot()["slow_state_refusals"] == {"resource-conflict": 2}


def test_lambda_network_interfaces_linger_after_their_functions():
    clock = ManualClock()
    with LocalAws(profile=profile(clock=clock, not_found_after_create_s=0, role_propagation_s=0,
                                  eni_release_s=1800)) as aws:
        ec2, vpc, [a, b] = network(aws, ("10.0.1.0/24", "10.0.2.0/24"))
        one = ec2.create_security_group(GroupName="one", Description="1", VpcId=vpc)["GroupId"]
        two = ec2.create_security_group(GroupName="two", Description="2", VpcId=vpc)["GroupId"]
        arn = role(aws)
        lam = aws.client("lambda")
        create_function(aws, "f1", arn, VpcConfig={"SubnetIds": [a, b], "SecurityGroupIds": [one]})
        create_function(aws, "f2", arn, VpcConfig={"SubnetIds": [a], "SecurityGroupIds": [one]})
        create_function(aws, "f3", arn, VpcConfig={"SubnetIds": [a], "SecurityGroupIds": [two]})

        def lambda_enis():
            found = ec2.describe_network_interfaces(
                Filters=[{"Name": "interface-type", "Values": ["lambda"]}])["NetworkInterfaces"]
            return {(e["SubnetId"], tuple(g["GroupId"] for g in e["Groups"])): e for e in found}

        enis = lambda_enis()
        assert set(enis) == {(a, (one,)), (b, (one,)), (a, (two,))}, "one per subnet and group set"
        for eni in enis.values():
            assert (eni["InterfaceType"], eni["RequesterManaged"], eni["Status"]) == (
                "lambda", True, "in-use")
            assert eni["Description"].startswith("AWS Lambda VPC ENI-f")
            assert eni["VpcId"] == vpc
        refused(lambda: ec2.delete_subnet(SubnetId=a), "DependencyViolation")
        refused(lambda: ec2.delete_security_group(GroupId=one), "DependencyViolation")
        refused(lambda: ec2.delete_vpc(VpcId=vpc), "DependencyViolation")
        refused(lambda: ec2.delete_network_interface(NetworkInterfaceId=enis[(b, (one,))]
                                                     ["NetworkInterfaceId"]),
                "InvalidNetworkInterface.InUse")
        refused(lambda: create_function(aws, "f4", arn, VpcConfig={
            "SubnetIds": ["subnet-0000000000000000f"], "SecurityGroupIds": [one]}),
            "InvalidParameterValueException")

        lam.delete_function(FunctionName="f1")  # (b, one) has no user left
        clock.advance(1799)
        assert set(lambda_enis()) == {(a, (one,)), (b, (one,)), (a, (two,))}
        refused(lambda: ec2.delete_subnet(SubnetId=b), "DependencyViolation")
        clock.advance(1)
        assert set(lambda_enis()) == {(a, (one,)), (a, (two,))}
        ec2.delete_subnet(SubnetId=b)

        lam.update_function_configuration(FunctionName="f3", VpcConfig={
            "SubnetIds": [], "SecurityGroupIds": []})  # detached: (a, two) has no user left
        lam.delete_function(FunctionName="f2")      # nor (a, one)
        refused(lambda: ec2.delete_security_group(GroupId=two), "DependencyViolation")
        clock.advance(1800)
        assert lambda_enis() == {}
        ec2.delete_subnet(SubnetId=a)
        ec2.delete_security_group(GroupId=one)
        ec2.delete_security_group(GroupId=two)
        ec2.delete_vpc(VpcId=vpc)


# -- eventual consistency -------------------------------------------------------------------------
def test_new_role_is_refused_by_lambda_and_scheduler_until_it_propagates():
    clock = ManualClock()
    with LocalAws(profile=profile(clock=clock, role_propagation_s=8, lambda_pending_s=0)) as aws:
        lam = aws.client("lambda")
        scheduler = aws.client("scheduler")
        arn = role(aws)

        def schedule():
            scheduler.create_schedule(
                Name="snapshot", ScheduleExpression="rate(1 minute)",
                FlexibleTimeWindow={"Mode": "OFF"},
                Target={"Arn": "arn:aws:lambda:us-east-1:123456789012:function:snapshot",
                        "RoleArn": arn})

        message = refused(lambda: create_function(aws, "draw", arn),
                          "InvalidParameterValueException", 400)
        assert message == "The role defined for the function cannot be assumed by Lambda."
        assert "assume the role" in refused(schedule, "ValidationException", 400)
        refused(lambda: lam.get_function(FunctionName="draw"), "ResourceNotFoundException")
        clock.advance(8)
        create_function(aws, "draw", arn)
        schedule()

        newer = role(aws, "newer")
        refused(lambda: lam.update_function_configuration(FunctionName="draw", Role=newer),
                "InvalidParameterValueException")
        lam.update_function_configuration(FunctionName="draw", Timeout=5)  # no role named
        assert aws.stats.snapshot()["refusals"] == {"role-not-ready": 3}


def test_new_ec2_ids_are_briefly_not_found_unless_found_by_tag():
    clock = ManualClock()
    with LocalAws(profile=profile(clock=clock, not_found_after_create_s=2)) as aws:
        ec2 = aws.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[{
            "ResourceType": "vpc", "Tags": [{"Key": "scribble:stack", "Value": "t"}]}])["Vpc"]["VpcId"]
        message = refused(lambda: ec2.describe_vpcs(VpcIds=[vpc]), "InvalidVpcID.NotFound", 400)
        assert vpc in message
        tagged = ec2.describe_vpcs(Filters=[{"Name": "tag:scribble:stack", "Values": ["t"]}])
        assert [v["VpcId"] for v in tagged["Vpcs"]] == [vpc]
        refused(lambda: ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24"), "InvalidVpcID.NotFound")
        assert ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"] == [], \
            "a refused create applied nothing"

        clock.advance(2)
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
        refused(lambda: ec2.describe_subnets(SubnetIds=[subnet]), "InvalidSubnetID.NotFound")
        refused(lambda: ec2.describe_security_groups(GroupIds=[group]), "InvalidGroup.NotFound")
        clock.advance(2)
        assert ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["VpcId"] == vpc
        assert aws.stats.snapshot()["refusals"] == {"not-found": 4}


# -- throttling -----------------------------------------------------------------------------------
READS = {
    "ec2": lambda c: c.describe_vpcs(),
    "iam": lambda c: c.list_roles(),
    "sts": lambda c: c.get_caller_identity(),
    "elasticache": lambda c: c.describe_serverless_caches(),
    "sqs": lambda c: c.list_queues(),
    "dynamodb": lambda c: c.list_tables(),
    "lambda": lambda c: c.list_functions(),
    "apigatewayv2": lambda c: c.get_apis(),
    "apigatewaymanagementapi": lambda c: c.get_connection(ConnectionId="gone"),
    "scheduler": lambda c: c.list_schedules(),
    "cloudfront": lambda c: c.list_distributions(),
    "s3": lambda c: c.list_buckets(),
    "logs": lambda c: c.describe_log_groups(),
    "resourcegroupstaggingapi": lambda c: c.get_resources(),
}


def test_each_service_throttles_with_its_own_error():
    # A token in 1000 s: the second call of each service within the test is throttled.
    with LocalAws(profile=profile(throttle={s: (0.001, 1) for s in SERVICES})) as aws:
        for service in SERVICES:
            client = aws.client(service)
            try:
                READS[service](client)
            except ClientError as error:  # a first call may be refused by the service itself
                assert error.response["Error"]["Code"] == "GoneException", error
            expected = aws_errors.errors_of(service).throttling
            with pytest.raises(ClientError) as excinfo:
                READS[service](client)
            code, status = error_of(excinfo)
            assert code == expected, f"{service}: {code}"
            assert code in THROTTLING_CODES, code
            if service in ("lambda", "apigatewayv2", "apigatewaymanagementapi", "scheduler"):
                assert status == 429, service
        stats = aws.stats.snapshot()
        assert stats["throttled"] == len(SERVICES)
        assert [r.injected for r in aws.requests] == [None, "throttled"] * len(SERVICES)


# -- faults ---------------------------------------------------------------------------------------
def fault_series(seed):
    """A seeded series of SQS calls: [(operation, n, injected)], the errors' statuses,
    the queues left and the counters."""
    chosen = profile(seed=seed, fault_rate=0.3, fault_kinds={"500": 1, "503": 1})
    with LocalAws(profile=chosen) as aws:
        sqs = aws.client("sqs")
        statuses = {}

        def attempt(call):
            try:
                return call()
            except ClientError as error:
                statuses[error.response["Error"]["Code"]] = \
                    error.response["ResponseMetadata"]["HTTPStatusCode"]
                return None

        for i in range(15):
            attempt(lambda: sqs.create_queue(QueueName=f"q{i}"))
            attempt(sqs.list_queues)
        seen = collections.Counter()
        series = []
        for r in aws.requests:
            n = seen[(r.operation, r.path)]
            assert chosen.fate(r.service, r.operation, r.path, n).fault == r.injected
            series.append((r.operation, n, r.injected))
            seen[(r.operation, r.path)] += 1
        listed = None
        while listed is None:  # each call has its own fate: one soon goes through
            listed = attempt(sqs.list_queues)
        left = {url.rsplit("/", 1)[1] for url in listed.get("QueueUrls", [])}
        return series, statuses, left, aws.stats.snapshot()


def test_seeded_faults_replay_and_apply_nothing():
    first, statuses, left, stats = fault_series(7)
    again, _, _, _ = fault_series(7)
    other, _, _, _ = fault_series(8)
    assert first == again, "the same seed faults the same calls"
    assert [f[2] for f in first] != [f[2] for f in other], "another seed faults other calls"
    faulted = [f for f in first if f[2]]
    assert 3 <= len(faulted) <= 18, f"{len(faulted)} of 30 calls faulted at 30 %"
    assert statuses == {"InternalFailure": 500, "ServiceUnavailable": 503}
    assert stats["faults"] == dict(collections.Counter(f[2] for f in faulted)) == {
        kind: count for kind, count in stats["injected"].items()}
    created = {f"q{n}" for operation, n, injected in first
               if operation == "CreateQueue" and not injected}
    assert left == created, "a call faulted before moto applied nothing"


def test_a_reset_is_an_rst_before_moto():
    with LocalAws(profile=profile(always_fail={("sqs", "CreateQueue"): "reset"})) as aws:
        with socket.create_connection(("127.0.0.1", aws.port), timeout=10) as sock:
            sock.sendall(signed_request(aws, "CreateQueue", b'{"QueueName": "raw"}'))
            with pytest.raises(ConnectionResetError):
                while sock.recv(65536):  # a FIN would read b"" and end the loop
                    pass
        with pytest.raises(botocore.exceptions.ConnectionClosedError):
            aws.client("sqs").create_queue(QueueName="sdk")
        assert aws.client("sqs").list_queues().get("QueueUrls", []) == [], "nothing was applied"
        resets = aws.requests.select(operation="CreateQueue")
        assert [(r.status, r.injected) for r in resets] == [(0, "reset")] * 2
        assert aws.stats.snapshot()["always_failed"] == {"reset": 2}


def test_a_truncated_answer_comes_after_moto_applied_the_call():
    with LocalAws(profile=profile(always_fail={("sqs", "CreateQueue"): "truncate"})) as aws:
        connection = http.client.HTTPConnection("127.0.0.1", aws.port, timeout=10)
        raw = signed_request(aws, "CreateQueue", b'{"QueueName": "raw"}')
        head, body = raw.split(b"\r\n\r\n", 1)
        connection.request("POST", "/", body=body, headers=dict(
            line.split(": ", 1) for line in head.decode().split("\r\n")[1:]))
        response = connection.getresponse()
        assert response.status == 200
        length = int(response.getheader("Content-Length"))
        with pytest.raises(http.client.IncompleteRead) as excinfo:
            response.read()
        assert 0 < len(excinfo.value.partial) < length
        connection.close()

        # botocore does not enforce Content-Length: it reads what came, which is not an answer.
        assert "QueueUrl" not in aws.client("sqs").create_queue(QueueName="sdk")
        queues = aws.client("sqs").list_queues()["QueueUrls"]
        assert sorted(u.rsplit("/", 1)[1] for u in queues) == ["raw", "sdk"], "both were applied"
        assert [r.injected for r in aws.requests.select(operation="CreateQueue")] == ["truncate"] * 2


def test_always_failing_calls_fail_every_time_and_nothing_else():
    always = {("elasticache", "ModifyServerlessCache"): 500, ("sqs", "CreateQueue"): 503}
    with LocalAws(profile=profile(always_fail=always, cache_creating_s=0)) as aws:
        ec = aws.client("elasticache")
        ec.create_serverless_cache(ServerlessCacheName="canvas", Engine="valkey")
        assert ec.describe_serverless_caches()["ServerlessCaches"][0]["Status"] == "available"
        for _ in range(3):
            refused(lambda: ec.modify_serverless_cache(ServerlessCacheName="canvas", Description="x"),
                    "InternalFailure", 500)
        refused(lambda: aws.client("sqs").create_queue(QueueName="q"), "ServiceUnavailable", 503)
        assert aws.client("sqs").list_queues().get("QueueUrls", []) == []
        assert ec.describe_serverless_caches()["ServerlessCaches"][0].get("Description") is None
        assert aws.stats.snapshot()["always_failed"] == {"500": 3, "503": 1}


# -- the error serialiser -------------------------------------------------------------------------
def parsed_error(service, code, protocol=None, message="what happened"):
    wire = aws_errors.error_response(service, code, message, protocol=protocol)
    model = aws_errors.service_model(service)
    operation = model.operation_model(model.operation_names[0])
    parser = botocore.parsers.create_parser(protocol or aws_errors.model_protocol(service))
    parsed = parser.parse({"status_code": wire.status, "headers": HeadersDict(wire.headers),
                           "body": wire.body}, operation.output_shape)
    return parsed["Error"]["Code"], parsed["Error"].get("Message"), wire.status


@pytest.mark.parametrize("service", SERVICES)
def test_botocore_reads_every_injected_error_as_its_code(service):
    errors = aws_errors.errors_of(service)
    throttling = parsed_error(service, errors.throttling)
    assert throttling[:2] == (errors.throttling, "what happened")
    assert errors.throttling in THROTTLING_CODES
    internal = parsed_error(service, errors.internal)
    assert internal[0] == errors.internal and internal[2] == 500
    assert parsed_error(service, errors.unavailable)[::2] == (errors.unavailable, 503)
    model_statuses = {shape.name: shape.metadata["error"]["httpStatusCode"]
                      for shape in aws_errors.service_model(service).error_shapes
                      if "httpStatusCode" in shape.metadata.get("error", {})}
    if errors.throttling in model_statuses:
        assert throttling[2] == model_statuses[errors.throttling]


def test_botocore_reads_the_refusals_of_slow_and_consistent_states():
    assert parsed_error("ec2", "InvalidVpcID.NotFound")[::2] == ("InvalidVpcID.NotFound", 400)
    assert parsed_error("lambda", "InvalidParameterValueException")[::2] == (
        "InvalidParameterValueException", 400)
    assert parsed_error("scheduler", "ValidationException")[::2] == ("ValidationException", 400)
    # Requests in another protocol than the model's get errors in theirs.
    assert parsed_error("sqs", "RequestThrottled", protocol="query")[0] == "RequestThrottled"
    assert parsed_error("sqs", "QueueDoesNotExist")[0] == "QueueDoesNotExist"


# -- the profile itself ---------------------------------------------------------------------------
def test_default_profile_is_realistic_but_fast(real_aws):
    assert real_aws.profile == RealAwsProfile.default()
    assert real_aws.profile.throttle == DEFAULT_THROTTLE and real_aws.profile.fault_rate == 0
    started = time.monotonic()
    real_aws.client("sqs").create_queue(QueueName="q")
    assert time.monotonic() - started >= real_aws.profile.latency[0]
    assert [r.injected for r in real_aws.requests] == [None]
    assert RealAwsProfile.default(seed=3).seed == 3


@pytest.mark.parametrize("changes", [
    {"latency": (0.2, 0.1)}, {"uplink_bytes_per_s": 0}, {"lambda_pending_s": -1},
    {"throttle": {"ec2": (0, 1)}}, {"fault_rate": 1.5}, {"fault_kinds": {"404": 1}},
    {"always_fail": {("sqs", "ListQueues"): 404}},
])
def test_a_profile_refuses_impossible_settings(changes):
    with pytest.raises(ValueError):
        RealAwsProfile(**changes)


def test_fates_depend_on_the_seed_and_the_call_only():
    chosen = RealAwsProfile(seed=5, fault_rate=0.5, latency=(0.01, 0.02))
    fates = [chosen.fate("ec2", "CreateVpc", "/", n) for n in range(200)]
    assert fates == [RealAwsProfile(seed=5, fault_rate=0.5, latency=(0.01, 0.02))
                     .fate("ec2", "CreateVpc", "/", n) for n in range(200)]
    kinds = collections.Counter(f.fault for f in fates)
    assert set(kinds) == {None, "500", "503", "reset", "truncate"}
    assert 60 <= kinds[None] <= 140
    assert all(0.01 <= f.latency <= 0.02 and 0.1 <= f.cut <= 0.9 for f in fates)

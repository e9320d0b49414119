"""What the tests of the walk's patience share (test_walk_*.py): running
scribblectl against a LocalAws, following its progress lines as they come,
and checking through boto3 that nothing tagged with a stack is left.

Calls made here retry (botocore's standard mode, and answers it cannot parse,
which botocore does not retry): under a real AWS profile the endpoint faults
the test's own calls as it does scribblectl's.
"""
import os
import queue
import signal
import subprocess
import threading
import time

import botocore.config
import botocore.exceptions
import botocore.parsers

from harness.local_aws import make_client

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
PATIENT = botocore.config.Config(retries={"total_max_attempts": 10, "mode": "standard"},
                                 connect_timeout=5, read_timeout=60)


def patiently(call, key, attempts=10, **kwargs):
    """call(**kwargs)[key], called again after an answer cut short: botocore
    retries faults (standard mode) but takes a JSON answer cut short for one
    without the key, and raises on XML cut short."""
    for _ in range(attempts - 1):
        try:
            answer = call(**kwargs)
            if key in answer:
                return answer[key]
        except (botocore.parsers.ResponseParserError, botocore.exceptions.ConnectionError):
            pass
    return call(**kwargs)[key]


def write_config(directory, stack, extra=""):
    (directory / "scribble.ini").write_text(f"[stack]\nname = {stack}\n{extra}")


def scribblectl(env, directory, *args, timeout=240):
    """Runs scribblectl to the end; the CompletedProcess (check returncode yourself)."""
    return subprocess.run([SCRIBBLECTL, *args], capture_output=True, text=True, env=env,
                          cwd=directory, timeout=timeout)


def explain(result):
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


class Running:
    """scribblectl in the background, its stderr lines read as they come."""

    def __init__(self, env, directory, *args):
        self.process = subprocess.Popen([SCRIBBLECTL, *args], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, env=env, cwd=directory)
        self.lines = []
        self._queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stderr:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for_line(self, predicate, timeout):
        """The first stderr line for which predicate holds, or None at the deadline or the end."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                return None
            self.lines.append(line)
            if predicate(line):
                return line

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Sends sig and waits for the exit; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self.process.stdout.close()
            self._reader.join(timeout=timeout)
            self.process.stderr.close()


def queue_urls(sqs):
    """Every queue's URL. An answer cut short reads as no queue at all (the key
    is left out of an empty answer too): the union of three answers."""
    urls = set()
    for _ in range(3):
        urls |= set(sqs.list_queues().get("QueueUrls", []))
    return sorted(urls)


def leftovers(aws, stack):
    """Everything tagged with the stack, or named after it, that boto3 still finds."""
    def client(service):
        return aws.client(service, config=PATIENT)

    tag = [{"Name": "tag:scribble:stack", "Values": [stack]}]
    ec2 = client("ec2")
    found = []
    for describe, key, skip in (("describe_vpcs", "Vpcs", ()),
                                ("describe_subnets", "Subnets", ()),
                                ("describe_security_groups", "SecurityGroups", ()),
                                ("describe_internet_gateways", "InternetGateways", ()),
                                ("describe_route_tables", "RouteTables", ()),
                                ("describe_addresses", "Addresses", ()),
                                ("describe_nat_gateways", "NatGateways", ("deleted",)),
                                ("describe_vpc_endpoints", "VpcEndpoints", ("deleted",))):
        for item in patiently(getattr(ec2, describe), key, Filters=tag):
            if str(item.get("State", "")).lower() not in skip:
                found.append(f"{describe}: {item}")
    prefix = stack + "-"
    lambda_ = client("lambda")
    cloudfront = client("cloudfront")
    named = {
        "lambda functions": [f["FunctionName"] for f in
                             patiently(lambda_.list_functions, "Functions")],
        "queues": queue_urls(client("sqs")),
        "tables": patiently(client("dynamodb").list_tables, "TableNames"),
        "roles": [r["RoleName"] for r in patiently(client("iam").list_roles, "Roles")],
        "log groups": [g["logGroupName"] for g in
                       patiently(client("logs").describe_log_groups, "logGroups")],
        "APIs": [a["Name"] for a in patiently(client("apigatewayv2").get_apis, "Items")],
        "schedules": [s["Name"] for s in patiently(client("scheduler").list_schedules,
                                                   "Schedules")],
        "caches": [c["ServerlessCacheName"] for c in
                   patiently(client("elasticache").describe_serverless_caches,
                             "ServerlessCaches")],
        "buckets": [b["Name"] for b in patiently(client("s3").list_buckets, "Buckets")],
    }
    for what, names in named.items():
        found += [f"{what}: {name}" for name in names if prefix in name]
    found += [f"event source mapping: {m['UUID']}" for m in
              patiently(lambda_.list_event_source_mappings, "EventSourceMappings")]
    found += [f"distribution: {d['Id']}" for d in
              patiently(cloudfront.list_distributions, "DistributionList").get("Items", [])]
    found += [f"cache policy: {p['CachePolicy']['Id']}" for p in
              patiently(cloudfront.list_cache_policies, "CachePolicyList", Type="custom")
              .get("Items", [])]
    found += [f"response headers policy: {p['ResponseHeadersPolicy']['Id']}" for p in
              patiently(cloudfront.list_response_headers_policies, "ResponseHeadersPolicyList",
                        Type="custom").get("Items", [])]
    found += [f"origin access control: {o['Id']}" for o in
              patiently(cloudfront.list_origin_access_controls, "OriginAccessControlList")
              .get("Items", [])]
    found += [f"API Gateway domain name: {d['DomainName']}" for d in
              patiently(client("apigatewayv2").get_domain_names, "Items")
              if d.get("Tags", {}).get("scribble:stack") == stack]
    for region in sorted({aws.region, "us-east-1"}):  # CloudFront's certificates are in us-east-1
        acm = make_client("acm", aws.endpoint, region, config=PATIENT)
        for summary in patiently(acm.list_certificates, "CertificateSummaryList"):
            arn = summary["CertificateArn"]
            tags = patiently(acm.list_tags_for_certificate, "Tags", CertificateArn=arn)
            if {"Key": "scribble:stack", "Value": stack} in tags:
                found.append(f"certificate: {arn}")
    return found

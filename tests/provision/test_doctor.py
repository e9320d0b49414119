"""scribblectl doctor: credentials, region, and one read call on every service
the stack uses, against the local AWS; and a fast, clear failure where
nothing listens."""
import os
import re
import socket
import subprocess
import time

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
SERVICES = ["EC2", "IAM", "ElastiCache", "SQS", "DynamoDB", "Lambda", "ApiGatewayV2", "Scheduler",
            "CloudFront", "S3", "CloudWatch", "Resource", "Route", "ACM"]


def doctor(env, tmp_path, *args):
    return subprocess.run([SCRIBBLECTL, *args, "doctor"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)


def rows(stdout):
    return {m.group(1): m.group(0) for m in re.finditer(r"^(\S+) \S+\s.*$", stdout, re.M)}


def test_every_service_ok_against_local_aws(local_aws, tmp_path):
    result = doctor(local_aws.env(), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    table = rows(result.stdout)
    sts = table["STS"]
    assert local_aws.endpoint in sts and "OK account %s" % local_aws.account_id in sts
    assert "credentials from environment" in sts
    for service in SERVICES:
        assert service in table, "no row for " + service
        assert local_aws.endpoint in table[service]
        assert re.search(r"\d+ ms\s+OK( .*)?$", table[service]), table[service]
    assert "all 15 services OK" in result.stdout
    assert "no [domain]" in table["Route"], table["Route"]
    calls = {(r.service, r.operation) for r in local_aws.requests}
    assert ("sts", "GetCallerIdentity") in calls and len(calls) >= 15
    assert not any(r.mutating for r in local_aws.requests), "doctor made a mutating call"


def test_fails_fast_where_nothing_listens(local_aws, tmp_path):
    with socket.socket() as s:  # a port the OS just gave out and nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = "http://127.0.0.1:%d" % port
    start = time.monotonic()
    result = doctor(local_aws.env(AWS_ENDPOINT_URL=dead), tmp_path)
    elapsed = time.monotonic() - start
    assert result.returncode == 1
    assert elapsed < 15, "doctor took %.1f s" % elapsed
    assert "FAILED ConnectError" in result.stdout
    assert "Couldn't connect to server" in result.stdout or "Connection refused" in result.stdout
    assert dead in result.stdout
    assert re.search(r"doctor: 15 checks failed: STS, EC2, IAM", result.stderr), result.stderr


def test_endpoint_url_flag_overrides_environment(local_aws, tmp_path):
    env = local_aws.env(AWS_ENDPOINT_URL="http://127.0.0.1:9")
    result = doctor(env, tmp_path, "--endpoint-url", local_aws.endpoint)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_credentials_names_every_source(local_aws, tmp_path):
    env = local_aws.env()
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(key, None)
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    result = doctor(env, tmp_path)
    assert result.returncode == 1
    assert "credentials" in result.stderr and "NoCredentials" in result.stdout
    for source in ("environment", "profile", "container", "imds"):
        assert source in result.stdout.lower(), source
    assert not local_aws.requests.all(), "no AWS call without credentials"


def test_debug_never_prints_the_secret(local_aws, tmp_path):
    env = local_aws.env(AWS_SECRET_ACCESS_KEY="doctor-secret-never-shown")
    result = doctor(env, tmp_path, "--debug")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "debug: >> POST " + local_aws.endpoint in result.stderr
    assert "doctor-secret-never-shown" not in result.stdout + result.stderr
    assert "Signature=<redacted>" in result.stderr


def test_the_domain_zone(local_aws, tmp_path):
    """[domain]'s hosted zone: missing, private only, then public and holding both names."""
    (tmp_path / "scribble.ini").write_text("[domain]\nname = canvas.example.com\n")
    route53 = local_aws.client("route53")

    missing = doctor(local_aws.env(), tmp_path)
    assert missing.returncode == 1, missing.stdout + missing.stderr
    row = rows(missing.stdout)["Route"]
    assert "FAILED NoHostedZone: this account has no public hosted zone example.com" in row, row
    assert "Route 53" in missing.stderr, missing.stderr

    vpc = local_aws.client("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    route53.create_hosted_zone(Name="example.com", CallerReference="private",
                               VPC={"VPCRegion": local_aws.region, "VPCId": vpc},
                               HostedZoneConfig={"PrivateZone": True})
    private = doctor(local_aws.env(), tmp_path)
    assert "example.com is a private hosted zone here" in rows(private.stdout)["Route"], private.stdout

    zone = route53.create_hosted_zone(Name="example.com", CallerReference="public")["HostedZone"]
    found = doctor(local_aws.env(), tmp_path)
    assert found.returncode == 0, found.stdout + found.stderr
    zone_id = zone["Id"].rsplit("/", 1)[-1]
    assert (f"OK public hosted zone example.com ({zone_id}) holds canvas.example.com and "
            "ws.canvas.example.com") in rows(found.stdout)["Route"], found.stdout

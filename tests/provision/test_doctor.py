"""scribblectl doctor: credentials, region, and one read call on every service
the stack uses, against the local AWS; and a fast, clear failure where
nothing listens."""
import os
import re
import socket
import subprocess
import threading
import time

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

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


class DnsStub:
    """A DNS server on a UDP port the OS gives, for doctor's delegation check
    (SCRIBBLE_DNS_SERVER): answers each question from `answers` (name -> the
    NS records, or None for NXDOMAIN; REFUSED for any other name) and keeps
    the questions. Stopped on exit; its port then answers nothing."""

    def __init__(self):
        self.answers = {}
        self.questions = []
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)  # how soon the loop sees the stop
        self.address = "127.0.0.1:%d" % self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_):
        self._stop.set()
        self._thread.join()
        self._socket.close()

    def _serve(self):
        while not self._stop.is_set():
            try:
                wire, peer = self._socket.recvfrom(4096)
            except socket.timeout:
                continue
            query = dns.message.from_wire(wire)
            question = query.question[0]
            name = question.name.to_text(omit_final_dot=True)
            self.questions.append((name, dns.rdatatype.to_text(question.rdtype)))
            response = dns.message.make_response(query)
            if name not in self.answers:
                response.set_rcode(dns.rcode.REFUSED)
            elif self.answers[name] is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
            else:
                response.answer.append(dns.rrset.from_text_list(
                    question.name, 300, "IN", "NS", [s + "." for s in self.answers[name]]))
            self._socket.sendto(response.to_wire(), peer)


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

    created = route53.create_hosted_zone(Name="example.com", CallerReference="public")
    zone_id = created["HostedZone"]["Id"].rsplit("/", 1)[-1]
    servers = created["DelegationSet"]["NameServers"]
    with DnsStub() as dns:
        env = local_aws.env(SCRIBBLE_DNS_SERVER=dns.address)
        dns.answers["example.com"] = list(reversed(servers))
        found = doctor(env, tmp_path)
        assert found.returncode == 0, found.stdout + found.stderr
        row = rows(found.stdout)["Route"]
        assert (f"OK public hosted zone example.com ({zone_id}) holds canvas.example.com and "
                "ws.canvas.example.com; delegated to its name servers (") in row, found.stdout
        named = re.search(r"delegated to its name servers \((.*)\)", row).group(1)
        assert sorted(named.split(", ")) == sorted(servers), row

        # The registrar still names other servers: ACM would never validate.
        dns.answers["example.com"] = ["ns1.elsewhere.example.net", "ns2.elsewhere.example.net"]
        elsewhere = doctor(env, tmp_path)
        assert elsewhere.returncode == 1, elsewhere.stdout + elsewhere.stderr
        row = rows(elsewhere.stdout)["Route"]
        assert "FAILED NotDelegated: public DNS names ns" in row, elsewhere.stdout
        assert ("ns1.elsewhere.example.net" in row and "ns2.elsewhere.example.net" in row
                and f"as example.com's name servers, not the hosted zone's ({', '.join(servers)})"
                in row), row

        dns.answers["example.com"] = None  # NXDOMAIN
        unregistered = doctor(env, tmp_path)
        assert "FAILED NotDelegated: example.com is not in public DNS" in rows(
            unregistered.stdout)["Route"], unregistered.stdout
        assert dns.questions and all(q == ("example.com", "NS") for q in dns.questions), dns.questions

    # Nobody answers DNS (the stub is gone): the zone is reported, unchecked.
    silent = doctor(env, tmp_path)
    assert silent.returncode == 0, silent.stdout + silent.stderr
    assert "its delegation was not checked: public DNS did not answer" in rows(
        silent.stdout)["Route"], silent.stdout

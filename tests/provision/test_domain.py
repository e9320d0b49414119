"""The canvas on its own domain ([domain] in scribble.ini): ACM certificates
validated through Route 53, CloudFront's alias and certificate, API
Gateway's custom domain name and mapping, the alias records, config.json;
then renaming the domain, removing it, and down. Everything is checked
through boto3; "no mutating call" is counted at the endpoint. The local AWS
issues a DNS-validated certificate once its validation wait has passed
(LocalAws's acm_validation_wait_s), and refuses, as AWS does, a certificate
that is not issued or does not cover the name, a certificate still in use,
and an alias another distribution holds."""
import json
import os
import subprocess
import time

from harness import model_check
from harness.local_aws import LocalAws, make_client
from walk_runs import explain, leftovers

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
STACK = "named"
ZONE = "example.com"
CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"
# The label of the validation records the local AWS's ACM asks for.
VALIDATION_PREFIX = "_d930b28be6c5927595552b219965053e"
# A record of someone else's in the zone, and one at a name the stack will use.
FOREIGN = [
    {"Name": "www.example.com.", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "192.0.2.1"}]},
    {"Name": "canvas.example.com.", "Type": "TXT", "TTL": 300,
     "ResourceRecords": [{"Value": '"someone else\'s"'}]},
]


def run(aws, cwd, *args, check=True, **env):
    result = subprocess.run([SCRIBBLECTL, *args], capture_output=True, text=True,
                            env=aws.env(**env), cwd=cwd, timeout=280)
    if check:
        assert result.returncode == 0, explain(result)
    return result


def configure(cwd, domain=""):
    (cwd / "scribble.ini").write_text(f"[stack]\nname = {STACK}\n[domain]\nname = {domain}\n")


def make_zone(aws):
    route53 = aws.client("route53")
    zone = route53.create_hosted_zone(Name=ZONE, CallerReference="zone")["HostedZone"]["Id"]
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": record} for record in FOREIGN]})
    return zone.split("/")[-1]


def records(aws, zone):
    """{(name without the dot, type): record set} of the zone, SOA and NS left out."""
    sets = aws.client("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return {(r["Name"].rstrip("."), r["Type"]): r for r in sets if r["Type"] not in ("SOA", "NS")}


def stack_certificates(aws, region):
    acm = make_client("acm", aws.endpoint, region)
    found = []
    for summary in acm.list_certificates()["CertificateSummaryList"]:
        arn = summary["CertificateArn"]
        tags = {t["Key"]: t["Value"] for t in acm.list_tags_for_certificate(CertificateArn=arn)["Tags"]}
        if tags.get("scribble:stack") == STACK:
            found.append(acm.describe_certificate(CertificateArn=arn)["Certificate"])
    return found


def stack_domain_names(aws):
    return [d for d in aws.client("apigatewayv2").get_domain_names()["Items"]
            if d.get("Tags", {}).get("scribble:stack") == STACK]


def the_distribution(aws):
    cloudfront = aws.client("cloudfront")
    [summary] = [d for d in cloudfront.list_distributions()["DistributionList"]["Items"]
                 if d["Comment"] == f"{STACK} Scribble site"]
    return cloudfront.get_distribution(Id=summary["Id"])["Distribution"]


def site_config(aws):
    bucket = f"{STACK}-site-{aws.account_id}-{aws.region}"
    return json.loads(aws.client("s3").get_object(Bucket=bucket, Key="config.json")["Body"].read())


def check_domain(aws, zone, page, websocket):
    """Everything [domain] needs for page and websocket, linked, in eu-west-1."""
    [site_cert] = stack_certificates(aws, "us-east-1")
    [api_cert] = stack_certificates(aws, aws.region)
    for cert in (site_cert, api_cert):
        assert cert["DomainName"] == page and sorted(cert["SubjectAlternativeNames"]) == sorted(
            [page, websocket]), cert
        assert cert["Status"] == "ISSUED" and cert["Type"] == "AMAZON_ISSUED", cert
    in_zone = records(aws, zone)
    for option in site_cert["DomainValidationOptions"] + api_cert["DomainValidationOptions"]:
        record = option["ResourceRecord"]
        live = in_zone[(record["Name"].rstrip("."), "CNAME")]
        assert [v["Value"] for v in live["ResourceRecords"]] == [record["Value"]], live

    distribution = the_distribution(aws)
    config = distribution["DistributionConfig"]
    assert config["Aliases"] == {"Quantity": 1, "Items": [page]}, config["Aliases"]
    viewer = config["ViewerCertificate"]
    assert viewer["ACMCertificateArn"] == site_cert["CertificateArn"], viewer
    assert (viewer["SSLSupportMethod"], viewer["MinimumProtocolVersion"]) == ("sni-only", "TLSv1.2_2021")
    assert config["IsIPV6Enabled"] is True

    apigw = aws.client("apigatewayv2")
    [domain] = stack_domain_names(aws)
    assert domain["DomainName"] == websocket
    [setting] = domain["DomainNameConfigurations"]
    assert setting["CertificateArn"] == api_cert["CertificateArn"], setting
    assert (setting["EndpointType"], setting["SecurityPolicy"], setting["IpAddressType"]) == (
        "REGIONAL", "TLS_1_2", "dualstack"), setting
    [api] = apigw.get_apis()["Items"]
    [mapping] = apigw.get_api_mappings(DomainName=websocket)["Items"]
    assert mapping["ApiId"] == api["ApiId"] and mapping.get("ApiMappingKey", "") == "", mapping
    assert mapping["Stage"] in [s["StageName"] for s in apigw.get_stages(ApiId=api["ApiId"])["Items"]]

    for kind in ("A", "AAAA"):
        target = in_zone[(page, kind)]["AliasTarget"]
        assert (target["HostedZoneId"], target["DNSName"].rstrip(".")) == (
            CLOUDFRONT_ZONE, distribution["DomainName"]), target
        target = in_zone[(websocket, kind)]["AliasTarget"]
        assert (target["HostedZoneId"], target["DNSName"].rstrip(".")) == (
            setting["HostedZoneId"], setting["ApiGatewayDomainName"]), target

    page_config = site_config(aws)
    assert page_config["websocketUrl"] == f"wss://{websocket}/", page_config
    assert page_config["snapshotUrl"] == f"https://{page}/snapshots/latest.json", page_config
    cloudfront = aws.client("cloudfront")
    policy_id = config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"]
    policy = cloudfront.get_response_headers_policy(Id=policy_id)["ResponseHeadersPolicy"]
    csp = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    assert f"connect-src 'self' wss://{websocket};" in csp["ContentSecurityPolicy"], csp


def check_no_domain_left(aws, zone, name, kept=()):
    """Nothing of name is left (certificates, API domain names, records) but the records kept."""
    assert stack_certificates(aws, "us-east-1") == [] and stack_certificates(aws, aws.region) == []
    assert stack_domain_names(aws) == []
    left = sorted(key for key in records(aws, zone) if key[0].endswith(name))
    assert left == sorted(kept), left


def check_foreign_untouched(aws, zone):
    in_zone = records(aws, zone)
    for record in FOREIGN:
        live = in_zone[(record["Name"].rstrip("."), record["Type"])]
        assert live["ResourceRecords"] == record["ResourceRecords"], live


# Every request scribblectl sends to these is read back from the wire and
# checked against botocore's models (harness/model_check.py).
CHECKED_SERVICES = {"acm", "route53", "apigatewayv2", "cloudfront"}


def test_domain_up_rename_remove_and_down(tmp_path):
    with LocalAws(region="eu-west-1", acm_validation_wait_s=0) as aws:
        zone = make_zone(aws)
        # Someone's own certificate that also covers the page's name: ACM
        # validates it, and renews it, with the same record as the stack's.
        acm = make_client("acm", aws.endpoint, "us-east-1")
        theirs = acm.request_certificate(
            DomainName="www.example.com", ValidationMethod="DNS",
            SubjectAlternativeNames=["www.example.com", "canvas.example.com"])["CertificateArn"]
        shared = (f"{VALIDATION_PREFIX}.canvas.example.com", "CNAME")
        captured = aws.requests.capture(CHECKED_SERVICES)
        configure(tmp_path, "canvas.example.com")
        up = run(aws, tmp_path, "up")
        assert "page:      https://canvas.example.com/\n" in up.stdout, explain(up)
        assert "websocket: wss://ws.canvas.example.com/\n" in up.stdout, explain(up)
        check_domain(aws, zone, "canvas.example.com", "ws.canvas.example.com")
        check_foreign_untouched(aws, zone)

        status = json.loads(run(aws, tmp_path, "status", "--output", "json").stdout)
        rows = {r["role"]: r for r in status["resources"]}
        assert rows["site-certificate"]["state"].startswith("ISSUED until 20"), rows["site-certificate"]
        assert rows["websocket-certificate"]["state"].startswith("ISSUED until "), rows
        assert rows["domain-records"]["state"] == "4 of 4 records", rows["domain-records"]
        assert rows["certificate-validation"]["state"] == "2 records, 2 of 2 issued", rows
        assert rows["previous-domain"]["state"] == "nothing left over", rows["previous-domain"]

        aws.requests.clear()
        again = run(aws, tmp_path, "up")
        assert "nothing to do" in again.stdout, explain(again)
        assert aws.requests.mutating() == [], [str(r) for r in aws.requests.mutating()]

        configure(tmp_path, "board.example.com")
        run(aws, tmp_path, "up")
        check_domain(aws, zone, "board.example.com", "ws.board.example.com")
        assert [d["DomainName"] for d in stack_domain_names(aws)] == ["ws.board.example.com"]
        old = sorted(key for key in records(aws, zone) if "canvas.example.com" in key[0])
        assert old == sorted([("canvas.example.com", "TXT"), shared]), old
        check_foreign_untouched(aws, zone)

        configure(tmp_path)
        removed = run(aws, tmp_path, "up")
        check_no_domain_left(aws, zone, "board.example.com")
        config = the_distribution(aws)["DistributionConfig"]
        assert config["Aliases"]["Quantity"] == 0, config["Aliases"]
        assert config["ViewerCertificate"].get("CloudFrontDefaultCertificate") is True
        [api] = aws.client("apigatewayv2").get_apis()["Items"]
        assert site_config(aws)["websocketUrl"].startswith(f"wss://{api['ApiId']}.execute-api."), (
            explain(removed))
        check_foreign_untouched(aws, zone)

        configure(tmp_path, "canvas.example.com")
        run(aws, tmp_path, "up")
        run(aws, tmp_path, "down", "--yes")
        assert leftovers(aws, STACK) == []
        check_no_domain_left(aws, zone, "canvas.example.com",
                             kept=[("canvas.example.com", "TXT"), shared])
        assert acm.describe_certificate(CertificateArn=theirs)["Certificate"]["Status"] == "ISSUED"
        check_foreign_untouched(aws, zone)
        zones = aws.client("route53").list_hosted_zones()["HostedZones"]
        assert [z["Name"] for z in zones] == ["example.com."]
        captured.stop()
        operations = {r.operation for r in captured}
        assert {"RequestCertificate", "ChangeResourceRecordSets", "CreateDomainName",
                "CreateApiMapping", "UpdateDistribution", "DeleteCertificate"} <= operations, operations
        assert model_check.problems(captured) == []


def test_one_certificate_in_us_east_1_and_a_record_not_ours(tmp_path):
    """In us-east-1 one certificate serves CloudFront and API Gateway; an A
    record at the page's name that the stack did not make stops up, untouched."""
    with LocalAws(region="us-east-1", acm_validation_wait_s=0) as aws:
        zone = make_zone(aws)
        theirs = {"Name": "canvas.example.com.", "Type": "A", "TTL": 60,
                  "ResourceRecords": [{"Value": "192.0.2.7"}]}
        aws.client("route53").change_resource_record_sets(HostedZoneId=zone, ChangeBatch={
            "Changes": [{"Action": "CREATE", "ResourceRecordSet": theirs}]})
        configure(tmp_path, "canvas.example.com")
        plan = json.loads(run(aws, tmp_path, "plan", "--output", "json").stdout)
        roles = [r["role"] for r in plan["resources"]]
        assert "site-certificate" in roles and "websocket-certificate" not in roles, roles

        up = run(aws, tmp_path, "up", check=False)
        assert up.returncode == 1, explain(up)
        assert ("hosted zone example.com already has a A record for canvas.example.com "
                "(192.0.2.7) that this stack did not make") in up.stdout, explain(up)
        assert records(aws, zone)[("canvas.example.com", "A")]["ResourceRecords"] == [
            {"Value": "192.0.2.7"}]
        [cert] = stack_certificates(aws, "us-east-1")
        [domain] = stack_domain_names(aws)
        assert domain["DomainNameConfigurations"][0]["CertificateArn"] == cert["CertificateArn"]
        viewer = the_distribution(aws)["DistributionConfig"]["ViewerCertificate"]
        assert viewer["ACMCertificateArn"] == cert["CertificateArn"]


def test_validation_that_never_completes_ends_within_its_wait(tmp_path):
    """A zone ACM cannot see (here: a certificate that is never issued) ends
    after the validation's allowance (30 min, scaled down) saying what to check."""
    with LocalAws(region="eu-west-1", acm_validation_wait_s=10 ** 6) as aws:
        make_zone(aws)
        configure(tmp_path, "canvas.example.com")
        started = time.monotonic()
        up = run(aws, tmp_path, "up", check=False, SCRIBBLE_TIME_SCALE="0.005")
        took = time.monotonic() - started
        assert up.returncode == 1, explain(up)
        assert "certificate-validation: still 2 records, 0 of 2 issued after waiting" in up.stdout, (
            explain(up))
        assert "check that the name servers of hosted zone example.com (" in up.stdout, explain(up)
        assert "dig NS example.com" in up.stdout, explain(up)
        assert took < 150, took
        # what needs the certificates was not attempted
        assert stack_domain_names(aws) == []
        assert aws.client("cloudfront").list_distributions()["DistributionList"].get("Quantity") == 0


def test_a_zone_the_account_lacks_stops_plan_and_up_before_any_change(tmp_path):
    with LocalAws(region="eu-west-1", acm_validation_wait_s=0) as aws:
        configure(tmp_path, "canvas.example.com")
        for verb in ("plan", "up"):
            result = run(aws, tmp_path, verb, check=False)
            assert result.returncode == 2, explain(result)
            assert ("this account has no public hosted zone example.com: create it in Route 53 "
                    "(and delegate the domain to its name servers at the registrar), or set "
                    "domain.zone to the zone that holds canvas.example.com") in result.stderr, (
                explain(result))
        assert aws.requests.mutating() == [], [str(r) for r in aws.requests.mutating()]

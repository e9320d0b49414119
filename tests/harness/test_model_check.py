"""model_check and RequestLog.capture: requests boto3 builds (so AWS's own
shapes) for ACM (json), API Gateway v2 (rest-json), Route 53 and CloudFront
(rest-xml) are captured whole and read back to the parameters boto3 was
given, with no problem; hand-made requests that moto would accept but AWS
would not (a wrong key or type, an element out of order or unknown, a wrong
root or namespace, ...) are each reported. A capture keeps only its services,
only while it is active, and changes nothing moto receives."""

import json

import pytest

from harness import model_check
from harness.local_aws import LocalAws
from harness.request_log import CapturedRequest, RequestBody

SERVICES = {"acm", "route53", "apigatewayv2", "cloudfront"}

def distribution(certificate_arn):
    """A distribution for www.example.com, keys in the model's member order
    (botocore writes XML in the order it is given)."""
    return {
        "CallerReference": "site-1",
        "Aliases": {"Quantity": 1, "Items": ["www.example.com"]},
        "DefaultRootObject": "index.html",
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "bucket", "DomainName": "site.s3.us-east-1.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "bucket", "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"],
                               "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}},
            "Compress": True,
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        "Comment": "scribble",
        "PriceClass": "PriceClass_100",
        "Enabled": True,
        "ViewerCertificate": {"CloudFrontDefaultCertificate": False, "ACMCertificateArn": certificate_arn,
                              "SSLSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"},
        "HttpVersion": "http2and3",
        "IsIPV6Enabled": True,
    }


def inputs(captured):
    """(operation, parameters) of each captured request, as model_check reads them."""
    result = []
    for request in captured:
        operation, params, found = model_check.read_input(request)
        assert found == [], (str(request), found)
        result.append((operation.name, params))
    return result


def test_valid_calls_have_no_problems():
    with LocalAws(acm_validation_wait_s=0) as aws, aws.requests.capture(SERVICES) as captured:
        acm = aws.client("acm")
        certificate = {"DomainName": "example.com", "ValidationMethod": "DNS",
                       "SubjectAlternativeNames": ["www.example.com"],
                       "Tags": [{"Key": "stack", "Value": "scribble"}]}
        arn = acm.request_certificate(**certificate)["CertificateArn"]
        assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED"
        acm.list_certificates(CertificateStatuses=["ISSUED"], MaxItems=10)

        route53 = aws.client("route53")
        zone = route53.create_hosted_zone(Name="example.com", CallerReference="zone-1")["HostedZone"]["Id"]
        zone_id = zone.rsplit("/", 1)[-1]
        batch = {"Comment": "site", "Changes": [
            {"Action": "UPSERT", "ResourceRecordSet": {
                "Name": "www.example.com", "Type": "A",
                "AliasTarget": {"HostedZoneId": "Z2FDTNDATAQYW2",
                                "DNSName": "d111111abcdef8.cloudfront.net",
                                "EvaluateTargetHealth": False}}},
            {"Action": "UPSERT", "ResourceRecordSet": {
                "Name": "_x.example.com", "Type": "CNAME", "TTL": 300,
                "ResourceRecords": [{"Value": "_y.acm-validations.aws."}]}}]}
        route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)
        route53.list_resource_record_sets(HostedZoneId=zone_id, StartRecordName="www.example.com",
                                          StartRecordType="A", MaxItems="10")

        gateway = aws.client("apigatewayv2")
        gateway.create_api(Name="scribble", ProtocolType="WEBSOCKET",
                           RouteSelectionExpression="$request.body.action")
        domain = {"DomainName": "www.example.com",
                  "DomainNameConfigurations": [{"CertificateArn": arn, "EndpointType": "REGIONAL",
                                                "SecurityPolicy": "TLS_1_2"}],
                  "Tags": {"stack": "scribble"}}
        gateway.create_domain_name(**domain)
        gateway.get_domain_names(MaxResults="5")

        cloudfront = aws.client("cloudfront")
        config = distribution(arn)
        created = cloudfront.create_distribution(DistributionConfig=config)
        with_tags = {"DistributionConfig": dict(config, CallerReference="site-2", Aliases={"Quantity": 0}),
                     "Tags": {"Items": [{"Key": "stack", "Value": "scribble"}]}}
        cloudfront.create_distribution_with_tags(DistributionConfigWithTags=with_tags)
        cloudfront.update_distribution(Id=created["Distribution"]["Id"], IfMatch=created["ETag"],
                                       DistributionConfig=dict(config, Enabled=False))

    assert model_check.problems(captured) == []
    read = inputs(captured)
    assert [name for name, _ in read] == [
        "RequestCertificate", "DescribeCertificate", "ListCertificates",
        "CreateHostedZone", "ChangeResourceRecordSets", "ListResourceRecordSets",
        "CreateApi", "CreateDomainName", "GetDomainNames",
        "CreateDistribution", "CreateDistributionWithTags", "UpdateDistribution"]
    params = dict(read)
    # What the wire says is what boto3 was given.
    assert params["RequestCertificate"] == certificate
    assert params["ListCertificates"] == {"CertificateStatuses": ["ISSUED"], "MaxItems": 10}
    assert params["ChangeResourceRecordSets"] == {"HostedZoneId": zone_id, "ChangeBatch": batch}
    assert params["ListResourceRecordSets"] == {"HostedZoneId": zone_id, "StartRecordName": "www.example.com",
                                                "StartRecordType": "A", "MaxItems": "10"}
    assert params["CreateDomainName"] == domain
    assert params["GetDomainNames"] == {"MaxResults": "5"}
    assert params["CreateDistribution"] == {"DistributionConfig": config}
    assert params["CreateDistributionWithTags"] == {"DistributionConfigWithTags": with_tags}
    assert params["UpdateDistribution"] == {"Id": created["Distribution"]["Id"], "IfMatch": created["ETag"],
                                            "DistributionConfig": dict(config, Enabled=False)}


def test_capture_keeps_only_its_services_while_active(local_aws):
    acm = local_aws.client("acm")
    s3 = local_aws.client("s3")
    s3.create_bucket(Bucket="capture")
    acm.list_certificates()  # before any capture: not kept
    with local_aws.requests.capture({"acm"}) as only_acm, local_aws.requests.capture({"s3"}) as only_s3:
        acm.list_certificates(MaxItems=5)
        only_s3.stop()
        s3.put_object(Bucket="capture", Key="big", Body=b"x" * 300_000)  # no capture of s3 left
    acm.list_certificates()  # after: not kept
    assert [r.operation for r in only_acm] == ["ListCertificates"]
    assert len(only_s3) == 0
    kept = only_acm.all()[0]
    assert (kept.method, kept.uri, kept.service, kept.status) == ("POST", "/", "acm", 200)
    assert json.loads(kept.body) == {"MaxItems": 5}
    assert kept.header("x-amz-target") == "CertificateManager.ListCertificates"
    assert kept.header("Content-Type") == "application/x-amz-json-1.1"
    assert kept.header("Authorization") is None and kept.header("X-Moto-Account-Id") is None
    assert s3.get_object(Bucket="capture", Key="big")["Body"].read() == b"x" * 300_000
    assert RequestBody(None, 0).kept is None  # keeping is opt-in


def test_captured_bodies_reach_moto_unchanged(local_aws):
    """A form body (query protocol) is read by the record to find its Action;
    kept, it still reaches moto whole. model_check says it cannot read it."""
    iam = local_aws.client("iam")
    s3 = local_aws.client("s3")
    s3.create_bucket(Bucket="capture")
    with local_aws.requests.capture({"iam", "s3"}) as captured:
        iam.create_role(RoleName="kept", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"}))
        s3.put_object(Bucket="capture", Key="k", Body=b"body \x00\xff")
    assert iam.get_role(RoleName="kept")["Role"]["RoleName"] == "kept"
    assert s3.get_object(Bucket="capture", Key="k")["Body"].read() == b"body \x00\xff"
    role, put = captured.all()
    assert put.operation == "PutObject"  # moto's router tells it from CopyObject by its headers
    assert role.operation == "CreateRole" and b"Action=CreateRole" in role.body
    assert b"RoleName=kept" in role.body
    assert (put.method, put.raw_path, put.body) == ("PUT", "/capture/k", b"body \x00\xff")
    assert model_check.problems([role]) == [
        "iam:CreateRole (POST /): protocol 'query' is not checked by model_check"]
    assert model_check.problems([put]) == []


def test_capture_needs_service_names(local_aws):
    with pytest.raises(ValueError):
        local_aws.requests.capture(set())
    with pytest.raises(ValueError):
        local_aws.requests.capture("acm")  # a string, not a set of names: "a", "c", "m" would never match


# -- hand-made requests moto accepts but AWS would not ------------------------

def acm(operation, body, target=None, content_type="application/x-amz-json-1.1"):
    headers = {"X-Amz-Target": target or f"CertificateManager.{operation}"}
    if content_type:
        headers["Content-Type"] = content_type
    return CapturedRequest("POST", "/", "acm", operation, headers, body.encode())


def gateway(method, uri, operation, body=""):
    headers = {"Content-Type": "application/json"} if body else {}
    return CapturedRequest(method, uri, "apigatewayv2", operation, headers, body.encode())


ROUTE53 = "https://route53.amazonaws.com/doc/2013-04-01/"
CHANGE = (f'<ChangeResourceRecordSetsRequest xmlns="{ROUTE53}"><ChangeBatch><Changes>'
          '<Change><Action>UPSERT</Action><ResourceRecordSet><Name>_x.example.com</Name><Type>CNAME</Type>'
          '<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>_y.acm-validations.aws.</Value>'
          '</ResourceRecord></ResourceRecords></ResourceRecordSet></Change>'
          '<Change><Action>UPSERT</Action><ResourceRecordSet><Name>www.example.com</Name><Type>A</Type>'
          '<AliasTarget><HostedZoneId>Z2FDTNDATAQYW2</HostedZoneId><DNSName>d1.cloudfront.net</DNSName>'
          '<EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget></ResourceRecordSet></Change>'
          '</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>')


def route53(body=CHANGE, uri="/2013-04-01/hostedzone/Z1/rrset/", method="POST",
            operation="ChangeResourceRecordSets"):
    return CapturedRequest(method, uri, "route53", operation, {}, body.encode())


CLOUDFRONT = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
CONFIG = ('<DistributionConfig><CallerReference>site-1</CallerReference>'
          '<Origins><Quantity>1</Quantity><Items><Origin><Id>bucket</Id>'
          '<DomainName>site.s3.us-east-1.amazonaws.com</DomainName>'
          '<S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig>'
          '</Origin></Items></Origins>'
          '<DefaultCacheBehavior><TargetOriginId>bucket</TargetOriginId>'
          '<ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy>'
          '<CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId></DefaultCacheBehavior>'
          '<Comment>scribble</Comment><Enabled>true</Enabled></DistributionConfig>')
WITH_TAGS = (f'<DistributionConfigWithTags xmlns="{CLOUDFRONT}">{CONFIG}'
             '<Tags><Items><Tag><Key>stack</Key><Value>scribble</Value></Tag></Items></Tags>'
             '</DistributionConfigWithTags>')
UPDATE = CONFIG.replace("<DistributionConfig>", f'<DistributionConfig xmlns="{CLOUDFRONT}">')


def create_with_tags(body=WITH_TAGS, uri="/2020-05-31/distribution?WithTags"):
    return CapturedRequest("POST", uri, "cloudfront", "CreateDistributionWithTags", {}, body.encode())


def update(body=UPDATE, headers=None):
    return CapturedRequest("PUT", "/2020-05-31/distribution/E1/config", "cloudfront", "UpdateDistribution",
                           {"If-Match": "E2"} if headers is None else headers, body.encode())


VALID = {
    "acm": acm("RequestCertificate", '{"DomainName": "example.com", "ValidationMethod": "DNS"}'),
    "acm list": acm("ListCertificates", '{"MaxItems": 5, "CertificateStatuses": ["ISSUED"]}'),
    "apigatewayv2": gateway("POST", "/v2/domainnames", "CreateDomainName",
                            '{"domainName": "www.example.com", "domainNameConfigurations": '
                            '[{"certificateArn": "arn:aws:acm:us-east-1:1:certificate/c", '
                            '"endpointType": "REGIONAL"}]}'),
    "apigatewayv2 get": gateway("GET", "/v2/domainnames?maxResults=5&nextToken=t", "GetDomainNames"),
    "route53": route53(),
    "route53 list": route53("", "/2013-04-01/hostedzone/Z1/rrset?name=www.example.com&type=A", "GET",
                            "ListResourceRecordSets"),
    "cloudfront": create_with_tags(),
    "cloudfront update": update(),
}


@pytest.mark.parametrize("name", VALID)
def test_hand_made_valid_requests_have_no_problems(name):
    assert model_check.problems([VALID[name]]) == []


MALFORMED = {
    # json (ACM): keys are member names, types are the model's
    "json key in the wrong case": (
        acm("RequestCertificate", '{"domainName": "example.com"}'),
        ["unknown key 'domainName' in the body (RequestCertificateRequest)",
         'Missing required parameter in input: "DomainName"']),
    "json string where a number is": (
        acm("ListCertificates", '{"MaxItems": "5"}'),
        ["Invalid type for parameter MaxItems, value: 5"]),
    "json boolean where a number is": (
        acm("ListCertificates", '{"MaxItems": true}'),
        ["MaxItems is a JSON boolean, the model's type is integer"]),
    "json value outside the enum": (
        acm("RequestCertificate", '{"DomainName": "example.com", "ValidationMethod": "dns"}'),
        ["ValidationMethod is 'dns', not one of the model's EMAIL, DNS, HTTP"]),
    "json nested unknown key": (
        acm("RequestCertificate", '{"DomainName": "example.com", "Tags": [{"Key": "a", "value": "b"}]}'),
        ["unknown key 'value' in Tags[0] (Tag)"]),
    "json wrong target": (
        acm("RequestCertificate", '{"DomainName": "example.com"}', target="ACM.RequestCertificate"),
        ["X-Amz-Target is 'ACM.RequestCertificate', the model's is 'CertificateManager.RequestCertificate'"]),
    "json wrong content type": (
        acm("RequestCertificate", '{"DomainName": "example.com"}', content_type="application/json"),
        ["Content-Type is 'application/json', the model's is 'application/x-amz-json-1.1'"]),
    "json empty body": (
        acm("ListCertificates", ""),
        ["the body is empty"]),
    "json not json": (
        acm("ListCertificates", "{MaxItems: 5}"),
        ["the body is not JSON"]),
    # rest-json (API Gateway v2): keys are locationNames, at every depth
    "rest-json member name instead of locationName": (
        gateway("POST", "/v2/domainnames", "CreateDomainName", '{"DomainName": "www.example.com"}'),
        ["unknown key 'DomainName' in the body (CreateDomainNameRequest): the model's keys are domainName,",
         'Missing required parameter in input: "DomainName"']),
    "rest-json nested member name": (
        gateway("POST", "/v2/domainnames", "CreateDomainName",
                '{"domainName": "a.example.com", "domainNameConfigurations": [{"CertificateArn": "arn"}]}'),
        ["unknown key 'CertificateArn' in DomainNameConfigurations[0] (DomainNameConfiguration)"]),
    "rest-json wrong type": (
        gateway("POST", "/v2/domainnames", "CreateDomainName",
                '{"domainName": "a.example.com", "tags": ["stack"]}'),
        ["Invalid type for parameter Tags"]),
    "rest-json enum": (
        gateway("POST", "/v2/domainnames", "CreateDomainName",
                '{"domainName": "a.example.com", '
                '"domainNameConfigurations": [{"endpointType": "regional"}]}'),
        ["DomainNameConfigurations[0].EndpointType is 'regional', not one of the model's REGIONAL, EDGE"]),
    "rest-json query parameter by member name": (
        gateway("GET", "/v2/domainnames?MaxResults=5", "GetDomainNames"),
        ["unknown query parameter 'MaxResults': the model's are maxResults, nextToken"]),
    "rest-json location member in the body": (
        gateway("PATCH", "/v2/domainnames/a.example.com", "UpdateDomainName",
                '{"domainName": "a.example.com"}'),
        ["unknown key 'domainName' in the body (UpdateDomainNameRequest)"]),
    # rest-xml (Route 53): root, namespace, order, names, types
    "xml elements out of order": (
        route53(CHANGE.replace("<Name>_x.example.com</Name><Type>CNAME</Type>",
                               "<Type>CNAME</Type><Name>_x.example.com</Name>")),
        ["<Name> comes after <Type> in <ResourceRecordSet> (ChangeBatch.Changes[0].ResourceRecordSet)"]),
    "xml unknown element": (
        route53(CHANGE.replace("<TTL>300</TTL>", "<Ttl>300</Ttl>")),
        ["unknown element <Ttl> in <ResourceRecordSet> (ChangeBatch.Changes[0].ResourceRecordSet)"]),
    "xml wrong list item name": (
        route53(CHANGE.replace("<ResourceRecord>", "<Record>").replace("</ResourceRecord>", "</Record>")),
        ["unknown element <Record> in the list <ResourceRecords> "
         "(ChangeBatch.Changes[0].ResourceRecordSet.ResourceRecords): its items are <ResourceRecord>"]),
    "xml duplicate element": (
        route53(CHANGE.replace("<TTL>300</TTL>", "<TTL>300</TTL><TTL>60</TTL>")),
        ["<TTL> appears more than once in <ResourceRecordSet>"]),
    "xml number that is not": (
        route53(CHANGE.replace("<TTL>300</TTL>", "<TTL>5m</TTL>")),
        ["Invalid type for parameter ChangeBatch.Changes[0].ResourceRecordSet.TTL, value: 5m"]),
    "xml boolean that is not": (
        route53(CHANGE.replace("<EvaluateTargetHealth>false", "<EvaluateTargetHealth>False")),
        ["Invalid type for parameter "
         "ChangeBatch.Changes[1].ResourceRecordSet.AliasTarget.EvaluateTargetHealth, "
         "value: False, type: <class 'str'>"]),
    "xml enum": (
        route53(CHANGE.replace("<Action>UPSERT</Action>", "<Action>upsert</Action>", 1)),
        ["ChangeBatch.Changes[0].Action is 'upsert', not one of the model's CREATE, DELETE, UPSERT"]),
    "xml missing required element": (
        route53(CHANGE.replace("<Type>A</Type>", "")),
        ['Missing required parameter in ChangeBatch.Changes[1].ResourceRecordSet: "Type"']),
    "xml wrong root": (
        route53(CHANGE.replace("ChangeResourceRecordSetsRequest", "ChangeResourceRecordSets")),
        [f"the root element is <ChangeResourceRecordSets xmlns='{ROUTE53}'>, "
         f"the model's is <ChangeResourceRecordSetsRequest xmlns='{ROUTE53}'>"]),
    "xml no namespace": (
        route53(CHANGE.replace(f' xmlns="{ROUTE53}"', "")),
        ["the root element is <ChangeResourceRecordSetsRequest> (no namespace), "
         f"the model's is <ChangeResourceRecordSetsRequest xmlns='{ROUTE53}'>"]),
    "xml wrong namespace": (
        route53(CHANGE.replace("2013-04-01/", "2012-12-12/")),
        ["the root element is <ChangeResourceRecordSetsRequest "
         "xmlns='https://route53.amazonaws.com/doc/2012-12-12/'>"]),
    "xml child in another namespace": (
        route53(CHANGE.replace("<Comment>", '<Comment xmlns="urn:other">')
                .replace("<ChangeBatch>", '<ChangeBatch><Comment xmlns="urn:other">c</Comment>')),
        ["ChangeBatch.Comment: the element <Comment xmlns='urn:other'> is not in the namespace "
         f"'{ROUTE53}'"]),
    "xml attribute": (
        route53(CHANGE.replace("<ChangeBatch>", '<ChangeBatch id="1">')),
        ["unknown attribute 'id' on <ChangeBatch> (ChangeBatch)"]),
    "xml text in a structure": (
        route53(CHANGE.replace("<ChangeBatch>", "<ChangeBatch>text")),
        ["<ChangeBatch> (ChangeBatch) holds text 'text'"]),
    "xml not xml": (
        route53(CHANGE[:-1]),
        ["the body is not XML"]),
    "rest path without the model's trailing slash": (
        route53(uri="/2013-04-01/hostedzone/Z1/rrset"),
        ["POST /2013-04-01/hostedzone/Z1/rrset does not match the model's "
         "POST /2013-04-01/hostedzone/{Id}/rrset/"]),
    "rest unknown query parameter": (
        route53("", "/2013-04-01/hostedzone/Z1/rrset?name=a.example.com&Type=A", "GET",
                "ListResourceRecordSets"),
        ["unknown query parameter 'Type': the model's are name, type, identifier, maxitems"]),
    # rest-xml (CloudFront): payload members, wrapped lists, literal query keys, headers
    "cloudfront without ?WithTags": (
        create_with_tags(uri="/2020-05-31/distribution"),
        [f"the root element is <DistributionConfigWithTags xmlns='{CLOUDFRONT}'>, "
         f"the model's is <DistributionConfig xmlns='{CLOUDFRONT}'>"]),
    "cloudfront wrapped list item": (
        create_with_tags(WITH_TAGS.replace("<Origin>", "<Item>").replace("</Origin>", "</Item>")),
        ["unknown element <Item> in the list <Items> "
         "(DistributionConfigWithTags.DistributionConfig.Origins.Items): its items are <Origin>"]),
    "cloudfront list items without the wrapper": (
        create_with_tags(WITH_TAGS.replace("<Items><Origin>", "<Origin>")
                         .replace("</Origin></Items>", "</Origin>")),
        ["unknown element <Origin> in <Origins> (DistributionConfigWithTags.DistributionConfig.Origins)",
         'Missing required parameter in DistributionConfigWithTags.DistributionConfig.Origins: "Items"']),
    "cloudfront Enabled before Comment": (
        update(UPDATE.replace("<Comment>scribble</Comment><Enabled>true</Enabled>",
                              "<Enabled>true</Enabled><Comment>scribble</Comment>")),
        ["<Comment> comes after <Enabled> in <DistributionConfig> (DistributionConfig)"]),
    "cloudfront member of the payload's parent": (
        update(UPDATE.replace("</DistributionConfig>", "<IfMatch>E2</IfMatch></DistributionConfig>")),
        ["unknown element <IfMatch> in <DistributionConfig> (DistributionConfig)"]),
    "cloudfront update without its Id": (
        CapturedRequest("PUT", "/2020-05-31/distribution//config", "cloudfront", "UpdateDistribution",
                        {"If-Match": "E2"}, UPDATE.encode()),
        ["PUT /2020-05-31/distribution//config does not match the model's "
         "PUT /2020-05-31/distribution/{Id}/config",
         'Missing required parameter in input: "Id"']),
    "cloudfront update with the With-Tags root": (
        update(WITH_TAGS),
        [f"the root element is <DistributionConfigWithTags xmlns='{CLOUDFRONT}'>, "
         f"the model's is <DistributionConfig xmlns='{CLOUDFRONT}'>"]),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_requests_are_reported(name):
    request, expected = MALFORMED[name]
    found = model_check.problems([request])
    for text in expected:
        assert any(text in problem for problem in found), (text, found)
    prefix = f"{request.service}:"  # then the operation model_check read it as
    assert found and all(problem.startswith(prefix) and f" ({request.method} {request.uri[:60]}" in problem
                         for problem in found), found


def test_operation_found_without_the_record():
    """A request whose operation the record could not infer is matched on the
    model itself (the most literal requestUri wins: ?WithTags)."""
    request = create_with_tags()
    unnamed = CapturedRequest(request.method, request.uri, request.service, None, {}, request.body)
    operation, params, found = model_check.read_input(unnamed)
    assert (operation.name, found) == ("CreateDistributionWithTags", [])
    assert params["DistributionConfigWithTags"]["Tags"] == {"Items": [{"Key": "stack", "Value": "scribble"}]}
    nowhere = CapturedRequest("DELETE", "/2020-05-31/nowhere", "cloudfront", None, {}, b"")
    assert model_check.problems([nowhere]) == [
        "cloudfront:? (DELETE /2020-05-31/nowhere): no operation of cloudfront has method DELETE "
        "and a requestUri matching /2020-05-31/nowhere"]
    unsigned = CapturedRequest("GET", "/", None, None)
    assert model_check.problems([unsigned]) == [
        "?:? (GET /): the service is unknown (the request was not signed)"]


def test_uri_labels_and_query_values_are_decoded():
    arn = "arn:aws:apigateway:us-east-1::/apis/abc 1"
    tags = gateway("GET", "/v2/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Fapis%2Fabc%201", "GetTags")
    assert model_check.read_input(tags)[1:] == ({"ResourceArn": arn}, [])
    listing = route53("", "/2013-04-01/hostedzone/Z1/rrset?name=%2A.example.com&maxitems=2", "GET",
                      "ListResourceRecordSets")
    assert model_check.read_input(listing)[1:] == (
        {"HostedZoneId": "Z1", "StartRecordName": "*.example.com", "MaxItems": "2"}, [])

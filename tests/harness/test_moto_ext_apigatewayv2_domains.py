"""Custom domains through boto3: API Gateway v2 domain names (moto_ext_apigatewayv2_domains),
CloudFront aliases (moto_ext_cloudfront) and the ACM certificates both use (moto_ext_acm).

A domain name gets its target, hosted zone, status and defaults; a certificate that is not
ISSUED, does not cover the name, or lives in another region or account is refused with
BadRequestException; UpdateDomainName replaces configurations and keeps the target;
CreateApiMapping needs the stage; a domain name with mappings deletes. CloudFront aliases
need an ISSUED us-east-1 certificate covering them and are unique. ACM refuses to delete a
certificate while either uses it, and lists who does. Certificates are ISSUED at once
(acm_validation_wait_s=0) unless a test keeps them pending; no test sleeps.
"""

import json
import re

import botocore.loaders
import pytest
from botocore.exceptions import ClientError

from harness import moto_ext_apigatewayv2_domains as domains
from harness.local_aws import LocalAws

DOMAIN = "ws.example.com"
NEVER = 3600.0  # a validation wait no test outlives: the certificate stays PENDING_VALIDATION


@pytest.fixture
def aws():
    """A local AWS whose requested ACM certificates are ISSUED at once."""
    with LocalAws(acm_validation_wait_s=0) as local:
        yield local


def error_of(call, **kwargs):
    """(code, HTTP status, message) of the ClientError the call raises."""
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"],
            response["Error"].get("Message", ""))


def certificate(aws, name="example.com", *alternatives, region=None):
    acm = aws.client("acm", region_name=region or aws.region)
    return acm.request_certificate(DomainName=name, ValidationMethod="DNS",
                                   SubjectAlternativeNames=[name, *alternatives])["CertificateArn"]


def domain_configuration(answer):
    (configuration,) = answer["DomainNameConfigurations"]
    return configuration


def without_metadata(answer):
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


def raw_answers(client):
    """The JSON bodies the client receives from now on, before botocore parses them
    (botocore drops members its model does not know)."""
    bodies = []
    client.meta.events.register("after-call.apigatewayv2", lambda http_response, **_: bodies.append(
        json.loads(http_response.content or b"{}")))
    return bodies


def wire_names(shape):
    """The JSON names of a shape's members in botocore's API Gateway v2 model."""
    model = botocore.loaders.Loader().load_service_model("apigatewayv2", "service-2")
    members = model["shapes"][shape]["members"]
    return {member.get("locationName", name) for name, member in members.items()}


# -- API Gateway v2 domain names -------------------------------------------------------------
@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_domain_name_gets_target_zone_status_and_defaults(region):
    with LocalAws(region=region, acm_validation_wait_s=0) as aws:
        arn = certificate(aws, "example.com", "*.example.com")
        api = aws.client("apigatewayv2")
        created = api.create_domain_name(DomainName=DOMAIN, Tags={"stack": "scribble"},
                                         DomainNameConfigurations=[{"CertificateArn": arn}])
        configuration = dict(domain_configuration(created))
        target = configuration.pop("ApiGatewayDomainName")
        assert re.fullmatch(rf"d-[a-z0-9]{{10}}\.execute-api\.{region}\.amazonaws\.com", target), target
        assert configuration == {
            "CertificateArn": arn, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2",
            "IpAddressType": "ipv4", "DomainNameStatus": "AVAILABLE",
            "HostedZoneId": domains.REGIONAL_HOSTED_ZONE_IDS[region],
        }
        assert created["Tags"] == {"stack": "scribble"}
        assert created["DomainNameArn"] == f"arn:aws:apigateway:{region}::/domainnames/{DOMAIN}"
        got = api.get_domain_name(DomainName=DOMAIN)
        assert without_metadata(got) == without_metadata(created)
        (listed,) = api.get_domain_names()["Items"]
        assert listed["Tags"] == {"stack": "scribble"}
        assert domain_configuration(listed)["ApiGatewayDomainName"] == target


def test_an_edge_domain_name_is_cloudfront_s_with_a_us_east_1_certificate():
    with LocalAws(region="eu-west-1", acm_validation_wait_s=0) as aws:
        api = aws.client("apigatewayv2")
        regional = certificate(aws, DOMAIN)
        assert error_of(api.create_domain_name, DomainName=DOMAIN, DomainNameConfigurations=[
            {"CertificateArn": regional, "EndpointType": "EDGE"}]) == (
            "BadRequestException", 400,
            f"Invalid certificate ARN: {regional}. Certificate must be in 'us-east-1'.")
        edge = certificate(aws, DOMAIN, region="us-east-1")
        configuration = domain_configuration(api.create_domain_name(
            DomainName=DOMAIN, DomainNameConfigurations=[{"CertificateArn": edge, "EndpointType": "EDGE"}]))
        target = configuration["ApiGatewayDomainName"]
        assert re.fullmatch(r"d[a-z0-9]{13}\.cloudfront\.net", target), configuration
        assert configuration["HostedZoneId"] == "Z2FDTNDATAQYW2"


def test_the_hosted_zones_are_aws_s():
    assert {region: domains.REGIONAL_HOSTED_ZONE_IDS[region] for region in (
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
        "eu-central-1")} == {
        "us-east-1": "Z1UJRXOUMOOFQ8", "us-east-2": "ZOJJZC49E0EPZ", "us-west-1": "Z2MUQ32089INYE",
        "us-west-2": "Z2OJLYMUO9EFXC", "eu-west-1": "ZLY8HYME6SFDD", "eu-west-2": "ZJ5UAJN8Y3Z2Q",
        "eu-central-1": "Z1U9ULNL0V5AJ3"}


def test_given_values_are_kept_and_aws_s_own_are_not(aws):
    arn = certificate(aws, DOMAIN)
    configuration = domain_configuration(aws.client("apigatewayv2").create_domain_name(
        DomainName=DOMAIN, DomainNameConfigurations=[{
            "CertificateArn": arn, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_0",
            "IpAddressType": "dualstack", "ApiGatewayDomainName": "mine.example.com",
            "HostedZoneId": "ZMINE", "DomainNameStatus": "UPDATING"}]))
    assert (configuration["SecurityPolicy"], configuration["IpAddressType"]) == ("TLS_1_0", "dualstack")
    assert configuration["ApiGatewayDomainName"].startswith("d-")
    assert (configuration["HostedZoneId"], configuration["DomainNameStatus"]) == (
        "Z1UJRXOUMOOFQ8", "AVAILABLE")


@pytest.mark.parametrize("name, names, covered", [
    ("ws.example.com", ["ws.example.com"], True),
    ("WS.Example.com", ["ws.example.com"], True),
    ("ws.example.com", ["example.com", "*.example.com"], True),
    ("example.com", ["*.example.com"], False),
    ("a.ws.example.com", ["*.example.com"], False),
    ("ws.example.com", ["example.org", "www.example.com"], False),
])
def test_the_certificate_must_cover_the_name(aws, name, names, covered):
    arn = certificate(aws, *names)
    api = aws.client("apigatewayv2")
    configurations = [{"CertificateArn": arn}]
    if covered:
        api.create_domain_name(DomainName=name, DomainNameConfigurations=configurations)
        return
    assert error_of(api.create_domain_name, DomainName=name, DomainNameConfigurations=configurations) == (
        "BadRequestException", 400,
        "The domain name to be created is not covered by the provided certificate.")
    assert api.get_domain_names()["Items"] == []


def test_certificates_that_cannot_serve_are_refused(aws):
    api = aws.client("apigatewayv2")
    elsewhere = certificate(aws, DOMAIN, region="us-west-2")
    missing = f"arn:aws:acm:{aws.region}:{aws.account_id}:certificate/00000000-0000-0000-0000-000000000000"
    with LocalAws(acm_validation_wait_s=0) as other:
        other_account = certificate(other, DOMAIN)
    cases = [
        ([{"CertificateArn": elsewhere}],
         f"Invalid certificate ARN: {elsewhere}. Certificate must be in 'us-east-1'."),
        ([{"CertificateArn": other_account}], "Cross-account certificate references are not allowed."),
        ([{"CertificateArn": missing}], "The provided certificate does not exist."),
        ([{"EndpointType": "REGIONAL"}], "A certificate was not provided for the endpoint type REGIONAL."),
    ]
    for configurations, message in cases:
        assert error_of(api.create_domain_name, DomainName=DOMAIN,
                        DomainNameConfigurations=configurations) == ("BadRequestException", 400, message)
    assert api.get_domain_names()["Items"] == []


def test_a_certificate_not_yet_issued_is_refused_until_it_is():
    with LocalAws(acm_validation_wait_s=NEVER) as aws:
        arn = certificate(aws, DOMAIN)
        acm, api = aws.client("acm"), aws.client("apigatewayv2")
        assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "PENDING_VALIDATION"
        assert error_of(api.create_domain_name, DomainName=DOMAIN,
                        DomainNameConfigurations=[{"CertificateArn": arn}]) == (
            "BadRequestException", 400, f"Certificate {arn} in account {aws.account_id} not yet issued")
        aws.set_acm_validation_wait(0)
        assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED"
        api.create_domain_name(DomainName=DOMAIN, DomainNameConfigurations=[{"CertificateArn": arn}])
        aws.set_acm_validation_wait(NEVER)  # ISSUED stays ISSUED
        assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED"


def test_an_existing_domain_name_is_moto_s_conflict(aws):
    arn = certificate(aws, DOMAIN)
    api = aws.client("apigatewayv2")
    api.create_domain_name(DomainName=DOMAIN, DomainNameConfigurations=[{"CertificateArn": arn}])
    code, status, _ = error_of(api.create_domain_name, DomainName=DOMAIN,
                               DomainNameConfigurations=[{"CertificateArn": arn}])
    assert (code, status) == ("ConflictException", 409)


def test_update_replaces_configurations_and_keeps_the_target(aws):
    first, second = certificate(aws, DOMAIN), certificate(aws, "*.example.com")
    api = aws.client("apigatewayv2")
    bodies = raw_answers(api)
    created = domain_configuration(api.create_domain_name(
        DomainName=DOMAIN, DomainNameConfigurations=[{"CertificateArn": first}], Tags={"a": "b"}))
    updated = api.update_domain_name(DomainName=DOMAIN, DomainNameConfigurations=[
        {"CertificateArn": second, "SecurityPolicy": "TLS_1_0"}])
    assert domain_configuration(updated) == {**created, "CertificateArn": second, "SecurityPolicy": "TLS_1_0"}
    assert updated["Tags"] == {"a": "b"}
    for body, shape in zip(bodies, ["CreateDomainNameResponse", "UpdateDomainNameResponse"]):
        assert set(body) <= wire_names(shape), body
        for configuration in body["domainNameConfigurations"]:
            assert set(configuration) <= wire_names("DomainNameConfiguration"), configuration
    assert [str(r) for r in aws.requests.select(operation="UpdateDomainName")] == [
        f"PATCH /v2/domainnames/{DOMAIN} apigatewayv2:UpdateDomainName -> 200"]
    assert without_metadata(api.get_domain_name(DomainName=DOMAIN)) == without_metadata(updated)

    # the same checks as create; a refused update changes nothing
    stranger = certificate(aws, "example.org")
    assert error_of(api.update_domain_name, DomainName=DOMAIN,
                    DomainNameConfigurations=[{"CertificateArn": stranger}])[:2] == (
        "BadRequestException", 400)
    assert domain_configuration(api.get_domain_name(DomainName=DOMAIN)) == domain_configuration(updated)
    # without configurations, they stay
    assert domain_configuration(api.update_domain_name(DomainName=DOMAIN)) == domain_configuration(updated)
    assert error_of(api.update_domain_name, DomainName="nowhere.example.com",
                    DomainNameConfigurations=[{"CertificateArn": second}])[:2] == ("NotFoundException", 404)

    # the certificate left is free, the one named is in use
    acm = aws.client("acm")
    acm.delete_certificate(CertificateArn=first)
    assert error_of(acm.delete_certificate, CertificateArn=second)[:2] == ("ResourceInUseException", 400)


def test_api_mappings_need_the_stage_and_go_with_the_domain(aws):
    arn = certificate(aws, DOMAIN)
    api = aws.client("apigatewayv2")
    api.create_domain_name(DomainName=DOMAIN, DomainNameConfigurations=[{"CertificateArn": arn}])
    api_id = api.create_api(Name="scribble", ProtocolType="WEBSOCKET",
                            RouteSelectionExpression="$request.body.action")["ApiId"]
    assert error_of(api.create_api_mapping, DomainName=DOMAIN, ApiId=api_id, Stage="prod") == (
        "NotFoundException", 404, "Invalid stage identifier specified")
    # moto's own checks of the domain and the API still come first
    assert error_of(api.create_api_mapping, DomainName="nowhere.example.com", ApiId=api_id,
                    Stage="prod")[:2] == ("NotFoundException", 404)
    api.create_stage(ApiId=api_id, StageName="prod")
    mapping = api.create_api_mapping(DomainName=DOMAIN, ApiId=api_id, Stage="prod")
    assert api.get_api_mappings(DomainName=DOMAIN)["Items"][0]["ApiMappingId"] == mapping["ApiMappingId"]
    api.delete_domain_name(DomainName=DOMAIN)
    assert api.get_api_mappings(DomainName=DOMAIN)["Items"] == []
    assert error_of(api.get_domain_name, DomainName=DOMAIN)[:2] == ("NotFoundException", 404)


def test_a_certificate_a_domain_name_uses_cannot_be_deleted(aws):
    arn = certificate(aws, DOMAIN)
    acm, api = aws.client("acm"), aws.client("apigatewayv2")
    created = api.create_domain_name(DomainName=DOMAIN, DomainNameConfigurations=[{"CertificateArn": arn}])
    in_use_by = acm.describe_certificate(CertificateArn=arn)["Certificate"]["InUseBy"]
    assert in_use_by == [created["DomainNameArn"]]
    (summary,) = acm.list_certificates()["CertificateSummaryList"]
    assert summary["InUse"] is True
    assert error_of(acm.delete_certificate, CertificateArn=arn) == (
        "ResourceInUseException", 400, f"Certificate {arn} is in use.")
    api.delete_domain_name(DomainName=DOMAIN)
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["InUseBy"] == []
    acm.delete_certificate(CertificateArn=arn)
    assert error_of(acm.describe_certificate, CertificateArn=arn)[:2] == ("ResourceNotFoundException", 400)


# -- CloudFront aliases --------------------------------------------------------------------------
def distribution_config(reference, aliases=(), certificate_arn=None, enabled=True):
    viewer = ({"ACMCertificateArn": certificate_arn, "SSLSupportMethod": "sni-only",
               "MinimumProtocolVersion": "TLSv1.2_2021", "CloudFrontDefaultCertificate": False}
              if certificate_arn else {"CloudFrontDefaultCertificate": True})
    return {
        "CallerReference": reference, "Comment": "", "Enabled": enabled, "IsIPV6Enabled": False,
        "Aliases": {"Quantity": len(aliases), "Items": list(aliases)},
        "ViewerCertificate": viewer,
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "site", "DomainName": "scribble-site.s3.us-east-1.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https"},
    }


def test_aliases_with_a_covering_certificate_are_kept_as_given(aws):
    arn = certificate(aws, "example.com", "*.example.com")
    cf = aws.client("cloudfront")
    config = distribution_config("site", ["example.com", "www.example.com"], arn)
    created = cf.create_distribution(DistributionConfig=config)
    distribution_id = created["Distribution"]["Id"]
    for answer in (created["Distribution"]["DistributionConfig"],
                   cf.get_distribution(Id=distribution_id)["Distribution"]["DistributionConfig"],
                   cf.get_distribution_config(Id=distribution_id)["DistributionConfig"]):
        assert answer["Aliases"] == config["Aliases"]
        assert answer["IsIPV6Enabled"] is False
        viewer = answer["ViewerCertificate"]
        assert {k: viewer[k] for k in config["ViewerCertificate"]} == config["ViewerCertificate"]
    # an update keeping its own aliases is no conflict with itself
    config["IsIPV6Enabled"] = True
    cf.update_distribution(Id=distribution_id, IfMatch=created["ETag"], DistributionConfig=config)
    answer = cf.get_distribution_config(Id=distribution_id)["DistributionConfig"]
    assert (answer["IsIPV6Enabled"], answer["Aliases"]) == (True, config["Aliases"])


def test_aliases_need_an_issued_us_east_1_certificate_covering_them():
    with LocalAws(acm_validation_wait_s=0) as aws:
        cf = aws.client("cloudfront")
        covering = certificate(aws, "example.com", "*.example.com")
        other_region = certificate(aws, "example.com", "*.example.com", region="eu-west-1")
        aws.set_acm_validation_wait(NEVER)
        pending = certificate(aws, "example.com", "*.example.com")
        not_valid = ("The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, "
                     "or doesn't include a valid certificate chain.")
        cases = [
            (["www.example.com"], None, "To add an alternate domain name (CNAME) to a CloudFront "
             "distribution, you must attach a trusted certificate"),
            (["www.example.com"], pending, not_valid),
            (["www.example.com"], other_region, not_valid),
            (["www.example.com"], covering.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000",
             not_valid),
            (["www.example.com", "a.b.example.com"], covering,
             "The certificate that is attached to your distribution doesn't cover the alternate domain "
             "name (CNAME) that you're trying to add."),
        ]
        for aliases, arn, message in cases:
            code, status, got = error_of(cf.create_distribution,
                                         DistributionConfig=distribution_config("site", aliases, arn))
            assert (code, status) == ("InvalidViewerCertificate", 400), (aliases, arn)
            assert got.startswith(message), (aliases, arn, got)
        assert cf.list_distributions()["DistributionList"]["Quantity"] == 0

        # an update is held to the same rules
        created = cf.create_distribution(
            DistributionConfig=distribution_config("site", ["www.example.com"], covering))
        code, status, _ = error_of(
            cf.update_distribution, Id=created["Distribution"]["Id"], IfMatch=created["ETag"],
            DistributionConfig=distribution_config("site", ["www.example.org"], covering))
        assert (code, status) == ("InvalidViewerCertificate", 400)


def test_an_alias_belongs_to_one_distribution(aws):
    arn = certificate(aws, "example.com", "*.example.com")
    cf = aws.client("cloudfront")
    first = cf.create_distribution(DistributionConfig=distribution_config("first", ["www.example.com"], arn))
    taken = ("CNAMEAlreadyExists", 409,
             "One or more of the CNAMEs you provided are already associated with a different resource.")
    assert error_of(cf.create_distribution,
                    DistributionConfig=distribution_config("second", ["WWW.example.com"], arn)) == taken
    second = cf.create_distribution(DistributionConfig=distribution_config("second", ["example.com"], arn))
    assert error_of(cf.update_distribution, Id=second["Distribution"]["Id"], IfMatch=second["ETag"],
                    DistributionConfig=distribution_config("second", ["www.example.com"], arn)) == taken
    with LocalAws(acm_validation_wait_s=0) as other:  # another account: CNAMEs are unique across AWS
        other_arn = certificate(other, "www.example.com")
        third = distribution_config("third", ["www.example.com"], other_arn)
        assert error_of(other.client("cloudfront").create_distribution, DistributionConfig=third) == taken
    # deleted, the distribution's aliases are free
    cf.delete_distribution(Id=first["Distribution"]["Id"], IfMatch=first["ETag"])
    cf.create_distribution(DistributionConfig=distribution_config("third", ["www.example.com"], arn))


def test_a_certificate_a_distribution_uses_cannot_be_deleted_until_it_is_gone(aws):
    arn = certificate(aws, "example.com", "*.example.com")
    acm, cf, api = aws.client("acm"), aws.client("cloudfront"), aws.client("apigatewayv2")
    created = cf.create_distribution(DistributionConfig=distribution_config("site", ["www.example.com"], arn))
    distribution_id = created["Distribution"]["Id"]
    domain = api.create_domain_name(DomainName=DOMAIN, DomainNameConfigurations=[{"CertificateArn": arn}])
    assert sorted(acm.describe_certificate(CertificateArn=arn)["Certificate"]["InUseBy"]) == sorted([
        created["Distribution"]["ARN"], domain["DomainNameArn"]])
    api.delete_domain_name(DomainName=DOMAIN)

    disabled = distribution_config("site", ["www.example.com"], arn, enabled=False)
    cf.update_distribution(Id=distribution_id, IfMatch=created["ETag"], DistributionConfig=disabled)
    assert error_of(acm.delete_certificate, CertificateArn=arn) == (
        "ResourceInUseException", 400, f"Certificate {arn} is in use.")
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["InUseBy"] == [
        created["Distribution"]["ARN"]]
    etag = cf.get_distribution(Id=distribution_id)["ETag"]
    cf.delete_distribution(Id=distribution_id, IfMatch=etag)
    acm.delete_certificate(CertificateArn=arn)

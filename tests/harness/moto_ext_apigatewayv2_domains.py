"""API Gateway v2 custom domain names for moto, completed in-process.

moto 5.2.5 serves CreateDomainName, GetDomainName(s), DeleteDomainName and
API mappings, but stores a domain name's domainNameConfigurations verbatim:
no apiGatewayDomainName or hostedZoneId (what a DNS alias record points
at), no status, no defaults, and no check of the certificate. It serves no
UpdateDomainName, lets CreateApiMapping name a stage the API does not have,
and fails (500, "dictionary changed size during iteration") to delete a
domain name that has API mappings.

install() wraps moto's ApiGatewayV2Backend so that, on create and on update,
each configuration gets, as in AWS: apiGatewayDomainName
d-<10 lowercase letters and digits>.execute-api.<region>.amazonaws.com
(EDGE: d<13>.cloudfront.net), hostedZoneId (API Gateway's regional hosted
zone of the region, from AWS's table in the general reference "Amazon API
Gateway endpoints and quotas"; EDGE: CloudFront's Z2FDTNDATAQYW2),
domainNameStatus AVAILABLE, and endpointType REGIONAL, securityPolicy
TLS_1_2 and ipAddressType ipv4 unless given. Its certificateArn must name an
ACM certificate of the same account, in the domain's region (EDGE:
us-east-1), ISSUED, whose DomainName or a SubjectAlternativeName covers the
domain name (wildcards as ACM matches them); otherwise BadRequestException
with API Gateway's wording. An existing domain name still gets moto's own
ConflictException. It adds UpdateDomainName (PATCH /v2/domainnames/{domainName},
a path moto's URL table already routes; same checks) to moto's
ApiGatewayV2Response: the configurations given replace the domain's, an
endpoint type kept keeps its apiGatewayDomainName, and the answer is moto's
own domain name form. CreateApiMapping checks that the stage exists
(moto's own NotFoundException "Invalid stage identifier specified"), after
moto's checks of the domain and the API. While a configuration names a
certificate, ACM refuses to delete it and lists the domain name's ARN in
InUseBy (moto_ext_acm).

It must not change anything else moto already implements (its answers, its
ConflictException and NotFoundException), with one repair: DeleteDomainName
removes the domain's API mappings before moto deletes the domain (moto
deletes them while iterating over them and fails), as AWS does.
"""

from __future__ import annotations

import json
import random
import string
from typing import Any, Callable
from urllib.parse import unquote

from moto.apigatewayv2.exceptions import BadRequestException, StageNotFound
from moto.apigatewayv2.models import ApiGatewayV2Backend, DomainName, apigatewayv2_backends
from moto.apigatewayv2.responses import ApiGatewayV2Response

from . import moto_ext_acm
from .moto_actions import add_actions

# Route 53 hosted zone ids of API Gateway's regional endpoints (execute-api), from
# AWS's general reference, "Amazon API Gateway endpoints and quotas".
REGIONAL_HOSTED_ZONE_IDS = {
    "us-east-1": "Z1UJRXOUMOOFQ8",
    "us-east-2": "ZOJJZC49E0EPZ",
    "us-west-1": "Z2MUQ32089INYE",
    "us-west-2": "Z2OJLYMUO9EFXC",
    "ca-central-1": "Z19DQILCV0OWEC",
    "eu-central-1": "Z1U9ULNL0V5AJ3",
    "eu-west-1": "ZLY8HYME6SFDD",
    "eu-west-2": "ZJ5UAJN8Y3Z2Q",
    "eu-west-3": "Z3KY65QIEKYHQQ",
    "ap-northeast-1": "Z1YSHQZHG15GKL",
    "ap-northeast-2": "Z20JF4UZKIW1U8",
    "ap-south-1": "Z3VO1THU9YC4UR",
    "ap-southeast-1": "ZL327KTPIQFUL",
    "ap-southeast-2": "Z2RPCDW04V8134",
    "sa-east-1": "ZCMLWB8V5SYIT",
}
# Edge-optimized endpoints are CloudFront distributions: one hosted zone for all regions.
EDGE_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2"
EDGE_CERTIFICATE_REGION = "us-east-1"

DEFAULTS = {"endpointType": "REGIONAL", "securityPolicy": "TLS_1_2", "ipAddressType": "ipv4"}
# Members AWS sets on each configuration; a value given for them is not kept.
ANSWERED = ("apiGatewayDomainName", "hostedZoneId", "domainNameStatus", "domainNameStatusMessage")


def _random(length: int) -> str:
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=length))


def _hosted_zone_id(region: str, endpoint_type: str) -> str:
    if endpoint_type == "EDGE":
        return EDGE_HOSTED_ZONE_ID
    if region not in REGIONAL_HOSTED_ZONE_IDS:
        raise RuntimeError(f"no API Gateway hosted zone id for {region}: add it to "
                           "REGIONAL_HOSTED_ZONE_IDS in tests/harness/moto_ext_apigatewayv2_domains.py "
                           "(AWS's table: 'Amazon API Gateway endpoints and quotas')")
    return REGIONAL_HOSTED_ZONE_IDS[region]


def _target(region: str, endpoint_type: str) -> str:
    if endpoint_type == "EDGE":
        return f"d{_random(13)}.cloudfront.net"
    return f"d-{_random(10)}.execute-api.{region}.amazonaws.com"


def _check_certificate(backend: ApiGatewayV2Backend, domain_name: str, endpoint_type: str,
                       arn: str | None) -> None:
    """Refuse, as API Gateway does, a certificate that cannot serve the domain name."""
    if not arn:
        raise BadRequestException(f"A certificate was not provided for the endpoint type {endpoint_type}.")
    region = EDGE_CERTIFICATE_REGION if endpoint_type == "EDGE" else backend.region_name
    parsed = moto_ext_acm.parse_arn(arn)
    if parsed is None:
        raise BadRequestException(f"Invalid certificate ARN: {arn}")
    if parsed[0] != region:
        raise BadRequestException(f"Invalid certificate ARN: {arn}. Certificate must be in '{region}'.")
    if parsed[1] != backend.account_id:
        raise BadRequestException("Cross-account certificate references are not allowed.")
    certificate = moto_ext_acm.find_certificate(backend.account_id, region, arn)
    if certificate is None:
        raise BadRequestException("The provided certificate does not exist.")
    if certificate.status != "ISSUED":
        raise BadRequestException(f"Certificate {arn} in account {backend.account_id} not yet issued")
    if not moto_ext_acm.covers(certificate, domain_name):
        raise BadRequestException("The domain name to be created is not covered by the provided certificate.")


def _completed(backend: ApiGatewayV2Backend, domain_name: str, given: Any,
               previous: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The configurations as AWS keeps them: checked, with defaults and what AWS sets.
    An endpoint type already in `previous` keeps its apiGatewayDomainName."""
    if not isinstance(given, list) or not given:
        given = [{}]
    configurations = []
    for item in given:
        configuration = {**DEFAULTS, **{k: v for k, v in (item or {}).items()
                                        if k not in ANSWERED and v is not None}}
        endpoint_type = configuration["endpointType"]
        _check_certificate(backend, domain_name, endpoint_type, configuration.get("certificateArn"))
        kept = next((p for p in previous if p.get("endpointType") == endpoint_type), None)
        configuration["apiGatewayDomainName"] = (kept or {}).get("apiGatewayDomainName") or _target(
            backend.region_name, endpoint_type)
        configuration["hostedZoneId"] = _hosted_zone_id(backend.region_name, endpoint_type)
        configuration["domainNameStatus"] = "AVAILABLE"
        configurations.append(configuration)
    return configurations


# -- wrapped backend methods ------------------------------------------------------------
def _wrap_create_domain_name(moto_create: Callable[..., DomainName]) -> Callable[..., DomainName]:
    def create_domain_name(self: ApiGatewayV2Backend, domain_name: str,
                           domain_name_configurations: list[dict[str, Any]],
                           mutual_tls_authentication: dict[str, str],
                           tags: dict[str, str]) -> DomainName:
        if domain_name not in self.domain_names:  # else moto's own ConflictException
            domain_name_configurations = _completed(self, domain_name, domain_name_configurations, [])
        return moto_create(self, domain_name=domain_name,
                           domain_name_configurations=domain_name_configurations,
                           mutual_tls_authentication=mutual_tls_authentication, tags=tags)

    return create_domain_name


def _wrap_delete_domain_name(moto_delete: Callable[..., None]) -> Callable[..., None]:
    def delete_domain_name(self: ApiGatewayV2Backend, domain_name: str) -> None:
        if domain_name in self.domain_names:
            for mapping_id in [i for i, m in self.api_mappings.items() if m.domain_name == domain_name]:
                del self.api_mappings[mapping_id]
        moto_delete(self, domain_name=domain_name)

    return delete_domain_name


def _wrap_create_api_mapping(moto_create: Callable[..., Any]) -> Callable[..., Any]:
    def create_api_mapping(self: ApiGatewayV2Backend, api_id: str, api_mapping_key: str,
                           domain_name: str, stage: str) -> Any:
        if (domain_name in self.domain_names and api_id in self.apis
                and stage not in self.apis[api_id].stages):
            raise StageNotFound()
        return moto_create(self, api_id=api_id, api_mapping_key=api_mapping_key,
                           domain_name=domain_name, stage=stage)

    return create_api_mapping


# -- actions (methods of moto's ApiGatewayV2Response) ---------------------------------
def update_domain_name(self: ApiGatewayV2Response) -> tuple[int, dict[str, str], str]:
    backend = self.apigatewayv2_backend
    domain = backend.get_domain_name(unquote(self.path.split("?")[0].split("/")[-1]))
    params = json.loads(self.body) if self.body else {}
    if params.get("domainNameConfigurations") is not None:
        domain.domain_name_configurations = _completed(
            backend, domain.domain_name, params["domainNameConfigurations"],
            domain.domain_name_configurations)
    if params.get("mutualTlsAuthentication") is not None:
        domain.mutual_tls_authentication = params["mutualTlsAuthentication"]
    # moto's own domain name answers are dicts in the wire form; keep to that form
    return 200, {"Content-Type": "application/json"}, json.dumps(domain.to_json())


# -- the certificates domain names use (moto_ext_acm asks) --------------------------------
def certificate_users(account_id: str, region: str, arn: str) -> list[str]:
    """The ARNs of the account's domain names, in any region, whose configurations name the
    certificate (an EDGE domain uses a us-east-1 certificate from any region)."""
    regions = apigatewayv2_backends.get(account_id)
    users = []
    for backend in list((regions or {}).values()):
        for domain in list(backend.domain_names.values()):
            if any(c.get("certificateArn") == arn for c in domain.domain_name_configurations or []):
                users.append(domain.domain_name_arn)
    return users


# -- installation -----------------------------------------------------------------
ACTIONS = (update_domain_name,)

_installed = False


def install() -> None:
    """Wrap moto's domain names, add UpdateDomainName; idempotent, before any server starts."""
    global _installed
    if _installed:
        return
    add_actions(ApiGatewayV2Response, "ApiGatewayV2", ACTIONS)
    ApiGatewayV2Backend.create_domain_name = _wrap_create_domain_name(  # type: ignore[method-assign]
        ApiGatewayV2Backend.create_domain_name)
    ApiGatewayV2Backend.delete_domain_name = _wrap_delete_domain_name(  # type: ignore[method-assign]
        ApiGatewayV2Backend.delete_domain_name)
    ApiGatewayV2Backend.create_api_mapping = _wrap_create_api_mapping(  # type: ignore[method-assign]
        ApiGatewayV2Backend.create_api_mapping)
    moto_ext_acm.install()
    moto_ext_acm.add_certificate_users(certificate_users)
    _installed = True

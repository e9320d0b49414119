"""CloudFront cache policies, response headers policies and alias checks for moto, added in-process.

moto 5.2.5 serves distributions and origin access controls but no cache
policies, which the static site's distribution uses. install() adds
CreateCachePolicy, GetCachePolicy, GetCachePolicyConfig, ListCachePolicies,
UpdateCachePolicy and DeleteCachePolicy to moto's own CloudFrontResponse and
their paths to moto's CloudFront URL table; moto's botocore-model router
picks the operation and its rest-xml serializer writes the response from
the service model. Policies live on moto's CloudFrontBackend (so reset and
accounts apply). As in AWS: every policy has an ETag that changes on each
update; Update and Delete need it in If-Match (missing: InvalidIfMatchVersion,
stale: PreconditionFailed); names are unique; a policy used by a
distribution cannot be deleted; two AWS-managed policies are listed and
cannot be changed.

Response headers policies (the page's security headers) are added the same
way and behave the same: CreateResponseHeadersPolicy, GetResponseHeadersPolicy,
GetResponseHeadersPolicyConfig, ListResponseHeadersPolicies,
UpdateResponseHeadersPolicy and DeleteResponseHeadersPolicy, with ETags and
If-Match, unique names, ResponseHeadersPolicyInUse while a distribution's
cache behaviour names the policy, AWS's limit of 1783 characters on the
Content-Security-Policy (TooLongCSPInResponseHeadersPolicy), the required
members of each security header, and AWS's managed
Managed-SecurityHeadersPolicy listed and unchangeable.

It must not change anything moto already implements, with one repair:
moto 5.2.5 drops an origin's OriginAccessControlId and S3OriginConfig when
it stores a distribution, so no client could see an origin access control
attached (and every read would call it drift). install() wraps moto's
Origin so it keeps both, as AWS does.

Alternate domain names: moto 5.2.5 keeps a distribution's Aliases,
ViewerCertificate (ACMCertificateArn, SSLSupportMethod, MinimumProtocolVersion,
CloudFrontDefaultCertificate) and IsIPV6Enabled as given, but checks
neither the certificate nor the names. install() wraps CreateDistribution
and UpdateDistribution (moto's CloudFrontBackend) so that, as in AWS, a
ViewerCertificate.ACMCertificateArn must name an ISSUED ACM certificate of
the same account in us-east-1, whose DomainName or a SubjectAlternativeName
covers every alias (wildcards as ACM matches them), and aliases need such a
certificate (or an IAMCertificateId, not checked): otherwise
InvalidViewerCertificate (400) with CloudFront's wording. An alias another
distribution has, in any account, gives CNAMEAlreadyExists (409). While a
distribution (in any state, until deleted) names a certificate, ACM refuses
to delete it and lists the distribution's ARN in InUseBy (moto_ext_acm).
"""

from __future__ import annotations

import random
import string
import uuid
from datetime import datetime, timezone
from typing import Any

from moto.cloudfront import urls as cloudfront_urls
from moto.cloudfront import models as cloudfront_models
from moto.cloudfront.models import CloudFrontBackend
from moto.cloudfront.responses import CloudFrontResponse
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult

from . import moto_ext_acm
from .moto_actions import add_actions

API = "/2020-05-31"
LOCATION = "https://cloudfront.amazonaws.com" + API + "/cache-policy/"
HEADERS_LOCATION = "https://cloudfront.amazonaws.com" + API + "/response-headers-policy/"
URL_PATHS = {
    "{0}" + API + "/response-headers-policy$": CloudFrontResponse.dispatch,
    "{0}" + API + "/response-headers-policy/(?P<response_headers_policy_id>[^/]+)$":
        CloudFrontResponse.dispatch,
    "{0}" + API + "/response-headers-policy/(?P<response_headers_policy_id>[^/]+)/config$":
        CloudFrontResponse.dispatch,
    "{0}" + API + "/cache-policy$": CloudFrontResponse.dispatch,
    "{0}" + API + "/cache-policy/(?P<cache_policy_id>[^/]+)$": CloudFrontResponse.dispatch,
    "{0}" + API + "/cache-policy/(?P<cache_policy_id>[^/]+)/config$": CloudFrontResponse.dispatch,
}
DEFAULT_TTL = 86400
MAX_TTL = 31536000


def _none_config(gzip: bool) -> dict[str, Any]:
    return {
        "EnableAcceptEncodingGzip": gzip,
        "EnableAcceptEncodingBrotli": gzip,
        "HeadersConfig": {"HeaderBehavior": "none"},
        "CookiesConfig": {"CookieBehavior": "none"},
        "QueryStringsConfig": {"QueryStringBehavior": "none"},
    }


_MANAGED_TIME = datetime(2020, 5, 31, tzinfo=timezone.utc)
# The two managed policies everyone uses, with AWS's ids; every account sees them.
MANAGED_POLICIES = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": {
        "Id": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        "LastModifiedTime": _MANAGED_TIME,
        "ETag": "E23ZP02F085DFQ",
        "CachePolicyConfig": {
            "Comment": "Policy with caching enabled. Supports Gzip and Brotli compression.",
            "Name": "Managed-CachingOptimized",
            "DefaultTTL": DEFAULT_TTL, "MaxTTL": MAX_TTL, "MinTTL": 1,
            "ParametersInCacheKeyAndForwardedToOrigin": _none_config(True),
        },
    },
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": {
        "Id": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        "LastModifiedTime": _MANAGED_TIME,
        "ETag": "E23ZP02F085DFQ",
        "CachePolicyConfig": {
            "Comment": "Policy with caching disabled",
            "Name": "Managed-CachingDisabled",
            "DefaultTTL": 0, "MaxTTL": 0, "MinTTL": 0,
            "ParametersInCacheKeyAndForwardedToOrigin": _none_config(False),
        },
    },
}


class NoSuchCachePolicy(ServiceException):
    code = "NoSuchCachePolicy"
    message = "The cache policy does not exist."


class CachePolicyAlreadyExists(ServiceException):
    code = "CachePolicyAlreadyExists"


class CachePolicyInUse(ServiceException):
    code = "CachePolicyInUse"
    message = "Cannot delete the cache policy because it is attached to one or more cache behaviors."


class InvalidIfMatchVersion(ServiceException):
    code = "InvalidIfMatchVersion"
    message = "The If-Match version is missing or not valid for the resource."


class PreconditionFailed(ServiceException):
    code = "PreconditionFailed"
    message = "The precondition given in one or more of the request header fields evaluated to false."


class IllegalUpdate(ServiceException):
    code = "IllegalUpdate"
    message = "Managed cache policies cannot be updated."


class IllegalDelete(ServiceException):
    code = "IllegalDelete"
    message = "Managed cache policies cannot be deleted."


class InvalidArgument(ServiceException):
    code = "InvalidArgument"


class InconsistentQuantities(ServiceException):
    code = "InconsistentQuantities"


def _policies(backend: CloudFrontBackend) -> dict[str, dict[str, Any]]:
    """The account's own (custom) cache policies by id, in creation order."""
    return backend.__dict__.setdefault("cache_policies", {})


def _etag() -> str:
    return "E" + "".join(random.choices(string.ascii_uppercase + string.digits, k=13))


def _checked_config(config: Any) -> dict[str, Any]:
    """The config as AWS stores it: required fields present, TTL defaults applied."""
    if not isinstance(config, dict) or not config.get("Name"):
        raise InvalidArgument("The parameter Name is required.")
    if config.get("MinTTL") is None:
        raise InvalidArgument("The parameter MinTTL is required.")
    config = dict(config)
    min_ttl = int(config["MinTTL"])
    if config.get("DefaultTTL") is None:
        config["DefaultTTL"] = max(DEFAULT_TTL, min_ttl)
    if config.get("MaxTTL") is None:
        config["MaxTTL"] = max(MAX_TTL, int(config["DefaultTTL"]))
    if not min_ttl <= int(config["DefaultTTL"]) <= int(config["MaxTTL"]):
        raise InvalidArgument(
            "The TTLs must satisfy MinTTL <= DefaultTTL <= MaxTTL; got "
            f"{config['MinTTL']}, {config['DefaultTTL']}, {config['MaxTTL']}.")
    parameters = config.get("ParametersInCacheKeyAndForwardedToOrigin") or {}
    for section, listed in (("HeadersConfig", "Headers"), ("CookiesConfig", "Cookies"),
                            ("QueryStringsConfig", "QueryStrings")):
        names = (parameters.get(section) or {}).get(listed)
        if names is not None and int(names.get("Quantity", -1)) != len(names.get("Items") or []):
            raise InconsistentQuantities(
                f"The value of {section}.{listed}.Quantity and the size of Items do not match.")
    return config


def _find(backend: CloudFrontBackend, policy_id: str | None) -> dict[str, Any]:
    policy = _policies(backend).get(policy_id or "") or MANAGED_POLICIES.get(policy_id or "")
    if policy is None:
        raise NoSuchCachePolicy()
    return policy


def _check_if_match(policy: dict[str, Any], if_match: str | None) -> None:
    if not if_match:
        raise InvalidIfMatchVersion()
    if if_match != policy["ETag"]:
        raise PreconditionFailed()


def _check_name_free(backend: CloudFrontBackend, name: str, policy_id: str | None = None) -> None:
    for other in list(_policies(backend).values()) + list(MANAGED_POLICIES.values()):
        if other["CachePolicyConfig"]["Name"] == name and other["Id"] != policy_id:
            raise CachePolicyAlreadyExists(
                f"A cache policy with the name {name} already exists: {other['Id']}.")


def _in_use(backend: CloudFrontBackend, policy_id: str) -> bool:
    for distribution in backend.distributions.values():
        config = distribution.distribution_config
        behaviors = [config.DefaultCacheBehavior]
        behaviors += (config.CacheBehaviors or {}).get("Items") or []
        if any(getattr(b, "cache_policy_id", None) == policy_id for b in behaviors):
            return True
    return False


def _payload(policy: dict[str, Any]) -> dict[str, Any]:
    return {key: policy[key] for key in ("Id", "LastModifiedTime", "CachePolicyConfig")}


# -- actions (methods of moto's CloudFrontResponse) -----------------------------------
def create_cache_policy(self: CloudFrontResponse) -> ActionResult:
    backend = self.backend
    config = _checked_config(self._get_param("CachePolicyConfig"))
    _check_name_free(backend, config["Name"])
    policy = {
        "Id": str(uuid.uuid4()),
        "LastModifiedTime": datetime.now(timezone.utc),
        "CachePolicyConfig": config,
        "ETag": _etag(),
    }
    _policies(backend)[policy["Id"]] = policy
    return ActionResult({"CachePolicy": _payload(policy), "ETag": policy["ETag"],
                         "Location": LOCATION + policy["Id"]})


def get_cache_policy(self: CloudFrontResponse) -> ActionResult:
    policy = _find(self.backend, self._get_param("Id"))
    return ActionResult({"CachePolicy": _payload(policy), "ETag": policy["ETag"]})


def get_cache_policy_config(self: CloudFrontResponse) -> ActionResult:
    policy = _find(self.backend, self._get_param("Id"))
    return ActionResult({"CachePolicyConfig": policy["CachePolicyConfig"], "ETag": policy["ETag"]})


def list_cache_policies(self: CloudFrontResponse) -> ActionResult:
    kind = self._get_param("Type")
    if kind not in (None, "managed", "custom"):
        raise InvalidArgument(f"Invalid Type {kind!r}: must be managed or custom.")
    summaries = []
    if kind in (None, "managed"):
        summaries += [{"Type": "managed", "CachePolicy": _payload(p)} for p in MANAGED_POLICIES.values()]
    if kind in (None, "custom"):
        summaries += [{"Type": "custom", "CachePolicy": _payload(p)}
                      for p in _policies(self.backend).values()]
    start = 0
    marker = self._get_param("Marker")
    if marker:
        ids = [s["CachePolicy"]["Id"] for s in summaries]
        if marker not in ids:
            raise InvalidArgument(f"Invalid Marker {marker!r}.")
        start = ids.index(marker)
    try:
        max_items = int(self._get_param("MaxItems") or 100)
    except ValueError:
        max_items = 0
    if not 1 <= max_items <= 1000:
        raise InvalidArgument(f"Invalid MaxItems {self._get_param('MaxItems')!r}.")
    page = summaries[start:start + max_items]
    rest = summaries[start + max_items:]
    result: dict[str, Any] = {"MaxItems": max_items, "Quantity": len(page), "Items": page}
    if rest:
        result["NextMarker"] = rest[0]["CachePolicy"]["Id"]
    return ActionResult({"CachePolicyList": result})


def update_cache_policy(self: CloudFrontResponse) -> ActionResult:
    backend = self.backend
    policy_id = self._get_param("Id")
    policy = _find(backend, policy_id)
    if policy_id in MANAGED_POLICIES:
        raise IllegalUpdate()
    _check_if_match(policy, self._get_param("IfMatch"))
    config = _checked_config(self._get_param("CachePolicyConfig"))
    _check_name_free(backend, config["Name"], policy_id)
    policy.update(CachePolicyConfig=config, ETag=_etag(),
                  LastModifiedTime=datetime.now(timezone.utc))
    return ActionResult({"CachePolicy": _payload(policy), "ETag": policy["ETag"]})


def delete_cache_policy(self: CloudFrontResponse) -> ActionResult:
    backend = self.backend
    policy_id = self._get_param("Id")
    policy = _find(backend, policy_id)
    if policy_id in MANAGED_POLICIES:
        raise IllegalDelete()
    _check_if_match(policy, self._get_param("IfMatch"))
    if _in_use(backend, policy_id):
        raise CachePolicyInUse()
    del _policies(backend)[policy_id]
    return EmptyResult()


# -- installation -----------------------------------------------------------------
ACTIONS = (create_cache_policy, get_cache_policy, get_cache_policy_config,
           list_cache_policies, update_cache_policy, delete_cache_policy)

_installed = False


def _keep_origin_access(origin_class: type) -> None:
    """Make moto's Origin keep OriginAccessControlId and S3OriginConfig."""
    moto_init = origin_class.__init__

    def init(self: Any, origin: dict[str, Any]) -> None:
        moto_init(self, origin)
        if "S3OriginConfig" in origin:
            self.s3_origin_config = {
                "OriginAccessIdentity": origin["S3OriginConfig"].get("OriginAccessIdentity") or ""}
        self.origin_access_control_id = origin.get("OriginAccessControlId") or ""

    origin_class.__init__ = init  # type: ignore[method-assign]


def install() -> None:
    """Add the cache policy actions and paths to moto; idempotent, before any server starts."""
    global _installed
    if _installed:
        return
    add_actions(CloudFrontResponse, "CloudFront", ACTIONS)
    _keep_origin_access(cloudfront_models.Origin)
    moto_ext_acm.install()
    _install_viewer_certificates()
    cloudfront_urls.url_paths.update(URL_PATHS)
    _installed = True


# -- response headers policies ---------------------------------------------------
CSP_LIMIT = 1783
# AWS's managed security headers policy, with its id; every account sees it.
MANAGED_HEADERS_POLICIES = {
    "67f7725c-6f97-4210-82d7-5512b31e9d03": {
        "Id": "67f7725c-6f97-4210-82d7-5512b31e9d03",
        "LastModifiedTime": _MANAGED_TIME,
        "ETag": "E23ZP02F085DFQ",
        "ResponseHeadersPolicyConfig": {
            "Comment": "Adds a set of security headers to every response",
            "Name": "Managed-SecurityHeadersPolicy",
            "SecurityHeadersConfig": {
                "XSSProtection": {"Override": False, "Protection": True, "ModeBlock": True},
                "FrameOptions": {"Override": False, "FrameOption": "SAMEORIGIN"},
                "ReferrerPolicy": {"Override": False,
                                   "ReferrerPolicy": "strict-origin-when-cross-origin"},
                "ContentTypeOptions": {"Override": True},
                "StrictTransportSecurity": {"Override": False, "IncludeSubdomains": False,
                                            "Preload": False, "AccessControlMaxAgeSec": 31536000},
            },
        },
    },
}
# Each security header's members AWS requires.
SECURITY_HEADER_REQUIRED = {
    "XSSProtection": ("Override", "Protection"),
    "FrameOptions": ("Override", "FrameOption"),
    "ReferrerPolicy": ("Override", "ReferrerPolicy"),
    "ContentSecurityPolicy": ("Override", "ContentSecurityPolicy"),
    "ContentTypeOptions": ("Override",),
    "StrictTransportSecurity": ("Override", "AccessControlMaxAgeSec"),
}


class NoSuchResponseHeadersPolicy(ServiceException):
    code = "NoSuchResponseHeadersPolicy"
    message = "The response headers policy does not exist."


class ResponseHeadersPolicyAlreadyExists(ServiceException):
    code = "ResponseHeadersPolicyAlreadyExists"


class ResponseHeadersPolicyInUse(ServiceException):
    code = "ResponseHeadersPolicyInUse"
    message = ("Cannot delete the response headers policy because it is attached to one or more "
               "cache behaviors.")


class TooLongCSPInResponseHeadersPolicy(ServiceException):
    code = "TooLongCSPInResponseHeadersPolicy"


def _headers_policies(backend: CloudFrontBackend) -> dict[str, dict[str, Any]]:
    """The account's own (custom) response headers policies by id, in creation order."""
    return backend.__dict__.setdefault("response_headers_policies", {})


def _checked_headers_config(config: Any) -> dict[str, Any]:
    if not isinstance(config, dict) or not config.get("Name"):
        raise InvalidArgument("The parameter Name is required.")
    security = config.get("SecurityHeadersConfig") or {}
    for header, required in SECURITY_HEADER_REQUIRED.items():
        if header not in security:
            continue
        for member in required:
            if (security[header] or {}).get(member) is None:
                raise InvalidArgument(f"The parameter {header}.{member} is required.")
    csp = (security.get("ContentSecurityPolicy") or {}).get("ContentSecurityPolicy")
    if csp is not None and len(csp) > CSP_LIMIT:
        raise TooLongCSPInResponseHeadersPolicy(
            f"The Content-Security-Policy is {len(csp)} characters; the limit is {CSP_LIMIT}.")
    return dict(config)


def _find_headers_policy(backend: CloudFrontBackend, policy_id: str | None) -> dict[str, Any]:
    policy = (_headers_policies(backend).get(policy_id or "")
              or MANAGED_HEADERS_POLICIES.get(policy_id or ""))
    if policy is None:
        raise NoSuchResponseHeadersPolicy()
    return policy


def _check_headers_name_free(backend: CloudFrontBackend, name: str,
                             policy_id: str | None = None) -> None:
    for other in list(_headers_policies(backend).values()) + list(MANAGED_HEADERS_POLICIES.values()):
        if other["ResponseHeadersPolicyConfig"]["Name"] == name and other["Id"] != policy_id:
            raise ResponseHeadersPolicyAlreadyExists(
                f"A response headers policy with the name {name} already exists: {other['Id']}.")


def _headers_policy_in_use(backend: CloudFrontBackend, policy_id: str) -> bool:
    for distribution in backend.distributions.values():
        config = distribution.distribution_config
        behaviors = [config.DefaultCacheBehavior]
        behaviors += (config.CacheBehaviors or {}).get("Items") or []
        if any(getattr(b, "response_headers_policy_id", None) == policy_id for b in behaviors):
            return True
    return False


def _headers_payload(policy: dict[str, Any]) -> dict[str, Any]:
    return {key: policy[key] for key in ("Id", "LastModifiedTime", "ResponseHeadersPolicyConfig")}


def create_response_headers_policy(self: CloudFrontResponse) -> ActionResult:
    backend = self.backend
    config = _checked_headers_config(self._get_param("ResponseHeadersPolicyConfig"))
    _check_headers_name_free(backend, config["Name"])
    policy = {
        "Id": str(uuid.uuid4()),
        "LastModifiedTime": datetime.now(timezone.utc),
        "ResponseHeadersPolicyConfig": config,
        "ETag": _etag(),
    }
    _headers_policies(backend)[policy["Id"]] = policy
    return ActionResult({"ResponseHeadersPolicy": _headers_payload(policy), "ETag": policy["ETag"],
                         "Location": HEADERS_LOCATION + policy["Id"]})


def get_response_headers_policy(self: CloudFrontResponse) -> ActionResult:
    policy = _find_headers_policy(self.backend, self._get_param("Id"))
    return ActionResult({"ResponseHeadersPolicy": _headers_payload(policy), "ETag": policy["ETag"]})


def get_response_headers_policy_config(self: CloudFrontResponse) -> ActionResult:
    policy = _find_headers_policy(self.backend, self._get_param("Id"))
    return ActionResult({"ResponseHeadersPolicyConfig": policy["ResponseHeadersPolicyConfig"],
                         "ETag": policy["ETag"]})


def list_response_headers_policies(self: CloudFrontResponse) -> ActionResult:
    kind = self._get_param("Type")
    if kind not in (None, "managed", "custom"):
        raise InvalidArgument(f"Invalid Type {kind!r}: must be managed or custom.")
    summaries = []
    if kind in (None, "managed"):
        summaries += [{"Type": "managed", "ResponseHeadersPolicy": _headers_payload(p)}
                      for p in MANAGED_HEADERS_POLICIES.values()]
    if kind in (None, "custom"):
        summaries += [{"Type": "custom", "ResponseHeadersPolicy": _headers_payload(p)}
                      for p in _headers_policies(self.backend).values()]
    start = 0
    marker = self._get_param("Marker")
    if marker:
        ids = [s["ResponseHeadersPolicy"]["Id"] for s in summaries]
        if marker not in ids:
            raise InvalidArgument(f"Invalid Marker {marker!r}.")
        start = ids.index(marker)
    try:
        max_items = int(self._get_param("MaxItems") or 100)
    except ValueError:
        max_items = 0
    if not 1 <= max_items <= 1000:
        raise InvalidArgument(f"Invalid MaxItems {self._get_param('MaxItems')!r}.")
    page = summaries[start:start + max_items]
    rest = summaries[start + max_items:]
    result: dict[str, Any] = {"MaxItems": max_items, "Quantity": len(page), "Items": page}
    if rest:
        result["NextMarker"] = rest[0]["ResponseHeadersPolicy"]["Id"]
    return ActionResult({"ResponseHeadersPolicyList": result})


def update_response_headers_policy(self: CloudFrontResponse) -> ActionResult:
    backend = self.backend
    policy_id = self._get_param("Id")
    policy = _find_headers_policy(backend, policy_id)
    if policy_id in MANAGED_HEADERS_POLICIES:
        raise IllegalUpdate("Managed response headers policies cannot be updated.")
    _check_if_match(policy, self._get_param("IfMatch"))
    config = _checked_headers_config(self._get_param("ResponseHeadersPolicyConfig"))
    _check_headers_name_free(backend, config["Name"], policy_id)
    policy.update(ResponseHeadersPolicyConfig=config, ETag=_etag(),
                  LastModifiedTime=datetime.now(timezone.utc))
    return ActionResult({"ResponseHeadersPolicy": _headers_payload(policy), "ETag": policy["ETag"]})


def delete_response_headers_policy(self: CloudFrontResponse) -> ActionResult:
    backend = self.backend
    policy_id = self._get_param("Id")
    policy = _find_headers_policy(backend, policy_id)
    if policy_id in MANAGED_HEADERS_POLICIES:
        raise IllegalDelete("Managed response headers policies cannot be deleted.")
    _check_if_match(policy, self._get_param("IfMatch"))
    if _headers_policy_in_use(backend, policy_id):
        raise ResponseHeadersPolicyInUse()
    del _headers_policies(backend)[policy_id]
    return EmptyResult()


ACTIONS += (create_response_headers_policy, get_response_headers_policy,
            get_response_headers_policy_config, list_response_headers_policies,
            update_response_headers_policy, delete_response_headers_policy)


# -- alternate domain names (Aliases) and their certificates ---------------------------
# CloudFront takes ACM certificates from this region only.
CERTIFICATE_REGION = "us-east-1"
CNAMES_REQUIREMENTS = ("For more details, see: https://docs.aws.amazon.com/AmazonCloudFront/latest/"
                       "DeveloperGuide/CNAMEs.html#alternate-domain-names-requirements")
ALIASES_NEED_CERTIFICATE = (
    "To add an alternate domain name (CNAME) to a CloudFront distribution, you must attach a "
    "trusted certificate that validates your authorization to use the domain name. "
    + CNAMES_REQUIREMENTS)
CERTIFICATE_NOT_VALID = ("The specified SSL certificate doesn't exist, isn't in us-east-1 region, "
                         "isn't valid, or doesn't include a valid certificate chain.")
CERTIFICATE_DOES_NOT_COVER = (
    "The certificate that is attached to your distribution doesn't cover the alternate domain "
    "name (CNAME) that you're trying to add. " + CNAMES_REQUIREMENTS)


class InvalidViewerCertificate(ServiceException):
    code = "InvalidViewerCertificate"


class CNAMEAlreadyExists(ServiceException):
    code = "CNAMEAlreadyExists"
    message = "One or more of the CNAMEs you provided are already associated with a different resource."


def _aliases(aliases: Any) -> set[str]:
    """The alternate domain names of a distribution config's Aliases, lower case."""
    return {str(alias).lower() for alias in ((aliases or {}).get("Items") or [])}


def _every_distribution() -> list[Any]:
    """Every account's distributions: alternate domain names are unique across AWS."""
    distributions = []
    for account in list(cloudfront_models.cloudfront_backends.values()):
        backend = account.get("aws")
        if backend is not None:
            distributions += list(backend.distributions.values())
    return distributions


def _check_aliases(backend: CloudFrontBackend, config: dict[str, Any], updated: Any = None) -> None:
    """Refuse, as CloudFront does, alternate domain names the viewer certificate does not
    serve, and any that another distribution (other than `updated`) already has."""
    aliases = _aliases(config.get("Aliases"))
    viewer = config.get("ViewerCertificate") or {}
    arn = viewer.get("ACMCertificateArn")
    if arn:
        certificate = None
        if moto_ext_acm.parse_arn(arn) == (CERTIFICATE_REGION, backend.account_id):
            certificate = moto_ext_acm.find_certificate(backend.account_id, CERTIFICATE_REGION, arn)
        if certificate is None or certificate.status != "ISSUED":
            raise InvalidViewerCertificate(CERTIFICATE_NOT_VALID)
        if not all(moto_ext_acm.covers(certificate, alias) for alias in aliases):
            raise InvalidViewerCertificate(CERTIFICATE_DOES_NOT_COVER)
    elif aliases and not viewer.get("IAMCertificateId"):
        raise InvalidViewerCertificate(ALIASES_NEED_CERTIFICATE)
    for other in _every_distribution():
        if other is not updated and aliases & _aliases(getattr(other.distribution_config, "Aliases", None)):
            raise CNAMEAlreadyExists()


def _checking_create(moto_create: Any) -> Any:
    def create_distribution_with_tags(self: CloudFrontBackend, distribution_config: dict[str, Any],
                                      tags: list[dict[str, str]]) -> Any:
        _check_aliases(self, distribution_config)
        return moto_create(self, distribution_config, tags)

    return create_distribution_with_tags


def _checking_update(moto_update: Any) -> Any:
    def update_distribution(self: CloudFrontBackend, dist_config: dict[str, Any], _id: str,
                            if_match: Any) -> Any:
        # moto's own refusals (unknown id, no If-Match, no config) come first, as before
        if _id in self.distributions and if_match and dist_config:
            _check_aliases(self, dist_config, updated=self.distributions[_id])
        return moto_update(self, dist_config=dist_config, _id=_id, if_match=if_match)

    return update_distribution


def certificate_users(account_id: str, region: str, arn: str) -> list[str]:
    """The ARNs of the account's distributions, in any state until deleted, whose viewer
    certificate is the ACM certificate (moto_ext_acm asks)."""
    account = cloudfront_models.cloudfront_backends.get(account_id)
    backend = account.get("aws") if account is not None else None
    if backend is None:
        return []
    return [d.arn for d in list(backend.distributions.values())
            if getattr(d.distribution_config.ViewerCertificate, "acm_certificate_arn", "") == arn]


def _install_viewer_certificates() -> None:
    CloudFrontBackend.create_distribution_with_tags = _checking_create(  # type: ignore[method-assign]
        CloudFrontBackend.create_distribution_with_tags)
    CloudFrontBackend.update_distribution = _checking_update(  # type: ignore[method-assign]
        CloudFrontBackend.update_distribution)
    moto_ext_acm.add_certificate_users(certificate_users)

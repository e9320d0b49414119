"""ACM certificates in use, and their validation wait per account, for moto, added in-process.

moto 5.2.5 deletes any certificate on DeleteCertificate and lists in
DescribeCertificate's InUseBy only the load balancers its ELB attached;
AWS refuses to delete a certificate another service uses
(ResourceInUseException, "Certificate <arn> is in use.") and lists every
user. install() wraps moto's ACM backend and certificate so that a
certificate is in use while a resource of another extension names it:
each extension that attaches certificates (API Gateway v2 custom domain
names, CloudFront distributions) registers with add_certificate_users a
function that lists the ARNs of its resources using a certificate, and
DeleteCertificate, DescribeCertificate's InUseBy and ListCertificates'
InUse ask them all. The other extensions find a certificate with
find_certificate and match names with covers, as those services do.

moto issues an AMAZON_ISSUED certificate once moto.settings.ACM_VALIDATION_WAIT
seconds (MOTO_ACM_VALIDATION_WAIT, 60 by default) have passed since its
request, one setting for the whole process; set_validation_wait gives an
account a wait of its own (LocalAws's acm_validation_wait_s), read at each
look at the certificate as moto's is.

ListCertificates' summaries gain the certificate's names
(SubjectAlternativeNameSummaries, at most 100, and
HasAdditionalSubjectAlternativeNames), which AWS lists and moto leaves out.

It must not change anything else moto implements: a certificate nobody uses
deletes as before, and moto's own InUseBy entries stay.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from moto.acm.exceptions import AWSError
from moto.acm.models import AWSCertificateManagerBackend, CertBundle, acm_backends
from moto.acm.responses import AWSCertificateManagerResponse as ACMResponse
from moto.core.responses import ActionResult
from moto.core.utils import utcnow

# A function listing the ARNs of the resources that use a certificate:
# (account id, the certificate's region, its ARN) -> ARNs.
CertificateUsers = Callable[[str, str, str], list[str]]


class ResourceInUseException(AWSError):
    TYPE = "ResourceInUseException"


_lock = threading.Lock()
_validation_waits: dict[str, float] = {}
_user_finders: list[CertificateUsers] = []


def set_validation_wait(account_id: str, seconds: float | None) -> None:
    """Seconds after its request before the account's requested certificates are ISSUED;
    None returns the account to moto's process-wide wait. Certificates already past
    the wait in force are ISSUED first: a new wait changes only those still pending."""
    for backend in list((acm_backends.get(account_id) or {}).values()):
        for bundle in list(backend._certificates.values()):
            bundle.check()
    with _lock:
        if seconds is None:
            _validation_waits.pop(account_id, None)
        else:
            _validation_waits[account_id] = float(seconds)


def add_certificate_users(finder: CertificateUsers) -> None:
    """Register a function listing the resources that use a certificate (idempotent)."""
    with _lock:
        if finder not in _user_finders:
            _user_finders.append(finder)


def certificate_users(account_id: str, region: str, arn: str) -> list[str]:
    """Every ARN that uses the certificate, as the registered extensions find them."""
    with _lock:
        finders = list(_user_finders)
    users: list[str] = []
    for finder in finders:
        users += [user for user in finder(account_id, region, arn) if user not in users]
    return users


def parse_arn(arn: str) -> tuple[str, str] | None:
    """(region, account id) of an ACM certificate ARN, None if it is not one."""
    parts = (arn or "").split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "acm" or not parts[5].startswith("certificate/"):
        return None
    return parts[3], parts[4]


def find_certificate(account_id: str, region: str, arn: str) -> CertBundle | None:
    """The certificate with that ARN in that account's ACM in that region (its status
    brought up to date, as any ACM read does), None if there is none."""
    regions = acm_backends.get(account_id)
    backend = regions.get(region) if regions is not None else None
    bundle = backend._certificates.get(arn) if backend is not None else None
    if bundle is not None:
        bundle.check()
    return bundle


def _names(bundle: CertBundle) -> list[str]:
    return [str(name).lower() for name in [bundle.common_name, *bundle.sans] if name]


def covers(bundle: CertBundle, domain_name: str) -> bool:
    """Whether the certificate's DomainName or a SubjectAlternativeName covers the name, as
    TLS and ACM match them: exactly, or by a wildcard standing for one leftmost label
    (*.example.com covers www.example.com, not example.com nor a.b.example.com)."""
    name = domain_name.lower().rstrip(".")
    for pattern in _names(bundle):
        if pattern == name:
            return True
        if pattern.startswith("*.") and "." in name and name.split(".", 1)[1] == pattern[2:]:
            return True
    return False


# -- wrapped moto ---------------------------------------------------------------------------
def _account_of(bundle: CertBundle) -> str:
    parsed = parse_arn(bundle.arn)
    return parsed[1] if parsed else ""


def _wrap_check(moto_check: Callable[[CertBundle], None]) -> Callable[[CertBundle], None]:
    def check(self: CertBundle) -> None:
        with _lock:
            wait = _validation_waits.get(_account_of(self))
        if wait is None:
            moto_check(self)
            return
        # moto's own check, with the account's wait in place of the process-wide one.
        now = utcnow()
        if self._not_valid_after(self._cert) <= now:
            self.status = "EXPIRED"
            return
        if (self.type == "AMAZON_ISSUED" and self.status == "PENDING_VALIDATION"
                and (now - self.created_at).total_seconds() > wait):
            self.status = "ISSUED"

    return check


def _wrap_describe(moto_describe: Callable[[CertBundle], dict[str, Any]]
                   ) -> Callable[[CertBundle], dict[str, Any]]:
    def describe(self: CertBundle) -> dict[str, Any]:
        answer = moto_describe(self)
        parsed = parse_arn(self.arn)
        if parsed is not None:
            region, account_id = parsed
            in_use_by = list(answer["Certificate"].get("InUseBy") or [])
            in_use_by += [user for user in certificate_users(account_id, region, self.arn)
                          if user not in in_use_by]
            answer["Certificate"]["InUseBy"] = in_use_by
        return answer

    return describe


def _wrap_delete(moto_delete: Callable[[AWSCertificateManagerBackend, str], None]
                 ) -> Callable[[AWSCertificateManagerBackend, str], None]:
    def delete_certificate(self: AWSCertificateManagerBackend, arn: str) -> None:
        if arn in self._certificates and certificate_users(self.account_id, self.region_name, arn):
            raise ResourceInUseException(f"Certificate {arn} is in use.")
        moto_delete(self, arn)

    return delete_certificate


_installed = False


# ListCertificates lists at most this many of a certificate's names (AWS's API reference).
LISTED_NAMES = 100


def _wrap_list(moto_list: Callable[[ACMResponse], ActionResult]
               ) -> Callable[[ACMResponse], ActionResult]:
    """ListCertificates' summaries with their names, as AWS lists them
    (SubjectAlternativeNameSummaries, HasAdditionalSubjectAlternativeNames)."""
    def list_certificates(self: ACMResponse) -> ActionResult:
        answer = moto_list(self)
        for summary in answer.result["CertificateSummaryList"]:  # type: ignore[index]
            names = self.acm_backend.get_certificate(summary["CertificateArn"]).sans
            summary["SubjectAlternativeNameSummaries"] = names[:LISTED_NAMES]
            summary["HasAdditionalSubjectAlternativeNames"] = len(names) > LISTED_NAMES
        return answer

    return list_certificates


def install() -> None:
    """Wrap moto's ACM certificate and backend; idempotent, before any server starts."""
    global _installed
    if _installed:
        return
    CertBundle.check = _wrap_check(CertBundle.check)  # type: ignore[method-assign]
    CertBundle.describe = _wrap_describe(CertBundle.describe)  # type: ignore[method-assign]
    AWSCertificateManagerBackend.delete_certificate = _wrap_delete(  # type: ignore[method-assign]
        AWSCertificateManagerBackend.delete_certificate)
    ACMResponse.list_certificates = _wrap_list(  # type: ignore[method-assign]
        ACMResponse.list_certificates)
    _installed = True

"""AWS errors on the wire, for the answers the real AWS profile gives in moto's place.

A throttled call, an injected 500 or a refusal that AWS makes before any
service logic runs never reaches moto, so moto cannot serialise it. This
module writes those errors the way each service's protocol does (query, ec2,
json, rest-json, rest-xml), reading everything a client checks from
botocore's service model: the protocol, the JSON version, awsQueryCompatible,
the XML namespace, and for an error shape its HTTP status, its query code and
whether it is the sender's fault. Codes no model defines (AWS's common errors:
Throttling, InternalFailure, ServiceUnavailable, ...) take their status from
COMMON_ERRORS. What is written per service is only which code AWS uses for
each kind of failure (SERVICE_ERRORS).

It does not decide when to fail; real_aws_wsgi.py does.
"""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

# AWS's common errors that service models do not define, and their HTTP status.
COMMON_ERRORS = {
    "Throttling": 400,
    "ThrottlingException": 400,
    "RequestLimitExceeded": 503,  # EC2
    "SlowDown": 503,              # S3
    "InternalFailure": 500,
    "InternalError": 500,         # EC2, S3
    "ServiceUnavailable": 503,
    "Unavailable": 503,           # EC2
}

# The one rest-xml service whose errors are a bare <Error> element.
UNWRAPPED_XML_ERRORS = ("s3",)


@dataclass(frozen=True)
class ServiceErrors:
    """The codes a service answers when it throttles, fails inside, or is unavailable."""

    throttling: str = "Throttling"
    internal: str = "InternalFailure"
    unavailable: str = "ServiceUnavailable"


# Each code is the service's own (its model's shape where it has one), checked
# by harness/test_real_aws.py against botocore's parsers and its list of
# throttling codes.
SERVICE_ERRORS = {
    "ec2": ServiceErrors("RequestLimitExceeded", "InternalError", "Unavailable"),
    "iam": ServiceErrors("Throttling", "ServiceFailure"),
    "sts": ServiceErrors("Throttling"),
    "elasticache": ServiceErrors("Throttling"),
    "cloudfront": ServiceErrors("Throttling"),
    "sqs": ServiceErrors("RequestThrottled"),
    "dynamodb": ServiceErrors("ThrottlingException", "InternalServerError"),
    "lambda": ServiceErrors("TooManyRequestsException", "ServiceException"),
    "apigatewayv2": ServiceErrors("TooManyRequestsException"),
    "apigatewaymanagementapi": ServiceErrors("LimitExceededException"),
    "scheduler": ServiceErrors("ThrottlingException", "InternalServerException"),
    "logs": ServiceErrors("ThrottlingException"),
    "s3": ServiceErrors("SlowDown", "InternalError"),
    "resourcegroupstaggingapi": ServiceErrors("ThrottledException", "InternalServiceException"),
}
DEFAULT_ERRORS = ServiceErrors()


@dataclass(frozen=True)
class WireError:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def errors_of(service: str | None) -> ServiceErrors:
    return SERVICE_ERRORS.get(service or "", DEFAULT_ERRORS)


@functools.lru_cache(maxsize=None)
def service_model(service: str) -> Any:
    import botocore.loaders
    import botocore.model

    loader = botocore.loaders.Loader()
    return botocore.model.ServiceModel(loader.load_service_model(service, "service-2"), service)


def model_protocol(service: str) -> str:
    """The protocol botocore speaks to the service (a CBOR-first model resolves to json)."""
    model = service_model(service)
    return str(getattr(model, "resolved_protocol", None) or model.protocol)


@dataclass(frozen=True)
class _Shape:
    code: str          # the code a client reads
    query_code: str    # the code under awsQueryCompatible
    status: int
    sender: bool


def _shape(service: str, code: str) -> _Shape:
    """What the model says about the error `code`, or AWS's common error defaults."""
    model = service_model(service)
    for shape in model.error_shapes:
        trait = shape.metadata.get("error") or {}
        if code in (shape.name, trait.get("code")):
            fault = bool(getattr(shape, "_shape_model", {}).get("fault"))
            status = trait.get("httpStatusCode") or COMMON_ERRORS.get(code) or (500 if fault else 400)
            return _Shape(code, trait.get("code") or shape.name, int(status),
                          bool(trait.get("senderFault")) or not fault)
    status = COMMON_ERRORS.get(code, 400)
    return _Shape(code, code, status, status < 500)


def error_response(service: str, code: str, message: str, protocol: str | None = None,
                   head: bool = False) -> WireError:
    """The error `code` of `service` as the service sends it in `protocol` (the
    model's by default). A HEAD request's answer has no body."""
    shape = _shape(service, code)
    protocol = protocol or model_protocol(service)
    request_id = str(uuid.uuid4())
    writer = _WRITERS.get(protocol, _json)
    content_type, extra_headers, body = writer(service, shape, message, request_id)
    headers = [("Content-Type", content_type), ("x-amzn-RequestId", request_id),
               ("x-amz-request-id", request_id)] + extra_headers
    if head:
        body = b""
    headers.append(("Content-Length", str(len(body))))
    return WireError(shape.status, headers, body)


# -- one writer per protocol: (content type, extra headers, body) ----------------------------
def _fault(shape: _Shape) -> str:
    return "Sender" if shape.sender else "Receiver"


def _xml_error(shape: _Shape, message: str, with_type: bool) -> str:
    kind = f"<Type>{_fault(shape)}</Type>" if with_type else ""
    return f"<Error>{kind}<Code>{escape(shape.code)}</Code><Message>{escape(message)}</Message></Error>"


def _query(service: str, shape: _Shape, message: str, request_id: str
           ) -> tuple[str, list[tuple[str, str]], bytes]:
    namespace = service_model(service).metadata.get("xmlNamespace")
    attribute = f' xmlns="{escape(namespace)}"' if namespace else ""
    body = (f"<ErrorResponse{attribute}>{_xml_error(shape, message, True)}"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>")
    return "text/xml", [], body.encode()


def _ec2(service: str, shape: _Shape, message: str, request_id: str
         ) -> tuple[str, list[tuple[str, str]], bytes]:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors>'
            f"{_xml_error(shape, message, False)}</Errors>"
            f"<RequestID>{request_id}</RequestID></Response>")
    return "text/xml;charset=UTF-8", [], body.encode()


def _json(service: str, shape: _Shape, message: str, request_id: str
          ) -> tuple[str, list[tuple[str, str]], bytes]:
    metadata = service_model(service).metadata
    headers = []
    if "awsQueryCompatible" in metadata:
        headers.append(("x-amzn-query-error", f"{shape.query_code};{_fault(shape)}"))
    version = metadata.get("jsonVersion", "1.0")
    body = json.dumps({"__type": shape.code, "message": message}).encode()
    return f"application/x-amz-json-{version}", headers, body


def _rest_json(service: str, shape: _Shape, message: str, request_id: str
               ) -> tuple[str, list[tuple[str, str]], bytes]:
    body = json.dumps({"message": message}).encode()
    return "application/json", [("x-amzn-ErrorType", shape.code)], body


def _rest_xml(service: str, shape: _Shape, message: str, request_id: str
              ) -> tuple[str, list[tuple[str, str]], bytes]:
    if service in UNWRAPPED_XML_ERRORS:
        body = (f"<Error><Code>{escape(shape.code)}</Code><Message>{escape(message)}</Message>"
                f"<RequestId>{request_id}</RequestId></Error>")
    else:
        namespace = service_model(service).metadata.get("xmlNamespace")
        attribute = f' xmlns="{escape(namespace)}"' if isinstance(namespace, str) else ""
        body = (f"<ErrorResponse{attribute}>{_xml_error(shape, message, True)}"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>")
    return "application/xml", [], ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


_WRITERS = {"query": _query, "ec2": _ec2, "json": _json, "rest-json": _rest_json,
            "rest-xml": _rest_xml}

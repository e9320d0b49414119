"""Whether botocore's service models accept the requests a client sent.

moto is lenient: it reads what it understands and ignores the rest, so a
request AWS would refuse (a key in the wrong case, an XML element out of
order, a string where AWS wants a number) passes every local test. A test
captures the requests of chosen services (RequestLog.capture, request_log.py)
and asks `problems(captured)`: each request's botocore operation is found,
its input read back from the wire as AWS reads it, and validated with
botocore's ParamValidator against the operation's input shape, plus the
model's enum values, which ParamValidator leaves to the service.

How the wire is read, by protocol:

- json: X-Amz-Target is the model's targetPrefix and operation, Content-Type
  `application/x-amz-json-<jsonVersion>`, and the body is a JSON object whose
  keys are member names (or their locationName, when the model gives one).
- rest-json and rest-xml: the method and path match the operation's
  requestUri (its labels become members, its literal query keys such as
  `?WithTags` must be there); query parameters map to `location: querystring`
  members by locationName, headers to `header`/`headers` members; the body is
  the payload member or the members without a location. rest-json bodies
  are JSON keyed by each member's locationName, at every depth. rest-xml
  bodies are XML: the root element's name and namespace are the model's
  (the payload member's, or the operation input's locationName and
  xmlNamespace); structures' children are members by locationName, in the
  model's member order (AWS's XML services refuse some out-of-order
  elements); wrapped lists hold elements named by their member's
  locationName (`member` by default), flattened ones repeat in the parent;
  maps are entry/key/value; scalars are converted from text (booleans only
  `true`/`false`).

Unknown keys, elements, attributes and query parameters are problems, and so
are values that do not convert (they reach ParamValidator as text, which
reports the type); query parameters starting X-Amz- (a presigned request's)
are left alone. Not checked: string max lengths and patterns, numbers' max,
the host name, SigV4, checksums, rest bodies' Content-Type, the text format
of timestamps (any botocore parses), and protocols other than these three
(reported as a problem, not read). Operations that differ only by headers
(S3's PutObject and CopyObject) are told apart by the record's inference.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, unquote

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.utils import parse_timestamp
from botocore.validate import ParamValidator

from .request_log import CapturedRequest

PROTOCOLS = ("json", "rest-json", "rest-xml")

# Query parameters of a presigned request: SigV4's, never the model's.
SIGNATURE_QUERY_PREFIX = "X-Amz-"

_INTEGER = re.compile(r"^[+-]?[0-9]+$")


@functools.lru_cache(maxsize=None)
def service_model(service: str) -> ServiceModel:
    """botocore's model of a service, from botocore's own data only (never ~/.aws/models)."""
    loader = Loader(extra_search_paths=[Loader.BUILTIN_DATA_PATH],
                    include_default_search_paths=False)
    return ServiceModel(loader.load_service_model(service, "service-2"), service_name=service)


def problems(requests: Iterable[CapturedRequest]) -> list[str]:
    """Every problem of every request, each naming its request; [] when the
    models accept them all."""
    found: list[str] = []
    for request in requests:
        found.extend(request_problems(request))
    return found


def request_problems(request: CapturedRequest) -> list[str]:
    """What the model refuses in one request, each line naming it."""
    operation, params, found = read_input(request)
    if operation is not None and operation.input_shape is not None:
        report = ParamValidator().validate(params, operation.input_shape)
        if report.has_errors():
            found.extend(report.generate_report().splitlines())
        _check_enums(params, operation.input_shape, "", found)
    name = f"{request.service or '?'}:{operation.name if operation else request.operation or '?'}"
    uri = request.uri if len(request.uri) <= 120 else request.uri[:117] + "..."
    return [f"{name} ({request.method} {uri}): {problem}" for problem in found]


def read_input(request: CapturedRequest) -> tuple[OperationModel | None, dict[str, Any], list[str]]:
    """(the operation, its input parameters as botocore names them, problems met
    reading them) from a request's wire form."""
    found: list[str] = []
    if not request.service:
        return None, {}, ["the service is unknown (the request was not signed)"]
    try:
        model = service_model(request.service)
    except Exception as error:  # no such model
        return None, {}, [f"botocore has no model of {request.service!r}: {error}"]
    target = request.header("X-Amz-Target")
    protocols = model.metadata.get("protocols") or [model.protocol]
    protocol = "json" if target and "json" in protocols else model.protocol
    if protocol not in PROTOCOLS:
        return None, {}, [f"protocol {protocol!r} is not checked by model_check"]
    if protocol == "json":
        operation = _json_operation(request, model, target, found)
        if operation is None:
            return None, {}, found
        return operation, _read_json_protocol(request, operation, found), found
    operation = _rest_operation(request, model, found)
    if operation is None:
        return None, {}, found
    return operation, _read_rest(request, operation, protocol, found), found


# -- json ---------------------------------------------------------------------

def _json_operation(request: CapturedRequest, model: ServiceModel, target: str | None,
                    found: list[str]) -> OperationModel | None:
    prefix = model.metadata.get("targetPrefix", "")
    name = request.operation or (target.rsplit(".", 1)[-1] if target else None)
    if name is None:
        found.append("no X-Amz-Target header: the operation is unknown")
        return None
    if name not in model.operation_names:
        found.append(f"{model.service_name} has no operation {name!r}")
        return None
    wanted_target = f"{prefix}.{name}"
    if target != wanted_target:
        found.append(f"X-Amz-Target is {target!r}, the model's is {wanted_target!r}")
    content_type = request.header("Content-Type")
    wanted = f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}"
    if content_type is None or content_type.split(";")[0].strip().lower() != wanted:
        found.append(f"Content-Type is {content_type!r}, the model's is {wanted!r}")
    return model.operation_model(name)


def _read_json_protocol(request: CapturedRequest, operation: OperationModel,
                        found: list[str]) -> dict[str, Any]:
    shape = operation.input_shape
    if not request.body:
        found.append("the body is empty; the json protocol sends a JSON object, at least {}")
        return {}
    document = _json_document(request.body, found)
    if document is None:
        return {}
    if shape is None:
        if document != {}:
            found.append("the operation has no input, but the body is not {}")
        return {}
    if not isinstance(document, dict):
        found.append(f"the body is JSON {type(document).__name__}, not an object")
        return {}
    return _json_structure(document, shape, "", found)


def _json_document(body: bytes, found: list[str]) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        found.append(f"the body is not JSON: {error}")
        return None


def _wire_name(name: str, member: Shape) -> str:
    return str(member.serialization.get("name", name))


def _json_structure(value: dict[str, Any], shape: Shape, where: str, found: list[str],
                    allowed: Iterable[str] | None = None) -> dict[str, Any]:
    allowed = set(shape.members if allowed is None else allowed)
    by_wire = {_wire_name(name, member): name
               for name, member in shape.members.items() if name in allowed}
    params: dict[str, Any] = {}
    for key, item in value.items():
        name = by_wire.get(key)
        if name is None:
            found.append(f"unknown key {key!r} in {where or 'the body'} ({shape.name}): "
                         f"the model's keys are {', '.join(by_wire)}")
        elif item is not None:
            params[name] = _from_json(item, shape.members[name], _join(where, name), found)
    return params


def _from_json(value: Any, shape: Shape, where: str, found: list[str]) -> Any:
    """A JSON value as botocore's parameter, or as it was when it has the wrong
    type (ParamValidator reports that)."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict) and not shape.is_document_type:
        return _json_structure(value, shape, where, found)
    if kind == "list" and isinstance(value, list):
        return [_from_json(item, shape.member, f"{where}[{i}]", found) for i, item in enumerate(value)]
    if kind == "map" and isinstance(value, dict):
        return {key: _from_json(item, shape.value, f"{where}.{key}", found) for key, item in value.items()}
    if kind in ("integer", "long", "float", "double") and isinstance(value, bool):
        found.append(f"{where} is a JSON boolean, the model's type is {kind}")
    elif kind == "timestamp":
        return _json_timestamp(value, shape, where, found)
    elif kind == "blob" and isinstance(value, str):
        return _base64(value, where, found)
    return value


def _json_timestamp(value: Any, shape: Shape, where: str, found: list[str]) -> Any:
    timestamp_format = shape.serialization.get("timestampFormat", "unixtimestamp")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if timestamp_format != "unixtimestamp":
            found.append(f"{where} is a number, the model's timestamps here are {timestamp_format}")
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    if isinstance(value, str) and timestamp_format == "unixtimestamp":
        found.append(f"{where} is the string {value!r}, the model's timestamps here are epoch seconds")
    return value


def _base64(text: str, where: str, found: list[str]) -> Any:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        found.append(f"{where} is not base64: {text[:40]!r}")
        return text


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


# -- rest-json and rest-xml ---------------------------------------------------

@functools.lru_cache(maxsize=None)
def _uri_template(request_uri: str) -> tuple[re.Pattern[str], tuple[str, ...],
                                             tuple[tuple[str, str | None], ...]]:
    """(path regex, its labels in order, the literal query keys and values) of a requestUri."""
    path, _, query = request_uri.partition("?")
    labels: list[str] = []
    pattern = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{") and part.endswith("}"):
            label = part[1:-1]
            greedy = label.endswith("+")
            labels.append(label.rstrip("+"))
            pattern += f"(?P<l{len(labels)}>.+)" if greedy else f"(?P<l{len(labels)}>[^/]+)"
        else:
            pattern += re.escape(part)
    literal = tuple((key, value if sep else None)
                    for key, sep, value in (item.partition("=") for item in query.split("&") if item))
    return re.compile(pattern), tuple(labels), literal


def _query_pairs(request: CapturedRequest) -> list[tuple[str, str]]:
    return parse_qsl(request.query, keep_blank_values=True)


def _literal_query_holds(literal: Iterable[tuple[str, str | None]], pairs: list[tuple[str, str]]) -> bool:
    given = {}
    for key, value in pairs:
        given.setdefault(key, value)
    return all(key in given and (value is None or given[key] == value) for key, value in literal)


def _rest_operation(request: CapturedRequest, model: ServiceModel,
                    found: list[str]) -> OperationModel | None:
    """The operation recorded when its method and requestUri match; else the one
    that matches (with the most literal query keys, as `?WithTags` over none:
    moto's router may ignore them); else the one recorded, with a problem.
    Operations that differ only by headers (S3's PutObject and CopyObject)
    are told apart only by the record."""
    pairs = _query_pairs(request)

    def matches(name: str) -> tuple[int, int] | None:
        http = model.operation_model(name).http
        if http.get("method", "POST").upper() != request.method.upper():
            return None
        pattern, labels, literal = _uri_template(http.get("requestUri", "/"))
        if pattern.fullmatch(request.raw_path) and _literal_query_holds(literal, pairs):
            return len(literal), -len(labels)
        return None

    if request.operation in model.operation_names and matches(request.operation):
        return model.operation_model(request.operation)
    best: tuple[tuple[int, int], str] | None = None
    for name in model.operation_names:
        rank = matches(name)
        if rank is not None and (best is None or rank > best[0]):
            best = (rank, name)
    if best is not None:
        return model.operation_model(best[1])
    if request.operation and request.operation in model.operation_names:
        operation = model.operation_model(request.operation)
        http = operation.http
        found.append(f"{request.method} {request.raw_path} does not match the model's "
                     f"{http.get('method')} {http.get('requestUri')}")
        return operation
    found.append(f"no operation of {model.service_name} has method {request.method} and a "
                 f"requestUri matching {request.uri}")
    return None


def _read_rest(request: CapturedRequest, operation: OperationModel, protocol: str,
               found: list[str]) -> dict[str, Any]:
    shape = operation.input_shape
    http = operation.http
    pattern, labels, literal = _uri_template(http.get("requestUri", "/"))
    params: dict[str, Any] = {}
    members = dict(shape.members) if shape is not None else {}

    match = pattern.fullmatch(request.raw_path)
    if match:
        by_label = {_wire_name(name, member): name for name, member in members.items()
                    if member.serialization.get("location") == "uri"}
        for i, label in enumerate(labels, 1):
            if label in by_label:
                name = by_label[label]
                params[name] = _from_text(unquote(match.group(f"l{i}")), members[name], name, found)

    pairs = [(key, value) for key, value in _query_pairs(request)
             if not any(key == literal_key for literal_key, _ in literal)]
    if not _literal_query_holds(literal, _query_pairs(request)):
        wanted = "&".join(k if v is None else f"{k}={v}" for k, v in literal)
        found.append(f"the query string lacks {wanted!r} of the model's requestUri {http.get('requestUri')}")
    _read_query(pairs, members, params, found)
    _read_headers(request, members, params, found)
    _read_rest_body(request, shape, protocol, params, found)
    return params


def _read_query(pairs: list[tuple[str, str]], members: dict[str, Shape],
                params: dict[str, Any], found: list[str]) -> None:
    by_key = {}
    rest_map = None
    for name, member in members.items():
        if member.serialization.get("location") != "querystring":
            continue
        if member.type_name == "map":
            rest_map = name
        else:
            by_key[_wire_name(name, member)] = name
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    for key, given in values.items():
        name = by_key.get(key)
        if name is not None:
            member = members[name]
            if member.type_name == "list":
                params[name] = [_from_text(v, member.member, f"{name}[{i}]", found)
                                for i, v in enumerate(given)]
            else:
                if len(given) > 1:
                    found.append(f"query parameter {key!r} ({name}) is given {len(given)} times")
                params[name] = _from_text(given[0], member, name, found)
        elif rest_map is not None:
            value_shape = members[rest_map].value
            params.setdefault(rest_map, {})[key] = (
                given if value_shape.type_name == "list" else given[0])
        elif not key.startswith(SIGNATURE_QUERY_PREFIX):
            found.append(f"unknown query parameter {key!r}: the model's are {', '.join(by_key) or 'none'}")


def _read_headers(request: CapturedRequest, members: dict[str, Shape],
                  params: dict[str, Any], found: list[str]) -> None:
    for name, member in members.items():
        location = member.serialization.get("location")
        if location == "header":
            value = request.header(_wire_name(name, member))
            if value is not None:
                params[name] = _from_header(value, member, name, found)
        elif location == "headers":
            prefix = _wire_name(name, member).lower()
            given = {key[len(prefix):]: value for key, value in request.headers.items()
                     if key.lower().startswith(prefix)}
            if given:
                params[name] = given


def _from_header(value: str, shape: Shape, where: str, found: list[str]) -> Any:
    if shape.serialization.get("jsonvalue"):
        try:
            return json.loads(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            found.append(f"header of {where} is not base64-encoded JSON: {value[:40]!r}")
            return value
    if shape.type_name == "list":
        return [_from_text(item.strip(), shape.member, f"{where}[{i}]", found)
                for i, item in enumerate(value.split(","))]
    return _from_text(value, shape, where, found)


def _read_rest_body(request: CapturedRequest, shape: Shape | None, protocol: str,
                    params: dict[str, Any], found: list[str]) -> None:
    body = request.body
    if shape is None:
        if body.strip() not in (b"", b"{}"):
            found.append("the operation has no input, but the request has a body")
        return
    payload = shape.serialization.get("payload")
    if payload is not None:
        member = shape.members[payload]
        if member.type_name in ("blob", "string"):
            if body:
                params[payload] = body if member.type_name == "blob" else body.decode("utf-8", "replace")
            return
        if protocol == "rest-json":
            document = _json_document(body, found) if body.strip() else {}
            if isinstance(document, dict) and document:
                params[payload] = _from_json(document, member, payload, found)
            elif document not in ({}, None):
                found.append(f"the body is JSON {type(document).__name__}, not an object")
        elif body.strip():
            root = _root_name(payload, member)
            params[payload] = _read_xml(body, root, _namespace(member), member, payload, None, found)
        return
    body_members = [name for name, member in shape.members.items()
                    if "location" not in member.serialization]
    if protocol == "rest-json":
        if not body.strip():
            return
        document = _json_document(body, found)
        if document is None:
            return
        if not isinstance(document, dict):
            found.append(f"the body is JSON {type(document).__name__}, not an object")
        elif document and not body_members:
            found.append("the operation takes no body, but the request's body is not {}")
        else:
            params.update(_json_structure(document, shape, "", found, body_members))
        return
    if not body.strip():
        return
    if not body_members:
        found.append("the operation takes no body, but the request has one")
        return
    params.update(_read_xml(body, _root_name(shape.name, shape), _namespace(shape), shape, "",
                            body_members, found))


# -- XML ----------------------------------------------------------------------

def _root_name(name: str, shape: Shape) -> str:
    return str(shape.serialization.get("name", name))


def _namespace(shape: Shape) -> str | None:
    namespace = shape.serialization.get("xmlNamespace")
    if isinstance(namespace, dict):
        return None if namespace.get("prefix") else namespace.get("uri")
    return namespace


def _split_tag(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return None, tag


def _element(local: str, namespace: str | None) -> str:
    return f"<{local} xmlns={namespace!r}>" if namespace else f"<{local}> (no namespace)"


def _read_xml(body: bytes, root_name: str, namespace: str | None, shape: Shape, where: str,
              allowed: Iterable[str] | None, found: list[str]) -> Any:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        found.append(f"the body is not XML: {error}")
        return {}
    got_namespace, local = _split_tag(root.tag)
    if (got_namespace, local) != (namespace, root_name):
        found.append(f"the root element is {_element(local, got_namespace)}, "
                     f"the model's is {_element(root_name, namespace)}")
    if shape.type_name != "structure":
        return _from_xml(root, shape, where or root_name, found)
    return _xml_structure(root, shape, where, found, allowed)


def _children(element: ElementTree.Element) -> list[ElementTree.Element]:
    return [child for child in element if isinstance(child.tag, str)]  # not comments


def _check_namespace(child: ElementTree.Element, parent: ElementTree.Element, shape: Shape,
                     where: str, found: list[str]) -> None:
    """A child is in its shape's namespace, or else in its parent's (as a default
    xmlns is inherited): a wrong root is reported once, not at every element."""
    expected = _namespace(shape) or _split_tag(parent.tag)[0]
    namespace, local = _split_tag(child.tag)
    if namespace != expected:
        found.append(f"{where}: the element {_element(local, namespace)} is not in the "
                     f"namespace {expected!r}")


def _xml_structure(element: ElementTree.Element, shape: Shape, where: str, found: list[str],
                   allowed: Iterable[str] | None = None) -> dict[str, Any]:
    if shape.is_document_type:
        found.append(f"{where}: document types are not read from XML")
        return {}
    allowed = set(shape.members if allowed is None else allowed)
    members = {name: member for name, member in shape.members.items() if name in allowed}
    order = {name: i for i, name in enumerate(shape.members)}
    label = where or "the body"
    local = _split_tag(element.tag)[1]
    params: dict[str, Any] = {}

    attributes = {}
    for name, member in members.items():
        if member.serialization.get("xmlAttribute"):
            attributes[_wire_name(name, member).rsplit(":", 1)[-1]] = name
    for key, value in element.attrib.items():
        attribute = _split_tag(key)[1]
        if attribute in attributes:
            name = attributes[attribute]
            params[name] = _from_text(value, members[name], _join(where, name), found)
        else:
            found.append(f"unknown attribute {attribute!r} on <{local}> ({label})")
    if (element.text or "").strip():
        found.append(f"<{local}> ({label}) holds text {element.text.strip()[:40]!r}; "
                     f"the model's {shape.name} is a structure")

    by_wire = {_wire_name(name, member): name for name, member in members.items()
               if not member.serialization.get("xmlAttribute")}
    previous: tuple[int, str] | None = None  # the last child's place in the model, and name
    seen: set[str] = set()
    for child in _children(element):
        child_local = _split_tag(child.tag)[1]
        name = by_wire.get(child_local)
        if name is None:
            found.append(f"unknown element <{child_local}> in <{local}> ({label}): the model's "
                         f"elements are {', '.join(by_wire) or 'none'}")
            continue
        member = members[name]
        path = _join(where, name)
        _check_namespace(child, element, member, path, found)
        repeats = member.type_name in ("list", "map") and member.serialization.get("flattened")
        if name in seen and not repeats:
            found.append(f"<{child_local}> appears more than once in <{local}> ({label})")
        elif previous is not None and order[name] < previous[0]:
            found.append(f"<{child_local}> comes after <{previous[1]}> in <{local}> ({label}); "
                         f"the model's order is {', '.join(by_wire)}")
        seen.add(name)
        previous = (order[name], child_local)
        if repeats and member.type_name == "list":
            items = params.setdefault(name, [])
            items.append(_from_xml(child, member.member, f"{path}[{len(items)}]", found))
        elif repeats:
            key, value = _xml_map_entry(child, member, path, found)
            if key is not None:
                params.setdefault(name, {})[key] = value
        else:
            params[name] = _from_xml(child, member, path, found)
    return params


def _xml_map_entry(entry: ElementTree.Element, shape: Shape, where: str,
                   found: list[str]) -> tuple[Any, Any]:
    key_name = str(shape.key.serialization.get("name", "key"))
    value_name = str(shape.value.serialization.get("name", "value"))
    key = value = None
    for child in _children(entry):
        local = _split_tag(child.tag)[1]
        if local == key_name and key is None:
            key = _from_xml(child, shape.key, f"{where} key", found)
        elif local == value_name and value is None:
            value = _from_xml(child, shape.value, f"{where}.{key}", found)
        else:
            found.append(f"unexpected element <{local}> in a map entry of {where}: "
                         f"the model's are <{key_name}> and <{value_name}>, once each")
    if key is None:
        found.append(f"a map entry of {where} has no <{key_name}>")
    return key, value


def _from_xml(element: ElementTree.Element, shape: Shape, where: str, found: list[str]) -> Any:
    kind = shape.type_name
    local = _split_tag(element.tag)[1]
    if kind == "structure":
        return _xml_structure(element, shape, where, found)
    if kind == "list":
        item_name = str(shape.member.serialization.get("name", "member"))
        items = []
        for child in _children(element):
            child_local = _split_tag(child.tag)[1]
            if child_local != item_name:
                found.append(f"unknown element <{child_local}> in the list <{local}> ({where}): "
                             f"its items are <{item_name}>")
                continue
            _check_namespace(child, element, shape.member, where, found)
            items.append(_from_xml(child, shape.member, f"{where}[{len(items)}]", found))
        return items
    if kind == "map":
        entries: dict[Any, Any] = {}
        for child in _children(element):
            child_local = _split_tag(child.tag)[1]
            if child_local != "entry":
                found.append(f"unknown element <{child_local}> in the map <{local}> ({where}): "
                             f"its items are <entry>")
                continue
            key, value = _xml_map_entry(child, shape, where, found)
            if key is not None:
                entries[key] = value
        return entries
    if _children(element):
        found.append(f"<{local}> ({where}) has child elements; the model's {shape.name} is a {kind}")
    if element.attrib:
        found.append(f"<{local}> ({where}) has attributes {', '.join(element.attrib)}")
    return _from_text(element.text or "", shape, where, found)


# -- scalars ------------------------------------------------------------------

def _from_text(text: str, shape: Shape, where: str, found: list[str]) -> Any:
    """A scalar from its text form (URI, query, header, XML); the text itself when
    it does not convert, so ParamValidator reports the type."""
    kind = shape.type_name
    value = text.strip()
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, text)
    if kind in ("integer", "long"):
        return int(value) if _INTEGER.match(value) else text
    if kind in ("float", "double"):
        try:
            return float(value)
        except ValueError:
            return text
    if kind == "timestamp":
        try:
            return parse_timestamp(value)
        except (ValueError, TypeError, OverflowError):
            return text
    if kind == "blob":
        return _base64(value, where, found)
    if kind in ("structure", "list", "map"):
        found.append(f"{where} is text {text[:40]!r}, the model's {shape.name} is a {kind}")
    return text


# -- enums --------------------------------------------------------------------

def _check_enums(value: Any, shape: Shape, where: str, found: list[str]) -> None:
    """String values outside the model's enum (ParamValidator leaves them to AWS)."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict) and not shape.is_document_type:
        for name, item in value.items():
            if name in shape.members:
                _check_enums(item, shape.members[name], _join(where, name), found)
    elif kind == "list" and isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_enums(item, shape.member, f"{where}[{i}]", found)
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            _check_enums(key, shape.key, f"{where} key", found)
            _check_enums(item, shape.value, f"{where}.{key}", found)
    elif kind == "string" and isinstance(value, str) and getattr(shape, "enum", None):
        if value not in shape.enum:
            found.append(f"{where or 'input'} is {value!r}, not one of the model's "
                         f"{', '.join(shape.enum)}")

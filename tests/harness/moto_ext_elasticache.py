"""ElastiCache serverless caches, and the rest of subnet groups and
replication groups, for moto, added in-process.

moto 5.2.5 implements cache clusters and replication groups but none of the
serverless cache API, which is the stack's default cache. install() adds
CreateServerlessCache, DescribeServerlessCaches, ModifyServerlessCache and
DeleteServerlessCache to moto's own ElastiCacheResponse, keeping the caches
on moto's ElastiCacheBackend (so moto's reset, accounts and regions apply)
and their tags in the backend's tagging service (so ListTagsForResource and
the Resource Groups Tagging API see them). Responses are ActionResults that
moto serialises from botocore's service model, errors are the model's error
shapes. The lifecycle is compressed: each describe moves a cache one step
("creating" or "modifying" -> "available", "deleting" -> gone). Under a real
AWS profile (real_aws.py) for the account, a step waits until the cache has
been in its state for the profile's cache_creating_s, cache_modifying_s or
cache_deleting_s, computed from a timestamp when read.

It also adds ModifyCacheSubnetGroup and DeleteCacheSubnetGroup (refused with
CacheSubnetGroupInUse while a cache cluster or replication group names the
group), and finishes what moto leaves half done: a deleted replication group
stays "deleting" forever in moto; here it is gone on the next describe.

Apart from that one completion, it must not change anything moto already
implements.
"""

from __future__ import annotations

import random
import re
import string
from datetime import datetime, timezone
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult
from moto.elasticache.models import CacheSubnetGroup, ElastiCacheBackend
from moto.elasticache.responses import ElastiCacheResponse
from moto.utilities.utils import get_partition

from .moto_actions import add_actions
from .real_aws import RealAwsProfile, active

ENGINES = {
    # engine: (default major version, {major: full version}, port, reader port)
    "valkey": ("8", {"7": "7.2", "8": "8.0"}, 6379, 6380),
    "redis": ("7", {"7": "7.1"}, 6379, 6380),
    "memcached": ("1.6", {"1.6": "1.6.22"}, 11211, 11212),
}
NAME_PATTERN = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,39}(?<!-)$")
MODIFIABLE = ("Description", "CacheUsageLimits", "RemoveUserGroup", "UserGroupId",
              "SecurityGroupIds", "SnapshotRetentionLimit", "DailySnapshotTime",
              "Engine", "MajorEngineVersion")


class ServerlessCacheNotFound(ServiceException):
    code = "ServerlessCacheNotFoundFault"


class ServerlessCacheAlreadyExists(ServiceException):
    code = "ServerlessCacheAlreadyExistsFault"


class InvalidServerlessCacheState(ServiceException):
    code = "InvalidServerlessCacheStateFault"


class InvalidParameterValue(ServiceException):
    code = "InvalidParameterValue"


class InvalidParameterCombination(ServiceException):
    code = "InvalidParameterCombination"


class CacheSubnetGroupNotFound(ServiceException):
    code = "CacheSubnetGroupNotFoundFault"


class CacheSubnetGroupInUse(ServiceException):
    code = "CacheSubnetGroupInUse"


def _caches(backend: ElastiCacheBackend) -> dict[str, dict[str, Any]]:
    """The backend's serverless caches by name, in creation order."""
    return backend.__dict__.setdefault("serverless_caches", {})


def _since(backend: ElastiCacheBackend) -> dict[str, float]:
    """When each cache entered its current state (on the profile's clock), by name."""
    return backend.__dict__.setdefault("serverless_cache_since", {})


def _enter(backend: ElastiCacheBackend, cache: dict[str, Any], status: str) -> None:
    cache["Status"] = status
    profile = active(backend.account_id)
    _since(backend)[cache["ServerlessCacheName"]] = profile.clock() if profile else 0.0


def _region_code(region: str) -> str:
    parts = region.split("-")
    return parts[0] + "".join(p[0] for p in parts[1:-1]) + parts[-1] if len(parts) > 2 else region


def _endpoint_host(name: str, region: str) -> str:
    suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=6))
    return f"{name.lower()}-{suffix}.serverless.{_region_code(region)}.cache.amazonaws.com"


def _versions(engine: str, major: str | None) -> tuple[str, str]:
    if engine not in ENGINES:
        raise InvalidParameterValue(
            f"Invalid engine {engine!r}: must be one of {', '.join(ENGINES)}.")
    default_major, full_versions, _, _ = ENGINES[engine]
    major = major or default_major
    if major not in full_versions:
        raise InvalidParameterValue(
            f"Invalid major engine version {major!r} for {engine}: "
            f"must be one of {', '.join(full_versions)}.")
    return major, full_versions[major]


def _get(backend: ElastiCacheBackend, name: str | None) -> dict[str, Any]:
    cache = _caches(backend).get(name or "")
    if cache is None:
        raise ServerlessCacheNotFound(f"Serverless cache {name} not found.")
    return cache


def _require_available(cache: dict[str, Any]) -> None:
    if cache["Status"] != "available":
        raise InvalidServerlessCacheState(
            f"Serverless cache {cache['ServerlessCacheName']} is in status "
            f"{cache['Status']}; it must be available.")


def _state_time(profile: RealAwsProfile | None, status: str) -> float:
    """How long a cache stays in `status` before its next step (0: until the next describe)."""
    if profile is None:
        return 0.0
    return {"creating": profile.cache_creating_s, "modifying": profile.cache_modifying_s,
            "deleting": profile.cache_deleting_s}.get(status, 0.0)


def _advance(backend: ElastiCacheBackend) -> None:
    caches = _caches(backend)
    since = _since(backend)
    profile = active(backend.account_id)
    now = profile.clock() if profile else 0.0
    for name, cache in list(caches.items()):
        if now - since.get(name, 0.0) < _state_time(profile, cache["Status"]):
            continue
        if cache["Status"] in ("creating", "modifying"):
            cache["Status"] = "available"
        elif cache["Status"] == "deleting":
            del caches[name]
            since.pop(name, None)


# -- actions (methods of moto's ElastiCacheResponse) -----------------------------
def create_serverless_cache(self: ElastiCacheResponse) -> ActionResult:
    backend = self.elasticache_backend
    name = self._get_param("ServerlessCacheName")
    if not name or not NAME_PATTERN.match(name):
        raise InvalidParameterValue(
            f"Invalid serverless cache name {name!r}: 1 to 40 letters, digits or hyphens, "
            "starting with a letter, without two consecutive hyphens or a trailing hyphen.")
    if name in _caches(backend):
        raise ServerlessCacheAlreadyExists(f"Serverless cache {name} already exists.")
    engine = (self._get_param("Engine") or "").lower()
    major, full = _versions(engine, self._get_param("MajorEngineVersion"))
    _, _, port, reader_port = ENGINES[engine]
    host = _endpoint_host(name, backend.region_name)
    partition = get_partition(backend.region_name)
    cache = {
        "ServerlessCacheName": name,
        "Description": self._get_param("Description"),
        "CreateTime": datetime.now(timezone.utc),
        "Engine": engine,
        "MajorEngineVersion": major,
        "FullEngineVersion": full,
        "CacheUsageLimits": self._get_param("CacheUsageLimits"),
        "KmsKeyId": self._get_param("KmsKeyId"),
        "SecurityGroupIds": self._get_param("SecurityGroupIds"),
        "Endpoint": {"Address": host, "Port": port},
        "ReaderEndpoint": {"Address": host, "Port": reader_port},
        "ARN": f"arn:{partition}:elasticache:{backend.region_name}:{backend.account_id}"
               f":serverlesscache:{name}",
        "UserGroupId": self._get_param("UserGroupId"),
        "SubnetIds": self._get_param("SubnetIds"),
        "SnapshotRetentionLimit": self._get_param("SnapshotRetentionLimit") or 0,
        "DailySnapshotTime": self._get_param("DailySnapshotTime"),
        "NetworkType": self._get_param("NetworkType") or "ipv4",
    }
    _caches(backend)[name] = cache
    _enter(backend, cache, "creating")
    tags = self._get_param("Tags") or []
    if tags:
        backend.tagging_service.tag_resource(cache["ARN"], tags)
    return ActionResult({"ServerlessCache": cache})


def describe_serverless_caches(self: ElastiCacheResponse) -> ActionResult:
    backend = self.elasticache_backend
    _advance(backend)
    name = self._get_param("ServerlessCacheName")
    if name:
        return ActionResult({"ServerlessCaches": [_get(backend, name)]})
    caches = list(_caches(backend).values())
    start = 0
    token = self._get_param("NextToken")
    if token:
        names = [c["ServerlessCacheName"] for c in caches]
        if token not in names:
            raise InvalidParameterValue(f"Invalid NextToken {token!r}.")
        start = names.index(token)
    limit = int(self._get_param("MaxResults") or 50)
    if limit < 1:
        raise InvalidParameterValue(f"Invalid MaxResults {limit}: must be at least 1.")
    page = caches[start:start + limit]
    rest = caches[start + limit:]
    result: dict[str, Any] = {"ServerlessCaches": page}
    if rest:
        result["NextToken"] = rest[0]["ServerlessCacheName"]
    return ActionResult(result)


def modify_serverless_cache(self: ElastiCacheResponse) -> ActionResult:
    backend = self.elasticache_backend
    cache = _get(backend, self._get_param("ServerlessCacheName"))
    changes = {key: self._get_param(key) for key in MODIFIABLE}
    changes = {key: value for key, value in changes.items() if value is not None}
    if not changes:
        raise InvalidParameterCombination("No modifications were requested.")
    _require_available(cache)
    if changes.pop("RemoveUserGroup", False):
        if "UserGroupId" in changes:
            raise InvalidParameterCombination(
                "RemoveUserGroup and UserGroupId cannot be given together.")
        cache["UserGroupId"] = None
    if "Engine" in changes or "MajorEngineVersion" in changes:
        engine = (changes.pop("Engine", None) or cache["Engine"]).lower()
        major = changes.pop("MajorEngineVersion", None)
        if engine != cache["Engine"] and major is None:
            major = ENGINES.get(engine, ("",))[0]
        cache["MajorEngineVersion"], cache["FullEngineVersion"] = _versions(
            engine, major or cache["MajorEngineVersion"])
        cache["Engine"] = engine
    cache.update(changes)
    _enter(backend, cache, "modifying")
    return ActionResult({"ServerlessCache": cache})


def delete_serverless_cache(self: ElastiCacheResponse) -> ActionResult:
    backend = self.elasticache_backend
    cache = _get(backend, self._get_param("ServerlessCacheName"))
    _require_available(cache)
    _enter(backend, cache, "deleting")
    backend.tagging_service.delete_all_tags_for_resource(cache["ARN"])
    return ActionResult({"ServerlessCache": cache})


def _subnet_group(backend: ElastiCacheBackend, name: str | None) -> CacheSubnetGroup:
    group = backend.cache_subnet_groups.get(name or "")
    if group is None:
        raise CacheSubnetGroupNotFound(f"CacheSubnetGroup {name} not found.")
    return group


def modify_cache_subnet_group(self: ElastiCacheResponse) -> ActionResult:
    backend = self.elasticache_backend
    group = _subnet_group(backend, self._get_param("CacheSubnetGroupName"))
    description = self._get_param("CacheSubnetGroupDescription")
    subnet_ids = self._get_param("SubnetIds") or group.subnet_ids
    # moto's constructor resolves the subnets (VPC, zones) and checks one VPC.
    modified = CacheSubnetGroup(
        account_id=backend.account_id, region_name=backend.region_name,
        cache_subnet_group_name=group.cache_subnet_group_name,
        cache_subnet_group_description=description or group.cache_subnet_group_description,
        subnet_ids=subnet_ids, tags=group.tags)
    backend.cache_subnet_groups[group.cache_subnet_group_name] = modified
    return ActionResult({"CacheSubnetGroup": modified})


def delete_cache_subnet_group(self: ElastiCacheResponse) -> ActionResult:
    backend = self.elasticache_backend
    group = _subnet_group(backend, self._get_param("CacheSubnetGroupName"))
    name = group.cache_subnet_group_name
    caches = list(backend.cache_clusters.values()) + list(backend.replication_groups.values())
    users = [c for c in caches if getattr(c, "cache_subnet_group_name", None) == name]
    if users:
        raise CacheSubnetGroupInUse(f"Cache subnet group {name} is currently in use by a cache "
                                    "cluster or replication group.")
    del backend.cache_subnet_groups[name]
    backend.tagging_service.delete_all_tags_for_resource(group.arn)
    return EmptyResult()


# -- installation -----------------------------------------------------------------
ACTIONS = (create_serverless_cache, describe_serverless_caches,
           modify_serverless_cache, delete_serverless_cache,
           modify_cache_subnet_group, delete_cache_subnet_group)


def _backend_init(original: Any) -> Any:
    def __init__(self: ElastiCacheBackend, region_name: str, account_id: str) -> None:
        original(self, region_name, account_id)
        # moto's ARN check for the tagging actions, widened to serverless caches.
        self.arn_regex = re.compile(
            r"^arn:aws:elasticache:.*:[0-9]*:"
            r"(cluster|snapshot|subnetgroup|replicationgroup|user|serverlesscache):.*$")
    return __init__


def _iter_tagged_resources(original: Any) -> Any:
    from moto.core.resource_tagging import TaggedResource

    def iter_tagged_resources(self: ElastiCacheBackend) -> Any:
        yield from original(self)
        for cache in _caches(self).values():
            yield TaggedResource(
                arn=cache["ARN"],
                tags=self.tagging_service.get_tag_dict_for_resource(cache["ARN"]),
                resource_type="elasticache:serverlesscache",
                extra={"include_untagged": True},
            )
    return iter_tagged_resources


def _describe_replication_groups(original: Any) -> Any:
    def describe_replication_groups(self: ElastiCacheBackend,
                                    replication_group_id: str | None = None) -> Any:
        # moto marks a deleted group "deleting" and keeps it; AWS removes it.
        for group_id, group in list(self.replication_groups.items()):
            if group.status == "deleting":
                del self.replication_groups[group_id]
                self.tagging_service.delete_all_tags_for_resource(group.arn)
        return original(self, replication_group_id)
    return describe_replication_groups


_installed = False


def install() -> None:
    """Add the serverless cache actions to moto; idempotent, before any server starts."""
    global _installed
    if _installed:
        return
    add_actions(ElastiCacheResponse, "ElastiCache", ACTIONS)
    ElastiCacheBackend.__init__ = _backend_init(ElastiCacheBackend.__init__)
    ElastiCacheBackend.iter_tagged_resources = _iter_tagged_resources(
        ElastiCacheBackend.iter_tagged_resources)
    ElastiCacheBackend.describe_replication_groups = _describe_replication_groups(
        ElastiCacheBackend.describe_replication_groups)
    _installed = True

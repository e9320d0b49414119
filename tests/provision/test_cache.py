"""The cache resource kinds (provision/cache.c, provision/cache_subnet_group.c)
through scribblectl up / status / down against the local AWS: the serverless
cache (the default) and the replication group with its subnet group, their
settings and tags as boto3 sees them, drift reported by status and put right
by up where ElastiCache allows, and down removing them.

The serverless API and the subnet group's Modify/Delete come from the
harness's moto extension (tests/harness/moto_ext_elasticache.py)."""
import os
import subprocess

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
STACK = "cachetest"


def scribblectl(local_aws, tmp_path, *args, expect=0):
    result = subprocess.run([SCRIBBLECTL, *args], capture_output=True, text=True,
                            env=local_aws.env(), cwd=tmp_path, timeout=600)
    assert result.returncode == expect, result.stdout + result.stderr
    return result


def write_config(tmp_path, cache="", network=""):
    (tmp_path / "scribble.ini").write_text(
        f"[stack]\nname = {STACK}\n[network]\n{network}\n[cache]\n{cache}\n[tags]\nteam = canvas\n")


def tagged(ec2, describe, key, role):
    """The one live EC2 item tagged with the stack and role."""
    items = getattr(ec2, describe)(Filters=[
        {"Name": "tag:scribble:stack", "Values": [STACK]},
        {"Name": "tag:scribble:role", "Values": [role]}])[key]
    assert len(items) == 1, f"{describe} {role}: {len(items)} found"
    return items[0]


def private_subnets(local_aws, zones=2):
    ec2 = local_aws.client("ec2")
    return sorted(tagged(ec2, "describe_subnets", "Subnets", f"subnet-private-{z}")["SubnetId"]
                  for z in range(1, zones + 1))


def cache_group(local_aws):
    return tagged(local_aws.client("ec2"), "describe_security_groups", "SecurityGroups",
                  "cache-security-group")["GroupId"]


def tags_of(elasticache, arn):
    tags = elasticache.list_tags_for_resource(ResourceName=arn)["TagList"]
    return {t["Key"]: t["Value"] for t in tags}


def serverless_cache(local_aws):
    [cache] = local_aws.client("elasticache").describe_serverless_caches(
        ServerlessCacheName=f"{STACK}-cache")["ServerlessCaches"]
    return cache


def test_serverless_cache_has_its_settings(local_aws, tmp_path):
    write_config(tmp_path, "engine_version = 7\nmax_storage_gb = 3\n")
    scribblectl(local_aws, tmp_path, "validate")
    scribblectl(local_aws, tmp_path, "up")
    elasticache = local_aws.client("elasticache")
    cache = serverless_cache(local_aws)
    assert cache["Status"] == "available"
    assert (cache["Engine"], cache["MajorEngineVersion"]) == ("valkey", "7")
    assert sorted(cache["SubnetIds"]) == private_subnets(local_aws)
    assert cache["SecurityGroupIds"] == [cache_group(local_aws)]
    assert cache["CacheUsageLimits"]["DataStorage"] == {"Maximum": 3, "Unit": "GB"}
    tags = tags_of(elasticache, cache["ARN"])
    assert tags["scribble:stack"] == STACK and tags["scribble:role"] == "cache"
    assert tags["team"] == "canvas"
    # No subnet group in serverless mode: the cache takes subnets directly.
    assert elasticache.describe_cache_subnet_groups()["CacheSubnetGroups"] == []
    assert elasticache.describe_replication_groups()["ReplicationGroups"] == []

    # A second up changes nothing.
    local_aws.requests.clear()
    scribblectl(local_aws, tmp_path, "up")
    assert local_aws.requests.mutating() == []


def test_serverless_drift_is_reported_then_corrected(local_aws, tmp_path):
    write_config(tmp_path)
    scribblectl(local_aws, tmp_path, "up")
    elasticache = local_aws.client("elasticache")
    functions_group = tagged(local_aws.client("ec2"), "describe_security_groups",
                             "SecurityGroups", "functions-security-group")["GroupId"]
    elasticache.modify_serverless_cache(
        ServerlessCacheName=f"{STACK}-cache", SecurityGroupIds=[functions_group],
        CacheUsageLimits={"DataStorage": {"Maximum": 7, "Unit": "GB"}})

    status = scribblectl(local_aws, tmp_path, "status", expect=3).stdout
    assert "cache data storage maximum: is 7 GB, config says 1 GB" in status, status
    assert (f"cache security groups: is {functions_group}, config says {cache_group(local_aws)}"
            in status), status

    scribblectl(local_aws, tmp_path, "up")
    cache = serverless_cache(local_aws)
    assert cache["SecurityGroupIds"] == [cache_group(local_aws)]
    assert cache["CacheUsageLimits"]["DataStorage"] == {"Maximum": 1, "Unit": "GB"}
    scribblectl(local_aws, tmp_path, "status")


def test_serverless_downgrade_is_reported_not_applied(local_aws, tmp_path):
    write_config(tmp_path)
    scribblectl(local_aws, tmp_path, "up")
    write_config(tmp_path, "engine_version = 7\n")
    status = scribblectl(local_aws, tmp_path, "status", expect=3).stdout
    assert "cache major engine version: is 8, config says 7" in status, status
    result = scribblectl(local_aws, tmp_path, "up", expect=1)
    assert "cannot change the major version from 8 down to 7 in place" in (
        result.stdout + result.stderr), result.stdout + result.stderr
    assert serverless_cache(local_aws)["MajorEngineVersion"] == "8"


def test_down_removes_the_serverless_cache(local_aws, tmp_path):
    write_config(tmp_path)
    scribblectl(local_aws, tmp_path, "up")
    scribblectl(local_aws, tmp_path, "down", "--yes")
    assert local_aws.client("elasticache").describe_serverless_caches()["ServerlessCaches"] == []


GROUP_CONFIG = ("mode = replication-group\nengine = redis\nengine_version = 7\n"
                "node_type = cache.t4g.small\nreplicas = 2\nport = 6390\n")


def test_replication_group_has_its_settings(local_aws, tmp_path):
    write_config(tmp_path, GROUP_CONFIG, "availability_zones = 3\n")
    scribblectl(local_aws, tmp_path, "validate")
    scribblectl(local_aws, tmp_path, "up")
    elasticache = local_aws.client("elasticache")

    [subnet_group] = elasticache.describe_cache_subnet_groups(
        CacheSubnetGroupName=f"{STACK}-cache-subnet-group")["CacheSubnetGroups"]
    assert sorted(s["SubnetIdentifier"] for s in subnet_group["Subnets"]) == private_subnets(
        local_aws, zones=3)
    assert tags_of(elasticache, subnet_group["ARN"])["scribble:role"] == "cache-subnet-group"

    [group] = elasticache.describe_replication_groups(
        ReplicationGroupId=f"{STACK}-cache")["ReplicationGroups"]
    assert group["Status"] == "available"
    assert group["Engine"] == "redis"
    assert group["CacheNodeType"] == "cache.t4g.small"
    assert group["TransitEncryptionEnabled"] and group["AtRestEncryptionEnabled"]
    assert (group["AutomaticFailover"], group["MultiAZ"]) == ("enabled", "enabled")
    [node_group] = group["NodeGroups"]
    assert len(node_group["NodeGroupMembers"]) == 3  # the primary and 2 replicas
    assert node_group["PrimaryEndpoint"]["Port"] == 6390
    tags = tags_of(elasticache, group["ARN"])
    assert tags["scribble:stack"] == STACK and tags["team"] == "canvas"
    assert elasticache.describe_serverless_caches()["ServerlessCaches"] == []

    local_aws.requests.clear()
    scribblectl(local_aws, tmp_path, "up")
    assert local_aws.requests.mutating() == []

    # Changed behind its back: reported, then put right where AWS allows.
    elasticache.modify_replication_group(ReplicationGroupId=f"{STACK}-cache",
                                         CacheNodeType="cache.m7g.large", ApplyImmediately=True)
    subnets = private_subnets(local_aws, zones=3)
    elasticache.modify_cache_subnet_group(CacheSubnetGroupName=f"{STACK}-cache-subnet-group",
                                          SubnetIds=subnets[:1])
    status = scribblectl(local_aws, tmp_path, "status", expect=3).stdout
    assert "cache node type: is cache.m7g.large, config says cache.t4g.small" in status, status
    assert f"cache subnet group subnets: is {subnets[0]}, config says " in status, status
    scribblectl(local_aws, tmp_path, "up")
    [group] = elasticache.describe_replication_groups(
        ReplicationGroupId=f"{STACK}-cache")["ReplicationGroups"]
    assert group["CacheNodeType"] == "cache.t4g.small"
    [subnet_group] = elasticache.describe_cache_subnet_groups(
        CacheSubnetGroupName=f"{STACK}-cache-subnet-group")["CacheSubnetGroups"]
    assert sorted(s["SubnetIdentifier"] for s in subnet_group["Subnets"]) == subnets
    scribblectl(local_aws, tmp_path, "status")

    scribblectl(local_aws, tmp_path, "down", "--yes")
    assert elasticache.describe_replication_groups()["ReplicationGroups"] == []
    assert elasticache.describe_cache_subnet_groups()["CacheSubnetGroups"] == []


def test_subnet_group_in_use_is_not_deleted(local_aws):
    """The harness's subnet group Modify/Delete, as the kinds rely on them."""
    ec2, elasticache = local_aws.client("ec2"), local_aws.client("elasticache")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24")["Subnet"]["SubnetId"]
               for i in range(3)]
    elasticache.create_cache_subnet_group(CacheSubnetGroupName="g", CacheSubnetGroupDescription="d",
                                          SubnetIds=subnets[:2])
    modified = elasticache.modify_cache_subnet_group(
        CacheSubnetGroupName="g", SubnetIds=subnets[1:])["CacheSubnetGroup"]
    assert sorted(s["SubnetIdentifier"] for s in modified["Subnets"]) == sorted(subnets[1:])
    elasticache.create_replication_group(ReplicationGroupId="r", ReplicationGroupDescription="d",
                                         CacheSubnetGroupName="g")
    try:
        elasticache.delete_cache_subnet_group(CacheSubnetGroupName="g")
        raise AssertionError("a subnet group in use was deleted")
    except elasticache.exceptions.CacheSubnetGroupInUse:
        pass
    elasticache.delete_replication_group(ReplicationGroupId="r")
    assert elasticache.describe_replication_groups()["ReplicationGroups"] == []
    elasticache.delete_cache_subnet_group(CacheSubnetGroupName="g")
    try:
        elasticache.describe_cache_subnet_groups(CacheSubnetGroupName="g")
        raise AssertionError("a deleted subnet group is still described")
    except elasticache.exceptions.CacheSubnetGroupNotFoundFault:
        pass

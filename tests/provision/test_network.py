"""The network resource kinds (provision/vpc.c, subnet.c, internet_gateway.c,
elastic_ip.c, nat_gateway.c, route_table.c, vpc_endpoint.c, security_group.c)
through scribblectl up / status / down against the local AWS.

What test_up.py does not look at closely: how subnets are carved, the
per-zone NAT layout, DNS attributes, and every kind of network drift being
reported by status and put right by up. Checked through boto3."""
import os
import subprocess

SCRIBBLECTL = os.environ["SCRIBBLECTL"]


def scribblectl(local_aws, tmp_path, *args, expect=0):
    result = subprocess.run([SCRIBBLECTL, *args], capture_output=True, text=True,
                            env=local_aws.env(), cwd=tmp_path, timeout=600)
    assert result.returncode == expect, result.stdout + result.stderr
    return result


def write_config(tmp_path, stack, network=""):
    (tmp_path / "scribble.ini").write_text("[stack]\nname = %s\n[network]\n%s" % (stack, network))


def by_role(ec2, stack, describe, key, role):
    """The one live item of describe() tagged with stack and role."""
    items = getattr(ec2, describe)(Filters=[
        {"Name": "tag:scribble:stack", "Values": [stack]},
        {"Name": "tag:scribble:role", "Values": [role]}])[key]
    # Checked here too: moto ignores tag filters on DescribeNatGateways.
    items = [i for i in items if {"Key": "scribble:role", "Value": role} in i.get("Tags", [])
             and str(i.get("State", "available")).lower() not in ("deleted", "deleting", "failed")]
    assert len(items) == 1, "%s %s: %d found" % (describe, role, len(items))
    return items[0]


def default_route_target(table):
    routes = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    return routes[0].get("GatewayId") or routes[0].get("NatGatewayId") if routes else None


def test_per_zone_layout_is_carved_from_the_vpc(local_aws, tmp_path):
    write_config(tmp_path, "carve", "cidr = 10.20.0.0/24\navailability_zones = 3\nnat = per-zone\n")
    scribblectl(local_aws, tmp_path, "up")
    ec2 = local_aws.client("ec2")
    vpc = by_role(ec2, "carve", "describe_vpcs", "Vpcs", "vpc")
    assert vpc["CidrBlock"] == "10.20.0.0/24"
    for attribute, key in (("enableDnsSupport", "EnableDnsSupport"),
                           ("enableDnsHostnames", "EnableDnsHostnames")):
        assert ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=attribute)[key]["Value"]

    zones = []
    private_tables = set()
    for zone in (1, 2, 3):
        public = by_role(ec2, "carve", "describe_subnets", "Subnets", "subnet-public-%d" % zone)
        private = by_role(ec2, "carve", "describe_subnets", "Subnets", "subnet-private-%d" % zone)
        # 16 blocks of the VPC's range: public in block zone-1, private in block 8+zone-1.
        assert public["CidrBlock"] == "10.20.0.%d/28" % (16 * (zone - 1))
        assert private["CidrBlock"] == "10.20.0.%d/28" % (128 + 16 * (zone - 1))
        assert public["MapPublicIpOnLaunch"] and not private["MapPublicIpOnLaunch"]
        assert public["AvailabilityZone"] == private["AvailabilityZone"]
        zones.append(public["AvailabilityZone"])

        ip = by_role(ec2, "carve", "describe_addresses", "Addresses", "nat-ip-%d" % zone)
        nat = by_role(ec2, "carve", "describe_nat_gateways", "NatGateways", "nat-gateway-%d" % zone)
        assert nat["SubnetId"] == public["SubnetId"]
        assert nat["NatGatewayAddresses"][0]["AllocationId"] == ip["AllocationId"]
        table = by_role(ec2, "carve", "describe_route_tables", "RouteTables",
                        "route-table-private-%d" % zone)
        assert default_route_target(table) == nat["NatGatewayId"]
        assert {a["SubnetId"] for a in table["Associations"]} == {private["SubnetId"]}
        private_tables.add(table["RouteTableId"])
    assert len(set(zones)) == 3

    for service in ("dynamodb", "s3"):
        endpoint = by_role(ec2, "carve", "describe_vpc_endpoints", "VpcEndpoints",
                           "endpoint-" + service)
        assert endpoint["ServiceName"] == "com.amazonaws.us-east-1." + service
        assert endpoint["VpcEndpointType"] == "Gateway"
        assert set(endpoint["RouteTableIds"]) == private_tables

    local_aws.requests.clear()
    scribblectl(local_aws, tmp_path, "up")
    assert not [str(r) for r in local_aws.requests.mutating()], "second up changed something"


def break_everything(ec2, stack):
    """Changes one thing of each network kind behind scribblectl's back."""
    vpc = by_role(ec2, stack, "describe_vpcs", "Vpcs", "vpc")["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": False})
    igw = by_role(ec2, stack, "describe_internet_gateways", "InternetGateways", "internet-gateway")
    ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc)
    subnet = by_role(ec2, stack, "describe_subnets", "Subnets", "subnet-public-2")
    ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": False})
    public = by_role(ec2, stack, "describe_route_tables", "RouteTables", "route-table-public")
    ec2.disassociate_route_table(AssociationId=public["Associations"][0]["RouteTableAssociationId"])
    private = by_role(ec2, stack, "describe_route_tables", "RouteTables", "route-table-private")
    ec2.delete_route(RouteTableId=private["RouteTableId"], DestinationCidrBlock="0.0.0.0/0")
    endpoint = by_role(ec2, stack, "describe_vpc_endpoints", "VpcEndpoints", "endpoint-s3")
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"],
                            RemoveRouteTableIds=[private["RouteTableId"]])
    cache = by_role(ec2, stack, "describe_security_groups", "SecurityGroups", "cache-security-group")
    ec2.authorize_security_group_ingress(GroupId=cache["GroupId"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return {"vpc": "enableDnsHostnames", "internet-gateway": "attached_vpc",
            "subnet-public-2": "map_public_ip_on_launch", "route-table-public": "association",
            "route-table-private": "route 0.0.0.0/0", "endpoint-s3": "route_tables",
            "cache-security-group": "ingress"}


def test_drift_is_reported_then_corrected(local_aws, tmp_path):
    write_config(tmp_path, "drift")
    scribblectl(local_aws, tmp_path, "up")
    ec2 = local_aws.client("ec2")
    broken = break_everything(ec2, "drift")

    status = scribblectl(local_aws, tmp_path, "status", expect=3).stdout
    lines = status.splitlines()
    for role, setting in broken.items():
        row = next(i for i, line in enumerate(lines) if line.startswith(role + " "))
        assert lines[row + 1].strip().startswith("~ " + setting + ":"), (role, status)

    scribblectl(local_aws, tmp_path, "up")
    scribblectl(local_aws, tmp_path, "status")
    vpc = by_role(ec2, "drift", "describe_vpcs", "Vpcs", "vpc")["VpcId"]
    assert ec2.describe_vpc_attribute(VpcId=vpc, Attribute="enableDnsHostnames")[
        "EnableDnsHostnames"]["Value"]
    cache = by_role(ec2, "drift", "describe_security_groups", "SecurityGroups",
                    "cache-security-group")
    functions = by_role(ec2, "drift", "describe_security_groups", "SecurityGroups",
                        "functions-security-group")
    assert [(p["IpProtocol"], p["FromPort"], [g["GroupId"] for g in p["UserIdGroupPairs"]],
             p["IpRanges"]) for p in cache["IpPermissions"]] == [
        ("tcp", 6379, [functions["GroupId"]], [])]
    private = by_role(ec2, "drift", "describe_route_tables", "RouteTables", "route-table-private")
    nat = by_role(ec2, "drift", "describe_nat_gateways", "NatGateways", "nat-gateway-1")
    assert default_route_target(private) == nat["NatGatewayId"]


def test_cidr_change_is_reported_not_applied(local_aws, tmp_path):
    write_config(tmp_path, "cidr")
    scribblectl(local_aws, tmp_path, "up")
    write_config(tmp_path, "cidr", "cidr = 10.1.0.0/16\n")
    status = scribblectl(local_aws, tmp_path, "status", expect=3).stdout
    assert "~ cidr_block: is 10.0.0.0/16, config says 10.1.0.0/16" in status
    result = subprocess.run([SCRIBBLECTL, "up"], capture_output=True, text=True,
                            env=local_aws.env(), cwd=tmp_path, timeout=600)
    assert result.returncode != 0 and "cannot change in place" in result.stdout + result.stderr
    vpc = by_role(local_aws.client("ec2"), "cidr", "describe_vpcs", "Vpcs", "vpc")
    assert vpc["CidrBlock"] == "10.0.0.0/16"


def test_down_removes_the_network(local_aws, tmp_path):
    write_config(tmp_path, "gone", "nat = per-zone\n")
    scribblectl(local_aws, tmp_path, "up")
    scribblectl(local_aws, tmp_path, "down", "--yes")
    ec2 = local_aws.client("ec2")
    tag = [{"Name": "tag:scribble:stack", "Values": ["gone"]}]
    for describe, key in (("describe_vpcs", "Vpcs"), ("describe_subnets", "Subnets"),
                          ("describe_internet_gateways", "InternetGateways"),
                          ("describe_addresses", "Addresses"),
                          ("describe_route_tables", "RouteTables"),
                          ("describe_security_groups", "SecurityGroups")):
        assert getattr(ec2, describe)(Filters=tag)[key] == [], describe
    assert all(n["State"] in ("deleted", "deleting")
               for n in ec2.describe_nat_gateways()["NatGateways"])
    assert all(e["State"].lower() in ("deleted", "deleting")
               for e in ec2.describe_vpc_endpoints()["VpcEndpoints"])
    scribblectl(local_aws, tmp_path, "down", "--yes")  # again: nothing left, still fine

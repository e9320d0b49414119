"""down waits as long as AWS keeps Lambda's network interfaces, and no longer.

After VPC-attached functions are deleted, AWS keeps their network interfaces
20 to 40 minutes, refusing meanwhile to delete the subnets, the security
groups and the VPC. Those allow 45 minutes, saying on screen what they wait
for. Time is scaled (SCRIBBLE_TIME_SCALE) and so are the interfaces' lives
(the real AWS profile's eni_release_s): at 0.005, 30 minutes are 9 s and the
allowance 13.5 s. The profile's other slow states are cut short to match, so
that only the interfaces test the walk's patience.
"""
import re

from harness.local_aws import LocalAws
from harness.real_aws import RealAwsProfile
from walk_runs import PATIENT, Running, explain, leftovers, scribblectl, write_config

ALLOWANCE_S = 2700  # provision/ec2_common.h: EC2_NETWORK_INTERFACE_WAIT_S
SCALE = 0.005
FAST = dict(nat_gateway_pending_s=0.2, nat_gateway_deleting_s=0.2, cache_creating_s=0.2,
            cache_deleting_s=0.2, distribution_deploy_s=0.2, lambda_pending_s=0.2,
            lambda_update_s=0.2, role_propagation_s=0.2)
WAITING = re.compile(r"waiting for (\d+) Lambda network interfaces? to be released "
                     r"\(AWS keeps them up to 40 min after their functions are deleted\)")


def lambda_interfaces(aws):
    found = aws.client("ec2", config=PATIENT).describe_network_interfaces(
        Filters=[{"Name": "interface-type", "Values": ["lambda"]}])["NetworkInterfaces"]
    return [i["NetworkInterfaceId"] for i in found]


def vpcs_of(aws, stack):
    return aws.client("ec2", config=PATIENT).describe_vpcs(
        Filters=[{"Name": "tag:scribble:stack", "Values": [stack]}])["Vpcs"]


def test_down_waits_for_the_interfaces_and_resumes_after_an_interruption(tmp_path):
    with LocalAws(profile=RealAwsProfile(eni_release_s=1800 * SCALE, **FAST)) as aws:
        env = aws.env(SCRIBBLE_TIME_SCALE=str(SCALE))
        write_config(tmp_path, "waits")
        up = scribblectl(env, tmp_path, "up")
        assert up.returncode == 0, explain(up)
        assert lambda_interfaces(aws), "the VPC functions have no network interfaces"

        # Interrupted while it waits for the interfaces.
        first = Running(env, tmp_path, "down", "--yes")
        line = first.wait_for_line(WAITING.search, timeout=120)
        assert line, "".join(first.lines)
        assert first.stop() != 0
        assert vpcs_of(aws, "waits"), "down finished before it was interrupted"
        assert lambda_interfaces(aws), "the interfaces were released before down was interrupted"

        # Run again, it resumes: waits for what is left, says so, and completes.
        second = scribblectl(env, tmp_path, "down", "--yes")
        assert second.returncode == 0, explain(second)
        assert WAITING.search(second.stderr), second.stderr
        assert "down: no resource tagged scribble:stack=waits remains" in second.stdout
        assert leftovers(aws, "waits") == []


def test_down_fails_saying_why_when_the_interfaces_outlast_the_allowance(tmp_path):
    # The interfaces stay 10 minutes: 2000 scaled minutes.
    with LocalAws(profile=RealAwsProfile(eni_release_s=600, **FAST)) as aws:
        env = aws.env(SCRIBBLE_TIME_SCALE=str(SCALE))
        write_config(tmp_path, "outlast")
        up = scribblectl(env, tmp_path, "up")
        assert up.returncode == 0, explain(up)
        interfaces = lambda_interfaces(aws)

        down = scribblectl(env, tmp_path, "down", "--yes")
        assert down.returncode == 1, explain(down)
        assert WAITING.search(down.stderr), down.stderr
        lines = down.stdout.splitlines()
        assert re.match(r"down: \d+ resources failed, \d+ skipped because of them:$", lines[0])
        [subnet] = [l for l in lines if l.startswith("  subnet-private-1 ")]
        assert re.match(r"  subnet-private-1 outlast-subnet-private-1: EC2 DeleteSubnet still "
                        r"refused after \d+ s: DependencyViolation: .*; still in use by 1 Lambda "
                        r"network interface \(eni-[0-9a-f]+\) \(HTTP 400, request id .+\)$", subnet), subnet
        [group] = [l for l in lines if l.startswith("  functions-security-group ")]
        assert re.search(r": EC2 DeleteSecurityGroup still refused after \d+ s: DependencyViolation"
                         r": .*; still in use by 2 Lambda network interfaces \(eni-", group), group
        named = re.findall(r"eni-[0-9a-f]+", subnet + group)
        assert set(named) <= set(interfaces), (named, interfaces)
        seconds = int(re.search(r"still refused after (\d+) s", subnet).group(1))
        assert ALLOWANCE_S * SCALE - 2 <= seconds <= ALLOWANCE_S * SCALE + 1, subnet
        assert any("skipped because of it: vpc" in l for l in lines), down.stdout
        assert vpcs_of(aws, "outlast")

"""[domain] under AWS's faults: up with a domain, up with another name, and
down converge against the real AWS profile (faults on 10 % of calls: 500,
503, connection reset and answers cut short after the call was applied;
AWS-like request rates and eventual consistency), and leave nothing of the
stack: no certificate in either region, no API Gateway domain name, no
record but the zone's own. The walk's waits are scaled by 0.25
(SCRIBBLE_TIME_SCALE); the profile's delays are not."""
from harness.local_aws import LocalAws, make_client
from harness.real_aws import RealAwsProfile
from walk_runs import PATIENT, explain, leftovers, patiently, scribblectl

STACK = "faulted"
SEED = 5


def configure(directory, name):
    (directory / "scribble.ini").write_text(f"[stack]\nname = {STACK}\n[domain]\nname = {name}\n")


def test_domain_up_rename_and_down_converge_under_faults(tmp_path):
    profile = RealAwsProfile.default(seed=SEED, fault_rate=0.1,
                                     fault_kinds={"500": 1, "503": 1, "reset": 1, "truncate": 1})
    with LocalAws(region="eu-west-1", profile=profile, acm_validation_wait_s=2) as aws:
        route53 = make_client("route53", aws.endpoint, aws.region, config=PATIENT)
        zone = patiently(route53.create_hosted_zone, "HostedZone", Name="example.com",
                         CallerReference="zone")["Id"]
        env = aws.env(SCRIBBLE_TIME_SCALE="0.25")
        for name in ("canvas.example.com", "board.example.com"):
            configure(tmp_path, name)
            up = scribblectl(env, tmp_path, "up", timeout=280)
            assert up.returncode == 0, explain(up)
            assert f"page:      https://{name}/\n" in up.stdout, explain(up)
        assert aws.stats.faults, "no fault was injected"

        down = scribblectl(env, tmp_path, "down", "--yes", timeout=280)
        assert down.returncode == 0, explain(down)
        assert leftovers(aws, STACK) == []
        records = patiently(route53.list_resource_record_sets, "ResourceRecordSets",
                            HostedZoneId=zone)
        assert sorted(r["Type"] for r in records) == ["NS", "SOA"], records

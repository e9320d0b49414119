"""`--output json` of doctor, plan, up, status, redeploy and down against the
local AWS, each document checked against its schema in docs/cli.schema.json
and its figures against what boto3 sees. stdout holds the document alone;
progress stays on stderr."""
import json
import os
import subprocess

import jsonschema

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
SOURCE = os.environ["SCRIBBLE_SOURCE_DIR"]
STACK = "js"
HANDLERS = ("connect", "disconnect", "send", "broadcast", "catchup", "snapshot", "save", "figures")


def run_json(local_aws, tmp_path, verb, *args, expect=0):
    result = subprocess.run([SCRIBBLECTL, verb, *args, "--output", "json"], capture_output=True,
                            text=True, env=local_aws.env(), cwd=tmp_path, timeout=600)
    assert result.returncode == expect, result.stdout + result.stderr
    with open(os.path.join(SOURCE, "docs", "cli.schema.json")) as f:
        schema = {**json.load(f), "$ref": f"#/$defs/{verb}"}
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    return doc, result.stderr


def by_role(doc):
    return {r["role"]: r for r in doc["resources"]}


def test_doctor_json(local_aws, tmp_path):
    doc, _ = run_json(local_aws, tmp_path, "doctor")
    assert doc["failed"] == 0 and doc["region"] == local_aws.region
    first = doc["checks"][0]
    assert first["check"] == "STS GetCallerIdentity" and first["ok"]
    assert f"OK account {local_aws.account_id}" in first["result"]
    assert len(doc["checks"]) == 15 and all(c["endpoint"] == local_aws.endpoint for c in doc["checks"])
    assert all(isinstance(c["latency_ms"], int) for c in doc["checks"])


def test_every_walk_verb_json_through_a_stack_lifecycle(local_aws, tmp_path):
    (tmp_path / "scribble.ini").write_text(f"[stack]\nname = {STACK}\n")
    plan, _ = run_json(local_aws, tmp_path, "plan")
    count = len(plan["resources"])
    made = count - 1  # previous-domain, the sweep of an earlier [domain], has nothing to do
    assert plan["stack"] == STACK and plan["account"] == local_aws.account_id
    assert plan["summary"] == {"create": made, "update": 0, "cannot_change_in_place": 0,
                               "unchanged": 1, "failed": 0}
    assert {r["action"] for r in plan["resources"] if r["role"] != "previous-domain"} == {"create"}
    assert by_role(plan)["previous-domain"]["exists"] is False
    assert not any(r.mutating for r in local_aws.requests), "plan made a mutating call"

    up, progress = run_json(local_aws, tmp_path, "up")
    assert f"up: stack {STACK}" in progress
    assert up["summary"]["create"] == made
    assert {r["action"] for r in up["resources"] if r["role"] != "previous-domain"} == {"created"}
    assert up["page_url"].startswith("https://") and up["websocket_url"].startswith("wss://")
    vpc = by_role(up)["vpc"]
    [live] = local_aws.client("ec2").describe_vpcs(VpcIds=[vpc["id"]])["Vpcs"]
    assert {"Key": "scribble:stack", "Value": STACK} in live["Tags"]

    again, _ = run_json(local_aws, tmp_path, "up")
    assert again["summary"]["unchanged"] == count and again["summary"]["create"] == 0

    status, _ = run_json(local_aws, tmp_path, "status")
    assert status["summary"] == {"as_configured": count, "absent": 0, "differ": 0, "unreadable": 0}
    assert {r: v.get("id") for r, v in by_role(status).items()} == \
        {r: v.get("id") for r, v in by_role(up).items()}

    redeploy, _ = run_json(local_aws, tmp_path, "redeploy", "all")
    assert [f["handler"] for f in redeploy["functions"]] == list(HANDLERS)
    lam = local_aws.client("lambda")
    for f in redeploy["functions"]:
        assert f["result"] == "already current"
        assert f["code_sha256"] == redeploy["package_sha256"] == \
            lam.get_function(FunctionName=f["name"])["Configuration"]["CodeSha256"]

    down, _ = run_json(local_aws, tmp_path, "down", "--yes")
    assert down["summary"]["failed"] == 0 and down["remaining"] == []
    assert down["summary"]["deleted"] + down["summary"]["already_absent"] == len(down["resources"])
    assert local_aws.client("ec2").describe_vpcs(
        Filters=[{"Name": "tag:scribble:stack", "Values": [STACK]}])["Vpcs"] == []

    gone, _ = run_json(local_aws, tmp_path, "status", expect=3)
    assert gone["summary"]["absent"] == made and not any(r["exists"] for r in gone["resources"])

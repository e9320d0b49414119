"""The WebSocket API and the schedules of `scribblectl up`: the API, its four
routes with Lambda proxy integrations ($default, for frames no route
matches, goes to the send function like sendMessage), the functions'
permissions for API Gateway and the deployed stage; the snapshot and save schedules — all as
boto3 sees them; a route deleted behind the stack's back reported by
`status` and restored by `up`; and `down` removing them."""
import json
import os
import subprocess

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
STACK = "ws"
STAGE = "live"
ROUTES = {"$connect": "connect", "$disconnect": "disconnect", "sendMessage": "send", "$default": "send"}


def write_config(tmp_path):
    (tmp_path / "scribble.ini").write_text(f"[stack]\nname = {STACK}\n")


def scribblectl(local_aws, tmp_path, *args, check=True):
    result = subprocess.run([SCRIBBLECTL, *args], capture_output=True, text=True,
                            env=local_aws.env(), cwd=tmp_path, timeout=600)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def function_arn(local_aws, handler):
    return (f"arn:aws:lambda:{local_aws.region}:{local_aws.account_id}"
            f":function:{STACK}-{handler}-function")


def the_api(local_aws):
    apis = [a for a in local_aws.client("apigatewayv2").get_apis()["Items"]
            if a["Name"] == f"{STACK}-websocket-api"]
    assert len(apis) == 1, apis
    return apis[0]


def execution_arn(local_aws, api_id):
    return f"arn:aws:execute-api:{local_aws.region}:{local_aws.account_id}:{api_id}"


def check_api(local_aws):
    apigw = local_aws.client("apigatewayv2")
    api = the_api(local_aws)
    api_id = api["ApiId"]
    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["RouteSelectionExpression"] == "$request.body.action"
    assert api["Tags"]["scribble:stack"] == STACK and api["Tags"]["scribble:role"] == "websocket-api"

    routes = {r["RouteKey"]: r for r in apigw.get_routes(ApiId=api_id)["Items"]}
    integrations = {i["IntegrationId"]: i for i in apigw.get_integrations(ApiId=api_id)["Items"]}
    assert set(routes) == set(ROUTES), routes
    for key, handler in ROUTES.items():
        target = routes[key]["Target"]
        assert target.startswith("integrations/"), (key, target)
        integration = integrations[target[len("integrations/"):]]
        assert integration["IntegrationType"] == "AWS_PROXY", (key, integration)
        assert integration["IntegrationMethod"] == "POST", (key, integration)
        # WebSocket APIs name a Lambda function by its invocation URI.
        assert integration["IntegrationUri"] == (
            f"arn:aws:apigateway:{local_aws.region}:lambda:path/2015-03-31/functions/"
            f"{function_arn(local_aws, handler)}/invocations"), (key, integration)
    # Only the integrations the routes use.
    used = {r["Target"][len("integrations/"):] for r in routes.values()}
    assert set(integrations) == used

    awslambda = local_aws.client("lambda")
    for handler in sorted(set(ROUTES.values())):
        policy = json.loads(awslambda.get_policy(FunctionName=f"{STACK}-{handler}-function")["Policy"])
        mine = [s for s in policy["Statement"]
                if s.get("Principal") == {"Service": "apigateway.amazonaws.com"}]
        # One statement per route the function serves, each for that route only.
        wanted = sorted(f"{execution_arn(local_aws, api_id)}/*/{key}"
                        for key, h in ROUTES.items() if h == handler)
        assert sorted(s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in mine) == wanted, (handler, policy)
        for statement in mine:
            assert statement["Effect"] == "Allow" and statement["Action"] == "lambda:InvokeFunction", mine

    stage = apigw.get_stage(ApiId=api_id, StageName=STAGE)
    assert stage.get("AutoDeploy") is False
    # [limits]' defaults throttle every route of the stage.
    throttling = stage["DefaultRouteSettings"]
    assert throttling["ThrottlingRateLimit"] == 500 and throttling["ThrottlingBurstLimit"] == 1000, stage
    deployment = apigw.get_deployment(ApiId=api_id, DeploymentId=stage["DeploymentId"])
    assert deployment["DeploymentStatus"] == "DEPLOYED"
    return api_id, stage["DeploymentId"]


def check_schedules(local_aws):
    scheduler = local_aws.client("scheduler")
    role = f"arn:aws:iam::{local_aws.account_id}:role/{STACK}-scheduler-role"
    for handler in ("snapshot", "save"):
        schedule = scheduler.get_schedule(Name=f"{STACK}-{handler}-schedule")
        assert schedule["ScheduleExpression"] == "rate(1 minute)"
        assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
        assert schedule["State"] == "ENABLED"
        target = schedule["Target"]
        assert target["Arn"] == function_arn(local_aws, handler)
        assert target["RoleArn"] == role
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60}


def test_websocket_api_and_schedules(local_aws, tmp_path):
    write_config(tmp_path)
    scribblectl(local_aws, tmp_path, "up")
    api_id, deployment = check_api(local_aws)
    check_schedules(local_aws)

    # A second up changes nothing, and in particular does not deploy again;
    # status and plan see nothing to do.
    local_aws.requests.clear()
    scribblectl(local_aws, tmp_path, "up")
    assert local_aws.requests.mutating() == []
    status = scribblectl(local_aws, tmp_path, "status", check=False)
    assert status.returncode == 0 and "$default" not in status.stdout + status.stderr, status
    plan = scribblectl(local_aws, tmp_path, "plan", check=False)
    assert "route $default" not in plan.stdout + plan.stderr, plan.stdout + plan.stderr

    # A route deleted behind the stack's back: status says so, up restores and redeploys.
    apigw = local_aws.client("apigatewayv2")
    for key in ("sendMessage", "$default"):
        [route] = [r for r in apigw.get_routes(ApiId=api_id)["Items"] if r["RouteKey"] == key]
        apigw.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    apigw.update_stage(ApiId=api_id, StageName=STAGE,
                       DefaultRouteSettings={"ThrottlingRateLimit": 9000, "ThrottlingBurstLimit": 4000})
    scheduler = local_aws.client("scheduler")
    schedule = scheduler.get_schedule(Name=f"{STACK}-save-schedule")
    scheduler.update_schedule(Name=schedule["Name"], ScheduleExpression="rate(5 minutes)",
                              FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 5},
                              Target={"Arn": schedule["Target"]["Arn"],
                                      "RoleArn": schedule["Target"]["RoleArn"]})
    status = scribblectl(local_aws, tmp_path, "status", check=False)
    report = status.stdout + status.stderr
    assert status.returncode != 0, report
    for line in ("route sendMessage: is (missing)", "route $default: is (missing)",
                 f"stage {STAGE} throttling: is rate 9000/s, burst 4000, config says rate 500/s, "
                 "burst 1000",
                 "schedule expression: is rate(5 minutes), config says rate(1 minute)",
                 "flexible time window: is FLEXIBLE, config says OFF"):
        assert line in report, report

    scribblectl(local_aws, tmp_path, "up")
    assert check_api(local_aws)[1] != deployment
    check_schedules(local_aws)

    # Other limits in scribble.ini: up changes the stage's throttling in place.
    (tmp_path / "scribble.ini").write_text(
        f"[stack]\nname = {STACK}\n[limits]\nthrottle_rate = 20\nthrottle_burst = 40\n")
    scribblectl(local_aws, tmp_path, "up")
    throttling = apigw.get_stage(ApiId=api_id, StageName=STAGE)["DefaultRouteSettings"]
    assert (throttling["ThrottlingRateLimit"], throttling["ThrottlingBurstLimit"]) == (20, 40)


def test_down_removes_the_api_and_schedules(local_aws, tmp_path):
    write_config(tmp_path)
    scribblectl(local_aws, tmp_path, "up")
    scribblectl(local_aws, tmp_path, "down", "--yes")
    assert local_aws.client("apigatewayv2").get_apis()["Items"] == []
    assert local_aws.client("scheduler").list_schedules()["Schedules"] == []
    functions = local_aws.client("lambda").list_functions()["Functions"]
    assert not [f for f in functions if f["FunctionName"].startswith(f"{STACK}-")]
    # Run again on nothing: safe.
    scribblectl(local_aws, tmp_path, "down", "--yes")

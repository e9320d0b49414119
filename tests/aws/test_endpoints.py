"""Region and endpoint resolution, in the order the AWS SDKs use.

Endpoints: the endpoint_url setting, AWS_ENDPOINT_URL_<SERVICE>,
AWS_ENDPOINT_URL, the profile's services section, the profile's
endpoint_url, then AWS's own (IAM and CloudFront global, signed us-east-1).
Region: explicit, AWS_REGION, AWS_DEFAULT_REGION, then the profile.
"""
import os
import subprocess

PROBE = os.path.join(os.environ["SCRIBBLE_TEST_BIN"], "call_probe")


def resolve(service, tmp_path, config="", **env_vars):
    (tmp_path / "config").write_text(config)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(tmp_path / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
               AWS_ACCESS_KEY_ID="AKIDENDPOINTS", AWS_SECRET_ACCESS_KEY="s")
    env.update(env_vars)
    result = subprocess.run([PROBE, service, "endpoint"], capture_output=True, text=True, env=env,
                            timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


def test_default_regional_endpoints(tmp_path):
    got = resolve("sqs", tmp_path, AWS_REGION="eu-west-3")
    assert got == {"endpoint": "https://sqs.eu-west-3.amazonaws.com", "source": "default",
                   "signing_region": "eu-west-3"}
    assert resolve("apigatewayv2", tmp_path, AWS_REGION="eu-west-3")["endpoint"] == \
        "https://apigateway.eu-west-3.amazonaws.com"
    assert resolve("s3", tmp_path, AWS_REGION="cn-north-1")["endpoint"] == \
        "https://s3.cn-north-1.amazonaws.com.cn"


def test_global_services_sign_for_us_east_1(tmp_path):
    for service, host in (("iam", "iam.amazonaws.com"), ("cloudfront", "cloudfront.amazonaws.com")):
        got = resolve(service, tmp_path, AWS_REGION="ap-southeast-2")
        assert got["endpoint"] == "https://" + host
        assert got["signing_region"] == "us-east-1"


def test_region_precedence(tmp_path):
    profile = "[default]\nregion = sa-east-1\n"
    assert resolve("sqs", tmp_path, profile)["signing_region"] == "sa-east-1"
    assert resolve("sqs", tmp_path, profile, AWS_DEFAULT_REGION="eu-north-1")["signing_region"] == "eu-north-1"
    assert resolve("sqs", tmp_path, profile, AWS_DEFAULT_REGION="eu-north-1",
                   AWS_REGION="us-west-2")["signing_region"] == "us-west-2"
    named = "[profile other]\nregion = ca-central-1\n"
    assert resolve("sqs", tmp_path, named, AWS_PROFILE="other")["signing_region"] == "ca-central-1"


def test_missing_region_is_a_clear_error(tmp_path):
    (tmp_path / "config").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(tmp_path / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"))
    result = subprocess.run([PROBE, "sqs", "endpoint"], capture_output=True, text=True, env=env,
                            timeout=30)
    assert result.returncode == 1
    assert "code=NoRegion" in result.stdout
    for place in ("AWS_REGION", "AWS_DEFAULT_REGION", "scribble.ini", str(tmp_path / "config")):
        assert place in result.stdout


def test_endpoint_override_precedence(tmp_path):
    config = ("[default]\nregion = us-east-1\nendpoint_url = http://profile-global:1\n"
              "services = local\n\n[services local]\nsqs =\n  endpoint_url = http://profile-sqs:2\n")
    assert resolve("dynamodb", tmp_path, config) == {
        "endpoint": "http://profile-global:1", "source": "profile endpoint_url",
        "signing_region": "us-east-1"}
    assert resolve("sqs", tmp_path, config)["endpoint"] == "http://profile-sqs:2"
    got = resolve("sqs", tmp_path, config, AWS_ENDPOINT_URL="http://env-global:3")
    assert (got["endpoint"], got["source"]) == ("http://env-global:3", "AWS_ENDPOINT_URL")
    got = resolve("sqs", tmp_path, config, AWS_ENDPOINT_URL="http://env-global:3",
                  AWS_ENDPOINT_URL_SQS="http://env-sqs:4")
    assert (got["endpoint"], got["source"]) == ("http://env-sqs:4", "AWS_ENDPOINT_URL_SQS")
    got = resolve("apigatewayv2", tmp_path, config, AWS_ENDPOINT_URL_APIGATEWAYV2="http://env-apigw:5")
    assert got["endpoint"] == "http://env-apigw:5"


def test_ignore_configured_endpoint_urls(tmp_path):
    got = resolve("sqs", tmp_path, "[default]\nregion = us-east-1\n",
                  AWS_ENDPOINT_URL="http://env-global:3", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true")
    assert got["endpoint"] == "https://sqs.us-east-1.amazonaws.com"

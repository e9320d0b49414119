"""The static site of `scribblectl up`: the cache policy, the response headers
policy (the page's security headers), the origin access control, the
CloudFront distribution, the bucket policy that lets only that
distribution read the bucket, and the uploaded static/ files with the
generated config.json. Everything is checked through boto3; uploads and
invalidations are counted at the endpoint. Each test uses its own static/
directory through SCRIBBLE_STATIC_DIR."""
import hashlib
import json
import os
import signal
import subprocess

import pytest

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
STACK = "site"
STATIC_FILES = {
    "scribble.html": ("<!doctype html><title>Scribble</title><script src=app.js></script>\n",
                      "text/html; charset=utf-8"),
    "app.js": ("fetch('config.json');\n", "text/javascript; charset=utf-8"),
    "css/scribble.css": ("canvas { image-rendering: pixelated; }\n", "text/css; charset=utf-8"),
}


@pytest.fixture
def site_dir(tmp_path):
    (tmp_path / "scribble.ini").write_text(
        f"[stack]\nname = {STACK}\n[site]\nprice_class = PriceClass_200\n"
        "[canvas]\nwidth = 320\nheight = 200\ndepth = 4\ncooldown = 5\nmax_batch = 7\n")
    static = tmp_path / "static"
    for key, (content, _) in STATIC_FILES.items():
        (static / key).parent.mkdir(parents=True, exist_ok=True)
        (static / key).write_text(content)
    (static / ".hidden").write_text("not uploaded")
    return tmp_path


def scribblectl(local_aws, cwd, *args, check=True):
    env = local_aws.env(SCRIBBLE_STATIC_DIR=str(cwd / "static"))
    result = subprocess.run([SCRIBBLECTL, *args], capture_output=True, text=True, env=env,
                            cwd=cwd, timeout=600)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def bucket_name(local_aws):
    return f"{STACK}-site-{local_aws.account_id}-{local_aws.region}"


def the_distribution(cloudfront):
    summaries = cloudfront.list_distributions()["DistributionList"].get("Items", [])
    ours = [d for d in summaries if d["Comment"] == f"{STACK} Scribble site"]
    assert len(ours) == 1, summaries
    return cloudfront.get_distribution(Id=ours[0]["Id"])["Distribution"]


def custom_cache_policies(cloudfront):
    items = cloudfront.list_cache_policies(Type="custom")["CachePolicyList"].get("Items", [])
    return [p["CachePolicy"] for p in items]


def custom_headers_policies(cloudfront):
    items = cloudfront.list_response_headers_policies(Type="custom")["ResponseHeadersPolicyList"]
    return [p["ResponseHeadersPolicy"] for p in items.get("Items", [])]


def expected_csp(local_aws):
    [api] = local_aws.client("apigatewayv2").get_apis()["Items"]
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; "
            f"connect-src 'self' wss://{api['ApiId']}.execute-api.{local_aws.region}.amazonaws.com; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def check_headers_policy(local_aws, cloudfront):
    [policy] = custom_headers_policies(cloudfront)
    config = policy["ResponseHeadersPolicyConfig"]
    assert config["Name"] == f"{STACK}-response-headers-policy"
    assert "CorsConfig" not in config and "CustomHeadersConfig" not in config
    assert config["SecurityHeadersConfig"] == {
        "StrictTransportSecurity": {"Override": True, "IncludeSubdomains": True, "Preload": False,
                                    "AccessControlMaxAgeSec": 63072000},
        "ContentTypeOptions": {"Override": True},
        "FrameOptions": {"Override": True, "FrameOption": "DENY"},
        "ReferrerPolicy": {"Override": True, "ReferrerPolicy": "no-referrer"},
        "ContentSecurityPolicy": {"Override": True, "ContentSecurityPolicy": expected_csp(local_aws)},
    }
    return policy


def check_cloudfront(local_aws):
    cloudfront = local_aws.client("cloudfront")
    headers_policy = check_headers_policy(local_aws, cloudfront)
    [policy] = custom_cache_policies(cloudfront)
    config = policy["CachePolicyConfig"]
    assert config["Name"] == f"{STACK}-cache-policy"
    assert (config["DefaultTTL"], config["MaxTTL"], config["MinTTL"]) == (60, 60, 0)
    parameters = config["ParametersInCacheKeyAndForwardedToOrigin"]
    assert parameters["EnableAcceptEncodingGzip"] and parameters["EnableAcceptEncodingBrotli"]
    assert parameters["CookiesConfig"]["CookieBehavior"] == "none"
    assert parameters["HeadersConfig"]["HeaderBehavior"] == "none"
    assert parameters["QueryStringsConfig"]["QueryStringBehavior"] == "none"

    [oac] = cloudfront.list_origin_access_controls()["OriginAccessControlList"]["Items"]
    assert oac["Name"] == f"{STACK}-origin-access-control"
    assert (oac["SigningProtocol"], oac["SigningBehavior"], oac["OriginAccessControlOriginType"]) == (
        "sigv4", "always", "s3")

    distribution = the_distribution(cloudfront)
    assert distribution["Status"] == "Deployed"
    config = distribution["DistributionConfig"]
    assert config["Enabled"] is True
    assert config["DefaultRootObject"] == "scribble.html"
    assert config["PriceClass"] == "PriceClass_200"
    [origin] = config["Origins"]["Items"]
    assert origin["DomainName"] == f"{bucket_name(local_aws)}.s3.{local_aws.region}.amazonaws.com"
    assert origin["OriginAccessControlId"] == oac["Id"]
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    behavior = config["DefaultCacheBehavior"]
    assert behavior["TargetOriginId"] == origin["Id"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["CachePolicyId"] == policy["Id"]
    assert behavior["ResponseHeadersPolicyId"] == headers_policy["Id"]
    assert behavior["Compress"] is True
    assert sorted(behavior["AllowedMethods"]["Items"]) == ["GET", "HEAD"]
    tags = cloudfront.list_tags_for_resource(Resource=distribution["ARN"])["Tags"]["Items"]
    assert {"Key": "scribble:stack", "Value": STACK} in tags
    assert {"Key": "scribble:role", "Value": "distribution"} in tags
    return distribution


def check_bucket_policy(local_aws, distribution):
    s3 = local_aws.client("s3")
    bucket = bucket_name(local_aws)
    [statement] = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] in ("s3:GetObject", ["s3:GetObject"])
    assert statement["Resource"] == f"arn:aws:s3:::{bucket}/*"
    assert statement["Condition"] == {"StringEquals": {"AWS:SourceArn": distribution["ARN"]}}


def check_content(local_aws, distribution):
    s3 = local_aws.client("s3")
    bucket = bucket_name(local_aws)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
    assert keys == sorted([*STATIC_FILES, "config.json"])
    for key, (content, content_type) in STATIC_FILES.items():
        got = s3.get_object(Bucket=bucket, Key=key)
        assert got["ContentType"] == content_type, key
        assert got["Body"].read().decode() == content, key
    got = s3.get_object(Bucket=bucket, Key="config.json")
    assert got["ContentType"] == "application/json"
    [api] = local_aws.client("apigatewayv2").get_apis()["Items"]
    assert json.loads(got["Body"].read()) == {
        "websocketUrl": f"wss://{api['ApiId']}.execute-api.us-east-1.amazonaws.com/live",
        "snapshotUrl": f"https://{distribution['DomainName']}/snapshots/latest.json",
        "canvas": {"width": 320, "height": 200, "depth": 4, "cooldown": 5, "maxBatch": 7},
    }


def test_up_builds_the_site(local_aws, site_dir):
    scribblectl(local_aws, site_dir, "up")
    distribution = check_cloudfront(local_aws)
    check_bucket_policy(local_aws, distribution)
    check_content(local_aws, distribution)
    cloudfront = local_aws.client("cloudfront")
    invalidations = cloudfront.list_invalidations(DistributionId=distribution["Id"])
    assert invalidations["InvalidationList"]["Quantity"] == 1

    # A second up uploads nothing and changes nothing.
    local_aws.requests.clear()
    result = scribblectl(local_aws, site_dir, "up")
    assert local_aws.requests.mutating() == [], result.stdout
    assert "nothing to do" in result.stdout


def test_a_changed_file_is_uploaded_alone_and_invalidated(local_aws, site_dir):
    scribblectl(local_aws, site_dir, "up")
    (site_dir / "static" / "app.js").write_text("fetch('config.json'); // v2\n")
    status = scribblectl(local_aws, site_dir, "status", check=False)
    assert "app.js" in status.stdout + status.stderr
    local_aws.requests.clear()
    scribblectl(local_aws, site_dir, "up")
    puts = local_aws.requests.select(service="s3", operation="PutObject")
    assert [r.path for r in puts] == [f"/{bucket_name(local_aws)}/app.js"]
    assert local_aws.requests.count(service="cloudfront", operation="CreateInvalidation") == 1
    distribution = the_distribution(local_aws.client("cloudfront"))
    invalidations = local_aws.client("cloudfront").list_invalidations(DistributionId=distribution["Id"])
    assert invalidations["InvalidationList"]["Quantity"] == 2
    body = local_aws.client("s3").get_object(Bucket=bucket_name(local_aws), Key="app.js")["Body"]
    assert body.read().decode() == "fetch('config.json'); // v2\n"
    # The local MD5 is what S3 reports, so the next read sees no difference.
    etag = local_aws.client("s3").head_object(Bucket=bucket_name(local_aws), Key="app.js")["ETag"]
    assert etag.strip('"') == hashlib.md5(b"fetch('config.json'); // v2\n").hexdigest()


@pytest.mark.parametrize("kill_after", ["CreateCachePolicy", "CreateResponseHeadersPolicy",
                                        "CreateDistributionWithTags",
                                        "CreateInvalidation"])
def test_up_killed_during_the_site_then_run_again_converges(local_aws, site_dir, kill_after):
    env = local_aws.env(SCRIBBLE_STATIC_DIR=str(site_dir / "static"))
    process = subprocess.Popen([SCRIBBLECTL, "up"], env=env, cwd=site_dir,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        reached = local_aws.requests.wait_for(
            lambda records: any(r.operation == kill_after for r in records), timeout=120)
        assert reached, f"up never called {kill_after}"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    scribblectl(local_aws, site_dir, "up")
    distribution = check_cloudfront(local_aws)  # exactly one of each
    check_bucket_policy(local_aws, distribution)
    check_content(local_aws, distribution)


def test_drift_is_corrected(local_aws, site_dir):
    scribblectl(local_aws, site_dir, "up")
    cloudfront = local_aws.client("cloudfront")
    distribution = the_distribution(cloudfront)
    config = cloudfront.get_distribution_config(Id=distribution["Id"])
    changed = config["DistributionConfig"]
    changed["DefaultRootObject"] = "other.html"
    changed["PriceClass"] = "PriceClass_All"
    cloudfront.update_distribution(Id=distribution["Id"], IfMatch=config["ETag"],
                                   DistributionConfig=changed)
    [policy] = custom_cache_policies(cloudfront)
    got = cloudfront.get_cache_policy(Id=policy["Id"])
    policy_config = got["CachePolicy"]["CachePolicyConfig"]
    policy_config["MaxTTL"] = 3600
    cloudfront.update_cache_policy(Id=policy["Id"], IfMatch=got["ETag"], CachePolicyConfig=policy_config)
    local_aws.client("s3").delete_bucket_policy(Bucket=bucket_name(local_aws))

    status = scribblectl(local_aws, site_dir, "status", check=False)
    for what in ("DefaultRootObject", "PriceClass", "MaxTTL"):
        assert what in status.stdout, status.stdout
    scribblectl(local_aws, site_dir, "up")
    distribution = check_cloudfront(local_aws)
    check_bucket_policy(local_aws, distribution)


def test_response_headers_policy_drift_is_corrected(local_aws, site_dir):
    scribblectl(local_aws, site_dir, "up")
    cloudfront = local_aws.client("cloudfront")
    [policy] = custom_headers_policies(cloudfront)
    got = cloudfront.get_response_headers_policy_config(Id=policy["Id"])
    config = got["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    security["ContentSecurityPolicy"]["ContentSecurityPolicy"] = "default-src *"
    security["FrameOptions"]["FrameOption"] = "SAMEORIGIN"
    security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] = 300
    del security["ContentTypeOptions"]
    cloudfront.update_response_headers_policy(Id=policy["Id"], IfMatch=got["ETag"],
                                              ResponseHeadersPolicyConfig=config)
    # Someone also points the distribution at AWS's managed policy.
    distribution = the_distribution(cloudfront)
    dist_config = cloudfront.get_distribution_config(Id=distribution["Id"])
    changed = dist_config["DistributionConfig"]
    changed["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] = "67f7725c-6f97-4210-82d7-5512b31e9d03"
    cloudfront.update_distribution(Id=distribution["Id"], IfMatch=dist_config["ETag"],
                                   DistributionConfig=changed)

    status = scribblectl(local_aws, site_dir, "status", check=False)
    for what in ("ContentSecurityPolicy.ContentSecurityPolicy", "FrameOptions.FrameOption",
                 "StrictTransportSecurity.AccessControlMaxAgeSec", "ContentTypeOptions.Override",
                 "ResponseHeadersPolicyId"):
        assert what in status.stdout, status.stdout
    scribblectl(local_aws, site_dir, "up")
    check_cloudfront(local_aws)
    [after] = custom_headers_policies(cloudfront)
    assert after["Id"] == policy["Id"]  # corrected in place, not replaced

    local_aws.requests.clear()
    result = scribblectl(local_aws, site_dir, "up")
    assert local_aws.requests.mutating() == [], result.stdout


def test_down_disables_then_deletes(local_aws, site_dir):
    scribblectl(local_aws, site_dir, "up")
    distribution_id = the_distribution(local_aws.client("cloudfront"))["Id"]
    local_aws.requests.clear()
    scribblectl(local_aws, site_dir, "down", "--yes")
    calls = [(r.operation, r.status) for r in local_aws.requests.select(service="cloudfront")
             if r.mutating]
    disable = calls.index(("UpdateDistribution", 200))
    delete = calls.index(("DeleteDistribution", 204))
    assert disable < delete, calls
    cloudfront = local_aws.client("cloudfront")
    assert cloudfront.list_distributions()["DistributionList"].get("Items", []) == []
    assert custom_cache_policies(cloudfront) == []
    assert custom_headers_policies(cloudfront) == []
    headers_calls = [call for call in calls if call[0] == "DeleteResponseHeadersPolicy"]
    assert headers_calls and calls.index(headers_calls[0]) > delete, calls
    assert cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items", []) == []
    with pytest.raises(cloudfront.exceptions.NoSuchDistribution):
        cloudfront.get_distribution(Id=distribution_id)
    buckets = [b["Name"] for b in local_aws.client("s3").list_buckets()["Buckets"]]
    assert bucket_name(local_aws) not in buckets


def test_a_missing_static_directory_stops_up_but_not_status_or_down(local_aws, site_dir):
    missing = {"SCRIBBLE_STATIC_DIR": str(site_dir / "no-such-dir")}

    def run(*args):
        return subprocess.run([SCRIBBLECTL, *args], capture_output=True, text=True,
                              env=local_aws.env(**missing), cwd=site_dir, timeout=600)

    result = run("up")
    assert result.returncode != 0
    assert "SCRIBBLE_STATIC_DIR" in result.stdout + result.stderr
    scribblectl(local_aws, site_dir, "up")
    status = run("status")
    assert "static/ directory" in status.stdout, status.stdout
    result = run("down", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    buckets = [b["Name"] for b in local_aws.client("s3").list_buckets()["Buckets"]]
    assert bucket_name(local_aws) not in buckets

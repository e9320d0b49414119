"""Every failure becomes one error value: HTTP status, AWS error code, message,
request id, retryable or not, read the way each wire protocol writes it.
Also: --debug output redacts every secret."""
import json
import os
import subprocess

import pytest

from scripted_server import ScriptedServer
from test_retry import probe_env

PROBE = os.path.join(os.environ["SCRIBBLE_TEST_BIN"], "call_probe")

CASES = {
    "query": (["iam", "query", "GetRole", "RoleName=missing"],
              (404, {"Content-Type": "text/xml"},
               "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>"
               "<Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role missing cannot be found."
               "</Message></Error><RequestId>iam-req-1</RequestId></ErrorResponse>"),
              "NoSuchEntity", "The role missing cannot be found.", "iam-req-1", 404),
    "ec2": (["ec2", "query", "DescribeVpcs", "VpcId.1=vpc-0"],
            (400, {"Content-Type": "text/xml"},
             "<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID 'vpc-0'"
             " does not exist</Message></Error></Errors><RequestID>ec2-req-1</RequestID></Response>"),
            "InvalidVpcID.NotFound", "The vpc ID 'vpc-0' does not exist", "ec2-req-1", 400),
    "json": (["sqs", "json", "GetQueueUrl", '{"QueueName":"nope"}'],
             (400, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "sqs-req-1"},
              json.dumps({"__type": "com.amazonaws.sqs#QueueDoesNotExist",
                          "message": "The specified queue does not exist."})),
             "QueueDoesNotExist", "The specified queue does not exist.", "sqs-req-1", 400),
    "rest-json": (["lambda", "rest-json", "GET", "/2015-03-31/functions/nope"],
                  (404, {"Content-Type": "application/json", "x-amzn-RequestId": "lambda-req-1",
                         "X-Amzn-ErrorType": "ResourceNotFoundException:http://internal.amazon.com/"},
                   json.dumps({"Type": "User", "Message": "Function not found: nope"})),
                  "ResourceNotFoundException", "Function not found: nope", "lambda-req-1", 404),
    "rest-xml": (["s3", "rest-xml", "GET", "/nope"],
                 (404, {"Content-Type": "application/xml"},
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchBucket</Code>"
                  "<Message>The specified bucket does not exist</Message><BucketName>nope</BucketName>"
                  "<RequestId>s3-req-1</RequestId></Error>"),
                 "NoSuchBucket", "The specified bucket does not exist", "s3-req-1", 404),
    "rest-xml cloudfront": (["cloudfront", "rest-xml", "GET", "/2020-05-31/distribution/E1"],
                            (404, {"Content-Type": "text/xml"},
                             "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchDistribution</Code>"
                             "<Message>The specified distribution does not exist.</Message></Error>"
                             "<RequestId>cf-req-1</RequestId></ErrorResponse>"),
                            "NoSuchDistribution", "The specified distribution does not exist.",
                            "cf-req-1", 404),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_protocol_error_is_one_value(case, tmp_path):
    args, answer, code, message, request_id, status = CASES[case]
    with ScriptedServer([answer]) as server:
        result = subprocess.run([PROBE] + args, capture_output=True, text=True,
                                env=probe_env(server, tmp_path), timeout=30)
    assert result.returncode == 1, result.stdout
    assert len(server.requests) == 1, "a client error is not retried"
    fields = dict(f.split("=", 1) for f in result.stdout.splitlines()[0].split()[1:])
    assert fields == {"kind": "service", "status": str(status), "code": code, "retryable": "0",
                      "request_id": request_id}
    assert result.stdout.splitlines()[1] == "message=" + message


def test_malformed_success_body_is_a_parse_error(tmp_path):
    with ScriptedServer([(200, {"Content-Type": "application/x-amz-json-1.0"}, "{not json")]) as server:
        result = subprocess.run([PROBE, "dynamodb", "json", "ListTables"], capture_output=True,
                                text=True, env=probe_env(server, tmp_path), timeout=30)
    assert result.returncode == 1
    assert "kind=parse" in result.stdout and "code=MalformedResponse" in result.stdout


def test_debug_output_redacts_secrets(tmp_path):
    secret, token = "wJalrXUtnFEMI/K7MDENG+SECRETKEY", "FQoGZXIvYXdzSESSIONTOKEN"
    answer = (200, {"Content-Type": "text/xml"},
              "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAX</AccessKeyId>"
              "<SecretAccessKey>%s-2</SecretAccessKey><SessionToken>%s-2</SessionToken>"
              "</Credentials></AssumeRoleResult></AssumeRoleResponse>" % (secret, token))
    with ScriptedServer([answer]) as server:
        env = probe_env(server, tmp_path, AWS_SECRET_ACCESS_KEY=secret, AWS_SESSION_TOKEN=token,
                        CALL_PROBE_DEBUG="1")
        result = subprocess.run([PROBE, "sts", "query", "AssumeRole", "RoleArn=arn:aws:iam::1:role/r",
                                 "RoleSessionName=s"], capture_output=True, text=True, env=env,
                                timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    sent = server.requests[0]["headers"]
    signature = sent["Authorization"].split("Signature=")[1]
    debug = result.stderr
    assert ">> POST " + server.endpoint in debug and "<< HTTP 200" in debug
    assert "SignedHeaders=" in debug and "Credential=AKID****/" in debug
    for leaked in (secret, token, signature, "AKIDRETRYTEST"):
        assert leaked not in debug, "debug output shows a secret"
    assert "<redacted>" in debug

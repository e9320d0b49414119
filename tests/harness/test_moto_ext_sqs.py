"""The SQS RedriveAllowPolicy extension, through boto3: set at creation or
later, answered by name and with All, removed by an empty value, and refused
(InvalidAttributeValue, 400) when it is not what SQS documents; queues
without it answer as before."""

import json

import pytest
from botocore.exceptions import ClientError

from harness import moto_ext_sqs

moto_ext_sqs.install()

SOURCE = "arn:aws:sqs:us-east-1:000000000000:source"


def by_queue(*arns):
    return json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": list(arns)})


def attributes(sqs, url, names=("All",)):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(names)).get("Attributes", {})


def test_kept_and_answered(local_aws):
    sqs = local_aws.client("sqs")
    url = sqs.create_queue(QueueName="dead", Attributes={"RedriveAllowPolicy": by_queue(SOURCE)})["QueueUrl"]
    assert json.loads(attributes(sqs, url)["RedriveAllowPolicy"]) == json.loads(by_queue(SOURCE))
    assert attributes(sqs, url, ["RedriveAllowPolicy"]) == {"RedriveAllowPolicy": by_queue(SOURCE)}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": '{"redrivePermission":"denyAll"}'})
    assert json.loads(attributes(sqs, url)["RedriveAllowPolicy"]) == {"redrivePermission": "denyAll"}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "40"})  # other attributes leave it
    assert "RedriveAllowPolicy" in attributes(sqs, url)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": ""})
    assert "RedriveAllowPolicy" not in attributes(sqs, url)
    plain = sqs.create_queue(QueueName="plain")["QueueUrl"]
    assert "RedriveAllowPolicy" not in attributes(sqs, plain)
    assert attributes(sqs, plain, ["RedriveAllowPolicy"]) == {}


@pytest.mark.parametrize("value", [
    "not json",
    '["byQueue"]',
    '{"redrivePermission": "byArn"}',
    '{"redrivePermission": "byQueue"}',
    '{"redrivePermission": "byQueue", "sourceQueueArns": []}',
    by_queue(*[f"{SOURCE}{i}" for i in range(11)]),
    json.dumps({"redrivePermission": "allowAll", "sourceQueueArns": [SOURCE]}),
    json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [SOURCE], "other": 1}),
])
def test_refused_when_not_as_documented(local_aws, value):
    sqs = local_aws.client("sqs")
    url = sqs.create_queue(QueueName="dead", Attributes={"RedriveAllowPolicy": by_queue(SOURCE)})["QueueUrl"]
    with pytest.raises(ClientError) as raised:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": value})
    error = raised.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("InvalidAttributeValue", 400)
    assert json.loads(attributes(sqs, url)["RedriveAllowPolicy"]) == json.loads(by_queue(SOURCE))
    with pytest.raises(ClientError):
        sqs.create_queue(QueueName="other", Attributes={"RedriveAllowPolicy": value})

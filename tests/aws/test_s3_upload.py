"""S3 uploads (aws/s3_upload.c) through tests/aws/s3_upload_probe.c, against the local AWS.

A small object goes in one PutObject; a large one in parts. An unfinished
multipart upload of the same key is continued: parts already there with the
right bytes are not sent again, a part with the wrong bytes is. A transfer
has no whole-request time limit, but a stalled one fails, saying so.
"""
import os
import socket
import subprocess
import threading

import pytest

PROBE = os.path.join(os.environ["SCRIBBLE_TEST_BIN"], "s3_upload_probe")
MIB = 1024 * 1024
BUCKET = "uploads"


def upload(local_aws, path, key, *options, env=None):
    result = subprocess.run([PROBE, *options, BUCKET, key, str(path)], capture_output=True,
                            text=True, env=env or local_aws.env(), timeout=120)
    assert "Sanitizer" not in result.stderr and "runtime error:" not in result.stderr, result.stderr
    return result


def outcome(result):
    assert result.returncode == 0, result.stdout + result.stderr
    words = result.stdout.split()
    assert words[0] == "ok", result.stdout
    return dict(word.split("=", 1) for word in words[1:] if "=" in word), words


@pytest.fixture
def s3(local_aws):
    client = local_aws.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


def write_random(tmp_path, size, name="object.bin"):
    path = tmp_path / name
    path.write_bytes(os.urandom(size))
    return path


def stored(s3, key):
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_small_object_is_one_put(local_aws, s3, tmp_path):
    path = write_random(tmp_path, 300 * 1024)
    local_aws.requests.clear()
    fields, words = outcome(upload(local_aws, path, "packages/small.zip"))
    assert local_aws.requests.by_operation() == {"s3:PutObject": 1}
    assert stored(s3, "packages/small.zip") == path.read_bytes()
    assert fields["parts_sent"] == "0" and fields["progress_last"] == f"{300 * 1024}/{300 * 1024}"
    assert "progress_went_back" not in words


def test_large_object_goes_in_parts(local_aws, s3, tmp_path):
    size = 12 * MIB + 12345
    path = write_random(tmp_path, size)
    local_aws.requests.clear()
    fields, words = outcome(upload(local_aws, path, "big.bin", "--part-size", str(5 * MIB)))
    assert stored(s3, "big.bin") == path.read_bytes()
    operations = local_aws.requests.by_operation()
    assert operations["s3:UploadPart"] == 3, operations
    assert operations["s3:CompleteMultipartUpload"] == 1, operations
    assert operations["s3:CreateMultipartUpload"] == 1, operations
    assert fields["parts_sent"] == "3" and fields["parts_reused"] == "0"
    assert fields["progress_last"] == f"{size}/{size}"
    assert int(fields["progress_calls"]) > 3 and "progress_went_back" not in words


def test_an_unfinished_upload_is_continued(local_aws, s3, tmp_path):
    size = 12 * MIB
    path = write_random(tmp_path, size)
    data = path.read_bytes()
    started = s3.create_multipart_upload(Bucket=BUCKET, Key="resumed.bin")
    upload_id = started["UploadId"]
    s3.upload_part(Bucket=BUCKET, Key="resumed.bin", UploadId=upload_id, PartNumber=1,
                   Body=data[:5 * MIB])
    s3.upload_part(Bucket=BUCKET, Key="resumed.bin", UploadId=upload_id, PartNumber=2,
                   Body=os.urandom(5 * MIB))  # wrong bytes: sent again
    local_aws.requests.clear()
    fields, _ = outcome(upload(local_aws, path, "resumed.bin", "--part-size", str(5 * MIB)))
    assert stored(s3, "resumed.bin") == data
    assert (fields["parts_reused"], fields["parts_sent"]) == ("1", "2")
    operations = local_aws.requests.by_operation()
    assert operations["s3:UploadPart"] == 2, operations
    assert operations.get("s3:CreateMultipartUpload", 0) == 0, operations
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_an_upload_s3_forgot_is_started_again(local_aws, s3, tmp_path):
    path = write_random(tmp_path, 11 * MIB)
    started = s3.create_multipart_upload(Bucket=BUCKET, Key="again.bin")
    s3.upload_part(Bucket=BUCKET, Key="again.bin", UploadId=started["UploadId"], PartNumber=1,
                   Body=path.read_bytes()[:5 * MIB])
    s3.abort_multipart_upload(Bucket=BUCKET, Key="again.bin", UploadId=started["UploadId"])
    fields, _ = outcome(upload(local_aws, path, "again.bin", "--part-size", str(5 * MIB)))
    assert stored(s3, "again.bin") == path.read_bytes()
    assert fields["parts_reused"] == "0" and fields["parts_sent"] == "3"


def test_a_part_size_under_five_mib_is_refused(local_aws, s3, tmp_path):
    path = write_random(tmp_path, 1024)
    result = upload(local_aws, path, "tiny.bin", "--part-size", str(MIB))
    assert result.returncode == 1 and "InvalidPartSize" in result.stdout, result.stdout


class SilentServer:
    """Accepts connections and never reads from them: an upload into it stalls."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.accepted = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            self.accepted.append(conn)

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.listener.getsockname()[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.listener.close()
        for conn in self.accepted:
            conn.close()
        self.thread.join(timeout=5)


def test_a_stalled_transfer_fails_saying_so(local_aws, tmp_path):
    path = write_random(tmp_path, 3 * MIB)
    with SilentServer() as server:
        env = local_aws.env(AWS_ENDPOINT_URL=server.endpoint, AWS_MAX_ATTEMPTS="1")
        result = upload(local_aws, path, "stalled.bin", "--stall-seconds", "1", env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "TransferStalled" in result.stdout, result.stdout


def test_a_transfer_outlives_the_call_timeout(local_aws, s3, tmp_path):
    # A transfer is not cut at the call timeout (here 1 ms, which no call could meet):
    # only a stall ends it.
    path = write_random(tmp_path, 2 * MIB)
    fields, _ = outcome(upload(local_aws, path, "slow.bin", "--timeout-ms", "1"))
    assert stored(s3, "slow.bin") == path.read_bytes()
    assert fields["progress_last"] == f"{2 * MIB}/{2 * MIB}"

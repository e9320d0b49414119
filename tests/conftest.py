"""pytest fixtures shared by every test: the local AWS and a local redis.

Tests run from tests/ (ctest's working directory), so `harness` imports as a
package; the path is added here too so a test file can be run from anywhere.
Before any test, the AWS_* variables of this process are removed: moto runs
in-process, and no test may reach a developer's real AWS setup.
"""

import os
import sys

import pytest

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

from harness.local_aws import LocalAws, isolate_process_environment  # noqa: E402
from harness.local_redis import LocalRedis  # noqa: E402
from harness.real_aws import RealAwsProfile  # noqa: E402

isolate_process_environment()


@pytest.fixture
def local_aws():
    """A fresh local AWS (moto with the harness's extensions) for one test."""
    with LocalAws() as aws:
        yield aws


@pytest.fixture
def local_redis():
    """A fresh TLS-only redis-server without a password for one test."""
    with LocalRedis() as redis:
        yield redis


@pytest.fixture
def real_aws():
    """A fresh local AWS behind RealAwsProfile.default(): latency, slow states and
    AWS-like request rates, no fault."""
    with LocalAws(profile=RealAwsProfile.default()) as aws:
        yield aws

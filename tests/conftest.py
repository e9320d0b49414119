"""pytest fixtures shared by every test: the local AWS and a local redis.

Tests run from tests/ (ctest's working directory), so `harness` imports as a
package; the path is added here too so a test file can be run from anywhere.
Before any test, the AWS_* variables of this process are removed: moto runs
in-process, and no test may reach a developer's real AWS setup; and
XDG_CACHE_HOME points into the build (under ctest) or the session's temporary
directory, so packages scribblectl builds stay out of the user's cache.
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


@pytest.fixture(scope="session", autouse=True)
def private_cache_home(tmp_path_factory):
    """scribblectl keeps the packages it builds under $XDG_CACHE_HOME (children
    inherit this process's environment): tests keep theirs out of the user's.
    Under ctest it is one folder of the build (SCRIBBLE_TEST_CACHE_HOME), so
    the package is built once per build rather than once per test file (an
    entry names the inputs it was built from and verifies its own bytes, and
    parallel tests may share it: package_cache.c); a test of the cache itself
    gives scribblectl its own."""
    shared = os.environ.get("SCRIBBLE_TEST_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = shared or str(tmp_path_factory.mktemp("xdg-cache"))


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

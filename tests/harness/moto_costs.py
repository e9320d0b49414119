"""What moto spends per test and per request that answers nothing: cut, process-wide.

Every LocalAws is a new account, so each test pays moto's cost of a new
account once per service it touches, and every request pays moto's dispatch.
Three of those costs do not change any answer the stack can see:

- Default AMIs. Each new account's EC2 backend builds about 3,900 image
  objects from moto's bundled list (a fifth of a second). The stack launches
  no instance and reads no image, so they are not loaded
  (MOTO_EC2_LOAD_DEFAULT_AMIS=false, moto's own setting).
- AWS managed IAM policies. Each new account's IAM backend parses moto's
  bundled JSON of them (about 1,000 policies) before making its own policy
  objects. The JSON is a constant of moto's package, so it is parsed once per
  process; each account still gets its own objects, as before.
- Response method names. Before each request moto lists every function of
  the service's response class with inspect.getmembers (about a millisecond
  per request) to check the action exists. The classes are complete once the
  harness's extensions are installed, before the first request, so each
  class's list is made once.

install() is idempotent; local_aws.py calls it before the first server starts.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

_lock = threading.Lock()
_installed = False


def _load_no_default_amis() -> None:
    os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"


def _parse_managed_policies_once() -> None:
    from moto.iam import models

    parsed: dict[str, Any] = json.loads(models.aws_managed_policies_data)

    def init_aws_policies(self: Any) -> list[Any]:
        if not models.load_iam_aws_managed_policies():
            return []
        return [models.AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data)
                for name, data in parsed.items()]

    models.IAMBackend._init_aws_policies = init_aws_policies  # type: ignore[method-assign]


def _list_response_methods_once() -> None:
    from moto.core import responses

    listed: dict[type, list[str]] = {}
    list_methods = responses.method_names_from_class

    def method_names_from_class(clazz: type) -> list[str]:
        names = listed.get(clazz)
        if names is None:
            names = listed[clazz] = list_methods(clazz)
        return names

    responses.method_names_from_class = method_names_from_class  # type: ignore[assignment]


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _load_no_default_amis()
        _parse_managed_policies_once()
        _list_response_methods_once()
        _installed = True

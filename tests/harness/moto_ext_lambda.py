"""Lambda's account settings for moto, added in-process.

moto 5.2.5 serves Put/Get/DeleteFunctionConcurrency but not
GetAccountSettings, which `scribblectl doctor`, `up` and `plan` read to
check reserved concurrency against the account, and it enforces AWS's
minimum of unreserved executions only when a process-wide variable asks it
to. install() adds GetAccountSettings to moto's own LambdaResponse and its
path to moto's Lambda URL table (moto's botocore-model router picks the
operation and its rest-json serializer writes the answer from the service
model), and makes PutFunctionConcurrency refuse, as AWS does, a reservation
that leaves the account fewer than 100 unreserved executions. The account's
limit is AWS's default of 1,000 unless a test sets another on the backend
with set_concurrency_limit (new accounts may have 10).

It must not change anything else moto implements.
"""

from __future__ import annotations

from typing import Any

from moto.awslambda import urls as lambda_urls
from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import LambdaBackend
from moto.awslambda.responses import LambdaResponse
from moto.core.responses import ActionResult

DEFAULT_LIMIT = 1000
MIN_UNRESERVED = 100
# AWS's published code storage limits, in bytes.
TOTAL_CODE_SIZE = 80 * 1024 ** 3
CODE_SIZE_UNZIPPED = 250 * 1024 ** 2
CODE_SIZE_ZIPPED = 50 * 1024 ** 2
URL_PATHS = {
    r"{0}/(?P<api_version>[^/]+)/account-settings/?$": LambdaResponse.dispatch,
}


def set_concurrency_limit(backend: LambdaBackend, limit: int) -> None:
    """The account's concurrent executions in that backend's region."""
    backend.__dict__["scribble_concurrency_limit"] = limit


def _limit(backend: LambdaBackend) -> int:
    return backend.__dict__.get("scribble_concurrency_limit", DEFAULT_LIMIT)


def _reserved(backend: LambdaBackend, leave_out: str | None = None) -> int:
    return sum(int(fn.reserved_concurrency) for fn in backend.list_functions()
               if fn.reserved_concurrency and fn.function_name != leave_out)


# -- actions (methods of moto's LambdaResponse) ------------------------------------------
def get_account_settings(self: LambdaResponse) -> ActionResult:
    backend = self.backend
    functions = backend.list_functions()
    limit = _limit(backend)
    return ActionResult({
        "AccountLimit": {
            "TotalCodeSize": TOTAL_CODE_SIZE,
            "CodeSizeUnzipped": CODE_SIZE_UNZIPPED,
            "CodeSizeZipped": CODE_SIZE_ZIPPED,
            "ConcurrentExecutions": limit,
            "UnreservedConcurrentExecutions": limit - _reserved(backend),
        },
        "AccountUsage": {
            "TotalCodeSize": sum(int(getattr(fn, "code_size", 0) or 0) for fn in functions),
            "FunctionCount": len(functions),
        },
    })


_put_function_concurrency = LambdaBackend.put_function_concurrency


def _put_function_concurrency_as_aws(self: LambdaBackend, function_name: str,
                                     reserved_concurrency: Any) -> Any:
    function = self.get_function(function_name)
    unreserved = _limit(self) - _reserved(self, function.function_name) - int(reserved_concurrency)
    if unreserved < MIN_UNRESERVED:
        raise InvalidParameterValueException(
            "Specified ReservedConcurrentExecutions for function decreases account's "
            f"UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}].")
    return _put_function_concurrency(self, function_name, reserved_concurrency)


# -- installation -----------------------------------------------------------------
_installed = False


def install() -> None:
    """Add GetAccountSettings and the concurrency rule to moto; idempotent."""
    global _installed
    if _installed:
        return
    if hasattr(LambdaResponse, "get_account_settings"):
        raise RuntimeError("moto already implements Lambda get_account_settings: "
                           "remove this extension")
    LambdaResponse.get_account_settings = get_account_settings  # type: ignore[attr-defined]
    LambdaBackend.put_function_concurrency = _put_function_concurrency_as_aws  # type: ignore[method-assign]
    lambda_urls.url_paths.update(URL_PATHS)
    _installed = True

"""API Gateway v2 deployments for moto, added in-process.

moto 5.2.5 serves APIs, routes, integrations and stages but no deployments
and no UpdateStage (deployment, description, default route settings such as
throttling), and its stages have no deploymentId; the WebSocket API's
stage is deployed by CreateDeployment then UpdateStage. install() adds
CreateDeployment, GetDeployment, GetDeployments, DeleteDeployment and
UpdateStage to moto's own ApiGatewayV2Response, the deployments paths to its
URL table, and deploymentId to its stages' answers. Deployments live on
moto's Api objects (so DeleteApi, reset and accounts apply). As in AWS: a
deployment needs at least one route (BadRequestException); one given a
stageName becomes that stage's deployment; a deployment a stage uses cannot
be deleted (BadRequestException); unknown ids give NotFoundException (404).

It must not change anything moto already implements.
"""

from __future__ import annotations

import json
import random
import string
from datetime import datetime, timezone
from typing import Any

from moto.apigatewayv2 import urls as apigatewayv2_urls
from moto.apigatewayv2.models import Api, Stage
from moto.apigatewayv2.responses import ApiGatewayV2Response
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult

from .moto_actions import add_actions

URL_PATHS = {
    "{0}/v2/apis/(?P<api_id>[^/]+)/deployments$": ApiGatewayV2Response.dispatch,
    "{0}/v2/apis/(?P<api_id>[^/]+)/deployments/(?P<deployment_id>[^/]+)$":
        ApiGatewayV2Response.dispatch,
}


class NotFoundException(ServiceException):
    code = "NotFoundException"


class BadRequestException(ServiceException):
    code = "BadRequestException"


def _deployments(api: Api) -> dict[str, dict[str, Any]]:
    return api.__dict__.setdefault("deployments", {})


def _path_part(response: ApiGatewayV2Response, after: str) -> str:
    parts = response.path.split("?")[0].split("/")
    return parts[parts.index(after) + 1]


def _api(response: ApiGatewayV2Response) -> Api:
    return response.apigatewayv2_backend.get_api(_path_part(response, "apis"))


def _body(response: ApiGatewayV2Response) -> dict[str, Any]:
    return json.loads(response.body) if response.body else {}


def _deployment(api: Api, deployment_id: str) -> dict[str, Any]:
    deployment = _deployments(api).get(deployment_id)
    if deployment is None:
        raise NotFoundException(f"Invalid Deployment identifier specified {deployment_id}")
    return deployment


def _stage(api: Api, name: str) -> Stage:
    if name not in api.stages:
        raise NotFoundException(f"Invalid stage identifier specified {name}")
    return api.stages[name]


def _payload(deployment: dict[str, Any]) -> dict[str, Any]:
    return {"DeploymentId": deployment["DeploymentId"], "CreatedDate": deployment["CreatedDate"],
            "DeploymentStatus": "DEPLOYED", "AutoDeployed": False,
            "Description": deployment["Description"]}


# -- actions (methods of moto's ApiGatewayV2Response) -----------------------------------
def create_deployment(self: ApiGatewayV2Response) -> ActionResult:
    api = _api(self)
    params = _body(self)
    if not api.routes:
        raise BadRequestException("At least one route is required before deploying the Api.")
    stage = _stage(api, params["stageName"]) if params.get("stageName") else None
    deployment = {
        "DeploymentId": "".join(random.choices(string.ascii_lowercase + string.digits, k=6)),
        "CreatedDate": datetime.now(timezone.utc),
        "Description": params.get("description") or "",
    }
    _deployments(api)[deployment["DeploymentId"]] = deployment
    if stage is not None:
        stage.deployment_id = deployment["DeploymentId"]
    return ActionResult(_payload(deployment))


def get_deployment(self: ApiGatewayV2Response) -> ActionResult:
    return ActionResult(_payload(_deployment(_api(self), _path_part(self, "deployments"))))


def get_deployments(self: ApiGatewayV2Response) -> ActionResult:
    return ActionResult({"Items": [_payload(d) for d in _deployments(_api(self)).values()]})


def delete_deployment(self: ApiGatewayV2Response) -> ActionResult:
    api = _api(self)
    deployment_id = _path_part(self, "deployments")
    _deployment(api, deployment_id)
    if any(getattr(s, "deployment_id", None) == deployment_id for s in api.stages.values()):
        raise BadRequestException(
            "Active stages pointing to this deployment must be moved or deleted")
    del _deployments(api)[deployment_id]
    return EmptyResult()


def update_stage(self: ApiGatewayV2Response) -> tuple[int, dict[str, str], str]:
    api = _api(self)
    stage = _stage(api, _path_part(self, "stages"))
    params = _body(self)
    if "deploymentId" in params:
        _deployment(api, params["deploymentId"])
        stage.deployment_id = params["deploymentId"]
    if "autoDeploy" in params:
        stage.auto_deploy = params["autoDeploy"]
    if "description" in params:
        stage.description = params["description"]
    if "defaultRouteSettings" in params:
        # As in AWS, the members given replace those of the stage; the rest stay.
        stage.default_route_settings = {**stage.default_route_settings,
                                        **params["defaultRouteSettings"]}
    stage.updated = datetime.now()
    # moto's own stage answers are dicts in the wire form; keep to that form
    return 200, {"Content-Type": "application/json"}, json.dumps(stage.to_json())


_stage_to_json = Stage.to_json


def _stage_to_json_with_deployment(self: Stage) -> dict[str, Any]:
    answer = _stage_to_json(self)
    deployment_id = getattr(self, "deployment_id", None) or self.config.get("deploymentId")
    if deployment_id:
        answer["deploymentId"] = deployment_id
    return answer


# -- installation -----------------------------------------------------------------
ACTIONS = (create_deployment, get_deployment, get_deployments, delete_deployment, update_stage)

_installed = False


def install() -> None:
    """Add the deployment actions and paths to moto; idempotent, before any server starts."""
    global _installed
    if _installed:
        return
    add_actions(ApiGatewayV2Response, "ApiGatewayV2", ACTIONS)
    Stage.to_json = _stage_to_json_with_deployment  # type: ignore[method-assign]
    apigatewayv2_urls.url_paths.update(URL_PATHS)
    _installed = True

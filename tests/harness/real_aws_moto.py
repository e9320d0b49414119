"""The real AWS profile's slow states, on moto's own backends.

moto makes every resource ready at once. For an account whose LocalAws has a
RealAwsProfile, install() makes moto answer as AWS does while time passes,
each state computed from a timestamp when it is read (no thread, nothing to
race a test):

- NAT gateways are "pending" for nat_gateway_pending_s after creation and
  "deleting" for nat_gateway_deleting_s after deletion; meanwhile their
  subnet and VPC cannot be deleted, nor the VPC's internet gateway detached
  (DependencyViolation, as AWS says while a public NAT maps an address);
- CloudFront distributions are "InProgress" for distribution_deploy_s after
  each create and update, and DeleteDistribution answers
  DistributionNotDisabled (409) unless the distribution is disabled and
  deployed;
- Lambda functions are State "Pending" for lambda_pending_s after
  CreateFunction, and LastUpdateStatus "InProgress" for lambda_update_s
  after UpdateFunctionCode or UpdateFunctionConfiguration; an update in
  either time answers ResourceConflictException (409);
- VPC-attached functions get Lambda's network interfaces, as Hyperplane
  makes them: one real moto ENI per (subnet, security group set) in use
  (InterfaceType "lambda", RequesterManaged, Status "in-use", described
  "AWS Lambda VPC ENI-<function>-<uuid>"), released eni_release_s after the
  last function using it is deleted or leaves that configuration. While an
  in-use ENI exists, DeleteSubnet, DeleteSecurityGroup and DeleteVpc answer
  moto's own DependencyViolation, and DeleteNetworkInterface answers
  InvalidNetworkInterface.InUse. (moto 5.2.5 enforces none of this: it only
  refuses a VPC that still has subnets.) DescribeNetworkInterfaces also
  filters by interface-type, requester-managed, status and requester-id.

Serverless caches' states are timed by moto_ext_elasticache.py, which owns
them. Without a profile for the account, every hook answers as moto does.
Each refusal is noted (real_aws.note) so the request's record says why.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException, LambdaClientError
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.cloudfront.models import CloudFrontBackend, Distribution
from moto.core.exceptions import ServiceException
from moto.ec2.exceptions import DependencyViolationError, EC2ClientError, InvalidSubnetIdError
from moto.ec2.models import EC2Backend, ec2_backends
from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.ec2.models.nat_gateways import NatGateway

from .real_aws import RealAwsProfile, active, note

LAMBDA_ENI_TYPE = "lambda"
IN_USE = "in-use"

_lock = threading.RLock()


# -- errors moto does not define ---------------------------------------------------------------
class ResourceConflict(LambdaClientError):
    code = 409

    def __init__(self, message: str):
        super().__init__("ResourceConflictException", message)


class DistributionNotDisabled(ServiceException):
    code = "DistributionNotDisabled"
    message = "The distribution you are trying to delete has not been disabled."


class NetworkInterfaceInUse(EC2ClientError):
    def __init__(self, eni_id: str):
        super().__init__("InvalidNetworkInterface.InUse", f"Interface: [{eni_id}] in use.")


def _refuse(kind: str, error: Exception) -> Exception:
    note(kind)
    return error


def _age(obj: Any, attribute: str, profile: RealAwsProfile) -> float | None:
    """Seconds (on the profile's clock) since `attribute` was stamped on obj, None if never."""
    at = obj.__dict__.get(attribute)
    return None if at is None else profile.clock() - at


def _stamp(obj: Any, attribute: str, profile: RealAwsProfile) -> None:
    obj.__dict__[attribute] = profile.clock()


# -- NAT gateways --------------------------------------------------------------------------------
def _nat_state(self: NatGateway) -> str:
    # A gateway made before install() keeps moto's plain attribute.
    state, since = self.__dict__.get("_scribble_state", (self.__dict__.get("state", "available"), None))
    profile = active(self.ec2_backend.account_id)
    if profile is not None and since is not None:
        age = profile.clock() - since
        if state == "available" and age < profile.nat_gateway_pending_s:
            return "pending"
        if state == "deleted" and age < profile.nat_gateway_deleting_s:
            return "deleting"
    return str(state)


def _set_nat_state(self: NatGateway, state: str) -> None:
    backend = self.__dict__.get("ec2_backend")  # moto sets the state before the backend
    profile = active(backend.account_id) if backend is not None else None
    self.__dict__["_scribble_state"] = (state, profile.clock() if profile else None)


def _nat_init(original: Any) -> Any:
    def __init__(self: NatGateway, backend: Any, *args: Any, **kwargs: Any) -> None:
        original(self, backend, *args, **kwargs)
        self.state = self.__dict__["_scribble_state"][0]  # stamped now the backend is known
    return __init__


def _live_nat_gateways(backend: EC2Backend, subnet_id: str | None = None,
                       vpc_id: str | None = None) -> list[NatGateway]:
    return [nat for nat in backend.nat_gateways.values()
            if nat.state != "deleted"
            and (subnet_id is None or nat.subnet_id == subnet_id)
            and (vpc_id is None or nat.vpc_id == vpc_id)]


# -- CloudFront distributions --------------------------------------------------------------------
_moto_distribution_status = Distribution.status


def _distribution_account(self: Distribution) -> str:
    return str(self.arn.split(":")[4])


def _distribution_status(self: Distribution) -> str | None:
    profile = active(_distribution_account(self))
    if profile is None:
        return _moto_distribution_status.fget(self)  # type: ignore[no-any-return, attr-defined]
    age = _age(self, "_scribble_changed", profile)
    return "InProgress" if age is not None and age < profile.distribution_deploy_s else "Deployed"


def _set_distribution_status(self: Distribution, value: str) -> None:
    _moto_distribution_status.fset(self, value)  # type: ignore[attr-defined]


def _enabled(distribution: Distribution) -> bool:
    value = getattr(distribution.distribution_config, "Enabled", False)
    return value is True or str(value).lower() == "true"


def _deploying(original: Any) -> Any:
    """A create or update of a distribution starts a deployment."""
    def change(self: CloudFrontBackend, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        profile = active(self.account_id)
        if profile is not None:
            _stamp(result[0], "_scribble_changed", profile)
        return result
    return change


def _delete_distribution(original: Any) -> Any:
    def delete_distribution(self: CloudFrontBackend, distribution_id: str, if_match: Any) -> None:
        distribution = self.distributions.get(distribution_id)
        if active(self.account_id) is not None and distribution is not None and if_match:
            if _enabled(distribution) or distribution.status != "Deployed":
                raise _refuse("distribution-not-disabled", DistributionNotDisabled())
        original(self, distribution_id, if_match)
    return delete_distribution


# -- Lambda states -------------------------------------------------------------------------------
def _get_configuration(original: Any) -> Any:
    def get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
        config: dict[str, Any] = original(self, on_create)
        profile = active(self.account_id)
        if profile is None:
            return config
        created = _age(self, "_scribble_created", profile)
        if created is not None and created < profile.lambda_pending_s:
            config.update(State="Pending", StateReasonCode="Creating",
                          StateReason="The function is being created.")
        updated = _age(self, "_scribble_updated", profile)
        if "LastUpdateStatus" in config and updated is not None and updated < profile.lambda_update_s:
            config.update(LastUpdateStatus="InProgress", LastUpdateStatusReasonCode="Updating",
                          LastUpdateStatusReason="The function is being updated.")
        return config
    return get_configuration


def _check_updatable(function: LambdaFunction, profile: RealAwsProfile) -> None:
    created = _age(function, "_scribble_created", profile)
    if created is not None and created < profile.lambda_pending_s:
        raise _refuse("resource-conflict", ResourceConflict(
            "The operation cannot be performed at this time. "
            "The function is currently in the following state: Pending"))
    updated = _age(function, "_scribble_updated", profile)
    if updated is not None and updated < profile.lambda_update_s:
        raise _refuse("resource-conflict", ResourceConflict(
            "The operation cannot be performed at this time. An update is in progress "
            f"for resource: {function.function_arn}"))


# -- Lambda's network interfaces (Hyperplane ENIs) -----------------------------------------------
EniKey = tuple[str, frozenset[str]]  # (subnet id, security group ids)


@dataclass
class HyperplaneEni:
    eni_id: str
    users: set[str] = field(default_factory=set)  # function names
    released_at: float | None = None              # when it goes, once nothing uses it


def _hyperplane(backend: EC2Backend) -> dict[EniKey, HyperplaneEni]:
    # Kept beside moto's own state, so a reset (new backend objects) clears it too.
    return backend.__dict__.setdefault("scribble_lambda_enis", {})  # type: ignore[no-any-return]


def _eni_keys(vpc_config: dict[str, Any] | None) -> set[EniKey]:
    if not vpc_config:
        return set()
    subnets = vpc_config.get("SubnetIds") or []
    groups = frozenset(vpc_config.get("SecurityGroupIds") or [])
    return {(subnet, groups) for subnet in subnets} if groups else set()


def _check_vpc_config(ec2: EC2Backend, vpc_config: dict[str, Any] | None) -> None:
    """Lambda's own check that the subnets and security groups exist."""
    for subnet, groups in _eni_keys(vpc_config):
        try:
            ec2.get_subnet(subnet)
        except InvalidSubnetIdError:
            raise InvalidParameterValueException(
                "Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound. "
                f"EC2 Error Message: The subnet ID '{subnet}' does not exist") from None
        for group in sorted(groups):
            if ec2.get_security_group_from_id(group) is None:
                raise InvalidParameterValueException(
                    "Error occurred while DescribeSecurityGroups. EC2 Error Code: "
                    f"InvalidGroup.NotFound. EC2 Error Message: The security group '{group}' "
                    "does not exist")


def _use_enis(ec2: EC2Backend, function_name: str, keys: set[EniKey]) -> None:
    store = _hyperplane(ec2)
    for key in sorted(keys, key=lambda k: (k[0], sorted(k[1]))):
        entry = store.get(key)
        if entry is None or entry.eni_id not in ec2.enis:
            subnet, groups = key
            eni = ec2.create_network_interface(
                subnet=ec2.get_subnet(subnet), private_ip_address=[], group_ids=sorted(groups),
                description=f"AWS Lambda VPC ENI-{function_name}-{uuid.uuid4()}")
            eni.interface_type = LAMBDA_ENI_TYPE
            eni.requester_managed = True
            eni.status = IN_USE
            entry = store[key] = HyperplaneEni(eni.id)
        entry.users.add(function_name)
        entry.released_at = None


def _leave_enis(ec2: EC2Backend, function_name: str, keys: set[EniKey],
                profile: RealAwsProfile) -> None:
    store = _hyperplane(ec2)
    for key in keys:
        entry = store.get(key)
        if entry is None:
            continue
        entry.users.discard(function_name)
        if not entry.users and entry.released_at is None:
            entry.released_at = profile.clock() + profile.eni_release_s


def _release_enis(ec2: EC2Backend, profile: RealAwsProfile) -> None:
    """Delete the ENIs whose release time has come."""
    store = _hyperplane(ec2)
    now = profile.clock()
    for key, entry in list(store.items()):
        if entry.released_at is not None and now >= entry.released_at:
            ec2.enis.pop(entry.eni_id, None)
            del store[key]


def _lambda_create_function(original: Any) -> Any:
    def create_function(self: LambdaBackend, spec: dict[str, Any]) -> Any:
        profile = active(self.account_id)
        if profile is None:
            return original(self, spec)
        ec2 = ec2_backends[self.account_id][self.region_name]
        with _lock:
            _check_vpc_config(ec2, spec.get("VpcConfig"))
            function = original(self, spec)
            stored = self.get_function(spec["FunctionName"])
            for created in {id(function): function, id(stored): stored}.values():
                _stamp(created, "_scribble_created", profile)
            _use_enis(ec2, stored.function_name, _eni_keys(spec.get("VpcConfig")))
        return function
    return create_function


def _lambda_update(original: Any, configuration: bool) -> Any:
    def update(self: LambdaBackend, function_name: str, qualifier: str, body: dict[str, Any]) -> Any:
        profile = active(self.account_id)
        if profile is None:
            return original(self, function_name, qualifier, body)
        ec2 = ec2_backends[self.account_id][self.region_name]
        with _lock:
            function = self.get_function(function_name, qualifier)
            _check_updatable(function, profile)
            moves_vpc = configuration and "VpcConfig" in body
            if moves_vpc:
                _check_vpc_config(ec2, body["VpcConfig"])
                before = _eni_keys(function._vpc_config)
            result = original(self, function_name, qualifier, body)
            _stamp(function, "_scribble_updated", profile)
            if moves_vpc:
                after = _eni_keys(body["VpcConfig"])
                _use_enis(ec2, function.function_name, after)
                _leave_enis(ec2, function.function_name, before - after, profile)
        return result
    return update


def _lambda_delete_function(original: Any) -> Any:
    def delete_function(self: LambdaBackend, function_name: str, qualifier: str | None = None) -> None:
        profile = active(self.account_id)
        if profile is None or qualifier:
            return original(self, function_name, qualifier)
        ec2 = ec2_backends[self.account_id][self.region_name]
        with _lock:
            function = self.get_function(function_name)
            original(self, function_name, qualifier)
            _leave_enis(ec2, function.function_name, _eni_keys(function._vpc_config), profile)
    return delete_function


# -- EC2: what in-use interfaces and live NAT gateways hold ---------------------------------------
def _in_use_enis(backend: EC2Backend, profile: RealAwsProfile) -> list[NetworkInterface]:
    _release_enis(backend, profile)
    return [eni for eni in backend.enis.values() if eni.status == IN_USE]


def _delete_subnet(original: Any) -> Any:
    def delete_subnet(self: EC2Backend, subnet_id: str) -> Any:
        profile = active(self.account_id)
        if profile is not None:
            with _lock:
                held = [eni for eni in _in_use_enis(self, profile) if eni.subnet.id == subnet_id]
                if held or _live_nat_gateways(self, subnet_id=subnet_id):
                    raise _refuse("dependency-violation", DependencyViolationError(
                        f"The subnet '{subnet_id}' has dependencies and cannot be deleted."))
        return original(self, subnet_id)
    return delete_subnet


def _delete_security_group(original: Any) -> Any:
    def delete_security_group(self: EC2Backend, name: str | None = None,
                              group_id: str | None = None) -> Any:
        profile = active(self.account_id)
        if profile is not None:
            group = (self.get_security_group_from_id(group_id) if group_id
                     else self.get_security_group_by_name_or_id(name) if name else None)
            if group is not None:
                with _lock:
                    if any(group in eni.group_set for eni in _in_use_enis(self, profile)):
                        raise _refuse("dependency-violation", DependencyViolationError(
                            f"resource {group.id} has a dependent object"))
        return original(self, name=name, group_id=group_id)
    return delete_security_group


def _delete_vpc(original: Any) -> Any:
    def delete_vpc(self: EC2Backend, vpc_id: str) -> Any:
        profile = active(self.account_id)
        if profile is not None:
            with _lock:
                held = [eni for eni in _in_use_enis(self, profile) if eni.subnet.vpc_id == vpc_id]
                if held or _live_nat_gateways(self, vpc_id=vpc_id):
                    raise _refuse("dependency-violation", DependencyViolationError(
                        f"The vpc '{vpc_id}' has dependencies and cannot be deleted."))
        return original(self, vpc_id)
    return delete_vpc


def _detach_internet_gateway(original: Any) -> Any:
    def detach_internet_gateway(self: EC2Backend, internet_gateway_id: str, vpc_id: str) -> Any:
        if active(self.account_id) is not None:
            public = [nat for nat in _live_nat_gateways(self, vpc_id=vpc_id)
                      if nat.connectivity_type != "private"]
            if public:
                raise _refuse("dependency-violation", DependencyViolationError(
                    f"Network {vpc_id} has some mapped public address(es). Please unmap those "
                    "public address(es) before detaching the gateway."))
        return original(self, internet_gateway_id, vpc_id)
    return detach_internet_gateway


def _delete_network_interface(original: Any) -> Any:
    def delete_network_interface(self: EC2Backend, eni_id: str) -> Any:
        profile = active(self.account_id)
        if profile is not None:
            with _lock:
                if any(eni.id == eni_id for eni in _in_use_enis(self, profile)):
                    raise _refuse("eni-in-use", NetworkInterfaceInUse(eni_id))
        return original(self, eni_id)
    return delete_network_interface


def _releasing_first(original: Any) -> Any:
    """A read of network interfaces first lets go of those whose time has come."""
    def read(self: EC2Backend, *args: Any, **kwargs: Any) -> Any:
        profile = active(self.account_id)
        if profile is not None:
            with _lock:
                _release_enis(self, profile)
        return original(self, *args, **kwargs)
    return read


def _eni_filter_value(original: Any) -> Any:
    extra = {
        "interface-type": lambda eni: eni.interface_type,
        "requester-managed": lambda eni: str(bool(eni.requester_managed)).lower(),
        "status": lambda eni: eni.status,
        "requester-id": lambda eni: eni.requester_id,
    }

    def get_filter_value(self: NetworkInterface, filter_name: str,
                         method_name: str | None = None) -> Any:
        if filter_name in extra:
            return extra[filter_name](self)
        return original(self, filter_name, method_name)
    return get_filter_value


# -- installation -----------------------------------------------------------------------------
_installed = False


def install() -> None:
    """Put the hooks on moto's classes; idempotent. Accounts without a profile are unaffected."""
    global _installed
    with _lock:
        if _installed:
            return
        NatGateway.state = property(_nat_state, _set_nat_state)  # type: ignore[assignment]
        NatGateway.__init__ = _nat_init(NatGateway.__init__)  # type: ignore[method-assign]
        Distribution.status = property(_distribution_status, _set_distribution_status)  # type: ignore[assignment]
        CloudFrontBackend.create_distribution_with_tags = _deploying(
            CloudFrontBackend.create_distribution_with_tags)
        CloudFrontBackend.update_distribution = _deploying(CloudFrontBackend.update_distribution)
        CloudFrontBackend.delete_distribution = _delete_distribution(CloudFrontBackend.delete_distribution)
        LambdaFunction.get_configuration = _get_configuration(LambdaFunction.get_configuration)
        LambdaBackend.create_function = _lambda_create_function(LambdaBackend.create_function)
        LambdaBackend.update_function_code = _lambda_update(
            LambdaBackend.update_function_code, configuration=False)
        LambdaBackend.update_function_configuration = _lambda_update(
            LambdaBackend.update_function_configuration, configuration=True)
        LambdaBackend.delete_function = _lambda_delete_function(LambdaBackend.delete_function)
        EC2Backend.delete_subnet = _delete_subnet(EC2Backend.delete_subnet)
        EC2Backend.delete_security_group = _delete_security_group(EC2Backend.delete_security_group)
        EC2Backend.delete_vpc = _delete_vpc(EC2Backend.delete_vpc)
        EC2Backend.detach_internet_gateway = _detach_internet_gateway(
            EC2Backend.detach_internet_gateway)
        EC2Backend.delete_network_interface = _delete_network_interface(
            EC2Backend.delete_network_interface)
        EC2Backend.get_all_network_interfaces = _releasing_first(EC2Backend.get_all_network_interfaces)
        EC2Backend.describe_network_interfaces = _releasing_first(EC2Backend.describe_network_interfaces)
        NetworkInterface.get_filter_value = _eni_filter_value(NetworkInterface.get_filter_value)
        _installed = True

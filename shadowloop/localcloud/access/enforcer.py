"""Every AWS call made as a principal is allowed or refused as IAM, KMS and the resource would.

:class:`AccessControl` wraps ``botocore.client.BaseClient._make_api_call`` (whatever
wraps it already stays inside) and gives the state machine's SDK clients its role.
A call from a principal is turned into IAM requests (:mod:`.operations`), each decided
from the principal's identity policies together with the resource's own policy; a
refusal raises the ``ClientError`` the service would, naming principal, action and
resource. Calls from no principal (tests, the CLI, the demo) are the administrator's.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterator
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError
from moto.iam.access_control import PermissionResult
from moto.s3.models import FakeBucket

from shadowloop.localcloud.access.operations import AssumeCheck, Call, Check, Unmapped, checks_for
from shadowloop.localcloud.access.policy import Decision, PolicyError, decide, decide_resource
from shadowloop.localcloud.access.principals import Principal, acting_as, current
from shadowloop.localcloud.access.store import PolicyStore
from shadowloop.localcloud.template import ACCOUNT

PATCHED = (BaseClient, "_make_api_call")
# moto's own bucket-policy check misreads conditions (CDK's TLS-only deny refuses every
# request); bucket policies are decided here instead.
MOTO_BUCKET_POLICY = (FakeBucket, "get_permission")
# Where moto's Step Functions interpreter creates the SDK clients of its tasks.
STATE_MACHINE_CLIENTS = "moto.stepfunctions.parser.asl.utils.boto_client"
_CLIENT_USERS = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service."
    "state_task_service_aws_sdk",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns",
)
_PRINCIPAL_ATTRIBUTE = "_localcloud_principal"
# The error code each service answers a refused call with.
_DENIED_CODE = {
    "s3": "AccessDenied",
    "sns": "AuthorizationError",
    "cloudwatch": "AccessDenied",
    "iam": "AccessDenied",
    "sts": "AccessDenied",
}
_KMS_DENIED_CODE = {"sns": "KMSAccessDenied"}
_STATUS = {"AccessDenied": 403, "AuthorizationError": 403, "KMSAccessDenied": 400}


class AccessDenied(Exception):
    """One IAM request was refused; ``message`` is what AWS says."""

    def __init__(self, check: Check, principal: Principal, reason: str) -> None:
        self.check = check
        self.principal = principal
        self.message = (
            f"User: {principal.caller_arn} is not authorized to perform: {check.action} "
            f"on resource: {check.resource} because {reason}"
        )
        super().__init__(self.message)


class AccessControl:
    """Evaluates IAM and resource policies for every call made as a principal, while installed."""

    def __init__(self, *, region: str) -> None:
        self.store = PolicyStore(region=region)
        self.region = region
        self._patches: list[tuple[Any, str, Any]] = []

    # -- installing --------------------------------------------------------------------

    def install(self) -> None:
        control = self
        make_api_call = getattr(*PATCHED)

        def _make_api_call(client: BaseClient, operation_name: str, api_params: Any) -> Any:
            principal = getattr(client, _PRINCIPAL_ATTRIBUTE, None) or current()
            if principal is None:
                return make_api_call(client, operation_name, api_params)
            control.authorize_call(client, principal, operation_name, api_params)
            # What the service does in turn (a Lambda task runs a handler) starts as this caller.
            with acting_as(principal):
                return make_api_call(client, operation_name, api_params)

        self._patch(*PATCHED, _make_api_call)
        self._patch(*MOTO_BUCKET_POLICY, lambda bucket, action, resource: PermissionResult.NEUTRAL)
        self._patch_state_machine_clients()

    def uninstall(self) -> None:
        for owner, name, original in reversed(self._patches):
            setattr(owner, name, original)
        self._patches.clear()

    def _patch_state_machine_clients(self) -> None:
        """Tasks' SDK clients act as the role the execution runs with."""
        original = importlib.import_module(STATE_MACHINE_CLIENTS).boto_client_for

        def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
            client = original(region=region, service=service, state_credentials=state_credentials)
            role = getattr(state_credentials, "role_arn", None)
            if role:
                setattr(client, _PRINCIPAL_ATTRIBUTE, Principal.role(role, session="StepFunctions"))
            return client

        for module_name in (STATE_MACHINE_CLIENTS, *_CLIENT_USERS):
            module = importlib.import_module(module_name)
            self._patch(module, "boto_client_for", boto_client_for)

    def _patch(self, owner: Any, name: str, replacement: Any) -> None:
        self._patches.append((owner, name, getattr(owner, name)))
        setattr(owner, name, replacement)

    # -- deciding ----------------------------------------------------------------------

    def authorize_call(
        self, client: BaseClient, principal: Principal, operation: str, params: Any
    ) -> None:
        """Raise the service's ClientError if ``principal`` may not make this call."""
        service = client.meta.service_model.service_name
        call = Call(service, operation, params or {}, self.region, self.store)
        try:
            checks = checks_for(call)
        except Unmapped as exc:
            raise _client_error(
                "AccessDeniedException",
                f"User: {principal.caller_arn} is not authorized to perform: {exc} because the "
                "local cloud has no IAM mapping for this operation (add it to "
                "shadowloop/localcloud/access/operations.py)",
                operation,
            ) from None
        except KeyError as exc:
            raise _client_error(
                "ValidationException", f"missing required parameter {exc}", operation
            ) from None
        for check in checks:
            try:
                self.require(principal, check)
            except AccessDenied as denied:
                raise _denied_error(service, denied, operation) from None
            except _Untrusted as untrusted:
                raise _client_error("ValidationException", str(untrusted), operation) from None

    def require(self, principal: Principal, check: Check | AssumeCheck) -> None:
        """Raise AccessDenied unless the request is allowed (the checked principal may differ)."""
        if isinstance(check, AssumeCheck):
            return self._require_trust(check)
        who = check.principal or principal
        context = self._context(who, check)
        try:
            if check.resource.startswith("arn:aws:kms:"):
                return self._require_key(who, check, context)
            return self._require_resource(who, check, context)
        except PolicyError as exc:
            raise AccessDenied(check, who, f"a policy cannot be evaluated locally: {exc}") from None

    def require_all(self, principal: Principal, checks: list[Any]) -> None:
        for check in checks:
            self.require(principal, check)

    def require_call(
        self, principal: Principal, service: str, operation: str, params: dict[str, Any]
    ) -> None:
        """Raise AccessDenied unless ``principal`` may make this call (for services' own work)."""
        self.require_all(
            principal, checks_for(Call(service, operation, params, self.region, self.store))
        )

    def _context(self, principal: Principal, check: Check) -> dict[str, Any]:
        # Every AWS SDK endpoint is HTTPS; the local cloud stands in for those endpoints.
        context: dict[str, Any] = {
            "aws:SecureTransport": "true",
            "aws:PrincipalAccount": principal.account,
            "aws:PrincipalArn": principal.arn,
            "aws:CalledVia": [f"{check.on_behalf_of}.amazonaws.com"] if check.on_behalf_of else [],
            **check.context,
        }
        if principal.is_service:
            context["aws:SourceAccount"] = principal.account
            if principal.source_arn:
                context["aws:SourceArn"] = principal.source_arn
        return context

    def _identity(self, principal: Principal) -> Iterator[Any]:
        return iter([] if principal.is_service else self.store.identity_policies(principal.arn))

    def _resource_policy(self, check: Check) -> Any:
        resource = check.resource
        if resource.startswith("arn:aws:s3:::"):
            return self.store.bucket_policy(resource.removeprefix("arn:aws:s3:::").split("/")[0])
        if resource.startswith("arn:aws:sns:"):
            return self.store.topic_policy(resource)
        return ()

    def _require_resource(self, who: Principal, check: Check, context: dict[str, Any]) -> None:
        """Same account: an explicit deny anywhere refuses; an allow in either policy suffices."""
        identity = decide(self._identity(who), check.action, check.resource, context)
        resource, _ = decide_resource(
            self._resource_policy(check), who, check.action, check.resource, context
        )
        if Decision.DENY in (identity, resource):
            where = "resource-based" if resource is Decision.DENY else "identity-based"
            raise AccessDenied(check, who, f"with an explicit deny in a {where} policy")
        if Decision.ALLOW not in (identity, resource):
            raise AccessDenied(check, who, _no_allow(who, check))

    def _require_key(self, who: Principal, check: Check, context: dict[str, Any]) -> None:
        """KMS: the key policy decides; naming the account root lets IAM policies decide."""
        key_policy = self.store.key_policy(check.resource)
        by_key, delegated = decide_resource(key_policy, who, check.action, check.resource, context)
        identity = (
            decide(self._identity(who), check.action, check.resource, context)
            if delegated
            else Decision.NONE
        )
        if Decision.DENY in (by_key, identity):
            raise AccessDenied(check, who, "with an explicit deny")
        if by_key is Decision.ALLOW or identity is Decision.ALLOW:
            return
        if who.is_service or not delegated:
            raise AccessDenied(
                check, who, f"no resource-based policy allows the {check.action} action"
            )
        raise AccessDenied(check, who, f"no identity-based policy allows the {check.action} action")

    def _require_trust(self, check: AssumeCheck) -> None:
        trust = self.store.trust_policy(check.role_arn)
        service = Principal.aws_service(check.service, source_arn=check.source_arn)
        context = {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": check.source_arn}
        decision, _ = decide_resource(
            trust or (), service, "sts:AssumeRole", check.role_arn, context
        )
        if decision is not Decision.ALLOW:
            raise _Untrusted(
                f"Could not assume role {check.role_arn}. Please ensure that the role exists "
                f"and allows principal '{check.service}' to assume the role."
            )


class _Untrusted(Exception):
    """A role's trust policy does not let the service act as it."""


def _no_allow(who: Principal, check: Check) -> str:
    if who.is_service:
        return f"no resource-based policy allows the {check.action} action"
    return f"no identity-based policy allows the {check.action} action"


def _denied_error(service: str, denied: AccessDenied, operation: str) -> ClientError:
    kms_for_caller = denied.check.on_behalf_of is not None and denied.check.action.startswith(
        "kms:"
    )
    code = (_KMS_DENIED_CODE if kms_for_caller else _DENIED_CODE).get(
        service, "AccessDenied" if kms_for_caller and service == "s3" else "AccessDeniedException"
    )
    return _client_error(code, denied.message, operation)


def _client_error(code: str, message: str, operation: str) -> ClientError:
    error = {"Code": code, "Message": message}
    metadata = {"RequestId": str(uuid.uuid4()), "HTTPStatusCode": _STATUS.get(code, 400)}
    return ClientError({"Error": error, "ResponseMetadata": metadata}, operation)

"""The policies AWS would consult, read from where moto keeps them.

The provisioner writes each template's role policies, bucket policies, key policies
and topic policies into moto as CloudFormation would, so a test (or a user) that
changes one through the API changes what the next call is allowed to do.
"""

from __future__ import annotations

from typing import Any

from moto.iam.models import iam_backends
from moto.kms.models import kms_backends
from moto.s3.models import s3_backends
from moto.sagemaker.models import sagemaker_backends
from moto.sns.models import sns_backends

from shadowloop.localcloud.access.policy import statements
from shadowloop.localcloud.template import ACCOUNT, PARTITION

Document = tuple[dict[str, Any], ...]


class PolicyStore:
    """Looks up identity and resource policies in one account and region of moto."""

    def __init__(self, *, region: str, account: str = ACCOUNT) -> None:
        self.region = region
        self.account = account

    # -- identities --------------------------------------------------------------------

    def _role(self, role_arn: str) -> Any:
        try:
            return iam_backends[self.account][PARTITION].get_role_by_arn(role_arn)
        except Exception:
            return None

    def identity_policies(self, role_arn: str) -> list[Document]:
        """The role's inline and attached managed policies; none for an unknown role."""
        role = self._role(role_arn)
        if role is None:
            return []
        documents = [statements(text) for text in role.policies.values()]
        for managed in role.managed_policies.values():
            default = next((v for v in managed.versions if v.is_default), None)
            if default is not None:
                documents.append(statements(default.document))
        return documents

    def trust_policy(self, role_arn: str) -> Document | None:
        role = self._role(role_arn)
        return None if role is None else statements(role.assume_role_policy_document)

    # -- resources ---------------------------------------------------------------------

    def _s3(self) -> Any:
        return s3_backends[self.account][PARTITION]

    def bucket_policy(self, bucket: str) -> Document:
        found = self._s3().buckets.get(bucket)
        policy = getattr(found, "policy", None)
        return statements(policy.decode() if isinstance(policy, bytes) else policy)

    def bucket_key(self, bucket: str) -> str | None:
        """The KMS key a bucket's default encryption writes new objects with."""
        found = self._s3().buckets.get(bucket)
        rules = (getattr(found, "encryption", None) or {}).get("Rule") or []
        for rule in rules if isinstance(rules, list) else [rules]:
            default = rule.get("ApplyServerSideEncryptionByDefault") or {}
            if default.get("SSEAlgorithm") == "aws:kms":
                return self.key_arn(default.get("KMSMasterKeyID") or "alias/aws/s3")
        return None

    def object_key(self, bucket: str, key: str, version_id: str | None = None) -> str | None:
        """The KMS key an existing object is encrypted with (None: not SSE-KMS, or no object)."""
        try:
            found = self._s3().get_object(bucket, key, version_id=version_id)
        except Exception:
            return None
        if found is None or getattr(found, "encryption", None) != "aws:kms":
            return None
        return self.key_arn(found.kms_key_id or "alias/aws/s3")

    def key_arn(self, key_id: str) -> str:
        """Any key id, ARN or alias as the key's ARN (unknown ids are returned as given)."""
        backend = kms_backends[self.account][self.region]
        try:
            return backend.keys[backend.any_id_to_key_id(key_id)].arn
        except Exception:
            return key_id

    def key_policy(self, key_arn: str) -> Document:
        backend = kms_backends[self.account][self.region]
        try:
            return statements(backend.keys[backend.any_id_to_key_id(key_arn)].policy)
        except Exception:
            return ()

    def _topic(self, topic_arn: str) -> Any:
        return sns_backends[self.account][self.region].topics.get(topic_arn)

    def topic_policy(self, topic_arn: str) -> Document:
        topic = self._topic(topic_arn)
        return () if topic is None else statements(topic.policy)

    def topic_key(self, topic_arn: str) -> str | None:
        topic = self._topic(topic_arn)
        key = getattr(topic, "kms_master_key_id", "") if topic is not None else ""
        return self.key_arn(key) if key else None

    # -- SageMaker ---------------------------------------------------------------------

    def model_roles(self, endpoint_config_name: str) -> list[str]:
        """The execution roles of an endpoint config's models (SageMaker acts as them)."""
        backend = sagemaker_backends[self.account][self.region]
        config = backend.endpoint_configs.get(endpoint_config_name)
        if config is None:
            return []
        roles = []
        variants = list(config.production_variants or [])
        variants += list(getattr(config, "shadow_production_variants", None) or [])
        for variant in variants:
            model = backend._models.get(variant.get("ModelName", ""))
            role = getattr(model, "execution_role_arn", None)
            if role and role not in roles:
                roles.append(role)
        return roles

    def execution_role_of(self, model_name: str) -> str | None:
        backend = sagemaker_backends[self.account][self.region]
        model = backend._models.get(model_name)
        return getattr(model, "execution_role_arn", None)

"""Who is calling: the principal each thread acts as in the local cloud.

Nothing set means the caller is outside every function and service (a test, the CLI,
the demo acting as the user): the account's administrator, who is never checked.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from shadowloop.localcloud.template import ACCOUNT, PARTITION


@dataclass(frozen=True)
class Principal:
    """An IAM role session, or an AWS service acting for a resource of this account."""

    arn: str
    session: str = ""
    service: str | None = None
    source_arn: str | None = None
    account: str = ACCOUNT

    @classmethod
    def role(cls, role_arn: str, *, session: str) -> Principal:
        return cls(arn=role_arn, session=session)

    @classmethod
    def aws_service(cls, service: str, *, source_arn: str | None = None) -> Principal:
        return cls(arn=service, service=service, source_arn=source_arn)

    @property
    def is_service(self) -> bool:
        return self.service is not None

    @property
    def role_name(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    @property
    def caller_arn(self) -> str:
        """What AWS names in an AccessDenied message: the assumed-role session, or the service."""
        if self.service is not None:
            return self.service
        return f"arn:{PARTITION}:sts::{self.account}:assumed-role/{self.role_name}/{self.session}"


_local = threading.local()


def current() -> Principal | None:
    """The principal this thread acts as; None is the unrestricted account administrator."""
    return getattr(_local, "principal", None)


@contextlib.contextmanager
def acting_as(principal: Principal | None) -> Iterator[None]:
    """Run the block as ``principal`` (None: as the administrator), then restore the caller."""
    previous = current()
    _local.principal = principal
    try:
        yield
    finally:
        _local.principal = previous

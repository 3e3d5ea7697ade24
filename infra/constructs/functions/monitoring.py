"""What the three scheduled checks share: their size, and the pipeline they may start."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn

CHECK = {"memory_size": 1024, "timeout": Duration.minutes(5), "needs_numpy": True}


def allow_retraining(role: iam.IRole, state_machine: sfn.IStateMachine) -> None:
    """Start the pipeline, and list its executions (a running retrain is not started twice)."""
    state_machine.grant_start_execution(role)
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["states:ListExecutions"], resources=[state_machine.state_machine_arn]
        )
    )

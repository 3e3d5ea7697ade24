"""Sizes shared by the function units: the ones that read whole datasets or windows are heavy."""

from __future__ import annotations

from aws_cdk import Duration

HEAVY = {"memory_size": 1024, "timeout": Duration.minutes(5)}
LIGHT = {"memory_size": 256, "timeout": Duration.minutes(1)}

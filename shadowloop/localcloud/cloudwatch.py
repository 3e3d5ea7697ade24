"""Percentile statistics (``p99``) for moto's CloudWatch, which computes none.

SageMaker's ``ModelLatency`` is read as p99 by the promotion check and the alarms;
moto answers a percentile with nothing, so this fills it in from the raw points.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from moto.cloudwatch.models import Statistics

PATCHED = (Statistics, "get_statistics_for_type")
_PERCENTILE = re.compile(r"^p(\d{1,2}(\.\d+)?)$")


class Percentiles:
    """Installs percentile support on moto's CloudWatch statistics."""

    def __init__(self) -> None:
        self._original = getattr(*PATCHED)

    def install(self) -> None:
        original = self._original

        def get_statistics_for_type(statistics: Any, stat: str) -> Any:
            match = _PERCENTILE.match(stat)
            if match is None:
                return original(statistics, stat)
            values = statistics.metric_single_values_list
            return float(np.percentile(values, float(match.group(1)))) if values else None

        setattr(*PATCHED, get_statistics_for_type)

    def uninstall(self) -> None:
        setattr(*PATCHED, self._original)

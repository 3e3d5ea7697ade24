"""The promotion check's settings, read once per cold start."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.shared.contracts import environment as env
from lambdas.shared.settings import ModelSpec, integer, model_spec, number, per_cold_start, text

VARIABLES = env.FUNCTIONS["promotion_check"]


@dataclass(frozen=True)
class PromotionSettings:
    endpoint_name: str
    capture_bucket: str
    inference_table: str
    artifact_bucket: str
    model_spec: ModelSpec
    margin: float
    min_labelled: int
    deploy_function_name: str
    alpha: float = 0.05
    """The chance of any wrong promotion over a challenger's shadow life, spent across looks."""
    label_horizon_hours: int = 24
    """Hours after which a prediction's hour is counted for good; later labels are not."""

    @classmethod
    def from_environment(cls) -> PromotionSettings:
        return cls(
            endpoint_name=text(env.ENDPOINT_NAME),
            capture_bucket=text(env.CAPTURE_BUCKET),
            inference_table=text(env.INFERENCE_TABLE),
            artifact_bucket=text(env.ARTIFACT_BUCKET),
            model_spec=model_spec(),
            margin=number(env.PROMOTION_MARGIN),
            min_labelled=integer(env.PROMOTION_MIN_LABELLED),
            deploy_function_name=text(env.DEPLOY_FUNCTION_NAME),
            alpha=number(env.PROMOTION_ALPHA),
            label_horizon_hours=integer(env.PROMOTION_LABEL_HORIZON_HOURS),
        )


settings = per_cold_start(VARIABLES)(PromotionSettings.from_environment)

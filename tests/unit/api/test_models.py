"""GET /model's summary when a challenger runs in shadow (moto drops shadow variants)."""

from __future__ import annotations

from lambdas.api import models

CHAMPION_ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/delivery-eta/3"
CHALLENGER_ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/delivery-eta/4"


class SageMakerWithShadow:
    """Answers the describe calls for an endpoint with a champion and a challenger."""

    def describe_endpoint(self, EndpointName):
        return {"EndpointConfigName": "config-7", "EndpointStatus": "Updating"}

    def describe_endpoint_config(self, EndpointConfigName):
        return {
            "ProductionVariants": [{"VariantName": "champion", "ModelName": "m-3"}],
            "ShadowProductionVariants": [{"VariantName": "challenger", "ModelName": "m-4"}],
        }

    def describe_model(self, ModelName):
        arn = {"m-3": CHAMPION_ARN, "m-4": CHALLENGER_ARN}[ModelName]
        return {"PrimaryContainer": {"ModelPackageName": arn}}

    def describe_model_package(self, ModelPackageName):
        version = int(ModelPackageName.rsplit("/", 1)[1])
        return {
            "ModelPackageVersion": version,
            "ModelApprovalStatus": "Approved",
            "CustomerMetadataProperties": {"metric": "rmse", "metric_value": str(10 - version)},
        }


def test_the_summary_shows_the_challenger_in_shadow():
    summary = models.summary(SageMakerWithShadow(), "shadowloop-dev")

    assert summary["status"] == "Updating"
    assert summary["production"]["model_package_arn"] == CHAMPION_ARN
    assert summary["shadow"]["variant"] == "challenger"
    assert summary["shadow"]["model_package_arn"] == CHALLENGER_ARN
    assert summary["shadow"]["version"] == 4
    assert summary["shadow"]["metrics"]["value"] == 6.0


def test_the_challenger_package_is_named_when_the_shadow_answers():
    package = models.ServedModels().package(SageMakerWithShadow(), "shadowloop-dev", "challenger")

    assert (package.arn, package.version) == (CHALLENGER_ARN, 4)

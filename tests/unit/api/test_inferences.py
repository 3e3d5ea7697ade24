"""The audit record's item format: what is written is what is read back, exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from lambdas.api import errors, inferences
from lambdas.api.inferences import Inference

PREDICTED_AT = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
INSTANCE = {"distance_km": 4.2, "hour": 18, "city_zone": "nörth"}


def _record(prediction, **overrides) -> Inference:
    fields = {
        "inference_id": "a" * 32,
        "batch_id": "b" * 32,
        "variant": "champion",
        "model_package_arn": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/g/3",
        "version_id": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
        "code_version": "a1b2c3d",
        "input": inferences.encode_input(0, INSTANCE),
        "prediction": prediction,
        "predicted_at": PREDICTED_AT,
        "expires_at": inferences.expiry(PREDICTED_AT, 365),
    }
    return Inference(**{**fields, **overrides})


def test_the_item_holds_the_model_its_lineage_the_input_and_the_output():
    item = inferences.to_item(_record(21.43719823498123))

    assert item["input"] == {"S": '{"distance_km":4.2,"hour":18,"city_zone":"nörth"}'}
    assert item["prediction"] == {"N": "21.43719823498123"}
    assert item["model_package_arn"]["S"].endswith("model-package/g/3")
    assert item["version_id"] == {"S": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"}
    assert item["code_version"] == {"S": "a1b2c3d"}
    assert item["predicted_at"] == {"S": "2026-03-01T09:30:15.123456+00:00"}
    # TTL: a year after the prediction, in epoch seconds
    assert item["expires_at"] == {
        "N": str(int(datetime(2027, 3, 1, 9, 30, 15, tzinfo=UTC).timestamp()))
    }


@pytest.mark.parametrize(
    "prediction",
    [21.43719823498123, 1.5e-07, -3, "late", "true", "7", [0.25, 0.75], {"late": 0.4}],
)
def test_a_record_reads_back_exactly_as_written(prediction):
    record = _record(prediction)

    back = inferences.from_item(inferences.to_item(record))

    assert back == record
    assert type(back.prediction) is type(prediction)
    assert json.loads(back.input) == INSTANCE


def test_a_record_without_a_package_leaves_the_lineage_out():
    record = _record(30.5, model_package_arn=None, version_id=None, code_version=None)

    item = inferences.to_item(record)

    assert not {"model_package_arn", "version_id", "code_version"} & set(item)
    assert inferences.from_item(item) == record


def test_an_item_written_before_inputs_were_kept_reads_with_an_empty_input():
    item = inferences.to_item(_record(30.5))
    del item["input"], item["version_id"], item["code_version"]

    back = inferences.from_item(item)

    assert back.input == "" and back.version_id is None and back.prediction == 30.5


def test_an_instance_too_large_to_record_is_refused_with_its_size():
    instance = {"city_zone": "z" * inferences.MAX_INPUT_BYTES}

    with pytest.raises(errors.PayloadTooLarge) as refused:
        inferences.encode_input(3, instance)

    size = inferences.MAX_INPUT_BYTES + len('{"city_zone":""}')
    assert str(refused.value) == (
        f"instance 3 is {size} bytes once recorded; the limit is {inferences.MAX_INPUT_BYTES} bytes"
    )

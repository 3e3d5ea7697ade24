import json

import modelspec
import pytest
from modelspec import SpecError


def test_parses_the_wire_form_of_the_deployed_config(spec_dict):
    spec = modelspec.parse(json.dumps(spec_dict))

    assert spec.to_dict() == spec_dict
    assert spec.target == "delivery_minutes"
    assert spec.names_of("categorical") == ["city_zone"]
    assert [f.name for f in spec.features if f.critical] == ["rain_mm", "traffic_index"]


def test_accepts_a_spec_json_encoded_twice(spec_dict):
    # The SageMaker SDK JSON-encodes every hyperparameter value once more.
    twice = json.dumps(json.dumps(spec_dict))

    assert modelspec.parse(twice).to_dict() == spec_dict


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"target": None}, "missing field 'target'"),
        ({"task": "forecast"}, "task 'forecast' is not one of regression, classification"),
        ({"direction": "up"}, "direction 'up' is not one of minimize, maximize"),
        ({"features": []}, "'features' is empty"),
        ({"features": [{"name": "a", "type": "text"}]}, "features[0] (a) has type 'text'"),
        ({"segment": "colour"}, "segment 'colour' is not one of the features"),
        (
            {"features": [{"name": "a", "type": "numeric"}, {"name": "a", "type": "numeric"}]},
            "feature a is listed twice",
        ),
    ],
)
def test_a_bad_spec_is_refused_naming_the_field(spec_dict, change, message):
    broken = {**spec_dict, **change}
    broken = {k: v for k, v in broken.items() if v is not None}

    with pytest.raises(SpecError) as error:
        modelspec.parse(broken)

    assert message in str(error.value)


def test_text_that_is_not_json_is_refused():
    with pytest.raises(SpecError, match="not valid JSON"):
        modelspec.parse("{dataset: eta")

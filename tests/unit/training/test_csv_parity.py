"""ValidateData and training read a CSV by the same rules: what one passes, the other reads."""

from __future__ import annotations

import io

# training/ is on sys.path (conftest), as in the SageMaker container.
import modelspec
import numpy as np
import pytest
from features import InputError, model_inputs, read_csv_dir

from lambdas.shared import csvtext
from lambdas.validate_data.quality import check
from tests.unit.pipeline.data import SPEC, SPEC_DICT, rows, to_csv


@pytest.fixture
def training_spec():
    return modelspec.parse(SPEC_DICT)


def _validate(body: bytes):
    return check(csvtext.records(io.BytesIO(body)), SPEC)


def _train_read(tmp_path, body: bytes):
    (tmp_path / "data.csv").write_bytes(body)
    frame, _ = read_csv_dir(tmp_path)
    return frame


def _with_odd_spellings() -> bytes:
    data = rows(60)
    data[4]["rain_mm"] = "NAN"
    data[7]["traffic_index"] = " null "
    data[9]["city_zone"] = "None"
    body = to_csv(data).replace(b"hour,", b" hour ,", 1)
    return b"\xef\xbb\xbf" + body


def test_odd_missing_spellings_and_a_padded_header_pass_both(tmp_path, training_spec):
    body = _with_odd_spellings()

    report = _validate(body)
    frame = _train_read(tmp_path, body)
    inputs = model_inputs(frame, training_spec)

    assert report.passed, report.errors
    assert report.columns["rain_mm"]["missing"] == 1
    assert report.columns["traffic_index"]["missing"] == 1
    assert report.columns["city_zone"]["missing"] == 1
    assert "hour" in frame.columns and frame.columns[0] == "distance_km"
    assert np.isnan(inputs["rain_mm"].iloc[4])
    assert np.isnan(inputs["traffic_index"].iloc[7])
    assert inputs["city_zone"].isna().sum() == 1
    assert inputs["rain_mm"].isna().sum() == 1


def test_both_name_the_same_spreadsheet_row(tmp_path, training_spec):
    data = rows(60)
    data[3]["hour"] = "noon"
    body = to_csv(data)

    report = _validate(body)
    with pytest.raises(InputError) as trained:
        model_inputs(_train_read(tmp_path, body), training_spec)

    assert "(row 5)" in report.errors[0]
    assert "row 5 has 'noon'" in str(trained.value)


def test_bad_bytes_are_refused_by_both(tmp_path):
    body = to_csv(rows(60)).replace(b"north", b"nor\xfft", 1)

    with pytest.raises(csvtext.UnreadableCsv, match="not valid UTF-8"):
        _validate(body)
    with pytest.raises(InputError, match="not a readable CSV"):
        _train_read(tmp_path, body)

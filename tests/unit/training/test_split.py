import numpy as np
import pandas as pd
import pytest
from split import holdout_mask, holdout_rows

from shadowloop.ops import examples


def test_about_a_fifth_of_the_rows_are_held_out(baseline_frame):
    mask = holdout_mask(baseline_frame)

    assert mask.dtype == bool
    assert 0.17 < mask.mean() < 0.23


def test_appended_rows_leave_the_old_rows_on_their_side(baseline_frame, spec):
    # Given the next dataset version appends new orders to the old ones
    appended = pd.concat(
        [baseline_frame, examples.generate("monsoon", rows=500, seed=5)], ignore_index=True
    )

    # When both versions are split
    before = holdout_rows(baseline_frame, spec)
    after = holdout_rows(appended, spec)

    # Then no old row changed sides
    np.testing.assert_array_equal(after[: len(baseline_frame)], before)


def test_the_split_survives_a_csv_round_trip_and_reordered_rows(baseline_frame, tmp_path):
    path = tmp_path / "data.csv"
    baseline_frame.to_csv(path, index=False)
    reread = pd.read_csv(path).iloc[::-1]

    np.testing.assert_array_equal(holdout_mask(reread), holdout_mask(baseline_frame)[::-1])


def test_an_int_column_read_back_as_float_keeps_its_rows_assignment():
    ints = pd.DataFrame({"items": np.arange(200), "zone": ["north"] * 200})
    floats = ints.astype({"items": float})

    np.testing.assert_array_equal(holdout_mask(ints), holdout_mask(floats))


def test_only_the_named_columns_decide(baseline_frame, spec):
    with_extra = baseline_frame.assign(received_at=np.arange(len(baseline_frame)).astype(str))

    np.testing.assert_array_equal(
        holdout_rows(with_extra, spec), holdout_rows(baseline_frame, spec)
    )


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5])
def test_a_fraction_outside_zero_and_one_is_refused(baseline_frame, fraction):
    with pytest.raises(ValueError, match="between 0 and 1"):
        holdout_mask(baseline_frame, fraction)

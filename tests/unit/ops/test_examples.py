"""The example orders the demo, the tests and ``shadowloop data generate`` use."""

import pandas as pd
import pytest

from shadowloop.ops import examples as data


def test_the_same_arguments_give_the_same_orders():
    first = data.generate("monsoon", rows=500, seed=7)
    again = data.generate("monsoon", rows=500, seed=7)
    other_seed = data.generate("monsoon", rows=500, seed=8)

    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other_seed)


@pytest.fixture(scope="module")
def baseline_frame():
    return data.generate("baseline", rows=3000, seed=0)


@pytest.fixture(scope="module")
def monsoon_frame():
    return data.generate("monsoon", rows=3000, seed=1)


def test_orders_have_the_documented_columns_and_sane_values(baseline_frame):
    assert tuple(baseline_frame.columns) == data.COLUMNS
    assert set(baseline_frame["city_zone"]) == set(data.ZONES)
    assert baseline_frame.notna().all().all()
    assert (baseline_frame["delivery_minutes"] > baseline_frame["prep_minutes"]).all()
    assert baseline_frame["hour"].between(0, 23).all()
    assert baseline_frame["traffic_index"].between(0, 10).all()


def test_monsoon_brings_more_rain_and_traffic(baseline_frame, monsoon_frame):
    assert monsoon_frame["rain_mm"].mean() > 5 * baseline_frame["rain_mm"].mean()
    assert monsoon_frame["traffic_index"].mean() > baseline_frame["traffic_index"].mean() + 1


def test_new_road_clears_the_east_and_lengthens_trips(baseline_frame):
    new_road = data.generate("new_road", rows=len(baseline_frame), seed=0)

    def east_traffic(frame):
        return frame.loc[frame["city_zone"] == "east", "traffic_index"].mean()

    assert east_traffic(new_road) < east_traffic(baseline_frame) - 2
    assert new_road["distance_km"].median() > 1.2 * baseline_frame["distance_km"].median()


def test_an_unknown_scenario_names_the_known_ones():
    with pytest.raises(
        ValueError, match="unknown scenario 'drought'.*baseline, monsoon, new_road, roadworks"
    ):
        data.generate("drought")


def test_roadworks_keep_the_inputs_and_slow_only_the_east_and_centre():
    # Given the same seed in the baseline world and with roadworks
    calm, works = data.generate("baseline", 4000, 3), data.generate("roadworks", 4000, 3)

    # Then every input is identical and only deliveries in the two zones take longer
    inputs = [c for c in data.COLUMNS if c != data.TARGET]
    assert calm[inputs].equals(works[inputs])
    slow = works["city_zone"].isin(["east", "centre"])
    delay = works[data.TARGET] - calm[data.TARGET]
    assert (delay[~slow].abs() < 1e-9).all()
    assert delay[slow].mean() > 15

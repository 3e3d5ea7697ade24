"""Replay's verdict: reproduced only by the identical answer."""

from __future__ import annotations

import pytest

from shadowloop.ops.replay import Replay, same_answer


@pytest.mark.parametrize(
    ("stored", "replayed"),
    [
        (27.318402716395703, 27.318402716395703),
        (30, 30.0),
        ("late", "late"),
        ([0.2, 0.8], [0.2, 0.8]),
    ],
)
def test_the_same_answer_is_reproduced(stored, replayed):
    assert same_answer(stored, replayed)


@pytest.mark.parametrize(
    ("stored", "replayed"),
    [
        (27.318402716395703, 27.318402716395706),
        ("late", "on time"),
        ([0.2, 0.8], [0.2000001, 0.7999999]),
        (True, 1.0),
        ("1", 1),
    ],
)
def test_any_difference_is_not_reproduced(stored, replayed):
    assert not same_answer(stored, replayed)


def test_the_difference_names_both_answers_and_the_gap():
    replay = Replay(model_data_url="s3://a/model.tar.gz", stored=21.5, replayed=21.25)

    assert not replay.reproduced
    assert replay.difference == "recorded 21.5, the model now answers 21.25 (off by -0.25)"
    assert Replay(model_data_url="s3://a/m", stored=1.5, replayed=1.5).difference is None

"""The example worlds are different enough that a model trained in one fails in another."""

import evaluate
import modelfiles
from modelspec import ModelSpec

from shadowloop.ops import examples


def test_a_baseline_model_is_clearly_worse_in_the_monsoon(
    spec: ModelSpec, baseline_pipeline, monsoon_pipeline, baseline_frame
):
    # Given models trained on baseline and on monsoon orders
    fresh_monsoon = examples.generate("monsoon", rows=1000, seed=99)

    def rmse(pipeline, frame):
        model = modelfiles.TrainedModel(pipeline=pipeline, spec=spec, metadata={})
        return evaluate.score(model, frame, spec)["rmse"]

    # When both answer for new monsoon orders
    baseline_rmse = rmse(baseline_pipeline, fresh_monsoon)
    monsoon_rmse = rmse(monsoon_pipeline, fresh_monsoon)

    # Then the world changed (concept drift) and only retraining catches up
    assert 4.0 <= rmse(baseline_pipeline, examples.generate("baseline", 1000, seed=98)) <= 6.0
    assert baseline_rmse > 1.5 * monsoon_rmse
    assert monsoon_rmse < 6.0

"""Notebook 01's playground, driven from Python: every control changes the result as it should."""
import numpy as np

from dlhelpers.experiments import backprop as bp


def final_loss(pg, n=10):
    return float(np.mean(pg.result.history["train_loss"][-n:]))



def test_training_playground_01_controls():
    pg = bp.training_playground()
    assert pg.error is None and pg.n_updates == 1
    assert set(pg.controls) == {"lr", "weight_init_std", "dropout_ratio"}
    base = final_loss(pg)
    first_acc_small_init = pg.result.history["train_acc"][1]

    pg.controls["lr"].value = 0.001                      # too small: the loss barely moves
    assert pg.error is None and final_loss(pg) > base + 0.5
    pg.controls["lr"].value = 3.0                        # too large: loss jumps, ends at chance
    assert pg.error is None
    assert max(pg.result.history["train_loss"]) > 4 and pg.result.final_test_acc < 0.3
    pg.controls["lr"].value = 0.1

    pg.controls["weight_init_std"].scheme.value = "he"   # He starts learning at once
    assert pg.values["weight_init_std"] == "he"
    assert pg.result.history["train_acc"][1] > first_acc_small_init + 0.1

    before = pg.result.history["train_loss"]
    pg.controls["dropout_ratio"].value = 0.5
    assert pg.error is None and pg.values["dropout_ratio"] == 0.5
    assert pg.result.history["train_loss"] != before
    assert pg.result.trainer.network.use_dropout
    assert pg.figure is not None and pg.latency < 5

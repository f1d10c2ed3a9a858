"""Update latency of the playgrounds of notebooks 04-06 (the issue asks for under a second each).

Run: python benchmarks/bench_playgrounds_04_06.py
Each playground is built once, then a few of its controls are changed the way a reader would; the
median of ``Playground.latency`` (compute + draw, seconds) over those changes is printed. The
search playground runs its trials on the shared local process pool, which is started (and warmed
up) before timing, as it is in the notebook.
"""
import os
import statistics
import sys

os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

from dlhelpers import parallel, search  # noqa: E402
from dlhelpers.experiments import search_demos  # noqa: E402
from dlhelpers.figures import batchnorm  # noqa: E402  (notebook 04's playground lives with its figures)
from dlhelpers.figures import overfitting as overfitting_figures  # noqa: E402
from dlhelpers.figures import search_demos as search_figs  # noqa: E402


def measure(name, pg, changes):
    latencies = []
    for control, value in changes:
        target = pg.controls[control]
        if control == "weight_init_std":
            target = target.std if not isinstance(value, str) else target.scheme
            if not isinstance(value, str):
                pg.controls[control].scheme.value = "custom"
        target.value = value
        if pg.error:
            raise RuntimeError(f"{name}: {pg.error}")
        latencies.append(pg.latency)
    median = statistics.median(latencies)
    verdict = "ok" if median < 1.0 else "SLOW"
    print(f"{name:<34} median {median:5.2f} s  (max {max(latencies):.2f} s over {len(latencies)} changes)  {verdict}")
    return median


def main():
    search.run_trials(search_demos.make_trial(epochs=1), [{"lr": 1e-2, "weight_decay_lambda": 0.0}] * 2,
                      progress=False)  # start and warm the worker pool, as the notebook has
    results = {
        "04 batch norm on/off": measure("04 batch norm on/off", batchnorm.batchnorm_playground(), [
            ("lr", 0.3), ("lr", 0.1), ("dropout_ratio", 0.2), ("weight_init_std", "he"), ("n_layers", 2)]),
        "05 regularization": measure("05 regularization", overfitting_figures.regularization_playground(), [
            ("weight_decay_lambda", 0.1), ("weight_decay_lambda", 0.0), ("dropout_ratio", 0.2),
            ("lr", 0.05), ("weight_init_std", "xavier")]),
        "06 random search": measure("06 random search", search_figs.search_playground(), [
            ("lr_exponents", (-4.0, -1.0)), ("lr_exponents", (-6.0, -2.0)), ("wd_exponents", (-6.0, -2.0)),
            ("lr", 0.1), ("dropout_ratio", 0.1)]),
    }
    parallel.shutdown_default_executor()
    return results


if __name__ == "__main__":
    main()

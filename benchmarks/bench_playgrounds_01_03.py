"""Update latency of the playgrounds of notebooks 01-03 (the course asks for under one second).

Run: python benchmarks/bench_playgrounds_01_03.py
Each playground is built as its notebook builds it; a few controls are changed and the median
time from change to finished redraw is printed: the playground's own latency (compute and draw)
plus rendering the figure to PNG, which is what the notebook's inline backend does on display.
"""
import io
import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")


def measure(name, build, changes):
    pg = build()
    times = []
    for control, value in changes:
        target = pg.controls[control]
        if hasattr(target, "scheme"):            # InitStdControl: a scheme name or a custom std
            if isinstance(value, str):
                target = target.scheme
            else:
                target.scheme.value = "custom"
                target = target.std
        target.value = value
        if pg.error:
            raise RuntimeError(f"{name}: {pg.error}")
        start = time.perf_counter()
        pg.figure.savefig(io.BytesIO(), format="png")
        times.append(pg.latency + time.perf_counter() - start)
    median = statistics.median(times)
    verdict = "ok" if median < 1.0 else "TOO SLOW"
    print(f"{name:45s} median {median:5.2f} s  max {max(times):5.2f} s  ({len(times)} changes)  {verdict}")
    return median


def playgrounds():
    from dlhelpers.figures import backprop
    yield ("01 training playground (two-layer net)", backprop.training_playground,
           [("lr", 0.3), ("lr", 0.1), ("weight_init_std", "he"), ("dropout_ratio", 0.2),
            ("dropout_ratio", 0.0)])
    from dlhelpers.figures import optimizer_paths
    yield ("02 optimizer paths on the bowl", optimizer_paths.optimizer_playground,
           [("optimizer", "momentum"), ("lr", 0.3), ("beta", 0.5), ("start_x", 5.0), ("start_y", -3.0),
            ("optimizer", "adam"), ("steps", 100)])
    yield ("02 optimizers on a small MNIST net", optimizer_paths.mnist_optimizer_playground,
           [("optimizer", "momentum"), ("lr", 0.01), ("optimizer", "adam"), ("lr", 0.001),
            ("dropout_ratio", 0.2)])
    from dlhelpers.figures import init_activations
    yield ("03 activation histograms (5 layers)", init_activations.histogram_playground,
           [("weight_init_std", 0.1), ("weight_init_std", 0.01), ("weight_init_std", "xavier"),
            ("activation", "tanh"), ("activation", "relu"), ("weight_init_std", "he")])
    yield ("03 activation histograms (10 layers)", lambda: init_activations.histogram_playground(n_layers=10),
           [("weight_init_std", 0.1), ("activation", "relu"), ("weight_init_std", "he")])
    yield ("03 init, activation, depth on MNIST", init_activations.training_playground,
           [("lr", 0.3), ("activation", "tanh"), ("weight_init_std", "xavier"), ("dropout_ratio", 0.2),
            ("activation", "relu")])


def main():
    slow = [name for name, build, changes in playgrounds() if measure(name, build, changes) >= 1.0]
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())

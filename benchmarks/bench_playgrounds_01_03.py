"""Update latency of the playgrounds of notebooks 01-03 (the course asks for under one second).

Run: python benchmarks/bench_playgrounds_01_03.py
Each playground is built as its notebook builds it; a few controls are changed and the median
time from change to finished redraw is printed.
"""
import statistics
import sys


def measure(name, build, changes):
    pg = build()
    times = []
    for control, value in changes:
        target = pg.controls[control]
        if hasattr(target, "scheme") and isinstance(value, str):
            target = target.scheme
        target.value = value
        if pg.error:
            raise RuntimeError(f"{name}: {pg.error}")
        times.append(pg.latency)
    median = statistics.median(times)
    verdict = "ok" if median < 1.0 else "TOO SLOW"
    print(f"{name:45s} median {median:5.2f} s  max {max(times):5.2f} s  ({len(times)} changes)  {verdict}")
    return median


def playgrounds():
    from dlhelpers.experiments import backprop
    yield ("01 training playground (two-layer net)", backprop.training_playground,
           [("lr", 0.3), ("lr", 0.1), ("weight_init_std", "he"), ("dropout_ratio", 0.2),
            ("dropout_ratio", 0.0)])


def main():
    slow = [name for name, build, changes in playgrounds() if measure(name, build, changes) >= 1.0]
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())

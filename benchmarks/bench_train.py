"""Training speed: dlhelpers against book-style NumPy code (and PyTorch CPU if it is installed).

The network of the optimizer and initialization chapters: 784-100-100-100-100-10 with ReLU,
mini-batches of 100 drawn with a random choice from the bundled MNIST sample. One "epoch" is
600 steps, the number a 60,000-image epoch takes. Each variant is warmed up, then timed over
several repeats taken in turns; the median is reported.

    python benchmarks/bench_train.py            # about a minute on a 2-core laptop
    python benchmarks/bench_train.py --quick    # fewer repeats, for a smoke test

dlhelpers is timed through the path its Trainer takes each iteration: np.take for the batch,
``net.gradient(x, t, copy=False)`` (forward, loss, backward), ``optimizer.update(net.params, grads)``.
The "Trainer.train_step()" row is the step ``Trainer.train`` repeats (the next batch of the epoch's
permutation, plus the Trainer's divergence check and history); "Trainer.train_step(x, t)" passes
a batch drawn as above, which the Trainer checks before the network does.
"""
import argparse
import os
import platform
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dlhelpers import MultiLayerNet, Trainer, load_mnist, make_optimizer  # noqa: E402
from reference_book_style import BookAdam, BookMLP, BookSGD  # noqa: E402

HIDDEN = [100, 100, 100, 100]
BATCH = 100
STEPS_PER_EPOCH = 600
LR = {"sgd": 0.01, "adam": 0.001}


def blas_description():
    libs = [i for i in threadpool_info() if i["user_api"] == "blas"]
    if not libs:
        return "no BLAS library reported by threadpoolctl"
    return ", ".join(f"{i['internal_api']} {i.get('version') or ''} ({i['num_threads']} threads by default)".replace("  ", " ")
                     for i in libs)


def time_interleaved(variants, n_steps, repeats, warmup):
    """Per variant: (median, min, max) wall-clock seconds per step and median CPU seconds per step.

    ``variants`` maps a key to ``(step, limit)`` where ``limit()`` returns a context manager that
    sets the thread count. Every variant is warmed up first; then the repeats go round-robin
    (variant A, B, C, A, B, C, ...), so a change in the machine's load hits all variants alike.
    CPU time counts every thread of this process: on an idle machine a one-thread run has
    CPU time = wall time; a larger wall time means other programs took the core.
    """
    for step, limit in variants.values():
        with limit():
            for _ in range(warmup):
                step()
    wall = {key: [] for key in variants}
    cpu = {key: [] for key in variants}
    for _ in range(repeats):
        for key, (step, limit) in variants.items():
            with limit():
                start, start_cpu = time.perf_counter(), time.process_time()
                for _ in range(n_steps):
                    step()
                wall[key].append((time.perf_counter() - start) / n_steps)
                cpu[key].append((time.process_time() - start_cpu) / n_steps)
    return {key: (statistics.median(wall[key]), min(wall[key]), max(wall[key]), statistics.median(cpu[key]))
            for key in variants}


def dlhelpers_step(x_train, t_train, optimizer_name, seed=0):
    net = MultiLayerNet(784, HIDDEN, 10, activation="relu", weight_init_std="he", seed=seed)
    opt = make_optimizer(optimizer_name, lr=LR[optimizer_name])
    rng = np.random.default_rng(seed)
    n = len(x_train)

    def step():
        idx = rng.choice(n, BATCH)
        x = np.take(x_train, idx, axis=0)
        t = np.take(t_train, idx, axis=0)
        grads = net.gradient(x, t, copy=False)
        opt.update(net.params, grads)
        return net.last_loss
    return step, net


def trainer_step(x_train, t_train, optimizer_name, seed=0, given_batch=True):
    """The same step through the public ``Trainer.train_step``: on a batch drawn as above, or
    (``given_batch=False``) on the Trainer's own next batch, as ``Trainer.train`` takes it."""
    net = MultiLayerNet(784, HIDDEN, 10, activation="relu", weight_init_std="he", seed=seed)
    trainer = Trainer(net, x_train, t_train, optimizer=optimizer_name, mini_batch_size=BATCH,
                      optimizer_param={"lr": LR[optimizer_name]}, verbose=False, progress=False)
    rng = np.random.default_rng(seed)
    n = len(x_train)

    def step():
        idx = rng.choice(n, BATCH)
        return trainer.train_step(np.take(x_train, idx, axis=0), np.take(t_train, idx, axis=0))

    def own_batch_step():
        return trainer.train_step()   # a fresh permutation starts when one is used up
    return (step if given_batch else own_batch_step), net


def book_step(x_train, t_train, optimizer_name, seed=0):
    net = BookMLP(784, HIDDEN, 10, seed=seed)
    opt = BookSGD(LR["sgd"]) if optimizer_name == "sgd" else BookAdam(LR["adam"])
    rng = np.random.default_rng(seed)
    n = len(x_train)

    def step():
        batch_mask = rng.choice(n, BATCH)
        grads = net.gradient(x_train[batch_mask], t_train[batch_mask])
        opt.update(net.params, grads)
    return step, net


def torch_step(torch, x_train, t_train, optimizer_name, seed=0):
    torch.manual_seed(seed)
    sizes = [784] + HIDDEN + [10]
    layers = []
    for i in range(1, len(sizes)):
        layers.append(torch.nn.Linear(sizes[i - 1], sizes[i]))
        if i < len(sizes) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    cls = torch.optim.SGD if optimizer_name == "sgd" else torch.optim.Adam
    opt = cls(model.parameters(), lr=LR[optimizer_name])
    loss_fn = torch.nn.CrossEntropyLoss()
    x_all = torch.from_numpy(x_train)
    t_all = torch.from_numpy(t_train.astype(np.int64))
    rng = np.random.default_rng(seed)
    n = len(x_train)

    def step():
        idx = torch.from_numpy(rng.choice(n, BATCH))
        loss = loss_fn(model(x_all[idx]), t_all[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return step, model


def matmul_floor_step(x_train, seed=0):
    """Only the float32 matrix multiplies of one training step (forward, dW, and dx except for
    the first layer), on buffers allocated once: the floor a NumPy trainer cannot go below."""
    rng = np.random.default_rng(seed)
    sizes = [784] + HIDDEN + [10]
    Ws = [rng.standard_normal((a, b)).astype(np.float32) for a, b in zip(sizes[:-1], sizes[1:])]
    acts = [np.empty((BATCH, n), np.float32) for n in sizes]
    grads = [np.empty_like(W) for W in Ws]
    deltas = [rng.standard_normal((BATCH, n)).astype(np.float32) for n in sizes]
    n = len(x_train)

    def step():
        acts[0][...] = np.take(x_train, rng.choice(n, BATCH), axis=0)
        for i, W in enumerate(Ws):
            np.matmul(acts[i], W, out=acts[i + 1])
        for i in reversed(range(len(Ws))):
            np.matmul(acts[i].T, deltas[i + 1], out=grads[i])
            if i > 0:
                np.matmul(deltas[i + 1], Ws[i].T, out=deltas[i])
    return step, None


def sanity_check(x32, x64, t):
    """Both NumPy implementations must actually learn: a benchmark of broken code is worthless.

    Returns the loss on 1,000 training images before and after 300 Adam steps, per implementation.
    """
    out = {}
    for name, make, x in (("dlhelpers", dlhelpers_step, x32), ("book-style", book_step, x64)):
        step, net = make(x, t, "adam", seed=1)
        before = float(net.loss(x[:1000], t[:1000]))
        for _ in range(300):
            step()
        out[name] = (before, float(net.loss(x[:1000], t[:1000])))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter repeats")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--one-thread", action="store_true",
                        help="only the 1-BLAS-thread rows (the Trainer's setting; quicker on a busy machine)")
    args = parser.parse_args(argv)
    thread_counts = (1,) if args.one_thread else (1, 2)
    n_steps, repeats, warmup = (100, 3, 20) if args.quick else (300, 7, 60)

    (x_train, t_train), _ = load_mnist()  # float32 in [0, 1], uint8 labels
    x64 = x_train.astype(np.float64)     # the book's float64 arithmetic throughout
    t_idx = t_train.astype(np.intp)

    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {os.cpu_count()} CPUs")
    print(f"BLAS: {blas_description()}")
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()[0]
        print(f"load average (1 min) before the run: {load:.2f}"
              + ("  <- the machine is busy: timings will be inflated and noisy" if load > 0.5 else ""))
    print(f"Network 784-{'-'.join(map(str, HIDDEN))}-10 ReLU, batch {BATCH}, bundled sample "
          f"({len(x_train)} images); median of {repeats} x {n_steps} steps after {warmup} warm-up steps; "
          f"1 epoch = {STEPS_PER_EPOCH} steps\n")

    with threadpool_limits(limits=1, user_api="blas"):
        for name, (before, after) in sanity_check(x_train, x64, t_idx).items():
            print(f"check: {name} loss on 1,000 training images {before:.3f} -> {after:.3f} after 300 Adam steps")
    print()

    torch = None
    if not args.no_torch:
        try:
            import torch  # noqa: F811
        except ImportError:
            torch = None

    def blas(threads):
        return lambda: threadpool_limits(limits=threads, user_api="blas")

    def torch_threads(threads):
        @contextmanager
        def limit():
            before = torch.get_num_threads()
            torch.set_num_threads(threads)
            try:
                yield
            finally:
                torch.set_num_threads(before)
        return limit

    ours, book = "dlhelpers (float32)", "book-style NumPy (float64)"
    stepper, given = "dlhelpers Trainer.train_step()", "dlhelpers Trainer.train_step(x, t)"
    theirs = f"PyTorch {torch.__version__} CPU (float32)" if torch is not None else None
    variants = {("matrix multiplies only (float32)", "-", 1): (matmul_floor_step(x_train)[0], blas(1))}
    for opt in ("sgd", "adam"):
        for threads in thread_counts:
            variants[(ours, opt, threads)] = (dlhelpers_step(x_train, t_idx, opt)[0], blas(threads))
        variants[(stepper, opt, 1)] = (trainer_step(x_train, t_idx, opt, given_batch=False)[0], blas(1))
        variants[(given, opt, 1)] = (trainer_step(x_train, t_idx, opt)[0], blas(1))
        for threads in thread_counts:
            variants[(book, opt, threads)] = (book_step(x64, t_idx, opt)[0], blas(threads))
        if torch is not None:
            for threads in thread_counts:
                variants[(theirs, opt, threads)] = (torch_step(torch, x_train, t_train, opt)[0],
                                                    torch_threads(threads))
    timings = time_interleaved(variants, n_steps, repeats, warmup)
    results = {key: timing[0] for key, timing in timings.items()}

    header = (f"{'implementation':<36}{'optimizer':<10}{'threads':>8}{'steps/s':>10}{'ms/epoch':>10}"
              f"{'(min-max)':>14}{'CPU ms/epoch':>14}")
    print(header)
    print("-" * len(header))
    for (label, opt, threads), (med, lo, hi, cpu) in timings.items():
        spread = f"({lo * STEPS_PER_EPOCH * 1e3:.0f}-{hi * STEPS_PER_EPOCH * 1e3:.0f})"
        print(f"{label:<36}{opt:<10}{threads:>8}{1 / med:>10.0f}{med * STEPS_PER_EPOCH * 1e3:>10.0f}"
              f"{spread:>14}{cpu * STEPS_PER_EPOCH * 1e3:>14.0f}")
    print("(ms/epoch: median wall-clock time of 600 steps; CPU: summed over this process's threads)")

    print("\nRatios of ms/epoch (same optimizer, the better thread setting of each):")
    for opt in ("sgd", "adam"):
        best_ours = min(results[(ours, opt, t)] for t in thread_counts)
        line = f"  {opt:<5} book-style / dlhelpers = {min(results[(book, opt, t)] for t in thread_counts) / best_ours:.2f}x"
        if theirs is not None:
            line += f";  PyTorch / dlhelpers = {min(results[(theirs, opt, t)] for t in thread_counts) / best_ours:.2f}x"
        print(line)
    for opt in ("sgd", "adam") if 2 in thread_counts else ():
        one = results[(ours, opt, 1)]
        two = results[(ours, opt, 2)]
        print(f"  dlhelpers {opt}: 2 BLAS threads take {two / one:.2f}x the time of 1 thread")
    floor = results[("matrix multiplies only (float32)", "-", 1)]
    print(f"  dlhelpers sgd (1 thread) / matrix multiplies alone = {results[(ours, 'sgd', 1)] / floor:.2f}x")
    for opt in ("sgd", "adam"):
        print(f"  {opt}: Trainer.train_step() / bare step (1 thread) = "
              f"{results[(stepper, opt, 1)] / results[(ours, opt, 1)]:.2f}x; "
              f"train_step(x, t) / bare step = {results[(given, opt, 1)] / results[(ours, opt, 1)]:.2f}x")
    if torch is None:
        print("\n(PyTorch is not installed: its rows are skipped. It is not a course dependency.)")


if __name__ == "__main__":
    main()

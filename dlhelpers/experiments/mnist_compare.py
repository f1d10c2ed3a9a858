"""Train several networks side by side on the same mini-batches (the book's comparison experiments).

Used by notebook 02 (optimizers: same net, different update rules) and notebook 03 (same
optimizer, different weight initializations). Every network sees exactly the same sequence of
mini-batches, so the curves differ only by what the comparison varies.
"""
import numpy as np
from tqdm.auto import tqdm

from ..data import load_mnist
from ..network import MultiLayerNet
from ..optimizers import make_optimizer
from ..parallel import blas_thread_limit

__all__ = ["ComparisonResult", "compare_on_mnist", "train_side_by_side", "causal_smooth", "mean_se",
           "SeedRace", "race_over_seeds", "SHOWN"]

#: How notebooks 02 and 03 show each function they call (see tests/test_teaching_code.py).
SHOWN = {
    "train_side_by_side": "printed",     # notebook 02, section 9: the race loop
    "compare_on_mnist": "plumbing",      # builds the nets and optimizers, calls train_side_by_side
    "causal_smooth": "plumbing",
    "mean_se": "plumbing",
    "race_over_seeds": "plumbing",       # compare_on_mnist once per seed
}


class ComparisonResult:
    """Outcome of :func:`compare_on_mnist`.

    Attributes
    ----------
    losses : dict name -> ndarray, shape (iterations,)
        Mini-batch training loss at every iteration (measured in the forward pass of that step).
    train_acc, test_acc : dict name -> float
        Accuracy after the last iteration on the training and test sets.
    networks : dict name -> MultiLayerNet
        The trained networks.
    """

    def __init__(self, losses, train_acc, test_acc, networks, iterations):
        self.losses = losses
        self.train_acc = train_acc
        self.test_acc = test_acc
        self.networks = networks
        self.iterations = iterations

    def final_loss(self, name, window=100):
        """Mean of the last ``window`` mini-batch losses (less noisy than the very last one)."""
        return float(np.mean(self.losses[name][-window:]))

    def summary(self):
        """One line per network: smoothed final loss and train/test accuracy, rounded."""
        width = max(len(n) for n in self.losses)
        lines = [f"{'':{width}}  final loss  train acc  test acc"]
        for name in self.losses:
            lines.append(f"{name:{width}}  {self.final_loss(name):10.3f}  {self.train_acc[name]:9.2f}"
                         f"  {self.test_acc[name]:8.2f}")
        return "\n".join(lines)


def train_side_by_side(networks, optimizers, x_train, t_train, iterations, mini_batch_size, rng,
                       on_step=None):
    """The race loop: each iteration draws ONE mini-batch and gives it to every network.

    ``networks`` and ``optimizers`` are dicts with the same names; each optimizer updates its own
    network's ``params`` in place. Returns dict name -> ndarray (iterations,) of the mini-batch loss
    measured in each step's forward pass.

    Shown in: notebook 02, section 9.
    """
    n = len(x_train)
    losses = {name: np.empty(iterations) for name in networks}
    for i in range(iterations):
        idx = rng.choice(n, mini_batch_size, replace=False)
        x_batch, t_batch = np.take(x_train, idx, axis=0), np.take(t_train, idx, axis=0)
        for name, net in networks.items():
            grads = net.gradient(x_batch, t_batch, copy=False)   # forward + backward
            losses[name][i] = net.last_loss
            optimizers[name].update(net.params, grads)           # the only line that differs
        if on_step is not None:
            on_step(i)
    return losses


def compare_on_mnist(configs, iterations=2000, mini_batch_size=128, hidden_size_list=(100, 100, 100, 100),
                     seed=0, progress=False, data=None, blas_threads=1, workers=1):
    """Train one MultiLayerNet per config on the same mini-batches and record the losses.

    Parameters
    ----------
    configs : dict name -> dict
        Each dict may hold ``optimizer`` (name or instance, default 'sgd'), ``optimizer_param``
        (e.g. ``{'lr': 0.01}``) and any keyword of :class:`MultiLayerNet` (``weight_init_std``,
        ``activation``, ...). Unset network keywords use the book's setting: ReLU and He init.
    iterations : int
        Number of updates per network (the book uses 2000).
    mini_batch_size : int
        Mini-batch size (the book uses 128); batches are drawn without replacement within a batch.
    hidden_size_list : sequence of int
        Hidden layers (the book: four layers of 100 units).
    seed : int
        Seeds both the batch order and every network's initial weights, so networks with the same
        init start from identical weights.
    data : tuple or None
        ``((x_train, t_train), (x_test, t_test))``; None loads the bundled MNIST sample.
    workers : int
        Worker processes. With more than one, the configs are split among local worker processes
        (:func:`dlhelpers.parallel.local_executor`); every worker draws the same batch sequence from
        ``seed``, so the result is the same as with ``workers=1`` (no progress bar then).
        Optimizer instances in ``configs`` are copied into the workers.

    Returns
    -------
    ComparisonResult
    """
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"workers must be a positive integer number of processes, got {workers!r}")
    if workers > 1 and len(configs) > 1:
        return _compare_in_workers(configs, iterations, mini_batch_size, hidden_size_list, seed, data,
                                   blas_threads, min(int(workers), len(configs)))
    (x_train, t_train), (x_test, t_test) = data if data is not None else load_mnist()
    networks, optimizers = {}, {}
    for name, cfg in configs.items():
        cfg = dict(cfg)
        opt = cfg.pop("optimizer", "sgd")
        opt_param = cfg.pop("optimizer_param", {})
        net_kwargs = {"activation": "relu", "weight_init_std": "he", **cfg}
        networks[name] = MultiLayerNet(784, list(hidden_size_list), 10, seed=seed, **net_kwargs)
        optimizers[name] = make_optimizer(opt, **opt_param)
    rng = np.random.default_rng(seed)
    bar = tqdm(total=iterations, desc="training", unit="it", leave=False) if progress else None
    with blas_thread_limit(blas_threads):
        losses = train_side_by_side(networks, optimizers, x_train, t_train, iterations, mini_batch_size, rng,
                                    on_step=None if bar is None else (lambda i: bar.update(1)))
        train_acc = {name: net.accuracy(x_train, t_train) for name, net in networks.items()}
        test_acc = {name: net.accuracy(x_test, t_test) for name, net in networks.items()}
    if bar is not None:
        bar.close()
    return ComparisonResult(losses, train_acc, test_acc, networks, iterations)


def _compare_in_workers(configs, iterations, mini_batch_size, hidden_size_list, seed, data, blas_threads,
                        workers):
    """compare_on_mnist with the configs dealt round-robin to ``workers`` processes, merged in order."""
    from ..parallel import local_executor
    names = list(configs)
    groups = [{name: configs[name] for name in names[w::workers]} for w in range(workers)]
    with local_executor(max_workers=workers) as executor:
        futures = [executor.submit(compare_on_mnist, group, iterations, mini_batch_size,
                                   tuple(hidden_size_list), seed, False, data, blas_threads, 1)
                   for group in groups]
        parts = [future.result() for future in futures]
    merged = {key: {} for key in ("losses", "train_acc", "test_acc", "networks")}
    for name in names:
        part = next(p for p in parts if name in p.losses)
        for key in merged:
            merged[key][name] = getattr(part, key)[name]
    return ComparisonResult(merged["losses"], merged["train_acc"], merged["test_acc"], merged["networks"],
                            iterations)


def causal_smooth(values, window=31):
    """Trailing moving average: point i is the mean of values[max(0, i - window + 1) : i + 1].

    It uses only the past, so the smoothed curve starts where the raw one starts (a centred or
    reflected average would pull the first points down towards later, lower losses). NaN and inf
    spread forward over ``window`` points.
    """
    y = np.asarray(values, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(f"values has shape {y.shape}; pass a 1-D sequence (one value per step)")
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"window must be a positive integer number of points, got {window!r}")
    bad = ~np.isfinite(y)
    cumsum = np.concatenate([[0.0], np.cumsum(np.where(bad, 0.0, y))])
    idx = np.arange(1, len(y) + 1)
    lo = np.maximum(idx - window, 0)
    out = (cumsum[idx] - cumsum[lo]) / (idx - lo)
    if bad.any():
        bad_count = np.concatenate([[0], np.cumsum(bad)])
        out[(bad_count[idx] - bad_count[lo]) > 0] = np.nan
    return out


def mean_se(values):
    """(mean, standard error of the mean) of a 1-D sample; the standard error is std(ddof=1) / sqrt(n)
    (0.0 for a single value)."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"values must be a non-empty 1-D sequence (one number per seed), got shape {v.shape}")
    se = float(np.std(v, ddof=1) / np.sqrt(v.size)) if v.size > 1 else 0.0
    return float(np.mean(v)), se


class SeedRace:
    """Outcome of :func:`race_over_seeds`: per config, one number per seed.

    Attributes
    ----------
    seeds : tuple of int
    final_loss, test_acc : dict name -> ndarray, shape (len(seeds),)
        Mean of the last ``window`` mini-batch losses, and test accuracy, after the last iteration.
    results : list of ComparisonResult, one per seed
    """

    def __init__(self, seeds, results, window):
        self.seeds = tuple(seeds)
        self.results = results
        self.window = window
        names = list(results[0].losses)
        self.final_loss = {n: np.array([r.final_loss(n, window) for r in results]) for n in names}
        self.test_acc = {n: np.array([r.test_acc[n] for r in results]) for n in names}

    def wins(self, better, worse):
        """On how many seeds config ``better`` ends with a lower final loss than ``worse``."""
        return int(np.sum(self.final_loss[better] < self.final_loss[worse]))

    def summary(self):
        """One line per config: final loss and test accuracy as mean +- standard error over the seeds."""
        width = max(len(n) for n in self.final_loss)
        lines = [f"{'':{width}}  final loss (mean \u00b1 SE)   test acc (mean \u00b1 SE)   over {len(self.seeds)} seeds"]
        for name in self.final_loss:
            (lm, ls), (am, as_) = mean_se(self.final_loss[name]), mean_se(self.test_acc[name])
            lines.append(f"{name:{width}}  {lm:8.3f} \u00b1 {ls:.3f}         {am:6.3f} \u00b1 {as_:.3f}")
        return "\n".join(lines)


def race_over_seeds(configs, seeds=(0, 1, 2), iterations=2000, window=100, workers=1, **kwargs):
    """:func:`compare_on_mnist` once per seed: every config starts from the same weights and sees the
    same batches as the others on each seed (paired seeds), so differences are the configs' own.

    ``kwargs`` go to :func:`compare_on_mnist` (``mini_batch_size``, ``hidden_size_list``, ``data``).
    Returns a :class:`SeedRace`.
    """
    seeds = list(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty list of non-negative integers, got {seeds!r}")
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or not 1 <= window <= iterations:
        raise ValueError(f"window must be an integer number of iterations in [1, iterations], got {window!r}")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"workers must be a positive integer number of processes, got {workers!r}")
    if workers == 1:
        results = [compare_on_mnist(configs, iterations=iterations, seed=s, **kwargs) for s in seeds]
        return SeedRace(seeds, results, window)
    from ..parallel import local_executor
    names = list(configs)
    with local_executor(max_workers=int(workers)) as executor:     # one job per (seed, config)
        futures = {(s, n): executor.submit(compare_on_mnist, {n: configs[n]}, iterations=iterations, seed=s,
                                           **kwargs) for s in seeds for n in names}
        parts = {key: future.result() for key, future in futures.items()}
    results = []
    for s in seeds:
        merged = {key: {n: getattr(parts[s, n], key)[n] for n in names}
                  for key in ("losses", "train_acc", "test_acc", "networks")}
        results.append(ComparisonResult(merged["losses"], merged["train_acc"], merged["test_acc"],
                                        merged["networks"], iterations))
    return SeedRace(seeds, results, window)

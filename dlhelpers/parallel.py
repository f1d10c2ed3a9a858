"""Where trials run: the BLAS-thread limiter, the executors and the per-trial seeds.

This is the package's one place for

* limiting BLAS threads (:func:`blas_thread_limit`; the Trainer and the experiments use it too),
* building executors (:func:`resolve_executor` turns ``None`` / ``'serial'`` / an Executor into
  an Executor; :func:`local_executor` builds a process pool; :func:`default_executor` is the
  shared one),
* seeding trials (:func:`trial_seed`, :func:`trial_rng`): trial ``i`` of stage ``s`` of a search
  with base seed ``b`` draws everything from ``np.random.SeedSequence(b, spawn_key=(s, i))``, so
  its result depends only on (b, s, i) -- not on how many trials run, in which order they finish,
  or which executor runs them.

The search algorithms themselves live in :mod:`dlhelpers.search`.

Executors: any :class:`concurrent.futures.Executor` works.

* ``None``: a shared pool of local worker processes, one per CPU core, each limited to one BLAS
  thread. Workers start with 'forkserver' (or 'spawn'), which is safe inside a Jupyter kernel, so
  the trial function must be importable: define it in a ``.py`` module, or use
  ``functools.partial`` of a module-level function.
* ``'serial'``: run in this process, one call after another (debugging; notebook functions).
* a Dask cluster: ``distributed.Client(address).get_executor()`` (``pip install dlhelpers[cluster]``).
"""
import atexit
import multiprocessing
import os
import pickle
import signal
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from .checks import check_callable, check_choice, check_int

__all__ = [
    "blas_thread_limit", "SerialExecutor", "local_executor", "default_executor",
    "shutdown_default_executor", "resolve_executor", "check_sendable", "trial_seed", "trial_rng",
]


# ----------------------------------------------------------------------------- BLAS threads
class _BlasLimit:
    """Process-wide, reference-counted BLAS thread limit (see :func:`blas_thread_limit`)."""

    _lock = threading.Lock()
    _active = {"n": None, "depth": 0, "limiter": None}

    def __init__(self, n_threads):
        self.n_threads = n_threads
        self._own = None   # a limiter this context applied outside the shared count

    def __enter__(self):
        if self.n_threads is None:
            return self
        state = self._active
        with self._lock:
            if state["depth"] and state["n"] == self.n_threads:
                state["depth"] += 1          # already in force: share it
            elif state["depth"] == 0:
                state.update(n=self.n_threads, depth=1,
                             limiter=threadpool_limits(limits=self.n_threads, user_api="blas"))
            else:                            # a different limit nested inside: apply, undo on exit
                self._own = threadpool_limits(limits=self.n_threads, user_api="blas")
        return self

    def __exit__(self, *exc):
        if self.n_threads is None:
            return False
        state = self._active
        with self._lock:
            if self._own is not None:
                self._own.restore_original_limits()
                self._own = None
                return False
            state["depth"] -= 1
            if state["depth"] == 0:
                state["limiter"].restore_original_limits()
                state.update(n=None, limiter=None)
        return False


def blas_thread_limit(n_threads):
    """Context manager limiting BLAS to ``n_threads`` while it is active.

    Parameters
    ----------
    n_threads : int >= 1 or None
        None leaves BLAS alone. One thread is as fast as two on the small matrices of these
        networks, and keeps float32 results bit-identical across executors (a matrix product
        split over two threads can round differently).

    The limit is reference-counted per process: trials sharing a process (serial runs, threaded
    Dask workers) do not undo each other's limit, and the previous setting is restored when the
    last one exits, so the user's global configuration is untouched. With some BLAS builds only
    the main thread can change the setting (threadpoolctl calls from other threads have no
    effect), which is why :func:`dlhelpers.search.run_trials` takes the limit in the calling
    thread before it submits trials that may run in threads of this process.
    """
    return _BlasLimit(check_int(n_threads, "n_threads", 1, allow_none=True, hint="(None: no limit)"))


# ----------------------------------------------------------------------------- seeds
def _trial_sequences(base_seed, index, stage=0):
    base_seed = check_int(base_seed, "base_seed", 0)
    ss = np.random.SeedSequence(base_seed, spawn_key=(check_int(stage, "stage", 0),
                                                      check_int(index, "index", 0)))
    sample_ss, run_ss = ss.spawn(2)
    return sample_ss, run_ss


def trial_seed(base_seed, index, stage=0):
    """The int seed handed to trial ``index`` (of search ``stage``) of a search with ``base_seed``."""
    return int(_trial_sequences(base_seed, index, stage)[1].generate_state(1)[0])


def trial_rng(base_seed, index, stage=0):
    """The generator that draws trial ``index``'s hyperparameters (independent of its seed)."""
    return np.random.default_rng(_trial_sequences(base_seed, index, stage)[0])


# ----------------------------------------------------------------------------- executors
class SerialExecutor(Executor):
    """An Executor that runs each call immediately in this process (no parallelism).

    Useful for debugging and for trial functions defined in a notebook.
    """

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # delivered through the future, like any executor
            future.set_exception(err)
        return future


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _start_method():
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


_WORKER = {}


def _worker_init():
    """Runs once in each worker process: one BLAS thread (parallelism comes from the processes).

    Workers also ignore Ctrl-C / kernel interrupts: the main process cancels what is pending, and
    the workers do not flood the terminal with tracebacks.
    """
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):
        pass
    _WORKER["blas"] = blas_thread_limit(1).__enter__()   # held for the worker's lifetime


def local_executor(max_workers=None, start_method=None):
    """A ProcessPoolExecutor for trials on this machine.

    max_workers : int or None
        Worker processes; None uses every core this process may run on.
    start_method : 'forkserver', 'spawn', 'fork' or None
        None picks 'forkserver' where available, else 'spawn'. Both start clean interpreters,
        which is safe inside a Jupyter kernel (forking a kernel's threads is not), so the trial
        function must be importable from a module. 'fork' also accepts functions defined in the
        notebook, at that risk.

    Each worker limits BLAS to one thread. Use it as a context manager, or call ``shutdown()``.
    """
    if max_workers is not None:
        check_int(max_workers, "max_workers", 1)
    methods = multiprocessing.get_all_start_methods()
    if start_method is not None:
        check_choice(start_method, "start_method", methods, hint="(or None for the safe default)")
    workers = max_workers or _cpu_count()
    context = multiprocessing.get_context(start_method or _start_method())
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init)
    executor.start_method = context.get_start_method()
    executor.n_workers = workers
    return executor


_DEFAULT = {"executor": None}
_DEFAULT_LOCK = threading.Lock()


def default_executor():
    """The shared local process pool (created on first use, reused, shut down at exit).

    A pool whose worker died is broken for good; it is replaced, so the next search works.
    """
    with _DEFAULT_LOCK:
        current = _DEFAULT["executor"]
        if current is not None and getattr(current, "_broken", False):
            current.shutdown(wait=False, cancel_futures=True)
            _DEFAULT["executor"] = None
        if _DEFAULT["executor"] is None:
            _DEFAULT["executor"] = local_executor()
        return _DEFAULT["executor"]


def shutdown_default_executor():
    """Stop the shared pool's worker processes (a new pool starts on the next search)."""
    with _DEFAULT_LOCK:
        executor, _DEFAULT["executor"] = _DEFAULT["executor"], None
    if executor is not None:
        executor.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_default_executor)


def resolve_executor(executor):
    """``None`` -> the shared local pool, ``'serial'`` -> a :class:`SerialExecutor`, an Executor -> itself."""
    if executor is None:
        return default_executor()
    if isinstance(executor, str) and executor == "serial":
        return SerialExecutor()
    if isinstance(executor, Executor):
        return executor
    raise TypeError(f"executor must be a concurrent.futures.Executor (e.g. local_executor() or a Dask "
                    f"client's get_executor()), 'serial' or None, got {executor!r}")


def check_sendable(fn, executor):
    """Fail early, with advice, when ``fn`` cannot reach another process of ``executor``."""
    check_callable(fn, "the trial function fn", "fn(params, seed)")
    if not isinstance(executor, ProcessPoolExecutor):
        return
    advice = ("Trial functions run in fresh worker processes, so they must be importable: define the "
              "function in a .py module (or use functools.partial of a module-level function), or "
              "pass executor='serial' to run in this process.")
    target = getattr(fn, "func", fn)  # functools.partial
    method = getattr(executor, "start_method", None)
    if getattr(target, "__module__", None) == "__main__" and method != "fork":
        raise TypeError(f"{getattr(target, '__name__', target)!r} is defined in __main__ (a notebook "
                        f"or script). {advice}")
    try:
        pickle.dumps(fn)
    except Exception as err:
        raise TypeError(f"the trial function cannot be pickled ({err}). {advice}") from None

"""The project's stand-in for another machine's arithmetic: ``DLHELPERS_PERTURB=1``.

Training at the course's settings is chaotic: two runs whose weights differ in the last bit
(because another CPU's BLAS kernel sums a matrix product in another order) end as different runs.
A lesson that holds on one machine only is not a lesson, so the tests run twice: as the machine
computes, and with this switch on, where every weight matrix :func:`dlhelpers.init_weights` draws
is moved up by one float32 ulp (zeros stay zero, so a symmetric start stays symmetric). A claim
that survives the switch survives a change of BLAS kernel too; a strictly compared notebook output
that changes under it is not deterministic and must not be compared to its last digit.

``make test-robust`` sets the variable; nothing in the course sets or unsets OpenBLAS's own
variables.
"""
import os

import numpy as np

#: The environment variable: "1" turns the perturbation on; unset, "" or "0" leaves it off.
ENV_VAR = "DLHELPERS_PERTURB"


def perturbation_on():
    """True when ``DLHELPERS_PERTURB`` is "1" (read at every call, so tests can set it)."""
    value = os.environ.get(ENV_VAR, "").strip()
    if value not in ("", "0", "1"):
        raise ValueError(f"{ENV_VAR} must be 1 (perturb initial weights) or 0/unset (don't), got {value!r}")
    return value == "1"


def perturb_weights(W):
    """``W`` moved up by one float32 ulp where non-zero, if the switch is on; else ``W`` itself.

    W : ndarray of float32 or float64, any shape. Returns an array of the same shape and dtype.
    """
    if not perturbation_on():
        return W
    step = np.spacing(np.abs(W).astype(np.float32)).astype(W.dtype)
    return np.where(W != 0, W + step, W).astype(W.dtype, copy=False)

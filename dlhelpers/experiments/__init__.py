"""The notebooks' experiments as functions: each computes what a figure shows and can draw it.

Notebooks call these, and ``tests/test_claims_*.py`` asserts what the notebooks claim using the
very same functions, so a notebook and its test cannot drift apart.
"""


def pyplot():
    """``matplotlib.pyplot``, imported on first use: worker processes that only run trials never load it."""
    import matplotlib.pyplot as plt
    return plt

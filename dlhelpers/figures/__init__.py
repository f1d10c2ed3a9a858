"""The notebooks' figures and playgrounds, one module per notebook, on top of :mod:`dlhelpers.experiments`.

Everything here may import pyplot and ipywidgets; nothing in :mod:`dlhelpers.experiments` does.
The look shared by every figure (the palette, the "diverged" colour, the previous run's ghost) is
defined once in :mod:`dlhelpers.plotting`.
"""

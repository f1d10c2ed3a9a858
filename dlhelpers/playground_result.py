"""What a playground's compute function may return so that the Playground can report on it."""
from dataclasses import dataclass


@dataclass
class PlaygroundResult:
    """The part of a playground result the :class:`dlhelpers.widgets.Playground` reads.

    A compute function returns an instance of this class or of a subclass carrying the data its
    draw function needs; any other return value is drawn but gets no status line.

    Attributes
    ----------
    message : str
        One line shown under the controls after the figure is drawn ('' for none).
    diverged : bool
        True if these settings made training (or the optimizer's path) blow up: the message is
        shown in red and draw functions are expected to mark the figure in red too.
    """

    message: str = ""
    diverged: bool = False

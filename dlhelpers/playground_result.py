"""What a playground's compute function may return so that the Playground can report on it."""
from dataclasses import dataclass

from .checks import check_bool


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

    def __post_init__(self):
        if not isinstance(self.message, str):
            raise TypeError(f"message must be a str (one status line), got {self.message!r}")
        self.diverged = check_bool(self.diverged, "diverged")

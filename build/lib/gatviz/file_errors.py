"""How errors in a user's files point at the problem: the line as an editor numbers it, and a
value quoted and cut short. Shared by the readers of :mod:`gatviz.csv_graph` and
:mod:`gatviz.csv_graph_sets`."""

from __future__ import annotations


def line(row: int) -> int:
    """CSV line of a 0-based data row: the header is line 1."""
    return row + 2


def shown(value: object, limit: int = 40) -> str:
    """A value from the file, quoted and cut short, for an error message."""
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")

"""Saying how far a long read or check has got, so a page can draw a progress bar.

Functions that read, check or write large files take an optional
``progress`` callback, called as ``progress(fraction_done, text)`` with a
fraction from 0 to 1 and a line such as "20,000 of 200,000 rows checked".
The fractions a function reports only grow, and its last report is 1.0 when
it finishes. A function made of several steps hands each step a `part` of
its range, so one bar covers the whole job.

Reports come once per `EVERY_ROWS` rows, never per row: with no callback a
loop runs exactly as it would without this module.
"""

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

Progress = Callable[[float, str], None]
Row = TypeVar("Row")

# Rows between two reports: a 200,000-row file moves a bar 20 times per step,
# and reporting costs one call per 10,000 rows, nothing per row.
EVERY_ROWS = 10_000


def part(progress: Progress | None, start: float, end: float) -> Progress | None:
    """``progress`` for one step of a longer job: its fractions 0 to 1 are
    reported as ``start`` to ``end``. None stays None.

    >>> seen = []
    >>> part(lambda done, text: seen.append(done), 0.5, 1.0)(0.5, "half")
    >>> seen
    [0.75]
    """
    if progress is None:
        return None
    return lambda done, text: progress(start + (end - start) * done, text)


def in_steps(
    rows: Sequence[Row], progress: Progress | None, noun: str
) -> Iterator[tuple[int, Sequence[Row]]]:
    """``rows`` as (index of the first, slice) pairs of `EVERY_ROWS` rows,
    reporting "N of TOTAL <noun>" after each slice but the last (the caller
    reports the end). Without ``progress``, the whole sequence in one slice.

    >>> [(first, len(rows)) for first, rows in in_steps(range(25_000), None, "")]
    [(0, 25000)]
    >>> seen = []
    >>> steps = in_steps(range(25_000), lambda f, t: seen.append(t), "rows checked")
    >>> [(first, len(rows)) for first, rows in steps]
    [(0, 10000), (10000, 10000), (20000, 5000)]
    >>> seen
    ['10,000 of 25,000 rows checked', '20,000 of 25,000 rows checked']
    """
    if progress is None:
        yield 0, rows
        return
    total = len(rows)
    for first in range(0, total, EVERY_ROWS):
        yield first, rows[first : first + EVERY_ROWS]
        done = first + EVERY_ROWS
        if done < total:
            progress(done / total, f"{done:,} of {total:,} {noun}")

"""Saying how far a long read or check has got, so a page can draw a progress bar.

Functions that read, check or write large files take an optional
``progress`` callback, called as ``progress(fraction_done, text)`` with a
fraction from 0 to 1 and a line such as "20,000 of 200,000 rows checked".
The fractions a function reports only grow, and its last report is 1.0 when
it finishes. A function made of several steps hands each step a `part` of
its range, so one bar covers the whole job.

A step reports about `REPORTS` times however long it is (every twentieth of
its rows, `rows_per_report`), never per row: a 1 MB file of 9,000 responses
moves the bar as often as a 200,000-row one, and a report costs one call per
slice of rows, nothing per row. With no callback a loop runs as it would
without this module.
"""

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

Progress = Callable[[float, str], None]
Row = TypeVar("Row")

# Reports per step: a bar moves about this many times while a step runs.
REPORTS = 20
# Fewest rows between two reports: a step over a few rows reports only its end.
MIN_ROWS = 10


def rows_per_report(total: int) -> int:
    """Rows between two reports of a step over ``total`` rows (or lines): a
    `REPORTS`th of them, at least `MIN_ROWS`.

    >>> rows_per_report(200_000), rows_per_report(9_000), rows_per_report(150)
    (10000, 450, 10)
    """
    return max(MIN_ROWS, total // REPORTS)


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
    """``rows`` as (index of the first, slice) pairs of `rows_per_report` rows,
    reporting "N of TOTAL <noun>" after each slice but the last (the caller
    reports the end). Without ``progress``, the whole sequence in one slice.

    >>> [(first, len(rows)) for first, rows in in_steps(range(9_000), None, "")]
    [(0, 9000)]
    >>> seen = []
    >>> steps = in_steps(range(95), lambda f, t: seen.append(t), "rows checked")
    >>> [(first, len(rows)) for first, rows in steps][-2:]
    [(80, 10), (90, 5)]
    >>> seen[0], seen[-1], len(seen)
    ('10 of 95 rows checked', '90 of 95 rows checked', 9)
    """
    if progress is None:
        yield 0, rows
        return
    total = len(rows)
    step = rows_per_report(total)
    for first in range(0, total, step):
        yield first, rows[first : first + step]
        done = first + step
        if done < total:
            progress(done / total, f"{done:,} of {total:,} {noun}")

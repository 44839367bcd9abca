"""One benchmark figure against its baseline, printed as one line."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """What was measured (with its size), our figure and the baseline's.

    Lower is better for every figure (seconds, bytes). ``capped`` marks a
    baseline stopped at its time limit and counted as that limit, so the
    true ratio is at least the one printed.
    """

    what: str
    unit: str  # "s" or "MB"
    ours: float
    baseline: float
    baseline_name: str
    capped: bool = False
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.baseline / self.ours if self.ours else float("inf")

    def line(self) -> str:
        at_least = ">=" if self.capped else ""
        cap_note = " (stopped at the cap, not still)" if self.capped else ""
        text = (
            f"{self.what}: ours {_figure(self.ours, self.unit)}, "
            f"{self.baseline_name} {_figure(self.baseline, self.unit)}{cap_note}"
            f" -> {at_least}{self.ratio:.1f}x"
        )
        return f"{text}; {self.note}" if self.note else text


def _figure(value: float, unit: str) -> str:
    if unit == "MB":
        return f"{value / 1_000_000:.2f} MB"
    return f"{value:.2f} {unit}"

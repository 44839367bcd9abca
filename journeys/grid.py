"""The journey map as a grid: stages across, lanes down, feelings per persona.

`build_grid` lays a journey out once; `grid_html` draws it as an HTML table
for the page, `print_page` as a whole HTML document for A3 landscape, and
`emotion_points` gives each persona's feelings for a chart and its table.

Every piece of text is escaped here, nothing is loaded from another host,
and no meaning is carried by colour alone: hand-offs between agencies are
written out ("Hand-off: DVLA to DVSA"), feelings carry their number and
words, and missing owners or evidence are said in words.
"""

import datetime
import html
from dataclasses import dataclass, field

from journeys.maps import JourneyMap
from journeys.models import EMOTION_MAX, EMOTION_MIN, EMOTION_WORDS

NO_OWNER = "No owning agency"
NO_EVIDENCE = "No evidence"
# Step columns per printed table: wider journeys continue on the next page.
PRINT_STEPS_PER_TABLE = 12
# Dash patterns that tell persona lines apart without colour.
DASHES = ("", "8 4", "2 3", "10 3 2 3", "1 6", "14 6")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "star")


@dataclass
class GridStep:
    """One step, with everything the grid shows about it, as text."""

    id: int
    number: str  # "2.3": stage 2, step 3
    action: str
    channel: str
    touchpoint: str
    optional: bool
    fee: str
    owner: str | None
    supporting: list[str]
    handoff_from: str | None  # the previous owning agency, when it changed
    pain_points: list[str]
    opportunities: list[str]
    evidence: list[str]
    emotions: dict[int, int]  # persona id -> -2..+2

    @property
    def label(self) -> str:
        return f"{self.number} {self.action}"


@dataclass
class GridStage:
    number: int
    name: str
    steps: list[GridStep] = field(default_factory=list)


@dataclass
class Grid:
    """A journey laid out for drawing."""

    title: str
    status: str
    review_by: str | None
    stages: list[GridStage]
    personas: list[tuple[int, str]]  # (id, name), the personas the journey is about

    def steps(self) -> list[GridStep]:
        return [step for stage in self.stages for step in stage.steps]

    @property
    def handoff_count(self) -> int:
        return sum(1 for step in self.steps() if step.handoff_from)


def build_grid(
    journey_map: JourneyMap,
    agency_names: dict[int, str],
    personas: list[dict],
) -> Grid:
    """Lay out a journey; ``personas`` are the ones it is about (id and name).

    A hand-off is a step owned by another agency than the last owned step
    before it; steps with no owner do not break the chain, they are shown
    as having none.
    """
    stages = []
    last_owner = None
    for stage_number, stage in enumerate(journey_map.stages, start=1):
        grid_stage = GridStage(stage_number, stage["name"])
        for step_number, step in enumerate(
            journey_map.steps_by_stage[stage["id"]], start=1
        ):
            owner = agency_names.get(step["owning_agency_id"])
            changed = owner and last_owner and owner != last_owner
            handoff = last_owner if changed else None
            if owner:
                last_owner = owner
            grid_stage.steps.append(
                GridStep(
                    id=step["id"],
                    number=f"{stage_number}.{step_number}",
                    action=step["action"],
                    channel=step["channel"],
                    touchpoint=step["touchpoint"] or "",
                    optional=bool(step["optional"]),
                    fee=step["fee"] or "",
                    owner=owner,
                    supporting=[
                        agency_names[a]
                        for a in step.get("supporting_agency_ids", [])
                        if a in agency_names
                    ],
                    handoff_from=handoff,
                    pain_points=[
                        f"{n['text']} ({n['severity']} severity)"
                        for n in step["pain_points"]
                    ],
                    opportunities=[
                        f"{n['text']} ({n['impact']} impact)"
                        for n in step["opportunities"]
                    ],
                    evidence=[_evidence_text(e) for e in step["evidence"]],
                    emotions={int(p): int(s) for p, s in step["emotions"].items()},
                )
            )
        stages.append(grid_stage)
    return Grid(
        title=journey_map.journey["title"],
        status=journey_map.journey["status"],
        review_by=journey_map.journey["review_by"],
        stages=stages,
        personas=[(p["id"], p["name"]) for p in personas],
    )


def _evidence_text(evidence: dict) -> str:
    parts = [evidence["source"], evidence.get("date") or "undated"]
    if evidence.get("personal_data"):
        parts.append("holds personal data")
    return ", ".join(parts)


def feeling_text(score: int | None) -> str:
    """A feeling as its number and words: "-1 negative"; "Not recorded"."""
    if score is None:
        return "Not recorded"
    return f"{score:+d} {EMOTION_WORDS[score]}" if score else f"0 {EMOTION_WORDS[0]}"


def emotion_points(grid: Grid) -> list[dict]:
    """Each recorded feeling: order, step, persona, score and words."""
    points = []
    for order, step in enumerate(grid.steps(), start=1):
        for persona_id, name in grid.personas:
            score = step.emotions.get(persona_id)
            if score is None:
                continue
            points.append(
                {
                    "order": order,
                    "number": step.number,
                    "step": step.label,
                    "persona": name,
                    "feeling": score,
                    "in words": feeling_text(score),
                }
            )
    return points


# --- HTML --------------------------------------------------------------------------

GRID_STYLE = """
.jd-grid-wrap { overflow-x: auto; }
.jd-grid { border-collapse: collapse; font-size: 0.85rem; }
.jd-grid th, .jd-grid td {
  border: 1px solid #767676; padding: 0.3rem 0.4rem; vertical-align: top;
  min-width: 9rem; max-width: 16rem; text-align: left;
}
.jd-grid thead th { background: #f0f2f6; }
.jd-grid tbody th { background: #f7f7f9; min-width: 8rem; }
.jd-grid ul { margin: 0; padding-left: 1.1rem; }
.jd-grid .handoff { font-weight: bold; border-top: 2px dashed #333;
  display: block; margin-top: 0.2rem; padding-top: 0.2rem; }
.jd-grid .none { font-style: italic; }
"""


def grid_html(grid: Grid, steps_per_table: int | None = None) -> str:
    """The grid as HTML tables (one, or one per group of stages), text escaped."""
    if not grid.steps():
        return "<p class='none'>This journey has no steps yet.</p>"
    groups = _stage_groups(grid.stages, steps_per_table)
    tables = "".join(
        _grid_table(grid, group, part, len(groups))
        for part, group in enumerate(groups, start=1)
    )
    return f"<div class='jd-grid-wrap'>{tables}</div>"


def _stage_groups(
    stages: list[GridStage], steps_per_table: int | None
) -> list[list[GridStage]]:
    stages = [s for s in stages if s.steps]
    if not steps_per_table:
        return [stages]
    groups, current, width = [], [], 0
    for stage in stages:
        if current and width + len(stage.steps) > steps_per_table:
            groups.append(current)
            current, width = [], 0
        current.append(stage)
        width += len(stage.steps)
    return [*groups, current] if current else groups


def _grid_table(grid: Grid, stages: list[GridStage], part: int, parts: int) -> str:
    steps = [step for stage in stages for step in stage.steps]
    part_text = f" (part {part} of {parts})" if parts > 1 else ""
    caption = (
        f"Journey map of {_e(grid.title)}{part_text}: stages across, and for each "
        "step what the person does, the channel, who owns it, pain points, "
        "opportunities, evidence and how each persona feels."
    )
    stage_row = "".join(
        f"<th scope='colgroup' colspan='{len(s.steps)}'>"
        f"Stage {s.number}: {_e(s.name)}</th>"
        for s in stages
    )
    step_row = "".join(f"<th scope='col'>Step {_e(s.number)}</th>" for s in steps)
    lanes = [
        ("What the person does", [_action_cell(s) for s in steps]),
        ("Channel and touchpoint", [_channel_cell(s) for s in steps]),
        ("Owning agency and hand-offs", [_owner_cell(s) for s in steps]),
        ("Supporting agencies", [_list_cell(s.supporting, "None") for s in steps]),
        ("Pain points", [_list_cell(s.pain_points, "None recorded") for s in steps]),
        (
            "Opportunities",
            [_list_cell(s.opportunities, "None recorded") for s in steps],
        ),
        ("Evidence", [_list_cell(s.evidence, NO_EVIDENCE) for s in steps]),
    ]
    for persona_id, name in grid.personas:
        lanes.append(
            (
                f"Feeling: {name}",
                [_e(feeling_text(s.emotions.get(persona_id))) for s in steps],
            )
        )
    body = "".join(
        f"<tr><th scope='row'>{_e(lane)}</th>"
        + "".join(f"<td>{cell}</td>" for cell in cells)
        + "</tr>"
        for lane, cells in lanes
    )
    return (
        f"<table class='jd-grid'><caption>{caption}</caption><thead>"
        f"<tr><th scope='col'>Stage</th>{stage_row}</tr>"
        f"<tr><th scope='col'>Lane</th>{step_row}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _action_cell(step: GridStep) -> str:
    extra = []
    if step.optional:
        extra.append("optional")
    if step.fee:
        extra.append(f"fee {step.fee}")
    more = f" ({_e(', '.join(extra))})" if extra else ""
    return f"{_e(step.action)}{more}"


def _channel_cell(step: GridStep) -> str:
    if step.touchpoint:
        return f"{_e(step.channel)}: {_e(step.touchpoint)}"
    return _e(step.channel)


def _owner_cell(step: GridStep) -> str:
    owner = _e(step.owner) if step.owner else f"<span class='none'>{NO_OWNER}</span>"
    if step.handoff_from:
        owner += (
            f"<span class='handoff'>Hand-off: {_e(step.handoff_from)} to "
            f"{_e(step.owner)}</span>"
        )
    return owner


def _list_cell(items: list[str], empty: str) -> str:
    if not items:
        return f"<span class='none'>{_e(empty)}</span>"
    if len(items) == 1:
        return _e(items[0])
    return "<ul>" + "".join(f"<li>{_e(item)}</li>" for item in items) + "</ul>"


def _e(text) -> str:
    return html.escape(str(text), quote=True)


# --- the print page ----------------------------------------------------------------

PRINT_STYLE = """
@page { size: A3 landscape; margin: 10mm; }
body { font-family: system-ui, Arial, sans-serif; color: #000; margin: 12px; }
h1 { font-size: 18pt; margin: 0 0 4pt; }
h2 { font-size: 13pt; margin: 10pt 0 4pt; }
p { font-size: 9pt; margin: 0 0 6pt; }
.jd-grid { border-collapse: collapse; width: 100%; table-layout: fixed;
  margin-bottom: 10pt; page-break-inside: auto; }
.jd-grid caption { text-align: left; font-size: 8pt; padding-bottom: 3pt; }
.jd-grid th, .jd-grid td { border: 1px solid #444; padding: 3pt; font-size: 8pt;
  vertical-align: top; overflow-wrap: break-word; hyphens: auto;
  text-align: left; }
.jd-grid thead th { background: #e8e8e8; }
.jd-grid tbody th { background: #f4f4f4; width: 12%; }
.jd-grid ul { margin: 0; padding-left: 10pt; }
.jd-grid tr { page-break-inside: avoid; }
.jd-grid .handoff { display: block; font-weight: bold; border-top: 1.5pt dashed #000;
  margin-top: 2pt; padding-top: 2pt; }
.none { font-style: italic; }
.jd-grid + .jd-grid { page-break-before: always; }
.feelings { page-break-before: always; }
.print-button { font-size: 11pt; padding: 4pt 10pt; margin-bottom: 8pt; }
@media print { .no-print { display: none; } }
svg text { font-size: 9pt; }
"""


def print_page(grid: Grid, today: datetime.date) -> str:
    """A whole, self-contained HTML page of the map, for A3 landscape.

    The grid is split into tables of at most `PRINT_STEPS_PER_TABLE` steps so
    each fits the width of a page; feelings follow as a chart (each persona
    with its own dash pattern, marker and label) and the same values as a
    table. Print it from the browser, or save it as PDF.
    """
    title = _e(grid.title)
    review = f" Review by {_e(grid.review_by)}." if grid.review_by else ""
    feelings = _print_feelings(grid)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Journey map: {title}</title><style>{PRINT_STYLE}</style></head>"
        "<body><main>"
        "<p class='no-print'><button class='print-button' type='button' "
        "onclick='window.print()'>Print this map</button> Choose A3 landscape, "
        "or 'Save as PDF'.</p>"
        f"<h1>Journey map: {title}</h1>"
        f"<p>Status: {_e(grid.status)}.{review} {len(grid.stages)} stages, "
        f"{len(grid.steps())} steps, {grid.handoff_count} hand-offs between "
        f"agencies. Printed {today.isoformat()}. Feelings run from -2 (very "
        "negative) to +2 (very positive).</p>"
        f"{grid_html(grid, PRINT_STEPS_PER_TABLE)}{feelings}"
        "</main></body></html>"
    )


def _print_feelings(grid: Grid) -> str:
    points = emotion_points(grid)
    if not points:
        return (
            "<section class='feelings'><h2>How each persona feels</h2>"
            "<p class='none'>No feelings recorded for this journey's personas.</p>"
            "</section>"
        )
    rows = "".join(
        f"<tr><td>{_e(p['step'])}</td><td>{_e(p['persona'])}</td>"
        f"<td>{_e(p['in words'])}</td></tr>"
        for p in points
    )
    return (
        "<section class='feelings'><h2>How each persona feels, step by step</h2>"
        f"{emotion_svg(grid)}"
        "<table class='jd-grid'><caption>The feelings in the chart, as a table."
        "</caption><thead><tr><th scope='col'>Step</th><th scope='col'>Persona</th>"
        "<th scope='col'>Feeling</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def emotion_svg(grid: Grid, width: int = 1400, height: int = 320) -> str:
    """An emotion curve per persona as inline SVG, told apart without colour.

    Each persona's line has its own dash pattern and marker, and its name is
    written at the end of its line and in the legend.
    """
    steps = grid.steps()
    left, right, top, bottom = 140, 160, 20, 60
    span_x = max(len(steps) - 1, 1)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(index: int) -> float:
        return left + plot_w * index / span_x

    def y(score: int) -> float:
        return top + plot_h * (EMOTION_MAX - score) / (EMOTION_MAX - EMOTION_MIN)

    parts = [
        f"<svg viewBox='0 0 {width} {height}' "
        f"width='100%' role='img' aria-label='Feelings per persona across "
        f"{len(steps)} steps; the values are in the table that follows'>"
    ]
    for score in range(EMOTION_MIN, EMOTION_MAX + 1):
        parts.append(
            f"<line x1='{left}' x2='{width - right}' y1='{y(score):.1f}' "
            f"y2='{y(score):.1f}' stroke='#bbb' stroke-width='1'/>"
            f"<text x='{left - 8}' y='{y(score) + 4:.1f}' text-anchor='end'>"
            f"{_e(feeling_text(score))}</text>"
        )
    for index, step in enumerate(steps):
        parts.append(
            f"<text x='{x(index):.1f}' y='{height - bottom + 18}' "
            f"text-anchor='middle'>{_e(step.number)}</text>"
        )
    for n, (persona_id, name) in enumerate(grid.personas):
        points = [
            (x(i), y(s.emotions[persona_id]))
            for i, s in enumerate(steps)
            if persona_id in s.emotions
        ]
        if not points:
            continue
        dash = DASHES[n % len(DASHES)]
        dash_attr = f" stroke-dasharray='{dash}'" if dash else ""
        line = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(
            f"<polyline points='{line}' fill='none' stroke='#000' "
            f"stroke-width='2'{dash_attr}/>"
        )
        parts += [_marker(MARKERS[n % len(MARKERS)], px, py) for px, py in points]
        end_x, end_y = points[-1]
        parts.append(
            f"<text x='{end_x + 10:.1f}' y='{end_y + 4 + 12 * n:.1f}'>"
            f"{_e(name)} ({MARKERS[n % len(MARKERS)]})</text>"
        )
    parts.append(
        f"<text x='{left}' y='{height - 10}'>Steps, numbered stage.step</text></svg>"
    )
    return "".join(parts)


def _marker(shape: str, x: float, y: float) -> str:
    if shape == "square":
        return f"<rect x='{x - 5:.1f}' y='{y - 5:.1f}' width='10' height='10'/>"
    if shape == "triangle":
        return (
            f"<polygon points='{x:.1f},{y - 6:.1f} {x - 6:.1f},{y + 5:.1f} "
            f"{x + 6:.1f},{y + 5:.1f}'/>"
        )
    if shape == "diamond":
        return (
            f"<polygon points='{x:.1f},{y - 6:.1f} {x + 6:.1f},{y:.1f} "
            f"{x:.1f},{y + 6:.1f} {x - 6:.1f},{y:.1f}'/>"
        )
    if shape == "cross":
        return (
            f"<path d='M{x - 5:.1f},{y - 5:.1f} L{x + 5:.1f},{y + 5:.1f} "
            f"M{x - 5:.1f},{y + 5:.1f} L{x + 5:.1f},{y - 5:.1f}' stroke='#000' "
            "stroke-width='2'/>"
        )
    if shape == "star":
        return (
            f"<text x='{x:.1f}' y='{y + 5:.1f}' text-anchor='middle' "
            "font-size='16'>*</text>"
        )
    return f"<circle cx='{x:.1f}' cy='{y:.1f}' r='5'/>"

"""The "you said, we did" report: each piece of feedback and what came of it.

One report per session or per journey. Only feedback a moderator approved is
in it, without contact details; duplicates merged into a piece of feedback
are counted with it. For each piece the report says what it led to (the
improvement items and where each one is) or, where nothing was done, why
not; where nobody has decided yet, it says so.

A report can be shared as a read-only page without an account through a
link holding a random token; the link can be withdrawn.
"""

import html
import secrets
from dataclasses import dataclass, field

from journeys import improvements
from journeys.access import Actor, Role, require
from journeys.errors import NotFound
from journeys.sessions import FEELINGS, get_session, where
from journeys.wording import counted
from journeys.workspace import Workspace, translated_errors
from storage import improvements as stored_items
from storage import queries, rows
from storage import sessions as stored

KINDS = ("session", "journey")
SOURCE_WORDS = {
    "online": "said online",
    "paper": "written on a paper form",
    "assisted": "said to a facilitator",
}
TOKEN_MAX = 100


@dataclass(frozen=True)
class ReportEntry:
    """One piece of approved feedback and what it led to."""

    feedback_id: int
    said: str
    where: str
    session_title: str
    source: str
    persona: str | None = None
    feeling: str | None = None
    stance: str | None = None
    also_said_by: int = 0
    led_to: list[tuple[str, str]] = field(default_factory=list)  # (title, outcome)
    why_not: str | None = None

    @property
    def outcome(self) -> str:
        """ "acted" (led to a change), "not acted" (with why) or "undecided"."""
        if self.led_to:
            return "acted"
        return "not acted" if self.why_not else "undecided"


@dataclass(frozen=True)
class Report:
    kind: str
    title: str
    subtitle: str
    entries: list[ReportEntry]

    def count(self, outcome: str) -> int:
        return sum(1 for e in self.entries if e.outcome == outcome)


# --- building ---------------------------------------------------------------


def session_report(ws: Workspace, session_id: int) -> Report:
    """Everything approved from one session, in the order it was given."""
    session = get_session(ws, session_id)
    when = session["starts_at"].replace("T", " at ")
    place = session["place"] or ("online" if session["mode"] == "online" else "")
    subtitle = f"Consultation session on {when}" + (f", {place}" if place else "")
    found = stored.session_feedback(ws.db, session_id)
    titles = {session_id: session["title"]}
    return Report("session", session["title"], subtitle, _entries(ws, found, titles))


def journey_report(ws: Workspace, journey_id: int) -> Report:
    """Everything approved about one journey, from every session."""
    with translated_errors():
        journey = rows.get_row(ws.db, "journey", journey_id)
    found = stored.journey_feedback(ws.db, journey_id)
    titles = {s["id"]: s["title"] for s in stored.list_sessions(ws.db)}
    subtitle = "What people told us about this journey, and what we did"
    return Report("journey", journey["title"], subtitle, _entries(ws, found, titles))


def build(ws: Workspace, kind: str, target_id: int) -> Report:
    if kind == "session":
        return session_report(ws, target_id)
    if kind == "journey":
        return journey_report(ws, target_id)
    raise NotFound(f"There is no {kind!r} report.")


def report_targets(ws: Workspace) -> dict[str, list[tuple[int, str]]]:
    """What a report can be about: sessions and journeys, as (id, title)."""
    return {
        "session": [(s["id"], s["title"]) for s in stored.list_sessions(ws.db)],
        "journey": [(j["id"], j["title"]) for j in queries.list_journeys(ws.db)],
    }


# --- sharing ------------------------------------------------------------------


def create_share(ws: Workspace, actor: Actor, kind: str, target_id: int) -> str:
    """A new read-only link token for one report."""
    require(actor, Role.FACILITATOR, "share a 'you said, we did' report")
    build(ws, kind, target_id)  # raises NotFound for a missing target
    token = secrets.token_urlsafe(18)
    with translated_errors(), ws.transaction():
        stored.create_share(ws.db, token, kind, target_id, rows.now_utc(), actor.name)
    return token


def shares(ws: Workspace, kind: str, target_id: int) -> list[dict]:
    """The links in force for one report, newest first."""
    return stored.shares_of(ws.db, kind, target_id)


def revoke_share(ws: Workspace, actor: Actor, token: str) -> None:
    """Withdraw a link: it stops working at once."""
    require(actor, Role.FACILITATOR, "withdraw a shared report link")
    with translated_errors(), ws.transaction():
        if not stored.revoke_share(ws.db, token, rows.now_utc()):
            raise NotFound("That link was already withdrawn.")


def shared_report(ws: Workspace, token: str | None) -> Report:
    """The report a link points at, for anyone holding the link."""
    token = (token or "").strip()
    share = None
    if token and len(token) <= TOKEN_MAX:
        share = stored.find_share(ws.db, token)
    if share is None:
        raise NotFound(
            "This link does not open a report: it may be mistyped or withdrawn. "
            "Ask whoever shared it for a new link."
        )
    return build(ws, share["kind"], share["target_id"])


# --- showing ------------------------------------------------------------------


def report_html(report: Report) -> str:
    """The report as an HTML fragment; every stored text is escaped."""
    e = html.escape
    parts = [
        '<div class="ysd">',
        f"<h2>You said, we did: {e(report.title)}</h2>",
        f"<p>{e(report.subtitle)}</p>",
        f"<p>{summary_html(report)}</p>",
    ]
    if not report.entries:
        parts.append("<p>No feedback has been approved for this report yet.</p>")
    for entry in report.entries:
        parts.append(_entry_html(entry))
    parts.append("</div>")
    return "\n".join(parts)


def summary_html(report: Report) -> str:
    """How many pieces of feedback there are and what came of them, each
    verb agreeing with its count: "1 was not acted on", "2 were".

    >>> entry = ReportEntry(1, "said", "", "", "online", why_not="Legal")
    >>> summary = summary_html(Report("session", "T", "", [entry]))
    >>> summary.startswith("<strong>1</strong> piece of feedback: ")
    True
    >>> "<strong>1</strong> was not acted on" in summary
    True
    """
    pieces = counted(len(report.entries), "piece of feedback", "pieces of feedback")
    number, words = pieces.split(" ", 1)
    acted, not_acted, undecided = (
        report.count(outcome) for outcome in ("acted", "not acted", "undecided")
    )
    return (
        f"<strong>{number}</strong> {words}: "
        f"<strong>{acted:,}</strong> led to a change, "
        f"<strong>{not_acted:,}</strong> {_be(not_acted, 'was', 'were')} not acted "
        f"on (with the reason), <strong>{undecided:,}</strong> "
        f"{_be(undecided, 'is', 'are')} still being considered."
    )


def _be(number: int, one: str, more: str) -> str:
    return one if number == 1 else more


def report_page(report: Report) -> str:
    """The report as a whole page to save or print."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>You said, we did: {html.escape(report.title)}</title>"
        f"<style>{REPORT_CSS}</style></head><body>"
        f"{report_html(report)}</body></html>"
    )


REPORT_CSS = """
.ysd { font-family: Arial, sans-serif; font-size: 1.05rem; line-height: 1.5;
  color: #0b0c0c; max-width: 60rem; }
.ysd h2 { font-size: 1.6rem; }
.ysd article { border-left: 6px solid #1d70b8; padding: .25rem 1rem;
  margin: 1rem 0; break-inside: avoid; }
.ysd article.not-acted { border-left-color: #6f777b; }
.ysd article.undecided { border-left-color: #b1b4b6; }
.ysd blockquote { margin: .25rem 0; font-size: 1.15rem; white-space: pre-wrap;
  overflow-wrap: anywhere; }
.ysd .meta { color: #484949; font-size: .95rem; }
.ysd h3 { font-size: 1.1rem; margin: .5rem 0 0; }
@media print {
  .ysd { font-size: 12pt; color: #000; }
  .ysd article { border-left: 3px solid #000; }
}
"""


def _entries(
    ws: Workspace, found: list[dict], session_titles: dict[int, str]
) -> list[ReportEntry]:
    approved = [f for f in found if f["status"] == "approved"]
    merged = {}
    for row in found:
        if row["status"] == "merged" and row["merged_into_id"]:
            merged[row["merged_into_id"]] = merged.get(row["merged_into_id"], 0) + 1
    item_ids = sorted({i for f in approved for i in f["linked_item_ids"]})
    items = {i["id"]: i for i in stored_items.items_by_ids(ws.db, item_ids)}
    return [_entry(row, items, merged, session_titles) for row in approved]


def _entry(
    row: dict, items: dict[int, dict], merged: dict[int, int], titles: dict
) -> ReportEntry:
    stance = None
    if row["stance"] and row["item_title"]:
        stance = f"{row['stance'].capitalize()} of the proposal: {row['item_title']}"
    return ReportEntry(
        feedback_id=row["id"],
        said=row["what_happened"],
        where=where(row),
        session_title=titles.get(row["session_id"], ""),
        source=SOURCE_WORDS.get(row["source"], row["source"]),
        persona=row["persona_name"],
        feeling=FEELINGS.get(row["feeling"]),
        stance=stance,
        also_said_by=merged.get(row["id"], 0),
        led_to=[
            (items[i]["title"], improvements.outcome_words(items[i]))
            for i in row["linked_item_ids"]
            if i in items
        ],
        why_not=row["why_not"],
    )


def _entry_html(entry: ReportEntry) -> str:
    e = html.escape
    meta = [entry.where, entry.source]
    if entry.session_title:
        meta.append(f"at {entry.session_title}")
    if entry.persona:
        meta.append(f"like {entry.persona}")
    if entry.feeling:
        meta.append(f"felt: {entry.feeling.lower()}")
    lines = [
        f'<article class="{entry.outcome.replace(" ", "-")}">',
        "<h3>You said</h3>",
        f"<blockquote>{e(entry.said)}</blockquote>",
        f'<p class="meta">{e(" · ".join(meta))}</p>',
    ]
    if entry.stance:
        lines.append(f'<p class="meta">{e(entry.stance)}</p>')
    if entry.also_said_by:
        others = entry.also_said_by
        lines.append(
            f'<p class="meta">{others} other {"person" if others == 1 else "people"}'
            " said much the same.</p>"
        )
    if entry.outcome == "acted":
        lines.append("<h3>We did</h3><ul>")
        lines += [
            f"<li><strong>{e(title)}</strong>: {e(outcome)}</li>"
            for title, outcome in entry.led_to
        ]
        lines.append("</ul>")
    elif entry.outcome == "not acted":
        lines.append(f"<h3>Why we did not act on it</h3><p>{e(entry.why_not)}</p>")
    else:
        lines.append(
            "<h3>We did</h3><p>Nothing decided yet: still being considered.</p>"
        )
    lines.append("</article>")
    return "\n".join(lines)

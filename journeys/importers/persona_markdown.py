"""Import personas from Markdown, tolerating the three styles found in public sources.

A file may hold several documents, each after an HTML comment
``<!-- SOURCE: repo | path | commit | licence -->``; that note becomes part of
each persona's ``evidence_source``. Within a document the style is recognised
from its shape, not its position:

(a) **Persona page with front matter** (GOV.UK accessibility personas): a
    ``---`` block whose ``title: Ashleigh, severely sight impaired screenreader
    user`` gives the name (before the first comma) and the summary (after it).
    Under "## About the persona", the first bullet is age and occupation
    ("24 year old arts graduate ...": age range "24", the bullet is the
    situation); a bullet starting "uses" or "does not use" is assistive
    technology; every other bullet is an access need. A language named as
    "uses X as his main language" or "X is his second language" is also
    recorded. The "persona on GOV.UK" link goes in the evidence source.
    Tag: "GOV.UK accessibility".
(b) **"## Name" sections with "### Likes / ### Frustrations / ### Goals"**
    (VA health care discovery personas): the paragraph under the name is the
    situation, its first sentence the summary. Stray ``<br>`` in headings and
    empty "- " bullets are dropped. Tag: "VA health care discovery".
(c) **Bold labels** (VA customer personas): a line ``**Still serving**``, a
    one-line description (the summary) and bullets (kept as the situation,
    one "- " line each), up to the next label or heading.
    Tag: "VA customer personas".

Nothing is invented: the evidence date is taken only from a ``date:`` in front
matter, so it stays empty for these sources ("May 2016" in the VA file is
kept, as written, in the evidence source). A persona whose name is already in
the workspace (or earlier in the same file) is reported and skipped.
"""

import logging
import re
from dataclasses import dataclass, field

from journeys import personas
from journeys.access import Actor
from journeys.errors import ImportFailed, ValidationError
from journeys.importers.common import (
    ImportResult,
    Source,
    check_may_import,
    decode_text,
    import_transaction,
    one_line,
    read_source,
)
from journeys.models import Persona
from journeys.workspace import Workspace
from storage import queries

logger = logging.getLogger(__name__)

KIND = "personas-markdown"
TAG_ACCESSIBILITY = "GOV.UK accessibility"
TAG_DISCOVERY = "VA health care discovery"
TAG_CUSTOMER = "VA customer personas"

_SOURCE_NOTE = re.compile(r"<!--\s*SOURCE:(.*?)-->", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FRONT_MATTER = re.compile(r"\A\s*---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^[-*+](?:\s+(.*)|\s*)$")
_BOLD_LABEL = re.compile(r"^\*\*([^*]+?)\*\*\s*(.*)$")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_LINK = re.compile(r"\[([^\]]*)\]\((https?://[^)\s]+)\)")
_AGE = re.compile(r"^(\d{1,3})(?:\s*(?:-|to)\s*(\d{1,3}))?\s+years?\s+old\b", re.I)
_USES = re.compile(r"^(uses|does not use|doesn't use|do not use)\b", re.I)
_MAIN_LANGUAGE = re.compile(
    r"\buses (.+?) as (?:his|her|their) (?:main|first) language", re.I
)
_SECOND_LANGUAGE = re.compile(
    r"(?:^|,\s*)([A-Z][\w ]*?) is (?:his|her|their) second language"
)
_FIRST_SENTENCE = re.compile(r"(.+?[.!?])(?:\s|$)", re.DOTALL)
_PROVENANCE = re.compile(r"^From .+\b(19|20)\d\d\b")
_LIST_SECTIONS = {
    "likes": "likes",
    "frustrations": "frustrations",
    "pain points": "frustrations",
    "goals": "goals",
    "needs": "needs",
}


@dataclass
class _Document:
    note: str | None  # the SOURCE comment, one line
    lines: list[str] = field(default_factory=list)


def import_personas(
    ws: Workspace, actor: Actor, source: Source, name: str | None = None
) -> ImportResult:
    """Import every persona in a Markdown file, all or nothing.

    Raises `ImportFailed` when the file holds no recognisable persona or a
    persona cannot be saved; personas already present by name are skipped.
    """
    check_may_import(actor)
    source = read_source(source, name)
    result = ImportResult(KIND, source.name)
    found = parse_personas(decode_text(source), source.name)
    with import_transaction(ws, actor, source, result):
        for persona in found:
            if queries.find_persona_id(ws.db, persona.name) is not None:
                result.skip(
                    f"persona '{persona.name}'",
                    "a persona with this name is already in the workspace",
                )
                continue
            personas.create_persona(ws, actor, persona)
            result.count("persona")
            result.names.append(persona.name)
    return result


def parse_personas(text: str, file_name: str) -> list[Persona]:
    """Every persona in the Markdown ``text``, validated, in file order."""
    found: list[Persona] = []
    for document in _documents(text):
        front = _front_matter(document.lines)
        if front is not None:
            persona = _front_matter_persona(front, document)
            if persona is not None:
                found.append(persona)
            continue
        found.extend(_section_personas(document))
        found.extend(_labelled_personas(document))
    if not found:
        raise ImportFailed(
            file_name,
            "no personas found: expected persona pages with a 'title:' in front "
            "matter, '## Name' sections with '### Likes', '### Frustrations' or "
            "'### Goals', or '**Name**' lines followed by a description",
        )
    return [_validated(persona, file_name) for persona in found]


def _validated(persona: Persona, file_name: str) -> Persona:
    try:
        return persona.validated()
    except ValidationError as err:
        raise ImportFailed(
            file_name, f"persona '{persona.name}': {one_line(str(err))}"
        ) from err


# --- documents and their parts ------------------------------------------------


def _documents(text: str) -> list[_Document]:
    """The file split at each SOURCE comment, other comments removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    documents = []
    position, note = 0, None
    for match in _SOURCE_NOTE.finditer(text):
        documents.append(_Document(note, _body_lines(text[position : match.start()])))
        position, note = match.end(), one_line(match.group(1))
    documents.append(_Document(note, _body_lines(text[position:])))
    return [d for d in documents if any(line.strip() for line in d.lines)]


def _body_lines(text: str) -> list[str]:
    return [line.rstrip() for line in _COMMENT.sub("", text).split("\n")]


def _front_matter(lines: list[str]) -> dict[str, str] | None:
    match = _FRONT_MATTER.match("\n".join(lines))
    if not match:
        return None
    values = {}
    for line in match.group(1).split("\n"):
        key, sep, value = line.partition(":")
        if sep and key.strip():
            values[key.strip().lower()] = value.strip().strip("'\"")
    values["_end"] = str(match.end())
    return values


def _heading(line: str) -> tuple[int, str] | None:
    match = _HEADING.match(line)
    if not match:
        return None
    return len(match.group(1)), _clean(match.group(2))


def _clean(text: str) -> str:
    return one_line(_BREAK.sub(" ", text))


def _bullet(line: str) -> str | None:
    """The text of a top-level bullet ("" for an empty one), None if not a bullet."""
    if line[:1].isspace():
        return None
    match = _BULLET.match(line)
    if not match:
        return None
    return _clean(match.group(1) or "")


def _sections(lines: list[str], level: int) -> list[tuple[str | None, list[str]]]:
    """Lines grouped under each heading of ``level`` (None: before the first).

    A heading of a higher level (fewer #) ends a section without starting one.
    """
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in lines:
        heading = _heading(line)
        if heading and heading[0] == level:
            sections.append((heading[1], []))
        elif heading and heading[0] < level:
            sections.append((None, []))
        else:
            sections[-1][1].append(line)
    return sections


def _paragraph(lines: list[str]) -> str:
    """The first paragraph of plain text (not a heading, bullet or image)."""
    taken: list[str] = []
    for line in lines:
        stripped = line.strip()
        plain = stripped and not (
            _heading(line) or _bullet(line) is not None or stripped.startswith("<")
        )
        if plain:
            taken.append(stripped)
        elif taken:
            break
    return _clean(" ".join(taken))


def _evidence(*parts: str | None) -> str | None:
    text = "; ".join(part for part in parts if part)
    return text or None


def _provenance(lines: list[str]) -> str | None:
    for line in lines:
        if _PROVENANCE.match(line.strip()):
            return _clean(line)
    return None


def _source_note(note: str | None) -> str | None:
    return f"source: {note}" if note else None


# --- (a) persona pages with front matter --------------------------------------


def _front_matter_persona(front: dict[str, str], document: _Document) -> Persona | None:
    body = "\n".join(document.lines)[int(front["_end"]) :].split("\n")
    title = front.get("title", "")
    name, _, summary = title.partition(",")
    name = name.strip()
    if not name:
        h1 = next((h for h in map(_heading, body) if h and h[0] == 1), None)
        name = h1[1] if h1 else ""
    if not name:
        return None
    about: list[str] = []
    for heading, lines in _sections(body, 2):
        if heading and heading.lower().startswith("about"):
            about = lines
            break
    bullets = [b for b in (_bullet(line) for line in about) if b]
    persona = Persona(
        name=name,
        summary=summary.strip(),
        tags=[TAG_ACCESSIBILITY],
        evidence_date=front.get("date") or None,
    )
    if bullets and _AGE.match(bullets[0]):
        age = _AGE.match(bullets[0])
        persona.age_range = "-".join(g for g in age.groups() if g)
        persona.situation = bullets.pop(0)
    for bullet in bullets:
        if _USES.match(bullet):
            persona.assistive_technology.append(bullet)
        else:
            persona.access_needs.append(bullet)
        main = _MAIN_LANGUAGE.search(bullet)
        second = _SECOND_LANGUAGE.search(bullet)
        persona.languages.extend(m.group(1).strip() for m in (main, second) if m)
    profile = next(
        (
            url
            for line in about
            for text, url in _LINK.findall(line)
            if "persona" in text.lower() or "gov.uk" in url
        ),
        None,
    )
    persona.evidence_source = _evidence(profile, _source_note(document.note))
    return persona


# --- (b) "## Name" sections with Likes / Frustrations / Goals -----------------


def _section_personas(document: _Document) -> list[Persona]:
    found = []
    provenance = _provenance(document.lines)
    for heading, lines in _sections(document.lines, 2):
        if not heading:
            continue
        lists: dict[str, list[str]] = {}
        for sub, sub_lines in _sections(lines, 3):
            target = _LIST_SECTIONS.get((sub or "").lower())
            if target:
                items = [b for b in (_bullet(line) for line in sub_lines) if b]
                lists.setdefault(target, []).extend(items)
        if not lists:
            continue
        situation = _paragraph(_sections(lines, 3)[0][1])
        first = _FIRST_SENTENCE.match(situation)
        found.append(
            Persona(
                name=heading,
                summary=first.group(1) if first else situation,
                situation=situation,
                tags=[TAG_DISCOVERY],
                evidence_source=_evidence(provenance, _source_note(document.note)),
                **lists,
            )
        )
    return found


# --- (c) bold labels followed by a description and bullets ---------------------


def _labelled_personas(document: _Document) -> list[Persona]:
    found = []
    provenance = _provenance(document.lines)
    label, description, bullets = None, [], []

    def finish() -> None:
        summary = _clean(" ".join(description))
        if label and summary:
            found.append(
                Persona(
                    name=label,
                    summary=summary,
                    situation="\n".join(f"- {b}" for b in bullets),
                    tags=[TAG_CUSTOMER],
                    evidence_source=_evidence(provenance, _source_note(document.note)),
                )
            )

    for line in document.lines:
        match = _BOLD_LABEL.match(line.strip())
        if match and not line[:1].isspace():
            finish()
            label, description, bullets = _clean(match.group(1)), [], []
            if match.group(2).strip():
                description.append(match.group(2))
        elif _heading(line):
            finish()
            label, description, bullets = None, [], []
        elif label is not None:
            bullet = _bullet(line)
            if bullet:
                bullets.append(bullet)
            elif bullet is None and line.strip() and not bullets:
                description.append(line.strip())
    finish()
    return found

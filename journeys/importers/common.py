"""What every importer shares: reading a file once, decoding it, refusing a file
already imported, and running the whole import as one transaction.

An import is all or nothing. Each importer first parses and validates the whole
file (no writes), then writes everything inside one `Workspace.transaction()`
together with the file's record in ``import_run``; any failure rolls all of it
back and is raised as `ImportFailed`, whose message is one line naming the file
and the problem.

Re-importing: the SHA-256 of the file's bytes is recorded with each import. A
file whose bytes were already imported with the same importer is refused with
`ImportFailed` ("already imported on <date> by <who>"), rather than skipped
silently, so the person importing knows nothing new was added.
"""

import contextlib
import hashlib
import html
import json
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from journeys import agencies
from journeys.access import Actor, Role, require
from journeys.errors import ImportFailed, JourneyError, PermissionDenied
from journeys.models import Agency
from journeys.wording import counted, megabytes
from journeys.workspace import Workspace
from storage import queries
from storage.rows import now_utc

logger = logging.getLogger(__name__)

# Files larger than this are refused before they are read into memory.
MAX_FILE_BYTES = 20 * 1024 * 1024
# Editors import content files; rebuilding a whole workspace is an admin's job.
IMPORT_ROLE = Role.EDITOR


@dataclass(frozen=True)
class SourceFile:
    """The bytes of one file to import, and the name to show people."""

    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


Source = SourceFile | bytes | str | os.PathLike


def read_source(source: Source | Any, name: str | None = None) -> SourceFile:
    """The bytes of ``source``: a path, bytes, or an uploaded file.

    An uploaded file (anything with ``getvalue()``, such as Streamlit's
    ``UploadedFile``) is read with ``getvalue()``, which does not depend on
    where a previous read left the buffer. ``name`` is the name shown in
    messages; it defaults to the file's own name.

    Raises `ImportFailed` for a missing, unreadable or too large file.
    """
    if isinstance(source, SourceFile):
        data, shown = source.data, name or source.name
    elif isinstance(source, bytes | bytearray):
        data, shown = bytes(source), name or "uploaded file"
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        shown = name or path.name
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ImportFailed(shown, _too_large(size))
            data = path.read_bytes()
        except OSError as err:
            raise ImportFailed(shown, f"cannot be read: {err.strerror}") from err
    elif hasattr(source, "getvalue"):
        data = bytes(source.getvalue())
        shown = name or getattr(source, "name", None) or "uploaded file"
    else:
        raise TypeError(f"cannot import from a {type(source).__name__}")
    if len(data) > MAX_FILE_BYTES:
        raise ImportFailed(shown, _too_large(len(data)))
    return SourceFile(shown, data)


def _too_large(size: int) -> str:
    return (
        f"is too large to import ({megabytes(size)}; "
        f"the limit is {megabytes(MAX_FILE_BYTES)})"
    )


def decode_text(source: SourceFile) -> str:
    """The file as text. Raises `ImportFailed` if it is empty or not UTF-8."""
    if not source.data.strip():
        raise ImportFailed(source.name, "the file is empty")
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        bad = source.data[err.start]
        raise ImportFailed(
            source.name,
            f"is not UTF-8 text (byte 0x{bad:02x} at position {err.start}); "
            "save it as UTF-8 and import it again",
        ) from err
    if not text.strip():
        raise ImportFailed(source.name, "the file is empty")
    return text


def load_json(source: SourceFile) -> Any:
    """The file's JSON value. Raises `ImportFailed` naming line and column."""
    text = decode_text(source)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ImportFailed(
            source.name,
            f"is not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}",
        ) from err
    except RecursionError as err:
        raise ImportFailed(
            source.name, "is not usable JSON: nested too deeply"
        ) from err


_TYPE_WORDS = {
    dict: "an object",
    list: "a list",
    str: "a text",
    int: "a number",
    float: "a number",
    bool: "true or false",
    type(None): "null",
}


def describe_type(value: Any) -> str:
    return _TYPE_WORDS.get(type(value), type(value).__name__)


def get_field(
    value: Any,
    path: str,
    expect: type | tuple[type, ...],
    *,
    file_name: str,
    where: str = "",
) -> Any:
    """``value[a][b]...`` for the dotted ``path``, checked to be of type ``expect``.

    Raises `ImportFailed` saying which key is missing or has the wrong type,
    for example ``item 'x': 'details.step_by_step_nav.steps' is missing``.
    """
    prefix = f"{where}: " if where else ""
    current = value
    walked: list[str] = []
    for key in path.split("."):
        walked.append(key)
        if not isinstance(current, dict) or key not in current:
            raise ImportFailed(file_name, f"{prefix}'{'.'.join(walked)}' is missing")
        current = current[key]
    if not isinstance(current, expect):
        wanted = expect if isinstance(expect, tuple) else (expect,)
        words = " or ".join(
            dict.fromkeys(_TYPE_WORDS.get(t, t.__name__) for t in wanted)
        )
        raise ImportFailed(
            file_name,
            f"{prefix}'{path}' should be {words}, but is {describe_type(current)}",
        )
    return current


def one_line(text: str) -> str:
    """``text`` with every run of whitespace, newlines included, made one space."""
    return " ".join(str(text).split())


# --- results ------------------------------------------------------------------


@dataclass
class Skipped:
    """Something in the file that was not imported, and why."""

    what: str
    reason: str


@dataclass
class ImportResult:
    """What an import created and what it skipped, to show the person importing.

    ``created`` counts new rows by kind (``{"journey": 2, "step": 33}``);
    ``names`` lists the main things created (journey titles, persona names) in
    file order; ``empty_values`` counts values the file left empty (null),
    which were skipped.
    """

    kind: str
    file_name: str
    import_id: int | None = None
    created: dict[str, int] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    empty_values: int = 0

    def count(self, what: str, number: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + number

    def skip(self, what: str, reason: str) -> None:
        self.skipped.append(Skipped(what, reason))

    def __str__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        """One line: what was created and how much was skipped."""
        made = ", ".join(counted(n, what) for what, n in self.created.items() if n)
        text = f"{made or 'nothing'} created"
        if self.skipped:
            text += f"; {counted(len(self.skipped), 'item')} skipped"
        if self.empty_values:
            text += f"; {counted(self.empty_values, 'empty value')} skipped"
        return text


# --- running an import --------------------------------------------------------


def check_may_import(actor: Actor, file_name: str | None = None) -> None:
    """Raise `PermissionDenied` unless ``actor`` may import whole files."""
    require(actor, IMPORT_ROLE, f"import {file_name or 'files'}")


@contextlib.contextmanager
def import_transaction(
    ws: Workspace, actor: Actor, source: SourceFile, result: ImportResult
) -> Iterator[int]:
    """Run the writes of one import as a single transaction; yield its import id.

    Refuses a file already imported with the same importer. On success the
    file is recorded in ``import_run`` with ``result.summary()``; on any
    failure nothing is kept and a `JourneyError` becomes `ImportFailed`.
    """
    check_may_import(actor, source.name)
    digest = source.sha256
    try:
        with ws.transaction():
            earlier = queries.find_import(ws.db, result.kind, digest)
            if earlier is not None:
                also = (
                    ""
                    if earlier["file_name"] == source.name
                    else f" as {earlier['file_name']}"
                )
                raise ImportFailed(
                    source.name,
                    f"this file was already imported{also} on {earlier['at'][:10]} "
                    f"by {earlier['actor']}; nothing was imported again",
                )
            import_id = queries.record_import(
                ws.db, result.kind, source.name, digest, now_utc(), actor.name, ""
            )
            result.import_id = import_id
            yield import_id
            queries.set_import_summary(ws.db, import_id, result.summary())
    except (ImportFailed, PermissionDenied):
        result.import_id = None
        raise
    except JourneyError as err:
        result.import_id = None
        logger.warning("import of %s failed: %s", source.name, err)
        raise ImportFailed(
            source.name, f"nothing was imported: {one_line(str(err))}"
        ) from err
    logger.info("imported %s (%s): %s", source.name, result.kind, result.summary())


# --- HTML found inside JSON content -------------------------------------------


@dataclass(frozen=True)
class HtmlBlock:
    """A block of text from HTML: a heading, a paragraph or a list item."""

    kind: str  # "heading", "paragraph" or "item"
    text: str
    href: str | None = None


_BLOCK_KINDS = {
    "p": "paragraph",
    "div": "paragraph",
    "blockquote": "paragraph",
    "li": "item",
    "dt": "item",
    "dd": "item",
    **{f"h{n}": "heading" for n in range(1, 7)},
}
_SKIPPED_TAGS = {"script", "style", "template"}


class _BlockReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[HtmlBlock] = []
        self._kind: str | None = None
        self._text: list[str] = []
        self._href: str | None = None
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_KINDS:
            self._flush()
            self._kind = _BLOCK_KINDS[tag]
        elif tag == "br":
            self._text.append("\n")
        elif tag == "a" and self._href is None:
            self._href = dict(attrs).get("href") or None

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_KINDS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        lines = (" ".join(line.split()) for line in "".join(self._text).split("\n"))
        text = "\n".join(line for line in lines if line)
        if text:
            self.blocks.append(HtmlBlock(self._kind or "paragraph", text, self._href))
        self._kind, self._text, self._href = None, [], None


def html_blocks(markup: str) -> list[HtmlBlock]:
    """The headings, paragraphs and list items of an HTML fragment, in order."""
    reader = _BlockReader()
    reader.feed(markup or "")
    reader.close()
    return reader.blocks


def strip_html(markup: Any) -> str:
    """Plain text of an HTML fragment: one block per paragraph, tags removed.

    Anything that is not text (a number or null where text was expected) is "".
    """
    if not isinstance(markup, str) or not markup:
        return ""
    if "<" not in markup:
        return " ".join(html.unescape(markup).split())
    return "\n\n".join(block.text for block in html_blocks(markup))


_MONEY = re.compile(r"[£$€]\s?\d")


def is_money(text: str | None) -> bool:
    """True when ``text`` states an amount of money, such as "£35 to £60"."""
    return bool(text and _MONEY.search(text))


# --- writing planned journeys -------------------------------------------------


def ensure_agency_counted(
    ws: Workspace, actor: Actor, agency: Agency, result: ImportResult
) -> int:
    """The id of the agency named ``agency.name``, adding it (and counting it)."""
    existing = queries.find_agency_id(ws.db, agency.name.strip())
    if existing is not None:
        return existing
    result.count("agency")
    return agencies.create_agency(ws, actor, agency)

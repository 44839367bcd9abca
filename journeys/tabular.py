"""Reading and writing spreadsheets safely: CSV in any common shape, and XLSX.

Reading (PITFALLS 16, 17):

* the bytes are decoded once (`decode_csv`): UTF-16 when they start with its
  byte-order mark (Excel's "Unicode Text"), else UTF-8 (with or without BOM),
  then Windows-1252, the encoding Excel uses for "CSV" in Western Europe; the
  encoding used is reported, never guessed silently as Latin-1. Bytes with
  NUL characters and no UTF-16 mark are refused as not text;
* the delimiter is whichever of ``,`` ``;`` and tab gives every record the
  header's number of columns, read with a real CSV reader, so quoted commas
  and newlines inside cells are kept;
* an XLSX file (it starts with ``PK``) is read with openpyxl.

Writing (PITFALLS 18): text that a spreadsheet would run as a formula (it
starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or their
full-width forms) gets a leading apostrophe in CSV, and is stored as plain
text in XLSX. Numbers stay numbers. Reading our own CSV back removes that
apostrophe again, so an export imports unchanged.
"""

import codecs
import csv
import io
import itertools
import logging
from dataclasses import dataclass

from journeys.errors import ImportFailed
from journeys.progress import Progress, part, rows_per_report
from journeys.wording import counted, megabytes

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
XLSX_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
NOT_TEXT = (
    "the file looks like UTF-16 without a byte-order mark, or is not a text file: "
    "save it as CSV UTF-8 and try again"
)


@dataclass
class Table:
    """The rows of a spreadsheet as dicts keyed by header, and how it was read."""

    headers: list[str]
    rows: list[dict[str, str]]
    encoding: str
    delimiter: str

    def describe(self) -> str:
        return f"{counted(len(self.rows), 'row')}, {self.encoding}, {self.delimiter}"


def read_table(
    data: bytes,
    file_name: str,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> Table:
    """Read CSV or XLSX bytes into a `Table`. Raises `ImportFailed` naming the problem.

    Row numbers in messages are those a spreadsheet shows: the header is row 1.
    ``progress`` (see `journeys.progress`) hears of the CSV rows read so far;
    an XLSX workbook is read in one go and reported when done.
    """
    if not data or not data.strip():
        raise ImportFailed(file_name, "the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise ImportFailed(
            file_name,
            f"the file is {megabytes(len(data))}; "
            f"the limit is {megabytes(MAX_FILE_BYTES)}",
        )
    if data.startswith(XLSX_MAGIC):
        table = _read_xlsx(data, file_name, sheet)
    else:
        text, encoding = decode_csv(data, file_name)
        table = _read_csv(text, file_name, encoding, progress)
    if progress:
        progress(1.0, f"{counted(len(table.rows), 'row')} read")
    return table


def decode_csv(data: bytes, file_name: str) -> tuple[str, str]:
    """The text of a CSV file's bytes, without byte-order mark, and the name
    of the encoding read (see the module doc). Raises `ImportFailed` for an
    empty file, bytes that are not text, or bytes no encoding reads.

    >>> decode_csv(codecs.BOM_UTF16_BE + "id,nps".encode("utf-16-be"), "u.txt")
    ('id,nps', 'UTF-16')
    """
    if data.startswith(UTF16_BOMS):
        try:
            # The "utf-16" codec reads the byte order from the mark and drops it.
            text, encoding = data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as err:
            raise ImportFailed(
                file_name,
                f"the file starts as UTF-16 text but byte {err.start:,} is not: "
                "save it as CSV UTF-8 and try again",
            ) from err
    elif b"\x00" in data:
        raise ImportFailed(file_name, NOT_TEXT)
    else:
        try:
            text, encoding = data.decode("utf-8-sig"), "UTF-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError as err:
                raise ImportFailed(
                    file_name,
                    f"byte {err.start:,} is neither UTF-8 nor Windows-1252 text: "
                    "save the file as 'CSV UTF-8' and try again",
                ) from err
    if "\x00" in text:  # UTF-16 marked, but with NULs: UTF-32, or not text
        raise ImportFailed(file_name, NOT_TEXT)
    if not text.strip():
        raise ImportFailed(file_name, "the file is empty")
    return text, encoding


def csv_records(
    text: str, delimiter: str, progress: Progress | None = None
) -> list[list[str]]:
    """The non-blank records of CSV text, read with a real CSV reader (quoted
    delimiters and newlines kept). ``progress`` hears "N rows read" about
    `journeys.progress.REPORTS` times, after each slice of a twentieth of the
    text's lines, at the share of the text read; the caller reports the end.
    Lines are what the text has, not how wide: a 1 MB file of 300 wide rows
    reports as often as one of 30,000 narrow ones.
    """
    buffer = io.StringIO(text, newline="")
    reader = csv.reader(buffer, delimiter=delimiter)
    step = None  # without progress: one slice
    if progress:
        # A quoted newline counts as a line here: slices only get larger.
        step = rows_per_report(text.count("\n") or text.count("\r"))
    records = []
    # Read in slices so a report costs nothing per record.
    while chunk := list(itertools.islice(reader, step)):
        records.extend(r for r in chunk if "".join(r).strip())
        if progress and len(chunk) == step and buffer.tell() < len(text):
            progress(buffer.tell() / len(text), f"{len(records):,} rows read")
    return records


def _read_csv(
    text: str, file_name: str, encoding: str, progress: Progress | None = None
) -> Table:
    best_problem = None
    candidates = _delimiters_by_likelihood(text)
    for attempt, delimiter in enumerate(candidates):
        # Each delimiter tried reads the whole text again: give each its share.
        share = part(
            progress, attempt / len(candidates), (attempt + 1) / len(candidates)
        )
        records = csv_records(text, delimiter, share)
        headers = [h.strip().lstrip("\ufeff") for h in records[0]]
        ragged = _first_ragged(records, len(headers))
        if ragged is None:
            rows = [
                dict(zip(headers, (_unguard(c) for c in record), strict=True))
                for record in records[1:]
            ]
            return Table(
                _check_headers(headers, file_name),
                rows,
                encoding,
                DELIMITERS[delimiter],
            )
        number, count = ragged
        best_problem = best_problem or (
            f"row {number} has {count} columns but the header has {len(headers)} "
            f"(read as {DELIMITERS[delimiter]}-separated): check quotes on that row"
        )
    raise ImportFailed(file_name, best_problem or "no columns found")


def _delimiters_by_likelihood(text: str) -> list[str]:
    """Delimiters found in the header line, most frequent first; a file with
    none of them is a single column."""
    first_line = text.split("\n", 1)[0]
    found = [d for d in DELIMITERS if d in first_line]
    return sorted(found, key=lambda d: -first_line.count(d)) or [","]


def _first_ragged(records: list[list[str]], width: int) -> tuple[int, int] | None:
    for index, record in enumerate(records[1:], start=2):
        if len(record) != width:
            return index, len(record)
    return None


def _check_headers(headers: list[str], file_name: str) -> list[str]:
    seen = set()
    for index, header in enumerate(headers, start=1):
        if not header:
            raise ImportFailed(file_name, f"column {index} has no header")
        if header.casefold() in seen:
            raise ImportFailed(file_name, f"the header {header!r} appears twice")
        seen.add(header.casefold())
    return headers


def _read_xlsx(data: bytes, file_name: str, sheet: str | None) -> Table:
    import openpyxl  # imported here: only XLSX users pay for it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a damaged file
        raise ImportFailed(file_name, f"not a readable XLSX workbook ({err})") from err
    if sheet is not None and sheet not in book.sheetnames:
        raise ImportFailed(file_name, f"the workbook has no sheet named {sheet!r}")
    worksheet = book[sheet] if sheet else book.worksheets[0]
    values = list(worksheet.iter_rows(values_only=True))
    book.close()
    if any(v is None for row in values for v in row):
        _refuse_unsaved_formulas(data, file_name, worksheet.title, values)
    records = [
        ["" if v is None else str(v) for v in row]
        for row in values
        if any(v not in (None, "") for v in row)
    ]
    if not records:
        raise ImportFailed(file_name, "the first sheet is empty")
    headers = [h.strip() for h in records[0]]
    while headers and not headers[-1]:
        headers.pop()
    rows = [dict(zip(headers, r[: len(headers)], strict=False)) for r in records[1:]]
    for row in rows:
        for header in headers:
            row.setdefault(header, "")
    return Table(_check_headers(headers, file_name), rows, "XLSX", "workbook")


def _refuse_unsaved_formulas(data: bytes, file_name: str, sheet: str, values) -> None:
    """Refuse a workbook whose formulas have no saved result.

    A workbook written by a program rather than saved by a spreadsheet can
    hold formulas without their results; read for values they look empty,
    so the text would be lost without a word. Only workbooks with empty
    cells are read a second time, for their formulas.
    """
    import openpyxl
    from openpyxl.utils import get_column_letter

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    formulas = list(book[sheet].iter_rows(values_only=True))
    book.close()
    # The same sheet read twice, so rows line up; a read-only row may stop at
    # its last filled cell, and a cell missing from either has no formula.
    pairs = zip(values, formulas, strict=False)
    unsaved = [
        f"{get_column_letter(column)}{number}"
        for number, (shown, written) in enumerate(pairs, start=1)
        for column, (value, formula) in enumerate(
            zip(shown, written, strict=False), start=1
        )
        if value is None and isinstance(formula, str) and formula.startswith("=")
    ]
    if unsaved:
        where = ", ".join(unsaved[:5]) + (" and more" if len(unsaved) > 5 else "")
        raise ImportFailed(
            file_name,
            f"cell {where} holds a formula with no saved result: open the file "
            "in a spreadsheet, save it, and import it again (or type the values)",
        )


def join_list(entries) -> str:
    r"""List entries in one cell, " | " between them. A "|" or "\" inside an
    entry is written with a backslash before it, so `split_list` gives the
    entries back exactly.

    >>> print(join_list(["a|b", r"C:\docs", "plain"]))
    a\|b | C:\\docs | plain
    """
    return " | ".join(str(e).replace("\\", "\\\\").replace("|", "\\|") for e in entries)


def split_list(cell: str) -> list[str]:
    r"""The entries of a list cell written by `join_list` (or typed by hand
    with "|" between them), trimmed, blanks dropped.

    >>> for entry in split_list(r"a\|b | C:\\docs | plain |"):
    ...     print(entry)
    a|b
    C:\docs
    plain
    """
    entries, current, position = [], [], 0
    while position < len(cell):
        character = cell[position]
        following = cell[position + 1 : position + 2]
        if character == "\\" and following in ("\\", "|"):
            current.append(following)
            position += 2
            continue
        if character == "|":
            entries.append("".join(current))
            current = []
        else:
            current.append(character)
        position += 1
    entries.append("".join(current))
    return [e.strip() for e in entries if e.strip()]


def guard_cell(value):
    """A cell value that no spreadsheet will run as a formula.

    >>> [guard_cell(v) for v in ["=1+1", "-2h wait", "Normal", -5]]
    ["'=1+1", "'-2h wait", 'Normal', -5]
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _unguard(cell: str) -> str:
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def write_csv(headers: list[str], rows: list[dict]) -> bytes:
    """CSV bytes (UTF-8 with a BOM, so Excel shows accents) with formulas defused."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([guard_cell(_cell(row.get(h))) for h in headers])
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(sheets: dict[str, tuple[list[str], list[dict]]]) -> bytes:
    """An XLSX workbook with one sheet per entry; every text cell is plain text."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, (headers, rows) in sheets.items():
        worksheet = book.create_sheet(title[:31])
        worksheet.append(headers)
        for row in rows:
            worksheet.append([_cell(row.get(h)) for h in headers])
        for line in worksheet.iter_rows(min_row=2):
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever it starts with
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        # Counts are stored as REAL (a survey can weight answers): 950 users
        # should read 950 in a spreadsheet, not 950.0.
        return int(value)
    return value

"""Spreadsheet reading and writing: encodings, delimiters, formulas (PITFALLS 16-18)."""

import codecs
import csv
import io
from importlib import resources

import openpyxl
import pytest

from journeys.errors import ImportFailed
from journeys.tabular import NOT_TEXT, read_table, write_csv, write_xlsx

A11 = "perfgov_hisp_va_vha_a11_question_scores_2019-2020.csv"
UTF16 = [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)]


def test_utf8_bom_is_stripped_from_the_header():
    table = read_table(b"\xef\xbb\xbfrespondent_id,nps\r\nr1,9\r\n", "bom.csv")
    assert table.headers == ["respondent_id", "nps"]
    assert table.rows == [{"respondent_id": "r1", "nps": "9"}]
    assert table.encoding == "UTF-8"


def test_windows_1252_accents_survive_and_utf8_is_not_mangled():
    text = "respondent_id;agency;comment\r\nr1;Agência Tributária;très lent\r\n"
    from_excel = read_table(text.encode("cp1252"), "excel.csv")
    assert from_excel.rows[0]["agency"] == "Agência Tributária"
    assert from_excel.encoding == "Windows-1252"
    from_utf8 = read_table(text.encode("utf-8"), "utf8.csv")
    assert from_utf8.rows[0]["agency"] == "Agência Tributária"
    assert from_utf8.encoding == "UTF-8"


def a11_text() -> str:
    data = resources.files("journeys").joinpath("sources", A11).read_bytes()
    return data.decode("utf-8")


@pytest.mark.parametrize(("codec", "bom"), UTF16)
def test_utf16_with_a_byte_order_mark_reads_as_the_utf8_original(codec, bom):
    text = a11_text()
    table = read_table(bom + text.encode(codec), "a11.csv")
    original = read_table(text.encode("utf-8"), "a11.csv")
    assert (table.headers, table.rows, table.delimiter) == (
        original.headers,
        original.rows,
        original.delimiter,
    )
    assert (table.encoding, original.encoding) == ("UTF-16", "UTF-8")
    # The file: 5 quarters of the same 7 questions; the mark is not in a header.
    assert table.headers[0] == "hisp" and len(table.rows) == 35
    assert (table.rows[1]["question"], table.rows[1]["average_score"]) == (
        "Trust / Confidence",
        "4.42",
    )
    assert table.describe() == "35 rows, UTF-16, comma"


def test_excel_unicode_text_is_tab_separated_utf16():
    # What Excel's "Save as Unicode Text" writes: UTF-16-LE, its mark, tabs, CRLF.
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\r\n")
    writer.writerow(["agency", "comment"])
    writer.writerow(["Agência Tributária", "très lent, 2 h"])
    data = codecs.BOM_UTF16_LE + buffer.getvalue().encode("utf-16-le")
    table = read_table(data, "Unicode Text.txt")
    assert table.rows == [{"agency": "Agência Tributária", "comment": "très lent, 2 h"}]
    assert (table.encoding, table.delimiter) == ("UTF-16", "tab")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_mark_is_not_read_as_columns(codec):
    with pytest.raises(ImportFailed) as caught:
        read_table(a11_text().encode(codec), "a11.csv")
    assert str(caught.value) == f"a11.csv: {NOT_TEXT}"
    assert str(caught.value) == (
        "a11.csv: the file looks like UTF-16 without a byte-order mark, or is not "
        "a text file: save it as CSV UTF-8 and try again"
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"name,score\nRon,\x009\n", NOT_TEXT),  # one NUL is enough
        (codecs.BOM_UTF16_LE, "the file is empty"),
        (codecs.BOM_UTF16_BE + " \n".encode("utf-16-be"), "the file is empty"),
        # The mark, "id" (bytes 2 to 5), then half a character.
        (
            codecs.BOM_UTF16_LE + "id".encode("utf-16-le") + b"x",
            "the file starts as UTF-16 text but byte 6 is not: save it as CSV "
            "UTF-8 and try again",
        ),
        # UTF-32 starts with the UTF-16-LE mark, then NULs.
        ("id,nps\n".encode("utf-32"), NOT_TEXT),
    ],
)
def test_broken_utf16_and_nul_bytes_get_one_clear_line(data, problem):
    with pytest.raises(ImportFailed) as caught:
        read_table(data, "bad.csv")
    assert str(caught.value) == f"bad.csv: {problem}"


def test_the_size_limit_is_said_in_megabytes():
    # 26,308,678 bytes = 25 MB (26,214,400) and 94,278 bytes, 0.09 MB: 25.1 MB.
    with pytest.raises(ImportFailed) as caught:
        read_table(b"a" * 26_308_678, "big.csv")
    assert str(caught.value) == "big.csv: the file is 25.1 MB; the limit is 20 MB"


def test_semicolon_file_with_commas_inside_cells():
    text = (
        "respondent_id;agency;nps;csat;comment\n"
        '1;"Agência Tributária";9;4,5;"ok, gut"\n'
        '2;DGT;6;3,0;"lento; muy lento"\n'
    )
    table = read_table(text.encode(), "semi.csv")
    assert table.delimiter == "semicolon"
    assert len(table.headers) == 5
    assert [r["csat"] for r in table.rows] == ["4,5", "3,0"]
    assert table.rows[1]["comment"] == "lento; muy lento"


def test_quoted_newline_is_one_record():
    text = 'respondent_id,comment,nps\nr1,"line1\nline2",9\nr2,"ok, fine",10\n'
    table = read_table(text.encode(), "multi.csv")
    assert [r["respondent_id"] for r in table.rows] == ["r1", "r2"]
    assert table.rows[0]["comment"] == "line1\nline2"


def test_ragged_row_is_named():
    with pytest.raises(ImportFailed) as caught:
        read_table(b"name,summary\nRon,retired\nAshleigh,graduate,extra\n", "r.csv")
    assert str(caught.value) == (
        "r.csv: row 3 has 3 columns but the header has 2 (read as comma-separated): "
        "check quotes on that row"
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty"),
        (b"  \n", "the file is empty"),
        (b"name,name\nRon,Ron\n", "the header 'name' appears twice"),
        (b"PK\x03\x04broken", "not a readable XLSX workbook"),
    ],
)
def test_unreadable_files_get_one_clear_line(data, problem):
    with pytest.raises(ImportFailed, match=problem):
        read_table(data, "bad.csv")


def test_reading_the_same_bytes_twice_gives_the_same_rows():
    data = b"name,summary\nRon,retired\n"
    assert read_table(data, "a.csv").rows == read_table(data, "a.csv").rows


FORMULAS = ["=1+1", "+1+1", "-2+3", "@SUM(1,1)", "\t=1+1", "\r=1+1", "＝1+1"]


def test_csv_export_defuses_formulas_and_keeps_numbers():
    rows = [{"comment": c, "score": 1} for c in FORMULAS]
    rows += [{"comment": "Normal", "score": -5}, {"comment": "-2h wait", "score": 0}]
    exported = write_csv(["comment", "score"], rows).decode("utf-8-sig")
    lines = exported.split("\r\n")
    assert lines[1] == "'=1+1,1"
    assert lines[4] == '"\'@SUM(1,1)",1'
    assert lines[8] == "Normal,-5"
    assert lines[9] == "'-2h wait,0"


def test_csv_export_reads_back_unchanged():
    rows = [{"comment": c, "score": "1"} for c in [*FORMULAS, "Normal", "it's fine"]]
    table = read_table(write_csv(["comment", "score"], rows), "round.csv")
    assert table.rows == rows


def test_xlsx_export_stores_formula_text_as_plain_text():
    data = write_xlsx(
        {"Comments": (["comment", "score"], [{"comment": "=1+1", "score": 3}])}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Comments"]
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("=1+1", "s")
    assert (sheet["B2"].value, sheet["B2"].data_type) == (3, "n")
    table = read_table(data, "export.xlsx")
    assert table.rows == [{"comment": "=1+1", "score": "3"}]


def test_whole_counts_export_without_a_decimal_point():
    # Counts are stored as REAL; 950.0 users read as 950, 26.3157... stays.
    rows = [{"users": 950.0, "share": 250 / 950 * 100, "blank": None}]
    exported = write_csv(["users", "share", "blank"], rows).decode("utf-8-sig")
    assert exported.split("\r\n")[1] == "950,26.31578947368421,"


def _workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)  # openpyxl saves formulas without their results
    return buffer.getvalue()


def test_a_formula_without_a_saved_result_is_refused_naming_its_cell():
    data = _workbook([["name", "summary"], ["Ada", "=1+1"], ["Bo", ""]])
    with pytest.raises(ImportFailed) as caught:
        read_table(data, "people.xlsx")
    assert str(caught.value) == (
        "people.xlsx: cell B2 holds a formula with no saved result: open the file "
        "in a spreadsheet, save it, and import it again (or type the values)"
    )


def test_a_workbook_with_empty_cells_and_no_formulas_reads_as_before():
    data = _workbook([["name", "summary"], ["Ada", None], ["Bo", "Carer"]])
    table = read_table(data, "people.xlsx")
    assert table.rows == [
        {"name": "Ada", "summary": ""},
        {"name": "Bo", "summary": "Carer"},
    ]

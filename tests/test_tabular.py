"""Spreadsheet reading and writing: encodings, delimiters, formulas (PITFALLS 16-18)."""

import io

import openpyxl
import pytest

from journeys.errors import ImportFailed
from journeys.tabular import read_table, write_csv, write_xlsx


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

"""The joinedup command: demo, check, export and import of a whole workspace."""

from journeys.cli import main


def test_demo_check_export_and_rebuild(tmp_path, capsys):
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    exported, again = tmp_path / "ws.json", tmp_path / "ws-again.json"

    assert main(["--db", str(first), "demo", "--if-empty"]) == 0
    assert main(["--db", str(first), "demo", "--if-empty"]) == 0
    assert "workspace already holds data; demo not rebuilt" in capsys.readouterr().out

    assert main(["--db", str(first), "check"]) == 0
    report = capsys.readouterr().out
    assert "persona               17" in report
    assert "integrity ok, foreign keys ok" in report

    assert main(["--db", str(first), "export", str(exported)]) == 0
    assert main(["--db", str(second), "import", "workspace", str(exported)]) == 0
    assert main(["--db", str(second), "export", str(again)]) == 0
    assert again.read_bytes() == exported.read_bytes()


def test_bad_file_is_one_line_and_exit_code_1(tmp_path, capsys):
    broken = tmp_path / "steps.json"
    broken.write_text('{"items": ', encoding="utf-8")
    code = main(
        ["--db", str(tmp_path / "w.db"), "import", "govuk-step-by-step", str(broken)]
    )
    assert code == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("joinedup: steps.json: ")
    assert "\n" not in error


def test_database_path_comes_from_joinedup_db(tmp_path, monkeypatch, capsys):
    elsewhere = tmp_path / "elsewhere" / "other.db"
    monkeypatch.setenv("JOINEDUP_DB", str(elsewhere))
    assert main(["demo"]) == 0
    assert elsewhere.exists()
    assert str(elsewhere) in capsys.readouterr().out


def test_export_refuses_to_overwrite_and_names_a_missing_folder(tmp_path, capsys):
    database = str(tmp_path / "w.db")
    existing = tmp_path / "taken.json"
    existing.write_text("keep me", encoding="utf-8")
    assert main(["--db", database, "export", str(existing)]) == 1
    assert existing.read_text(encoding="utf-8") == "keep me"
    assert "already exists" in capsys.readouterr().err
    missing = tmp_path / "no-such-folder" / "ws.json"
    assert main(["--db", database, "export", str(missing)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"joinedup: cannot write {missing}: No such file or directory"
    )

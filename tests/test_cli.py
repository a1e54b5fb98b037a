"""The `match` command: formats, batches with broken files, exit codes, help."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO_ROOT, load_fixture_resume

from matcher.cli import EPILOG, build_parser, main
from matcher.schema import PUBLISHED_PATH, result_schema

REF = ["--reference-date", "2026-12-01"]


@pytest.fixture()
def resume_files(tmp_path: Path) -> dict[str, Path]:
    files = {}
    for name in ("junior_ml", "mid_ml", "senior_ml", "non_tech"):
        path = tmp_path / f"{name}.txt"
        path.write_text(load_fixture_resume(name), encoding="utf-8")
        files[name] = path
    return files


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_single_file_prints_readable_report(resume_files, capsys):
    code, out, err = run([str(resume_files["senior_ml"]), *REF], capsys)
    assert code == 0, err
    assert "senior" in out.lower()
    assert "junior" in out.lower() and "mid" in out.lower()
    assert max(len(line) for line in out.splitlines()) <= 80


def test_json_output_validates_against_published_schema(resume_files, capsys):
    code, out, _ = run([str(resume_files["mid_ml"]), "--json", *REF], capsys)
    assert code == 0
    document = json.loads(out)
    jsonschema.validate(document, result_schema())
    assert document["reference_date"] == "2026-12-01"
    assert document["document"]["media_type"] == "txt"
    assert {fit["level"] for fit in document["fits"]} == {"junior", "mid", "senior"}
    assert document["text"] is None  # the resume text is only returned when asked for


def test_published_schema_file_is_current():
    assert json.loads(PUBLISHED_PATH.read_text("utf-8")) == result_schema(), (
        "schema/match_result.schema.json is stale: run `python -m matcher.schema`"
    )


def test_include_text_offsets_index_into_text(resume_files, capsys):
    code, out, _ = run([str(resume_files["mid_ml"]), "--json", "--include-text", *REF], capsys)
    assert code == 0
    document = json.loads(out)
    text = document["text"]
    assert document["mentions"], "the mid-level fixture names many skills"
    for mention in document["mentions"]:
        assert text[mention["start"] : mention["end"]] == mention["text"]


def test_batch_with_broken_file_keeps_going_and_exits_1(resume_files, tmp_path, capsys):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthis is not a real pdf")
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    inputs = [resume_files["junior_ml"], broken, resume_files["senior_ml"], empty]
    code, out, err = run([*map(str, inputs), "--format", "ndjson", *REF], capsys)
    assert code == 1
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["source"] for r in records] == [str(p) for p in inputs]
    assert [r["ok"] for r in records] == [True, False, True, False]
    assert records[1]["error"]["code"] == "malformed"
    assert records[3]["error"]["code"] == "empty_document"
    assert "broken.pdf" in err and "Traceback" not in err


def test_directory_batch_csv_in_parallel_matches_serial(resume_files, tmp_path, capsys):
    folder = resume_files["junior_ml"].parent
    (folder / "notes.bin").write_bytes(b"\x00\x01")  # unsupported suffix: ignored in directories
    code_serial, out_serial, _ = run([str(folder), "--format", "csv", *REF], capsys)
    code_parallel, out_parallel, _ = run(
        [str(folder), "--format", "csv", "--jobs", "2", *REF], capsys
    )
    assert code_serial == code_parallel == 0
    assert out_serial == out_parallel
    rows = list(csv.DictReader(io.StringIO(out_serial)))
    assert [Path(r["source"]).stem for r in rows] == sorted(p.stem for p in resume_files.values())
    by_name = {Path(r["source"]).stem: r for r in rows}
    assert by_name["senior_ml"]["best_fit"] == "senior"
    assert float(by_name["senior_ml"]["senior"]) > float(by_name["non_tech"]["senior"])


def test_table_is_default_for_several_files(resume_files, capsys):
    code, out, _ = run([str(resume_files["junior_ml"]), str(resume_files["mid_ml"]), *REF], capsys)
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split()[:3] == ["source", "ok", "best_fit"]
    assert len(rows) == 2


def test_html_report_is_written(resume_files, tmp_path, capsys):
    target = tmp_path / "report.html"
    code, _, _ = run([str(resume_files["senior_ml"]), "--html", str(target), *REF], capsys)
    assert code == 0
    html = target.read_text("utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "senior" in html.lower()


def test_levels_filter(resume_files, capsys):
    code, out, _ = run([str(resume_files["mid_ml"]), "--json", "--levels", "mid", *REF], capsys)
    assert code == 0
    assert [fit["level"] for fit in json.loads(out)["fits"]] == ["mid"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "at least one"),
        (["/no/such/resume.pdf"], "no such file"),
        (["--levels", "principal", "{resume}"], "unknown level"),
        (["--profile", "/no/such/profile.yaml", "{resume}"], "profile"),
        (["--jobs", "-1", "{resume}"], "--jobs"),
        (["{resume}", "{resume}", "--html", "x.html"], "exactly one"),
    ],
)
def test_usage_errors_exit_2(argv, message, resume_files, capsys):
    resume = str(resume_files["junior_ml"])
    code, out, err = run([a.replace("{resume}", resume) for a in argv], capsys)
    assert code == 2
    assert message in err.lower()
    assert "Traceback" not in err


def test_bad_reference_date_is_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["x.txt", "--reference-date", "yesterday"])
    assert exit_info.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_single_bad_file_reports_actionable_error(tmp_path, capsys):
    image = tmp_path / "photo.pdf"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    code, out, err = run([str(image), *REF], capsys)
    assert code == 1
    assert out == ""
    assert "PDF, DOCX" in err or "pdf, docx" in err.lower()


def test_help_documents_every_option_and_exit_code():
    parser = build_parser()
    text = parser.format_help()
    for action in parser._actions:
        for flag in action.option_strings:
            assert flag in text
    for code in ("0", "1", "2"):
        assert f"  {code}  " in EPILOG


def test_schema_flag_prints_schema(capsys):
    code, out, _ = run(["--schema"], capsys)
    assert code == 0
    assert json.loads(out)["title"] == "MatchResult"


def test_console_script_runs_on_shipped_sample():
    sample = REPO_ROOT / "samples" / "ml_engineer_resume.pdf"
    completed = subprocess.run(
        [sys.executable, "-m", "matcher.cli", str(sample), *REF],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "senior" in completed.stdout.lower()

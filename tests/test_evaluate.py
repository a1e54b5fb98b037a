"""The evaluation on a tiny made-up annotated corpus, with figures checked by hand."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from matcher.errors import MatcherError
from skills.evaluate import (
    EvaluationReport,
    Judgement,
    OffsetMap,
    apply_adjudication,
    evaluate,
    format_report,
    load_adjudication,
    load_annotated,
    main,
    plain_document,
    wilson_interval,
)
from skills.extract import CACHE_ENV, SkillExtractor
from skills.taxonomy import load_taxonomy

SMALL_TAXONOMY = Path(__file__).parent / "data" / "taxonomy_small"

# (text, [(surface, label)]): each surface is labelled at its first occurrence.
CORPUS = [
    (
        "Python, Docker, Kubernetes\nBuilt models in PyTorch and Flask.",
        [
            ("Python", "Tech Tools"),
            ("Docker", "Tech Tools"),
            ("PyTorch", "Tech Tools"),
            ("Flask", "Job Specific Skills"),
        ],
    ),
    (
        "Ran Kubernetes clusters; no experience with Terraform.",
        [("Kubernetes", "Tech Tools"), ("Terraform", "Tech Tools")],
    ),
    (
        "Communication and SQL reports. Excel at planning. Six Sigma. Worked at Docker.",
        [
            ("Communication", "Soft Skills"),
            ("Excel", "Tech Tools"),
            ("Six Sigma", "Job Specific Skills"),
            ("Docker", "Companies worked at"),
        ],
    ),
    ("Python expert.\nPyTorch, Docker", [("Python", "Tech Tools")]),
]


def write_corpus(path: Path) -> Path:
    lines = []
    for number, (text, labels) in enumerate(CORPUS):
        spans = []
        for surface, label in labels:
            start = text.index(surface)
            spans.append(
                {"start": start, "end": start + len(surface), "label": label, "text": surface}
            )
        lines.append(json.dumps({"id": f"doc-{number}", "text": text, "spans": spans}))
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> EvaluationReport:
    folder = tmp_path_factory.mktemp("evaluate")
    resumes = load_annotated(write_corpus(folder / "corpus.jsonl"))
    extractor = SkillExtractor(load_taxonomy(SMALL_TAXONOMY), cache_dirs=[folder / "cache"])
    return evaluate(resumes, extractor, build_document=plain_document, min_labelled=1)


def test_precision_counts(report: EvaluationReport) -> None:
    # doc 0: python, docker, pytorch, flask labelled; kubernetes not (labelled in doc 1: a gap)
    # doc 1: kubernetes labelled; terraform negated, so not in precision
    # doc 2: communication labelled; SQL not labelled (never labelled anywhere: an error);
    #        "Excel at" is the verb; Docker is a company there (other label: an error, not a gap)
    # doc 3: python labelled; PyTorch and Docker come after the last gold span: not scored
    assert report.documents == 4
    assert report.asserted == 10
    assert report.negated == 1
    assert report.unscored == 2
    assert report.true_positives == 7
    assert report.false_positives == 3
    assert report.annotation_gaps == 1
    assert report.precision_strict == pytest.approx(0.7)
    assert report.precision_gaps_excluded == pytest.approx(round(7 / 9, 4))


def test_recall_counts(report: EvaluationReport) -> None:
    # 10 gold skill spans; "Six Sigma" is not in the taxonomy; "Excel" was not found;
    # the negated Terraform still counts as found.
    assert report.gold_skill_spans == 10
    assert report.gold_in_taxonomy == 9
    assert report.gold_found == 8
    assert report.recall_in_taxonomy == pytest.approx(round(8 / 9, 4))


def test_error_lists(report: EvaluationReport) -> None:
    assert {(e.text, e.count) for e in report.top_false_positives} == {("sql", 1), ("docker", 1)}
    assert [(e.text, e.count) for e in report.annotation_gap_examples] == [("kubernetes", 1)]
    assert [(e.text, e.count) for e in report.top_misses] == [("excel", 1)]
    for example in [*report.top_false_positives, *report.top_misses]:
        assert len(example.snippet) <= 60


def test_whole_documents_scores_the_unannotated_tail(tmp_path: Path) -> None:
    resumes = load_annotated(write_corpus(tmp_path / "corpus.jsonl"))
    extractor = SkillExtractor(load_taxonomy(SMALL_TAXONOMY), cache_dirs=[tmp_path / "cache"])
    whole = evaluate(
        resumes, extractor, build_document=plain_document, min_labelled=1, whole_documents=True
    )
    # doc 3 adds PyTorch and Docker as false positives; both are labelled elsewhere: gaps
    assert whole.unscored == 0 and whole.asserted == 12 and whole.annotation_gaps == 3
    assert whole.precision_strict == pytest.approx(round(7 / 12, 4))


def test_min_labelled_decides_gaps(tmp_path: Path) -> None:
    resumes = load_annotated(write_corpus(tmp_path / "corpus.jsonl"))
    extractor = SkillExtractor(load_taxonomy(SMALL_TAXONOMY), cache_dirs=[tmp_path / "cache"])
    strict = evaluate(
        resumes, extractor, build_document=plain_document, min_labelled=2, whole_documents=True
    )
    # PyTorch and Docker in doc 3 are labelled only once elsewhere: no longer gaps. Kubernetes
    # in doc 0 stays one: it is a list item on a line whose other items are labelled.
    assert strict.annotation_gaps == 1
    assert strict.precision_gaps_excluded == pytest.approx(round(7 / 11, 4))


def test_offset_map_follows_cleaning() -> None:
    original = "  Python,   Docker\n\n\n\nPyTorch"
    cleaned = "Python, Docker\n\nPyTorch"
    to_clean = OffsetMap(original, cleaned)
    for word in ("Python", "Docker", "PyTorch"):
        start = original.index(word)
        a, b = to_clean.span(start, start + len(word))
        assert cleaned[a:b] == word


def test_bad_line_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": 1, "text": "x", "spans": []}\nnot json\n', "utf-8")
    with pytest.raises(Exception, match=r"bad.jsonl:2"):
        load_annotated(path)


def test_cli_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    argv = [
        str(corpus),
        "--taxonomy",
        str(SMALL_TAXONOMY),
        "--plain",
        "--json",
        "--min-labelled",
        "1",
    ]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["precision_strict"] == pytest.approx(0.7)
    assert data["recall_in_taxonomy"] == pytest.approx(round(8 / 9, 4))


def test_cli_text_and_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    assert main([str(corpus), "--taxonomy", str(SMALL_TAXONOMY), "--plain"]) == 0
    out = capsys.readouterr().out
    assert "precision strict: 0.7000" in out and "in-taxonomy recall: 0.8889" in out
    assert main([str(tmp_path / "missing.jsonl"), "--taxonomy", str(SMALL_TAXONOMY)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_signal_mentions_are_counted_apart(tmp_path: Path) -> None:
    text = "Led a team of four and mentored two interns. Python and Docker."
    path = tmp_path / "signals.jsonl"
    start = text.index("Python")
    span = {"start": start, "end": start + 6, "label": "Tech Tools", "text": "Python"}
    path.write_text(json.dumps({"id": "s", "text": text, "spans": [span]}) + "\n", "utf-8")
    extractor = SkillExtractor(load_taxonomy(SMALL_TAXONOMY), cache_dirs=[tmp_path / "cache"])
    result = evaluate(
        load_annotated(path),
        extractor,
        build_document=plain_document,
        whole_documents=True,
        signal_sample=5,
    )
    # the two behaviour phrases are neither true nor false positives of skill names
    assert result.signals == 2 and result.signals_on_gold == 0
    assert result.asserted == 2 and result.true_positives == 1
    assert {e.text for e in result.signal_examples} == {"led a team", "mentored"}
    assert len(result.signal_sample) == 2
    assert "signal mentions" in format_report(result)


# ----------------------------------------------------------------------------- hand judgements


def _judge(
    report: EvaluationReport, verdicts: dict[str, str]
) -> dict[tuple[str, int, int, str], Judgement]:
    """Judgements keyed like the report's errors, by matched text."""
    return {
        e.key: Judgement(
            verdicts[e.text], "used" if verdicts[e.text] == "gap" else "organisation-name"
        )  # type: ignore[arg-type]
        for e in report.errors
        if e.text in verdicts
    }


def test_errors_are_kept_with_their_stratum(report: EvaluationReport) -> None:
    strata = {(e.doc_id, e.text, e.stratum) for e in report.errors}
    assert strata == {
        ("doc-0", "kubernetes", "rule gap"),
        ("doc-2", "sql", "unexplained"),
        ("doc-2", "docker", "unexplained"),
    }
    for error in report.errors:
        assert "[[" in error.snippet and "]]" in error.snippet


def test_all_judged_gives_an_exact_figure(report: EvaluationReport) -> None:
    judged = replace(report)
    apply_adjudication(
        judged, _judge(report, {"kubernetes": "gap", "sql": "gap", "docker": "error"})
    )
    # 7 true positives + 1 judged gap in each stratum, of 10 asserted
    assert judged.precision_adjudicated == pytest.approx(0.9)
    assert judged.precision_adjudicated_interval == (pytest.approx(0.9), pytest.approx(0.9))
    assert [(e.text, e.count) for e in judged.adjudicated_error_reasons] == [
        ("organisation-name", 1)
    ]
    assert "precision, hand-judged: 0.9000" in format_report(judged)


def test_a_stratum_without_judgements_gives_no_figure(report: EvaluationReport) -> None:
    report = replace(report)
    apply_adjudication(report, _judge(report, {"sql": "gap", "docker": "error"}))
    assert report.strata["rule gap"].size == 1 and report.strata["rule gap"].judged == 0
    assert report.precision_adjudicated is None
    assert "precision, hand-judged: n/a" in format_report(report)


def test_a_sampled_stratum_gives_an_interval(report: EvaluationReport) -> None:
    # judge only SQL of the two unexplained errors: the share (1/1) is a sample, so an interval
    report = replace(report)
    apply_adjudication(report, _judge(report, {"kubernetes": "gap", "sql": "gap"}))
    assert report.strata["unexplained"].judged == 1
    low, high = report.precision_adjudicated_interval or (0.0, 0.0)
    assert report.precision_adjudicated == pytest.approx(1.0)
    assert low < 1.0 and high == pytest.approx(1.0)


def test_wilson_interval_matches_the_textbook() -> None:
    low, high = wilson_interval(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_bad_verdict_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "judged.tsv"
    path.write_text(
        "# comment\ndoc_id\tstart\tend\tnode_id\tverdict\treason\n"
        "d\t1\t4\tsql\tgap\tused\nd\t5\t9\tsql\tmaybe\t\n",
        "utf-8",
    )
    with pytest.raises(MatcherError, match="row 3"):
        load_adjudication(path)
    path.write_text("doc_id\tstart\tnode_id\tverdict\n", "utf-8")
    with pytest.raises(MatcherError, match="end, reason"):
        load_adjudication(path)


def test_cli_dumps_judges_and_keeps_no_resume_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    common = [str(corpus), "--taxonomy", str(SMALL_TAXONOMY), "--plain", "--min-labelled", "1"]
    dump, kept = tmp_path / "dump.tsv", tmp_path / "kept" / "judgements.tsv"
    assert main([*common, "--no-adjudication", "--dump-errors", str(dump)]) == 0
    rows = [line.split("\t") for line in dump.read_text("utf-8").splitlines()]
    assert rows[0][-1] == "snippet" and len(rows) == 4  # header + all three false positives
    verdicts = {"kubernetes": "gap", "sql": "error", "docker": "error"}
    judged = [rows[0]] + [[*r[:6], verdicts[r[4]], "listed", r[8]] for r in rows[1:]]
    dump.write_text("\n".join("\t".join(r) for r in judged) + "\n", "utf-8")
    capsys.readouterr()
    assert (
        main([*common, "--add-judgements", str(dump), "--adjudication", str(kept), "--json"]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["precision_adjudicated"] == pytest.approx(0.8)
    assert "errors" not in data
    saved = kept.read_text("utf-8")
    assert (
        "snippet" not in saved and "Worked at" not in saved and "kubernetes\trule gap\tgap" in saved
    )

"""Per-stage timing of the pipeline against the floor, measured in the same run.

    python bench/bench_pipeline.py [--resumes 40] [--repeat 3] [--json]

Floor per resume = pypdfium2 text extraction + ``spacy.blank("en")`` tokenisation of the same file.
Reports medians per stage (ingest, timeline, extract, score), the end-to-end / floor ratio,
resumes per second on one core, peak memory and the cold-start time of the ``match`` command.
Absolute times drift 15-20% between runs on shared machines; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from docgen import make_pdf, make_two_column_pdf  # noqa: E402

REFERENCE = date(2026, 12, 1)


def build_corpus(count: int) -> list[bytes]:
    """1-3 page PDFs from the fixture resumes: single, doubled and two-column layouts."""
    texts = [p.read_text("utf-8") for p in sorted((REPO / "tests/data/resumes").glob("*.txt"))]
    left = (REPO / "tests/data/resumes/lead_ml_two_column_left.txt").read_text("utf-8")
    right = (REPO / "tests/data/resumes/lead_ml_two_column_right.txt").read_text("utf-8")
    corpus: list[bytes] = []
    for i in range(count):
        text = texts[i % len(texts)]
        if i % 3 == 1:
            text = text + "\n\n" + texts[(i + 1) % len(texts)]  # about two pages
        if i % 3 == 2:
            corpus.append(make_two_column_pdf(left, right))
        else:
            corpus.append(make_pdf(text))
    return corpus


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = func()
    return time.perf_counter() - start, value


def floor_one(data: bytes, nlp: Any) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        parts = []
        for page in pdf:
            textpage = page.get_textpage()
            parts.append(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        pdf.close()
    nlp.make_doc("\n".join(parts))


def measure_one(data: bytes, nlp: Any, matcher: Any, options: Any) -> dict[str, float]:
    """Seconds per stage for one resume, then end to end (including the JSON a caller sends)."""
    from matcher.loaders import load_document
    from matcher.scoring import score_profiles, summarize_skills
    from matcher.timeline import find_positions, summarize_experience

    times: dict[str, float] = {}
    times["floor"] = timed(lambda: floor_one(data, nlp))[0]
    times["ingest"], document = timed(lambda: load_document(data))
    times["timeline"], positions = timed(lambda: find_positions(document, reference_date=REFERENCE))
    times["extract"], mentions = timed(lambda: matcher.extractor.extract(document, positions))

    def score() -> Any:
        experience = summarize_experience(positions)
        skills = summarize_skills(
            mentions, positions, taxonomy=matcher.taxonomy, reference_date=REFERENCE
        )
        return score_profiles(
            matcher.profiles,
            document=document,
            positions=positions,
            experience=experience,
            mentions=mentions,
            skills=skills,
            taxonomy=matcher.taxonomy,
            reference_date=REFERENCE,
        )

    times["score"] = timed(score)[0]
    times["end_to_end"], result = timed(lambda: matcher.match_bytes(data, options=options))
    result.model_dump_json()
    return times


def measure(corpus: list[bytes], repeat: int) -> dict[str, Any]:
    import spacy

    from matcher.pipeline import Matcher, MatchOptions

    nlp = spacy.blank("en")
    matcher = Matcher.default()
    options = MatchOptions(reference_date=REFERENCE)
    stages: dict[str, list[float]] = {
        "floor": [],
        "ingest": [],
        "timeline": [],
        "extract": [],
        "score": [],
        "end_to_end": [],
    }
    for data in corpus:  # warm-up: caches, lazy imports
        matcher.match_bytes(data, options=options)
        floor_one(data, nlp)
    for _ in range(repeat):
        for data in corpus:
            for name, seconds in measure_one(data, nlp, matcher, options).items():
                stages[name].append(seconds)
    medians = {name: statistics.median(values) * 1000 for name, values in stages.items()}
    return {
        "resumes": len(corpus),
        "repeat": repeat,
        "median_ms": {k: round(v, 3) for k, v in medians.items()},
        "ratio_end_to_end_over_floor": round(medians["end_to_end"] / medians["floor"], 2),
        "resumes_per_second_one_core": round(1000 / medians["end_to_end"], 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def cold_start(runs: int = 3) -> dict[str, float]:
    sample = REPO / "samples" / "ml_engineer_resume.pdf"
    commands = {
        "match_help_s": [sys.executable, "-m", "matcher.cli", "--help"],
        "match_sample_s": [sys.executable, "-m", "matcher.cli", str(sample)],
        "python_bare_s": [sys.executable, "-c", "pass"],
    }
    result = {}
    for name, command in commands.items():
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True)
            times.append(time.perf_counter() - start)
        result[name] = round(statistics.median(times), 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resumes", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = measure(build_corpus(args.resumes), args.repeat)
    report["cold_start"] = cold_start()
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"resumes: {report['resumes']} x {report['repeat']} repeats (median per resume)")
    for name, ms in report["median_ms"].items():
        print(f"  {name:<11} {ms:8.2f} ms")
    print(f"end-to-end / floor: {report['ratio_end_to_end_over_floor']}x")
    print(f"resumes/s (one core): {report['resumes_per_second_one_core']}")
    print(f"peak RSS: {report['peak_rss_mb']} MB")
    for name, seconds in report["cold_start"].items():
        print(f"cold start {name}: {seconds} s")


if __name__ == "__main__":
    main()

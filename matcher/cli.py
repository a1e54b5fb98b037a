"""The ``match`` command: a thin shell over the library.

It parses arguments, runs ``matcher.batch`` and prints; every expected failure is a
``MatcherError`` from the library, turned into an error record (batch) or a message (usage).
Heavy imports happen after argument parsing so ``match --help`` stays instant.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from matcher import __version__

if TYPE_CHECKING:
    from matcher.batch import BatchItem

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

SUPPORTED_SUFFIXES = (".pdf", ".docx", ".txt", ".md", ".markdown", ".html", ".htm")
FORMATS = ("text", "json", "ndjson", "csv", "table")

EPILOG = """\
output formats:
  text     readable report (default for one file; a table for several)
  json     the full result as JSON (one object for one file, NDJSON for several)
  ndjson   one JSON record per line: {"source", "ok", "result"} or {"source", "ok", "error"}
  csv      one row per file: scores per level, best fit, years, error code
  table    one aligned row per file, for the terminal

exit codes:
  0  every file was matched
  1  at least one file failed (its error record says why); the others are still reported
  2  usage error: bad option, unreadable profile, no input files
  130 interrupted

examples:
  match resume.pdf
  match resume.pdf --json > result.json
  match resume.pdf --html report.html
  match resumes/ --format csv --jobs 2 > scores.csv
  match resume.docx --profile my_role.yaml --reference-date 2026-01-01
"""


class UsageError(Exception):
    """A problem with the command line itself (exit code 2)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="match",
        description=(
            "Read resumes (PDF, DOCX, TXT, Markdown, HTML) and report how well each fits "
            "junior, mid and senior Machine Learning Engineer roles, with evidence and gaps."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="resume files, or directories whose supported files are all matched",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the full result as JSON (same as --format json)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="output format (default: text for one file, table for several)",
    )
    parser.add_argument(
        "--html",
        metavar="FILE",
        type=Path,
        help="also write a self-contained HTML report (one input file only)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=Path,
        help="write the output to FILE instead of standard output",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        type=Path,
        action="append",
        help="score against this requirement profile (YAML/JSON) instead of the shipped ones; "
        "repeat for several",
    )
    parser.add_argument(
        "--levels",
        metavar="LIST",
        help="comma-separated levels or profile ids to score (default: all), e.g. mid,senior",
    )
    parser.add_argument(
        "--reference-date",
        metavar="YYYY-MM-DD",
        type=_parse_date,
        help="date that 'Present' means, for reproducible results (default: today)",
    )
    parser.add_argument(
        "--include-text",
        action="store_true",
        help="include the extracted text in JSON output (offsets index into it)",
    )
    parser.add_argument(
        "-r",
        "--recursive",
        action="store_true",
        help="look for resumes in subdirectories of directory arguments too",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="parallel worker processes for batches (default 1; 0 means one per CPU core)",
    )
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="always show a progress bar on stderr for batches",
    )
    progress.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="never show a progress bar (default: shown when stderr is a terminal)",
    )
    parser.add_argument(
        "--schema",
        action="store_true",
        help="print the JSON Schema of the result and exit",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}") from None


def collect_inputs(paths: Sequence[str], *, recursive: bool) -> list[Path]:
    """Expand directories into their supported files (sorted); keep explicit files as given."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            found.extend(
                sorted(
                    p
                    for p in path.glob(pattern)
                    if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                )
            )
        elif path.exists() or path.is_symlink():
            found.append(path)
        else:
            raise UsageError(f"no such file or directory: {raw}")
    if not found:
        raise UsageError("no resume files found in the given paths")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _run(args, parser)
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"match: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("match: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (e.g. `match ... | head`); quietly stop like other Unix tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.schema:
        from matcher.schema import result_schema

        print(json.dumps(result_schema(), indent=2))
        return EXIT_OK
    if not args.paths:
        raise UsageError("give at least one resume file or directory")
    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (one per core) or a positive number")
    fmt = "json" if args.json else args.format
    inputs = collect_inputs(args.paths, recursive=args.recursive)
    single = len(inputs) == 1 and not Path(args.paths[0]).is_dir()
    if fmt is None:
        fmt = "text" if single else "table"
    if args.html is not None and not single:
        raise UsageError("--html writes one report: give exactly one resume file")

    from matcher.batch import BatchSettings, run_batch
    from matcher.errors import ConfigurationError

    levels = tuple(x.strip() for x in args.levels.split(",") if x.strip()) if args.levels else None
    settings = BatchSettings(
        profile_paths=tuple(args.profile) if args.profile else None,
        levels=levels,
        reference_date=args.reference_date,
        include_text=args.include_text,
        jobs=args.jobs or (os.cpu_count() or 1),
    )
    try:
        settings.validate()
    except ConfigurationError as exc:
        raise UsageError(exc.message) from exc

    show_progress = args.progress if args.progress is not None else sys.stderr.isatty()
    progress = _Progress(len(inputs), enabled=show_progress and len(inputs) > 1)
    out: TextIO
    with _open_output(args.output) as out:
        items = run_batch(inputs, settings, on_done=progress.advance)
        failed = _emit(items, fmt=fmt, single=single, out=out, html_path=args.html)
    progress.close()
    return EXIT_SOME_FAILED if failed else EXIT_OK


class _open_output:
    """Context manager for stdout or a file given with --output."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.handle: TextIO | None = None

    def __enter__(self) -> TextIO:
        if self.path is None:
            return sys.stdout
        try:
            self.handle = self.path.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise UsageError(f"cannot write {self.path}: {exc.strerror}") from exc
        return self.handle

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()


def _emit(
    items: Iterator[BatchItem], *, fmt: str, single: bool, out: TextIO, html_path: Path | None
) -> int:
    failed = 0
    rows: list[dict[str, Any]] = []
    csv_writer: Any = None
    for item in items:
        if item.error is not None:
            failed += 1
        if fmt in {"ndjson"} or (fmt == "json" and not single):
            out.write(json.dumps(item.to_record(), ensure_ascii=False) + "\n")
            out.flush()
        elif fmt == "json":
            if item.result is not None:
                out.write(json.dumps(item.result, indent=2, ensure_ascii=False) + "\n")
            else:
                _print_error(item)
        elif fmt == "text" and single:
            _emit_text(item, out, html_path)
        elif fmt == "csv":
            if csv_writer is None:
                csv_writer = csv.DictWriter(out, fieldnames=_summary_fields(item))
                csv_writer.writeheader()
            csv_writer.writerow(_summary_row(item))
            out.flush()
        else:  # table (also "text" for several files)
            rows.append(_summary_row(item))
        if item.error is not None and fmt not in {"json", "text"}:
            _print_error(item)
    if rows:
        out.write(_table(rows))
    return failed


def _emit_text(item: BatchItem, out: TextIO, html_path: Path | None) -> None:
    if item.result is None:
        _print_error(item)
        return
    from matcher.models import MatchResult
    from matcher.render import render_html, render_text

    result = MatchResult.model_validate(item.result)
    out.write(render_text(result) + "\n")
    if html_path is not None:
        try:
            html_path.write_text(render_html(result), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {html_path}: {exc.strerror}") from exc


def _print_error(item: BatchItem) -> None:
    assert item.error is not None
    print(f"match: {item.source}: {item.error['message']} [{item.error['code']}]", file=sys.stderr)


SCORE_LEVELS = ("junior", "mid", "senior")


def _summary_fields(item: BatchItem) -> list[str]:
    return list(_summary_row(item).keys())


def _summary_row(item: BatchItem) -> dict[str, Any]:
    row: dict[str, Any] = {"source": item.source, "ok": item.error is None, "best_fit": ""}
    scores: dict[str, Any] = dict.fromkeys(SCORE_LEVELS, "")
    years: Any = ""
    skills: Any = ""
    if item.result is not None:
        row["best_fit"] = item.result.get("best_fit") or "none"
        for fit in item.result["fits"]:
            scores[fit["level"]] = round(float(fit["score"]), 1)
        years = item.result["experience"]["professional_years"]
        skills = len(item.result["skills"])
    row.update(scores)
    row["years"] = years
    row["skills"] = skills
    row["error"] = item.error["code"] if item.error else ""
    return row


def _table(rows: list[dict[str, Any]]) -> str:
    headers = list(rows[0].keys())
    cells = [[str(r[h]) for h in headers] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    buffer = io.StringIO()
    for line in [headers, *cells]:
        padded = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        buffer.write("  ".join(padded).rstrip() + "\n")
    return buffer.getvalue()


class _Progress:
    """A one-line progress bar on stderr; silent unless enabled."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.enabled = enabled

    def advance(self, ok: bool) -> None:
        self.done += 1
        self.failed += 0 if ok else 1
        if not self.enabled:
            return
        width = 30
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (width - filled)
        failed = f", {self.failed} failed" if self.failed else ""
        sys.stderr.write(f"\r[{bar}] {self.done}/{self.total}{failed}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.done:
            sys.stderr.write("\n")
            sys.stderr.flush()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

"""Measure the skill extractor against resumes annotated with skill spans (JSON lines).

    python -m skills.evaluate [PATH] [--json] [--taxonomy DIR] [--top N] [--min-labelled N]

Each line of PATH is ``{"id", "text", "spans": [{"start", "end", "label", "text"}]}``; spans
labelled "Tech Tools", "Job Specific Skills" or "Soft Skills" are the gold skills. The text goes
through ``matcher.loaders.document_from_text`` (cleaning + sections) like any resume; gold spans
are carried over to the cleaned text by a character alignment.

Figures:
- scope: several resumes were annotated only part way, some not at all. Mentions after the
  end of the last gold span (of any label) of a resume are counted as "not scored" and left
  out of precision (``--whole-documents`` scores them too). Recall is unaffected: gold spans
  all lie inside the annotated part. Mentions of education and certification nodes are not
  scored either: the corpus labels those "Degree", never as skills.
- skill names only: mentions of signal phrases (``kind="signal"``: "mentored", "led a team
  of") are not names of skills, which is what the corpus labels; they are counted apart
  ("signal mentions") with a fixed-seed random sample for a hand check, and left out of
  precision. They still count for recall.
- strict precision: asserted skill-name mentions that overlap a gold skill span / all of them.
- annotation gaps: false positives that are real skills the annotators missed. Rule: the
  mention is an exact (not fuzzy) match, it overlaps no gold span of any other label (a company
  "Oracle" or a title stays an error), it is not in the education section (where "Computer and
  Communication" is a degree), and one of: the same text is labelled as a skill at least
  ``--min-labelled`` times elsewhere in the corpus; the mention stands in a skills section; or
  it is a list item on a line where the annotators labelled other skills.
  Precision with gaps excluded drops these from the denominator. The rule is mechanical: a
  random sample of gaps (and of the remaining false positives) is printed so it can be checked
  by hand (``--signal-sample N``).
- in-taxonomy recall: gold skill spans whose text is a surface form of the taxonomy, or contains
  one as a whole-token phrase (found by the extractor's own exact matchers, respecting case),
  that overlap some mention (of any assertion) / all such gold spans.

Output never contains whole resume text: error lists show at most 60 characters around a span.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import json
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from rapidfuzz.distance import Indel

from matcher.errors import MatcherError
from matcher.models import (
    DocumentInfo,
    ExtractedDocument,
    MediaType,
    Section,
    SectionKind,
    SkillMention,
)
from skills.extract import SkillExtractor
from skills.taxonomy import load_taxonomy, normalize_form

SKILL_LABELS = frozenset({"Tech Tools", "Job Specific Skills", "Soft Skills"})
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared/data/resumes-dotin/train.jsonl"
SNIPPET_CHARS = 60
# This corpus labels degrees, schools and certificates as "Degree" / "College Name", never as
# skills (taxonomy education and certification names occur 137 times under "Degree" and never
# under a skill label), so mentions of those categories are counted apart, not scored as skills.
DEFAULT_UNSCORED_CATEGORIES = ("education", "certifications")
DEFAULT_MIN_LABELLED = 3
DEFAULT_TOP = 30
DEFAULT_SIGNAL_SAMPLE = 50
SAMPLE_SEED = 20261203
DEFAULT_ADJUDICATION = (
    Path(__file__).resolve().parent / "data/evaluation/resumes_dotin_adjudication.tsv"
)
DEFAULT_RULE_GAP_DUMP = 10_000  # all of them: the shipped judgements are a census
JUDGE_SNIPPET_CHARS = 160
WILSON_Z = 1.96  # 95% interval

Stratum = Literal["rule gap", "unexplained"]
Verdict = Literal["gap", "error"]
VERDICTS: tuple[Verdict, ...] = ("gap", "error")
STRATA: tuple[Stratum, ...] = ("rule gap", "unexplained")
ErrorKey = tuple[str, int, int, str]
"""(resume id, start, end, node id) of a false positive, offsets in the cleaned text."""

DocumentBuilder = Callable[[str], ExtractedDocument]


@dataclass(frozen=True, slots=True)
class GoldSpan:
    start: int
    end: int
    label: str
    text: str


@dataclass(frozen=True, slots=True)
class AnnotatedResume:
    id: str
    text: str
    spans: tuple[GoldSpan, ...]


@dataclass(frozen=True, slots=True)
class Example:
    """One error: the normalised text, how often it happened, and one short snippet."""

    text: str
    count: int
    snippet: str


@dataclass(frozen=True, slots=True)
class ScoredError:
    """A false positive and where it is: the unit a person judges by hand."""

    doc_id: str
    start: int
    end: int
    node_id: str
    text: str
    stratum: Stratum
    snippet: str

    @property
    def key(self) -> ErrorKey:
        return (self.doc_id, self.start, self.end, self.node_id)


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    reason: str


@dataclass(slots=True)
class StratumEstimate:
    """How many false positives of one stratum there are, how many were judged, and how many of
    those a person found to be real skills the annotators missed."""

    size: int = 0
    judged: int = 0
    judged_gaps: int = 0

    def gap_rate(self) -> tuple[float, float, float] | None:
        """The judged share of gaps with a 95% Wilson interval; exact when all were judged."""
        if not self.judged:
            return None
        rate = self.judged_gaps / self.judged
        if self.judged >= self.size:
            return rate, rate, rate
        low, high = wilson_interval(self.judged_gaps, self.judged)
        return rate, low, high


@dataclass(slots=True)
class EvaluationReport:
    documents: int = 0
    mentions: int = 0
    unscored: int = 0
    other_category: int = 0
    asserted: int = 0
    negated: int = 0
    aspirational: int = 0
    fuzzy: int = 0
    true_positives: int = 0
    false_positives: int = 0
    annotation_gaps: int = 0
    precision_strict: float = 0.0
    precision_gaps_excluded: float = 0.0
    gold_skill_spans: int = 0
    gold_in_taxonomy: int = 0
    gold_found: int = 0
    recall_in_taxonomy: float = 0.0
    ms_per_document: float = 0.0
    document_builder: str = ""
    top_false_positives: list[Example] = field(default_factory=list)
    top_misses: list[Example] = field(default_factory=list)
    annotation_gap_examples: list[Example] = field(default_factory=list)
    signals: int = 0
    """Asserted signal mentions (kind "signal": behaviour/role phrases), scored apart."""
    signals_on_gold: int = 0
    signal_examples: list[Example] = field(default_factory=list)
    signal_sample: list[Example] = field(default_factory=list)
    gap_sample: list[Example] = field(default_factory=list)
    false_positive_sample: list[Example] = field(default_factory=list)
    adjudication_file: str = ""
    strata: dict[str, StratumEstimate] = field(default_factory=dict)
    precision_adjudicated: float | None = None
    """True positives plus the false positives estimated to be annotation gaps from the
    hand judgements of each stratum, over all asserted mentions."""
    precision_adjudicated_interval: tuple[float, float] | None = None
    adjudicated_error_reasons: list[Example] = field(default_factory=list)
    """The reasons people gave for judged errors, most frequent first (snippet: one node id)."""
    errors: list[ScoredError] = field(default_factory=list, repr=False)
    """Every false positive with a judging snippet; never printed in the report or its JSON."""


# ----------------------------------------------------------------------------- input


def load_annotated(path: Path) -> list[AnnotatedResume]:
    """Read a JSON-lines file of annotated resumes; errors name the line."""
    resumes: list[AnnotatedResume] = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as exc:
        raise MatcherError(f"cannot read {path}: {exc.strerror}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            spans = tuple(
                GoldSpan(int(s["start"]), int(s["end"]), str(s["label"]), str(s["text"]))
                for s in row.get("spans", [])
            )
            resumes.append(AnnotatedResume(str(row.get("id", number)), str(row["text"]), spans))
        except (ValueError, KeyError, TypeError) as exc:
            raise MatcherError(f"{path}:{number}: not an annotated resume ({exc})") from exc
    return resumes


ADJUDICATION_COLUMNS = ("doc_id", "start", "end", "node_id", "text", "stratum", "verdict", "reason")


def load_adjudication(path: Path) -> dict[ErrorKey, Judgement]:
    """Hand judgements of false positives: a tab-separated file with a header row naming at
    least doc_id, start, end, node_id, verdict ("gap" or "error") and reason; lines that start
    with "#" are comments. Rows with an empty verdict are not judged yet and are skipped."""
    return {
        key: Judgement(row["verdict"], row.get("reason", ""))  # type: ignore[arg-type]
        for key, row in _judged_rows(path)
    }


def _judged_rows(path: Path) -> Iterator[tuple[ErrorKey, dict[str, str]]]:
    """The judged rows of a judgement TSV (stripped cells), validated; errors name the row."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as exc:
        raise MatcherError(f"cannot read {path}: {exc.strerror}") from exc
    rows = csv.DictReader(
        (line for line in lines if not line.startswith("#")), delimiter="\t", quoting=csv.QUOTE_NONE
    )
    missing = {"doc_id", "start", "end", "node_id", "verdict", "reason"} - set(
        rows.fieldnames or ()
    )
    if missing:
        raise MatcherError(f"{path}: the header lacks the column(s) {', '.join(sorted(missing))}")
    for number, raw in enumerate(rows, start=2):
        row = {column: (value or "").strip() for column, value in raw.items() if column}
        verdict = row.get("verdict", "")
        if not verdict:
            continue
        if verdict not in VERDICTS:
            raise MatcherError(
                f"{path}: row {number}: verdict must be gap or error, not {verdict!r}"
            )
        try:
            key = (row["doc_id"], int(row["start"]), int(row["end"]), row["node_id"])
        except (TypeError, ValueError) as exc:
            raise MatcherError(f"{path}: row {number}: start and end must be integers") from exc
        yield key, row


def write_errors(
    errors: Sequence[ScoredError],
    path: Path,
    *,
    judgements: dict[ErrorKey, Judgement],
    rule_gap_sample: int = DEFAULT_RULE_GAP_DUMP,
) -> int:
    """Write false positives to judge by hand: every unexplained one and a fixed-seed random
    sample of the rule gaps, with earlier verdicts filled in and a snippet to judge from.

    The snippet column holds resume text: the file is a person's working copy. Judgements are
    kept with ``--add-judgements``, which saves them without snippets."""
    rule_gaps = [e for e in errors if e.stratum == "rule gap"]
    sampled = {
        e.key
        for e in random.Random(SAMPLE_SEED).sample(rule_gaps, min(rule_gap_sample, len(rule_gaps)))
    }
    chosen = [e for e in errors if e.stratum == "unexplained" or e.key in sampled]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
        writer.writerow([*ADJUDICATION_COLUMNS, "snippet"])
        for error in chosen:
            judged = judgements.get(error.key)
            writer.writerow(
                [
                    error.doc_id,
                    error.start,
                    error.end,
                    error.node_id,
                    error.text,
                    error.stratum,
                    judged.verdict if judged else "",
                    judged.reason if judged else "",
                    error.snippet,
                ]
            )
    return len(chosen)


def save_adjudication(judged_files: Sequence[Path], path: Path) -> int:
    """Merge the verdicts of judged dump files into the adjudication file, without snippets.

    Earlier judgements in ``path`` are kept unless a judged file gives the same mention a new
    verdict. Returns the number of judgements saved."""
    rows: dict[ErrorKey, dict[str, str]] = {}
    for source in [path, *judged_files] if path.exists() else judged_files:
        for key, row in _judged_rows(source):
            rows[key] = {column: row.get(column, "") for column in ADJUDICATION_COLUMNS}
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(rows.items(), key=lambda item: (_doc_order(item[0][0]), item[0][1:]))
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(ADJUDICATION_HEADER)
        writer = csv.writer(out, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
        writer.writerow(ADJUDICATION_COLUMNS)
        for _, row in ordered:
            writer.writerow([row[column] for column in ADJUDICATION_COLUMNS])
    return len(rows)


def _doc_order(doc_id: str) -> tuple[str, int]:
    """ "dotin-train-12" sorts after "dotin-train-2"."""
    stem, _, number = doc_id.rpartition("-")
    return (stem, int(number)) if number.isdigit() else (doc_id, -1)


ADJUDICATION_HEADER = """\
# Hand judgements of the skill extractor's false positives on resumes-dotin (train.jsonl).
# A false positive is an asserted skill mention that overlaps no gold skill span. Each row was
# judged by reading the mention in context: "gap" = a real skill of the person the annotators
# did not label (reason: listed / used / claimed / studied); "error" = our mistake (reason:
# ordinary-word, organisation-name, job-title, publication-or-course-title, wrong-node,
# not-the-person, contact-or-noise, negated, other:...). Offsets index the text cleaned by
# matcher.loaders.document_from_text. No resume text is stored here, only the matched skill
# name. Rubric and method: skills/README.md ("Measured quality").
"""


def wilson_interval(successes: int, trials: int, z: float = WILSON_Z) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (sound for small samples)."""
    if trials <= 0:
        return 0.0, 1.0
    share = successes / trials
    denominator = 1 + z * z / trials
    centre = (share + z * z / (2 * trials)) / denominator
    spread = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    return max(0.0, centre - spread / denominator), min(1.0, centre + spread / denominator)


def plain_document(text: str) -> ExtractedDocument:
    """The text as it is, one OTHER section: used when no loader is available, and in tests."""
    return ExtractedDocument(
        info=DocumentInfo(media_type=MediaType.TXT, characters=len(text)),
        text=text,
        sections=(Section(kind=SectionKind.OTHER, start=0, end=len(text)),),
    )


def default_builder() -> tuple[DocumentBuilder, str]:
    """``document_from_text`` (cleaning + sections) when the loader exists, else plain."""
    try:
        from matcher.loaders import document_from_text
    except ImportError:
        return plain_document, "plain (matcher.loaders unavailable)"
    return document_from_text, "matcher.loaders.document_from_text"


# ----------------------------------------------------------------------------- alignment


class OffsetMap:
    """Carries offsets in an original text over to a cleaned copy of it."""

    def __init__(self, original: str, cleaned: str) -> None:
        self._identity = original == cleaned
        self._blocks = [] if self._identity else list(Indel.opcodes(original, cleaned))
        self._starts = [b.src_start for b in self._blocks]

    def __call__(self, offset: int) -> int:
        if self._identity:
            return offset
        at = max(bisect.bisect_right(self._starts, offset) - 1, 0)
        block = self._blocks[at]
        # inserted blocks have src_start == src_end; step past them to the block that holds offset
        while block.src_end <= offset and at + 1 < len(self._blocks):
            at += 1
            block = self._blocks[at]
        inside = offset - block.src_start
        if block.tag == "equal":
            return block.dest_start + inside
        return block.dest_start + min(inside, block.dest_end - block.dest_start)

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self(start), self(end)


# ----------------------------------------------------------------------------- evaluation


def _snippet(text: str, start: int, end: int, chars: int = SNIPPET_CHARS) -> str:
    room = max(0, (chars - (end - start)) // 2)
    left = max(0, start - room)
    piece = text[left : min(len(text), left + chars)]
    return " ".join(piece.split())


def _marked_snippet(text: str, start: int, end: int) -> str:
    """About JUDGE_SNIPPET_CHARS around a mention, the mention in [[double brackets]]."""
    room = max(0, (JUDGE_SNIPPET_CHARS - (end - start)) // 2)
    left, right = max(0, start - room), min(len(text), end + room)
    piece = f"{text[left:start]}[[{text[start:end]}]]{text[end:right]}"
    return " ".join(piece.replace("\\", "/").split())


def _overlaps(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _same_line_gold(text: str, spans: Sequence[tuple[int, int]], mention: SkillMention) -> bool:
    """Another gold skill on the mention's line: the annotators labelled the list but this."""
    line_start = text.rfind("\n", 0, mention.start) + 1
    line_end = text.find("\n", mention.end)
    line_end = len(text) if line_end < 0 else line_end
    return any(
        line_start <= s and e <= line_end and not (s < mention.end and mention.start < e)
        for s, e in spans
    )


def _top(counter: Counter[str], snippets: dict[str, str], top: int) -> list[Example]:
    return [Example(text, count, snippets[text]) for text, count in counter.most_common(top)]


def evaluate(
    resumes: Sequence[AnnotatedResume],
    extractor: SkillExtractor,
    *,
    build_document: DocumentBuilder = plain_document,
    builder_name: str = "plain",
    min_labelled: int = DEFAULT_MIN_LABELLED,
    top: int = DEFAULT_TOP,
    whole_documents: bool = False,
    unscored_categories: Sequence[str] = DEFAULT_UNSCORED_CATEGORIES,
    signal_sample: int = DEFAULT_SIGNAL_SAMPLE,
    adjudication: dict[ErrorKey, Judgement] | None = None,
    adjudication_name: str = "",
) -> EvaluationReport:
    """Run the extractor over annotated resumes and compare its mentions with the gold spans."""
    labelled_as_skill: Counter[str] = Counter(
        normalize_form(span.text) for r in resumes for span in r.spans if span.label in SKILL_LABELS
    )
    report = EvaluationReport(documents=len(resumes), document_builder=builder_name)
    false_positives: Counter[str] = Counter()
    gaps: Counter[str] = Counter()
    misses: Counter[str] = Counter()
    signals: Counter[str] = Counter()
    signal_snippets: list[Example] = []
    gap_snippets: list[Example] = []
    fp_snippets: list[Example] = []
    snippets: dict[str, str] = {}
    elapsed = 0.0
    for resume in resumes:
        doc = build_document(resume.text)
        to_doc = OffsetMap(resume.text, doc.text)
        gold: list[tuple[int, int, GoldSpan]] = []
        for span in resume.spans:
            start, end = to_doc.span(span.start, span.end)
            if start < end:
                gold.append((start, end, span))
        skill_spans = [(s, e) for s, e, g in gold if g.label in SKILL_LABELS]
        # Several resumes were annotated only part way (some not at all): text after the last
        # gold span of any label was never looked at, so mentions there are not scored.
        annotated_end = (
            max((e for _, e, _ in gold), default=0) if whole_documents is False else len(doc.text)
        )
        other_spans = [(s, e) for s, e, g in gold if g.label not in SKILL_LABELS]
        began = time.perf_counter()
        mentions = extractor.extract(doc)
        elapsed += time.perf_counter() - began
        report.mentions += len(mentions)
        for mention in mentions:
            if mention.start >= annotated_end:
                report.unscored += 1
                continue
            if extractor.taxonomy.nodes[mention.node_id].category in unscored_categories:
                report.other_category += 1
                continue
            if mention.match == "fuzzy":
                report.fuzzy += 1
            if mention.assertion != "asserted":
                if mention.assertion == "negated":
                    report.negated += 1
                else:
                    report.aspirational += 1
                continue
            if mention.kind == "signal":
                # Behaviour phrases ("mentored two juniors") are not skill names; the corpus
                # does not label them consistently, so they are counted and sampled apart.
                report.signals += 1
                key = normalize_form(mention.text)
                signals[key] += 1
                report.signals_on_gold += _overlaps(skill_spans, mention.start, mention.end)
                signal_snippets.append(
                    Example(key, 1, _snippet(doc.text, mention.start, mention.end))
                )
                continue
            report.asserted += 1
            if _overlaps(skill_spans, mention.start, mention.end):
                report.true_positives += 1
                continue
            report.false_positives += 1
            key = normalize_form(mention.text)
            snippets.setdefault(key, _snippet(doc.text, mention.start, mention.end))
            is_gap = (
                mention.match == "exact"
                and mention.section is not SectionKind.EDUCATION
                and not _overlaps(other_spans, mention.start, mention.end)
                and (
                    labelled_as_skill[key] >= min_labelled
                    or mention.section is SectionKind.SKILLS
                    or (
                        mention.context == "list"
                        and _same_line_gold(doc.text, skill_spans, mention)
                    )
                )
            )
            here = Example(key, 1, _snippet(doc.text, mention.start, mention.end))
            report.errors.append(
                ScoredError(
                    resume.id,
                    mention.start,
                    mention.end,
                    mention.node_id,
                    key,
                    "rule gap" if is_gap else "unexplained",
                    _marked_snippet(doc.text, mention.start, mention.end),
                )
            )
            if is_gap:
                report.annotation_gaps += 1
                gaps[key] += 1
                gap_snippets.append(here)
            else:
                false_positives[key] += 1
                fp_snippets.append(here)
        mention_spans = [(m.start, m.end) for m in mentions]
        for start, end, span in gold:
            if span.label not in SKILL_LABELS:
                continue
            report.gold_skill_spans += 1
            if not extractor.known_forms(doc.text[start:end]):
                continue
            report.gold_in_taxonomy += 1
            if _overlaps(mention_spans, start, end):
                report.gold_found += 1
            else:
                key = normalize_form(span.text)
                misses[key] += 1
                snippets.setdefault(key, _snippet(doc.text, start, end))
    report.precision_strict = _ratio(report.true_positives, report.asserted)
    report.precision_gaps_excluded = _ratio(
        report.true_positives, report.asserted - report.annotation_gaps
    )
    report.recall_in_taxonomy = _ratio(report.gold_found, report.gold_in_taxonomy)
    report.ms_per_document = round(1000 * elapsed / max(len(resumes), 1), 3)
    report.top_false_positives = _top(false_positives, snippets, top)
    report.top_misses = _top(misses, snippets, top)
    report.annotation_gap_examples = _top(gaps, snippets, top)
    report.signal_examples = _top(signals, {e.text: e.snippet for e in signal_snippets}, top)
    report.signal_sample = _sample(signal_snippets, signal_sample)
    report.gap_sample = _sample(gap_snippets, signal_sample)
    report.false_positive_sample = _sample(fp_snippets, signal_sample)
    if adjudication is not None:
        apply_adjudication(report, adjudication, top=top)
        report.adjudication_file = adjudication_name
    return report


def apply_adjudication(
    report: EvaluationReport, judgements: dict[ErrorKey, Judgement], *, top: int = DEFAULT_TOP
) -> None:
    """Estimate precision from hand judgements, stratum by stratum.

    Within each stratum the judged false positives are a random sample (or all of them), so
    their share of real skills, applied to the stratum's size, estimates how many of its false
    positives are annotation gaps. The interval combines each stratum's 95% Wilson bounds
    (conservative: all low together, all high together). Judgements of mentions the extractor
    no longer makes are ignored."""
    report.precision_adjudicated = report.precision_adjudicated_interval = None
    strata: dict[str, StratumEstimate] = {name: StratumEstimate() for name in STRATA}
    reasons: Counter[str] = Counter()
    reason_nodes: dict[str, str] = {}
    for error in report.errors:
        stratum = strata[error.stratum]
        stratum.size += 1
        judged = judgements.get(error.key)
        if judged is None:
            continue
        stratum.judged += 1
        if judged.verdict == "gap":
            stratum.judged_gaps += 1
        else:
            reasons[judged.reason or "(no reason given)"] += 1
            reason_nodes.setdefault(judged.reason or "(no reason given)", error.node_id)
    report.strata = dict(strata)
    report.adjudicated_error_reasons = _top(reasons, reason_nodes, top)
    rates = {name: s.gap_rate() for name, s in strata.items() if s.size}
    if not report.asserted or any(rate is None for rate in rates.values()):
        return  # a stratum with false positives but no judgements: no honest estimate
    point = low = high = float(report.true_positives)
    for name, rate in rates.items():
        assert rate is not None
        size = strata[name].size
        point += rate[0] * size
        low += rate[1] * size
        high += rate[2] * size
    report.precision_adjudicated = _ratio(round(point), report.asserted)
    report.precision_adjudicated_interval = (
        _ratio(math.floor(low), report.asserted),
        _ratio(math.ceil(high), report.asserted),
    )


def _sample(examples: Sequence[Example], size: int) -> list[Example]:
    """A fixed-seed random sample, so a hand check can be repeated on the same mentions."""
    if size <= 0 or not examples:
        return []
    return random.Random(SAMPLE_SEED).sample(list(examples), min(size, len(examples)))


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


# ----------------------------------------------------------------------------- output


def format_report(report: EvaluationReport) -> str:
    """A readable summary with the error lists."""
    lines = [
        f"documents: {report.documents} (built with {report.document_builder})",
        f"mentions: {report.mentions}; scored "
        f"{report.mentions - report.unscored - report.other_category} (asserted "
        f"{report.asserted}, negated {report.negated}, aspirational {report.aspirational}, "
        f"fuzzy {report.fuzzy}); not scored: {report.unscored} after the annotated part, "
        f"{report.other_category} of unscored categories (degrees, certificates)",
        f"precision strict: {report.precision_strict:.4f} "
        f"({report.true_positives}/{report.asserted})",
        f"annotation gaps: {report.annotation_gaps}",
        f"precision, gaps excluded: {report.precision_gaps_excluded:.4f} "
        f"({report.true_positives}/{report.asserted - report.annotation_gaps})",
        f"gold skill spans: {report.gold_skill_spans}, in taxonomy: {report.gold_in_taxonomy}",
        f"in-taxonomy recall: {report.recall_in_taxonomy:.4f} "
        f"({report.gold_found}/{report.gold_in_taxonomy})",
        f"signal mentions (behaviour/role phrases, not in precision): {report.signals} "
        f"({report.signals_on_gold} overlap a gold skill span)",
        f"extraction: {report.ms_per_document:.2f} ms per document",
    ]
    if report.strata:
        lines.append(f"hand judgements: {report.adjudication_file}")
        for name, stratum in report.strata.items():
            rate = stratum.gap_rate()
            share = f"{rate[0]:.3f} [{rate[1]:.3f}, {rate[2]:.3f}]" if rate else "n/a"
            lines.append(
                f"  {name} false positives: {stratum.size}, judged {stratum.judged}, "
                f"of which real skills {stratum.judged_gaps} (share {share})"
            )
        if report.precision_adjudicated is not None and report.precision_adjudicated_interval:
            low, high = report.precision_adjudicated_interval
            lines.append(
                f"precision, hand-judged: {report.precision_adjudicated:.4f} "
                f"(95% interval {low:.4f}-{high:.4f})"
            )
        else:
            lines.append("precision, hand-judged: n/a (a stratum has no judgements)")
    for title, examples in (
        ("false positives", report.top_false_positives),
        ("misses (in taxonomy)", report.top_misses),
        ("annotation gaps", report.annotation_gap_examples),
        ("signal phrases", report.signal_examples),
        ("reasons of hand-judged errors", report.adjudicated_error_reasons),
    ):
        lines.append("")
        lines.append(f"top {title}:")
        lines.extend(f"  {e.count:4d}  {e.text!r:28}  …{e.snippet}…" for e in examples)
    for title, sample in (
        ("signal mentions", report.signal_sample),
        ("annotation gaps", report.gap_sample),
        ("false positives", report.false_positive_sample),
    ):
        if sample:
            lines.append("")
            lines.append(f"random sample of {len(sample)} {title} (to check by hand):")
            lines.extend(f"  {e.text!r:28}  …{e.snippet}…" for e in sample)
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m skills.evaluate",
        description="Precision and in-taxonomy recall of the skill extractor on annotated resumes.",
    )
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--taxonomy", type=Path, help="taxonomy directory (default: shipped)")
    parser.add_argument("--top", type=int, default=DEFAULT_TOP, help="length of error lists")
    parser.add_argument(
        "--min-labelled",
        type=int,
        default=DEFAULT_MIN_LABELLED,
        help="corpus labels needed to call a false positive an annotation gap",
    )
    parser.add_argument(
        "--plain", action="store_true", help="skip the loader: raw text, one OTHER section"
    )
    parser.add_argument(
        "--unscored-category",
        action="append",
        dest="unscored_categories",
        help="taxonomy category left out of precision (default: education, certifications)",
    )
    parser.add_argument(
        "--whole-documents",
        action="store_true",
        help="also score mentions after the last gold span of a resume (its unannotated rest)",
    )
    parser.add_argument(
        "--signal-sample",
        type=int,
        default=DEFAULT_SIGNAL_SAMPLE,
        help="signal mentions, gaps and false positives to list at random (fixed seed) for a"
        " hand check",
    )
    parser.add_argument(
        "--adjudication",
        type=Path,
        default=DEFAULT_ADJUDICATION,
        help="hand judgements of false positives (TSV; default: the shipped file for"
        " resumes-dotin)",
    )
    parser.add_argument("--no-adjudication", action="store_true", help="ignore hand judgements")
    parser.add_argument(
        "--dump-errors",
        type=Path,
        metavar="FILE",
        help="write the false positives to judge (all unexplained ones and a fixed-seed sample"
        " of rule gaps) as TSV with snippets, earlier verdicts filled in",
    )
    parser.add_argument(
        "--add-judgements",
        type=Path,
        nargs="+",
        metavar="FILE",
        help="merge the verdicts of judged --dump-errors files into the --adjudication file"
        " (snippets are dropped), then evaluate",
    )
    parser.add_argument(
        "--rule-gap-sample",
        type=int,
        default=DEFAULT_RULE_GAP_DUMP,
        help="rule gaps to include in --dump-errors",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        resumes = load_annotated(args.path)
        extractor = SkillExtractor(load_taxonomy(args.taxonomy))
    except MatcherError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    if args.add_judgements:
        try:
            saved = save_adjudication(args.add_judgements, args.adjudication)
        except MatcherError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 2
        print(f"saved {saved} judgements to {args.adjudication}", file=sys.stderr)
    judgements: dict[ErrorKey, Judgement] | None = None
    if not args.no_adjudication and (
        args.adjudication != DEFAULT_ADJUDICATION or DEFAULT_ADJUDICATION.exists()
    ):
        try:
            judgements = load_adjudication(args.adjudication)
        except MatcherError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 2
    builder, name = (plain_document, "plain") if args.plain else default_builder()
    report = evaluate(
        resumes,
        extractor,
        build_document=builder,
        builder_name=name,
        min_labelled=args.min_labelled,
        top=args.top,
        whole_documents=args.whole_documents,
        unscored_categories=tuple(args.unscored_categories or DEFAULT_UNSCORED_CATEGORIES),
        signal_sample=args.signal_sample,
        adjudication=judgements,
        adjudication_name=args.adjudication.name if judgements is not None else "",
    )
    if args.dump_errors:
        written = write_errors(
            report.errors,
            args.dump_errors,
            judgements=judgements or {},
            rule_gap_sample=args.rule_gap_sample,
        )
        print(f"wrote {written} false positives to judge to {args.dump_errors}", file=sys.stderr)
    if args.json:
        print(json.dumps(_jsonable(report), indent=2, ensure_ascii=False))
    else:
        print(format_report(report))
    return 0


def _jsonable(report: EvaluationReport) -> dict[str, Any]:
    data = asdict(report)
    del data["errors"]  # judging snippets hold resume text: only --dump-errors writes them
    return data


if __name__ == "__main__":
    sys.exit(main())

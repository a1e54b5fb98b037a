"""Find skill mentions in resume text and map them to taxonomy nodes, with evidence.

    ExtractedDocument.text -> whitespace-normalised copy (offsets mapped back)
      -> spaCy blank("en") tokens -> PhraseMatcher (LOWER) + PhraseMatcher (ORTH, case-sensitive forms)
      + versioned tokens ("Python3.11", "PHP5") + rapidfuzz typo matches ("Pytroch")
      -> longest match wins -> guards (job titles, context-needing words, ambiguous forms)
      -> SkillMention(node, offsets, section, position, list/prose, asserted/negated/aspirational)

Decisions worth knowing:
- The tokenizer has no special cases: any special case ("\\n", "don't", "e.g.") switches off
  spaCy's tokenizer cache for the rest of the document (spaCy issue #13950), which made
  tokenising a resume 10x slower. Resume matching needs none of them. Infixes are added so
  "Java(8 years)", "Python;SQL" and "Java-8" split into words.
- Every whitespace run becomes one space before tokenising, so a name wrapped onto the next
  line ("machine\\nlearning") still matches; matches across a blank line are dropped.
- A skill name directly before a role noun ("Python Developer", "Machine Learning Engineer") is
  a job title: it claims a role and is not counted as a skill mention.
- Forms marked ``needs_context`` ("R", "Go", "Spark", "Excel") count only in a skills section or
  after a list label ("Tools:"), or with an unambiguous skill mention within a few tokens, and
  never when an ordinary-word neighbour shows the everyday sense ("go to", "excel at").
- Fuzzy matching compares 1-3 token n-grams with fuzzy-eligible forms (5+ characters, not
  case-sensitive, not context-needing) by optimal-string-alignment distance, so a swap of two
  letters is one edit: 1 edit for forms of 7-9 characters, 2 from 10, and only a swap of two
  neighbouring letters for 5-6 characters. The first letter must agree and the n-gram must not
  be an ordinary word (``ordinary_words`` in ``skills/data/extraction.yaml`` plus spaCy's stop
  words). The reported score is the normalised similarity (0-100).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import os
import pickle
import re
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import compile_infix_regex

from matcher.models import (
    Assertion,
    ExtractedDocument,
    MatchKind,
    MentionContext,
    Position,
    Section,
    SectionKind,
    SkillMention,
)
from skills.context import (
    Cue,
    ExtractionCues,
    LineShape,
    is_list_label,
    line_shape,
    load_cues,
    mention_context,
)
from skills.taxonomy import SurfaceForm, Taxonomy, load_taxonomy, normalize_form

__all__ = [
    "CACHE_ENV",
    "SkillExtractor",
    "default_cache_dirs",
    "get_extractor",
]

log = logging.getLogger(__name__)

CACHE_ENV = "ML_MATCHER_CACHE_DIR"
CACHE_FORMAT = 1  # bump whenever the compiled layout or the pattern rules change
CONTEXT_WINDOW = 8  # tokens either side in which a plain mention vouches for a context-needing one
SENSE_WINDOW = 25  # tokens either side whose mentions choose the sense of an ambiguous form
MAX_NGRAM = 3
MIN_FUZZY_LENGTH = 5
MAX_FUZZY_EDITS = 2

_CLAUSE_ENDS = frozenset({".", "!", "?", ";", "•", "|", ":"})
_EXTRA_INFIXES = (r"[()\[\]{};|•]", r"(?<=[A-Za-z])-(?=\d)")
# "Python3.11", "PHP5", "Java-8", "C++11", "TF2": a known name followed by a version number.
_VERSIONED = re.compile(r"^(?P<stem>.*?[A-Za-z+#])[-_]?[vV]?\d+(?:\.\d+)*[xX+]?$")
_NON_WS_SPACE = re.compile(r"[^\S ]+|  +")


# ----------------------------------------------------------------------------- compiled matcher


def make_tokenizer_pipeline() -> Language:
    """The blank English pipeline with the tokenizer changes described in the module doc."""
    nlp = spacy.blank("en")
    nlp.tokenizer.rules = {}
    infixes = [*nlp.Defaults.infixes, *_EXTRA_INFIXES]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    return nlp


@dataclass(slots=True)
class _Compiled:
    """Everything built from a taxonomy and the cue lists; pickled to the cache as one object."""

    nlp: Language
    plain: PhraseMatcher  # attr LOWER, every form that is not case-sensitive
    cased: PhraseMatcher  # attr ORTH, case-sensitive forms as written
    cues: PhraseMatcher  # attr LOWER, negation and aspiration cues
    fuzzy_by_initial: dict[str, tuple[str, ...]]  # first letter -> fuzzy-eligible form keys
    single_token_forms: frozenset[str]  # keys whose pattern is one token (for version stems)


def _pattern_variants(form: SurfaceForm, key: str) -> list[str]:
    """Spellings to tokenise for a form; casing can change how a few strings split."""
    if form.case_sensitive:
        return [form.text]
    return list(dict.fromkeys((form.text, key, form.text.upper())))


def _fuzzy_eligible(form: SurfaceForm, key: str) -> bool:
    return (
        form.fuzzy
        and not form.case_sensitive
        and not form.needs_context
        and len(key) >= MIN_FUZZY_LENGTH
        and key[0].isalpha()
    )


def _compile(taxonomy: Taxonomy, cues: ExtractionCues) -> _Compiled:
    nlp = make_tokenizer_pipeline()
    plain = PhraseMatcher(nlp.vocab, attr="LOWER")
    cased = PhraseMatcher(nlp.vocab, attr="ORTH")
    single: set[str] = set()
    fuzzy: dict[str, list[str]] = {}
    for key, form in taxonomy.forms.items():
        docs = [nlp.make_doc(text) for text in _pattern_variants(form, key)]
        (cased if form.case_sensitive else plain).add(key, docs)
        if len(docs[0]) == 1:
            single.add(key)
        if _fuzzy_eligible(form, key):
            fuzzy.setdefault(key[0], []).append(key)
    cue_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for cue in cues.cues:
        cue_matcher.add(_cue_label(cue), [nlp.make_doc(cue.text)])
    return _Compiled(
        nlp=nlp,
        plain=plain,
        cased=cased,
        cues=cue_matcher,
        fuzzy_by_initial={k: tuple(sorted(v)) for k, v in fuzzy.items()},
        single_token_forms=frozenset(single),
    )


def _cue_label(cue: Cue) -> str:
    return f"cue|{cue.kind}|{cue.direction}|{cue.text}"


def compiled_key(taxonomy: Taxonomy, cues: ExtractionCues) -> str:
    """Content hash of everything the compiled matcher depends on."""
    forms = [
        (k, f.text, f.node_ids, f.case_sensitive, f.needs_context, f.fuzzy, f.default)
        for k, f in sorted(taxonomy.forms.items())
    ]
    payload = json.dumps(
        [CACHE_FORMAT, spacy.__version__, taxonomy.version, forms, cues.digest_source],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


def default_cache_dirs() -> list[Path]:
    """Where compiled matchers are kept, in order of preference."""
    dirs: list[Path] = []
    if os.environ.get(CACHE_ENV):
        dirs.append(Path(os.environ[CACHE_ENV]))
    dirs.append(Path(__file__).parent / "data" / ".cache")
    xdg = os.environ.get("XDG_CACHE_HOME")
    dirs.append((Path(xdg) if xdg else Path.home() / ".cache") / "ml-role-matcher")
    return dirs


def _cache_file(directory: Path, key: str) -> Path:
    return directory / f"extractor-{key}.pickle"


def _load_compiled(dirs: Sequence[Path], key: str) -> _Compiled | None:
    for directory in dirs:
        path = _cache_file(directory, key)
        if not path.is_file():
            continue
        try:
            with path.open("rb") as handle:
                loaded = pickle.load(handle)
        except Exception as exc:  # a stale or truncated cache is rebuilt, never fatal
            log.warning("ignoring unreadable extractor cache %s: %s", path, exc)
            continue
        if isinstance(loaded, _Compiled):
            return loaded
    return None


def _store_compiled(dirs: Sequence[Path], key: str, compiled: _Compiled) -> Path | None:
    data = pickle.dumps(compiled, protocol=pickle.HIGHEST_PROTOCOL)
    for directory in dirs:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            handle, tmp_name = tempfile.mkstemp(dir=directory, suffix=".tmp")
            with os.fdopen(handle, "wb") as tmp:
                tmp.write(data)
            target = _cache_file(directory, key)
            os.replace(tmp_name, target)  # atomic: readers see the old file or the new one
            return target
        except OSError:
            continue  # read-only install or home: try the next place, else stay in memory
    return None


# ----------------------------------------------------------------------------- text handling


@dataclass(frozen=True, slots=True)
class _NormalisedText:
    """The text with each whitespace run as one space, and the way back to the original."""

    text: str
    anchors: tuple[int, ...]  # normalised offsets where the shift to the original changes
    shifts: tuple[int, ...]  # original offset minus normalised offset from that anchor on
    breaks: tuple[int, ...]  # normalised offsets of spaces that stand for line breaks
    blank_breaks: frozenset[int]  # the subset that stood for a blank line

    def to_original(self, offset: int) -> int:
        at = bisect.bisect_right(self.anchors, offset) - 1
        return offset + (self.shifts[at] if at >= 0 else 0)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.breaks, offset)

    def crosses_blank_line(self, start: int, end: int) -> bool:
        first = bisect.bisect_left(self.breaks, start)
        last = bisect.bisect_left(self.breaks, end)
        return any(self.breaks[i] in self.blank_breaks for i in range(first, last))


def normalise_whitespace(text: str) -> _NormalisedText:
    """Collapse whitespace runs to single spaces, remembering line breaks and offsets."""
    pieces: list[str] = []
    anchors: list[int] = []
    shifts: list[int] = []
    breaks: list[int] = []
    blank: set[int] = set()
    cursor = 0
    removed = 0
    for run in _NON_WS_SPACE.finditer(text):
        start, end = run.span()
        # a run that touches a single space on either side absorbs it
        if start > 0 and text[start - 1] == " ":
            start -= 1
        if end < len(text) and text[end] == " ":
            end += 1
        if start < cursor:
            start = cursor
        pieces.append(text[cursor:start])
        norm_space = start - removed
        pieces.append(" ")
        newlines = text.count("\n", start, end)
        if newlines:
            breaks.append(norm_space)
            if newlines > 1:
                blank.add(norm_space)
        removed += end - start - 1
        anchors.append(norm_space + 1)
        shifts.append(removed)
        cursor = end
    pieces.append(text[cursor:])
    return _NormalisedText(
        text="".join(pieces),
        anchors=tuple(anchors),
        shifts=tuple(shifts),
        breaks=tuple(breaks),
        blank_breaks=frozenset(blank),
    )


# ----------------------------------------------------------------------------- the extractor


@dataclass(slots=True)
class _Candidate:
    start: int  # token index
    end: int  # token index, exclusive
    key: str
    match: MatchKind = "exact"
    score: float = 100.0
    char_start: int = 0  # normalised offsets, filled in by _locate
    char_end: int = 0


@dataclass(slots=True)
class _Accepted:
    candidate: _Candidate
    node_id: str | None  # None until an ambiguous form is resolved
    form: SurfaceForm


class SkillExtractor:
    """Turns an ExtractedDocument into skill mentions; build once per taxonomy and reuse."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        *,
        cues: ExtractionCues | None = None,
        cache_dirs: Sequence[Path] | None = None,
        use_cache: bool = True,
    ) -> None:
        self.taxonomy = taxonomy
        self.cues = cues or load_cues()
        self.cache_key = compiled_key(taxonomy, self.cues)
        dirs = list(cache_dirs) if cache_dirs is not None else default_cache_dirs()
        compiled = _load_compiled(dirs, self.cache_key) if use_cache else None
        self.loaded_from_cache = compiled is not None
        self.cache_path: Path | None = None
        if compiled is None:
            compiled = _compile(taxonomy, self.cues)
            if use_cache:
                self.cache_path = _store_compiled(dirs, self.cache_key, compiled)
        self._compiled = compiled
        self._nlp = compiled.nlp
        strings = self._nlp.vocab.strings
        self._labels: dict[int, str] = {strings.add(key): key for key in taxonomy.forms}
        self._cue_by_label: dict[int, Cue] = {
            strings.add(_cue_label(cue)): cue for cue in self.cues.cues
        }
        self._ordinary = frozenset(self.cues.ordinary_words | STOP_WORDS)

    # ------------------------------------------------------------------ public

    def extract(
        self, doc: ExtractedDocument, positions: Sequence[Position] = ()
    ) -> tuple[SkillMention, ...]:
        """Every skill mention in the document, in text order, with its evidence."""
        norm = normalise_whitespace(doc.text)
        tokens = self._nlp.make_doc(norm.text)
        run = _Run(self, doc, norm, tokens, positions)
        return run.mentions()

    def known_forms(self, text: str) -> tuple[str, ...]:
        """Surface-form keys that occur in ``text`` as whole tokens (exact, case rules kept)."""
        tokens = self._nlp.make_doc(normalise_whitespace(text).text)
        found: list[str] = []
        for matcher in (self._compiled.plain, self._compiled.cased):
            found.extend(self._labels[match_id] for match_id, _, _ in matcher(tokens))
        return tuple(dict.fromkeys(found))

    def extract_text(self, text: str) -> tuple[SkillMention, ...]:
        """Convenience for tests and tools: the text as one OTHER section."""
        document = ExtractedDocument.model_validate(
            {
                "info": {"media_type": "txt", "characters": len(text)},
                "text": text,
                "sections": [{"kind": "other", "start": 0, "end": len(text)}],
            }
        )
        return self.extract(document)


class _Run:
    """The state of one extraction; methods are steps, in the order ``mentions`` calls them."""

    def __init__(
        self,
        extractor: SkillExtractor,
        doc: ExtractedDocument,
        norm: _NormalisedText,
        tokens: Doc,
        positions: Sequence[Position],
    ) -> None:
        self.x = extractor
        self.doc = doc
        self.norm = norm
        self.tokens = tokens
        self.positions = sorted(positions, key=lambda p: (p.start, -p.end))
        self.section_starts = [s.start for s in doc.sections]
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", doc.text))]
        self._shapes: dict[int, LineShape] = {}

    # ------------------------------------------------------------------ steps

    def mentions(self) -> tuple[SkillMention, ...]:
        candidates = self._exact_candidates()
        covered = bytearray(len(self.tokens))
        for cand in candidates:
            covered[cand.start : cand.end] = b"\x01" * (cand.end - cand.start)
        candidates.extend(self._versioned_candidates(covered))
        candidates.extend(self._fuzzy_candidates(covered))
        chosen = self._longest_first(candidates)
        kept = [c for c in chosen if not self._is_job_title(c)]
        accepted = self._apply_guards(kept)
        exact_spans = [(c.start, c.end) for c in candidates if c.match == "exact"]
        assertions = self._assertions(accepted, exact_spans)
        return tuple(
            self._to_mention(item, assertions.get(item.candidate.start, "asserted"))
            for item in accepted
            if item.node_id is not None
        )

    def _exact_candidates(self) -> list[_Candidate]:
        found: dict[tuple[int, int, str], _Candidate] = {}
        labels = self.x._labels
        for matcher in (self.x._compiled.plain, self.x._compiled.cased):
            for match_id, start, end in matcher(self.tokens):
                key = labels[match_id]
                found.setdefault((start, end, key), _Candidate(start, end, key))
        located = [self._locate(c) for c in found.values()]
        return [c for c in located if not self.norm.crosses_blank_line(c.char_start, c.char_end)]

    def _versioned_candidates(self, covered: bytearray) -> list[_Candidate]:
        """Tokens like "Python3.11" or "PHP5": a one-token form plus a version number."""
        forms = self.x.taxonomy.forms
        single = self.x._compiled.single_token_forms
        found: list[_Candidate] = []
        for token in self.tokens:
            if covered[token.i] or not token.text[-1].isdigit() and token.text[-1] not in "xX+":
                continue
            versioned = _VERSIONED.match(token.text)
            if versioned is None:
                continue
            stem = versioned.group("stem")
            key = normalize_form(stem)
            form = forms.get(key)
            if form is None or key not in single or len(key) < 2:
                continue
            if form.case_sensitive and stem != form.text:
                continue
            found.append(self._locate(_Candidate(token.i, token.i + 1, key)))
        return found

    def _fuzzy_candidates(self, covered: bytearray) -> list[_Candidate]:
        by_initial = self.x._compiled.fuzzy_by_initial
        grams = self._ngrams(covered)
        grouped: dict[str, list[str]] = {}
        for text in grams:
            if text[0] in by_initial:
                grouped.setdefault(text[0], []).append(text)
        found: list[_Candidate] = []
        for initial, queries in grouped.items():
            choices = by_initial[initial]
            distances = cdist(
                queries, choices, scorer=OSA.distance, score_cutoff=MAX_FUZZY_EDITS, workers=1
            )
            for row, query in enumerate(queries):
                best = _best_fuzzy(query, choices, distances[row])
                if best is None:
                    continue
                key, score = best
                for start, end in grams[query]:
                    found.append(self._locate(_Candidate(start, end, key, "fuzzy", score)))
        return found

    def _ngrams(self, covered: bytearray) -> dict[str, list[tuple[int, int]]]:
        """Lower-cased 1-3 token n-grams that could be a typo of a form.

        An n-gram may include words of an exact match as long as it reaches beyond it
        ("scikit-lean" holds the exact "scikit"): the longer match wins later if it is good.
        """
        tokens = self.tokens
        text = self.norm.text
        ordinary = self.x._ordinary
        grams: dict[str, list[tuple[int, int]]] = {}
        count = len(tokens)
        for i in range(count):
            first = tokens[i]
            if not first.is_alpha or first.lower_ in STOP_WORDS:
                continue
            line = self.norm.line_of(first.idx) if self.norm.breaks else 0
            all_covered = True
            for size in range(1, MAX_NGRAM + 1):
                j = i + size - 1
                if j >= count:
                    break
                all_covered = all_covered and bool(covered[j])
                if all_covered:
                    continue
                last = tokens[j]
                if not _ngram_token(last, inner=False) and not _ngram_token(last, inner=True):
                    break
                if self.norm.breaks and self.norm.line_of(last.idx) != line:
                    break
                if not _ngram_token(last, inner=False) or last.lower_ in STOP_WORDS:
                    continue
                gram = text[first.idx : last.idx + len(last)].lower()
                if len(gram) < MIN_FUZZY_LENGTH or gram in ordinary:
                    continue
                grams.setdefault(gram, []).append((i, j + 1))
        return grams

    def _locate(self, cand: _Candidate) -> _Candidate:
        first = self.tokens[cand.start]
        last = self.tokens[cand.end - 1]
        cand.char_start = first.idx
        cand.char_end = last.idx + len(last)
        return cand

    @staticmethod
    def _longest_first(candidates: list[_Candidate]) -> list[_Candidate]:
        """Keep non-overlapping candidates, preferring longer, then exact, then earlier."""
        ranked = sorted(
            candidates,
            key=lambda c: (
                -(c.char_end - c.char_start),
                c.match != "exact",
                -c.score,
                c.start,
                c.key,
            ),
        )
        taken: set[int] = set()
        chosen: list[_Candidate] = []
        for cand in ranked:
            span = range(cand.start, cand.end)
            if any(i in taken for i in span):
                continue
            taken.update(span)
            chosen.append(cand)
        chosen.sort(key=lambda c: c.start)
        return chosen

    def _is_job_title(self, cand: _Candidate) -> bool:
        """ "Python Developer", "Machine Learning Engineer": a role, not a skill mention."""
        if cand.end >= len(self.tokens):
            return False
        follower = self.tokens[cand.end]
        if self._line_break_between(cand.end - 1, cand.end):
            return False
        return follower.lower_ in self.x.cues.role_nouns

    def _apply_guards(self, chosen: list[_Candidate]) -> list[_Accepted]:
        forms = self.x.taxonomy.forms
        plain = [
            _Accepted(c, forms[c.key].node_ids[0] if not forms[c.key].ambiguous else None, forms[c.key])
            for c in chosen
        ]
        anchors = sorted(a.candidate.start for a in plain if not a.form.needs_context)
        accepted: list[_Accepted] = []
        for item in plain:
            if item.form.needs_context and not self._context_supports(item.candidate, anchors):
                continue
            accepted.append(item)
        for item in accepted:
            if item.form.ambiguous:
                item.node_id = self._resolve_sense(item, accepted)
        return accepted

    def _context_supports(self, cand: _Candidate, anchors: list[int]) -> bool:
        if self._looks_ordinary(cand):
            return False
        if self._in_skill_list(cand):
            return True
        low = bisect.bisect_left(anchors, cand.start - CONTEXT_WINDOW)
        return low < len(anchors) and anchors[low] <= cand.start + CONTEXT_WINDOW

    def _looks_ordinary(self, cand: _Candidate) -> bool:
        """ "go to", "to excel", "Spark-based"... the everyday word, not the tool."""
        tokens = self.tokens
        cues = self.x.cues
        if cand.end < len(tokens) and not self._line_break_between(cand.end - 1, cand.end):
            nxt = tokens[cand.end]
            if nxt.lower_ in cues.ordinary_followers:
                return True
            if nxt.text in {"-", "."} and not tokens[cand.end - 1].whitespace_:
                after = tokens[cand.end + 1] if cand.end + 1 < len(tokens) else None
                if after is not None and not nxt.whitespace_ and after.is_alpha:
                    return True  # "C-level", "Go-live", "R. Kumar"
        if cand.start > 0 and not self._line_break_between(cand.start - 1, cand.start):
            prev = tokens[cand.start - 1]
            if prev.lower_ in cues.ordinary_preceders:
                return True
            if prev.text == "-" and not prev.whitespace_ and cand.start > 1:
                return tokens[cand.start - 2].is_alpha and not tokens[cand.start - 2].whitespace_
        return False

    def _in_skill_list(self, cand: _Candidate) -> bool:
        start = self.norm.to_original(cand.char_start)
        if self._section_at(start).kind is SectionKind.SKILLS:
            return True
        shape = self._shape_at(start)
        return is_list_label(shape.label, self.x.cues.list_labels)

    def _resolve_sense(self, item: _Accepted, accepted: list[_Accepted]) -> str | None:
        """Pick the node of an ambiguous form whose category or lineage nearby mentions share."""
        taxonomy = self.x.taxonomy
        near = [
            other.node_id
            for other in accepted
            if other is not item
            and other.node_id is not None
            and abs(other.candidate.start - item.candidate.start) <= SENSE_WINDOW
        ]
        scores: dict[str, int] = {}
        for node_id in item.form.node_ids:
            node = taxonomy.nodes[node_id]
            family = {node_id, *taxonomy.ancestors(node_id)}
            score = 0
            for other_id in near:
                other = taxonomy.nodes[other_id]
                if other.category == node.category:
                    score += 1
                if family & {other_id, *taxonomy.ancestors(other_id)}:
                    score += 1
            scores[node_id] = score
        best = max(scores.values())
        winners = [n for n, s in scores.items() if s == best]
        if best > 0 and len(winners) == 1:
            return winners[0]
        return item.form.default

    # ------------------------------------------------------------------ assertions

    def _assertions(
        self, accepted: list[_Accepted], exact_spans: list[tuple[int, int]]
    ) -> dict[int, Assertion]:
        """Negation/aspiration per mention (keyed by start token) from cue phrases in its clause."""
        matches = self.x._compiled.cues(self.tokens)
        if not matches:
            return {}
        inside_skill = bytearray(len(self.tokens))
        for start, end in exact_spans:
            inside_skill[start:end] = b"\x01" * (end - start)
        starts = {item.candidate.start: item.candidate for item in accepted}
        ends = {item.candidate.end: item.candidate for item in accepted}
        result: dict[int, Assertion] = {}
        for label, start, end in matches:
            if any(inside_skill[start:end]):
                continue  # "learning" inside "machine learning" is no cue
            cue = self.x._cue_by_label[label]
            if cue.direction == "before":
                governed = self._scan_forward(end, cue.gap, starts)
            else:
                governed = self._scan_backward(start, cue.gap, ends)
            for cand in governed:
                result.setdefault(cand.start, cue.kind)
        return result

    def _is_clause_end(self, index: int) -> bool:
        token = self.tokens[index]
        return token.text in _CLAUSE_ENDS or token.lower_ in self.x.cues.scope_breakers

    def _scan_forward(
        self, index: int, gap: int, starts: dict[int, _Candidate]
    ) -> Iterator[_Candidate]:
        connectors = self.x.cues.list_connectors
        skipped = 0
        chained = False
        while index < len(self.tokens):
            if index > 0 and self._line_break_between(index - 1, index):
                return
            cand = starts.get(index)
            if cand is not None:
                yield cand
                chained = True
                index = cand.end
                continue
            if self._is_clause_end(index):
                return
            if chained:
                if self.tokens[index].lower_ not in connectors:
                    return
            else:
                skipped += 1
                if skipped > gap:
                    return
            index += 1

    def _scan_backward(
        self, index: int, gap: int, ends: dict[int, _Candidate]
    ) -> Iterator[_Candidate]:
        connectors = self.x.cues.list_connectors
        skipped = 0
        chained = False
        while index > 0:
            if self._line_break_between(index - 1, index):
                return
            cand = ends.get(index)
            if cand is not None:
                yield cand
                chained = True
                index = cand.start
                continue
            if self._is_clause_end(index - 1):
                return
            if chained:
                if self.tokens[index - 1].lower_ not in connectors:
                    return
            else:
                skipped += 1
                if skipped > gap:
                    return
            index -= 1

    # ------------------------------------------------------------------ building the result

    def _to_mention(self, item: _Accepted, assertion: Assertion) -> SkillMention:
        cand = item.candidate
        assert item.node_id is not None
        start = self.norm.to_original(cand.char_start)
        end = self.norm.to_original(cand.char_end - 1) + 1
        section = self._section_at(start)
        position = self._position_at(start)
        shape = self._shape_at(start)
        line_start = self.line_starts[bisect.bisect_right(self.line_starts, start) - 1]
        context = mention_context(
            shape,
            start - line_start,
            in_skills_section=section.kind is SectionKind.SKILLS,
            list_label=is_list_label(shape.label, self.x.cues.list_labels),
        )
        return SkillMention.model_construct(
            node_id=item.node_id,
            name=self.x.taxonomy.nodes[item.node_id].name,
            text=self.doc.text[start:end],
            start=start,
            end=end,
            section=section.kind,
            position_index=position.index if position else None,
            dates=position.dates if position else None,
            context=context,
            assertion=assertion,
            match=cand.match,
            score=round(cand.score, 1),
        )

    # ------------------------------------------------------------------ lookups

    def _line_break_between(self, left: int, right: int) -> bool:
        if not self.norm.breaks:
            return False
        a = self.tokens[left]
        b = self.tokens[right]
        return self.norm.line_of(a.idx) != self.norm.line_of(b.idx)

    def _section_at(self, offset: int) -> Section:
        sections = self.doc.sections
        if not sections:
            return _WHOLE_TEXT
        at = bisect.bisect_right(self.section_starts, offset) - 1
        return sections[max(at, 0)]

    def _position_at(self, offset: int) -> Position | None:
        inside = [p for p in self.positions if p.start <= offset < p.end]
        return min(inside, key=lambda p: p.end - p.start) if inside else None

    def _shape_at(self, offset: int) -> LineShape:
        at = bisect.bisect_right(self.line_starts, offset) - 1
        shape = self._shapes.get(at)
        if shape is None:
            start = self.line_starts[at]
            end = self.doc.text.find("\n", start)
            line = self.doc.text[start : end if end >= 0 else len(self.doc.text)]
            shape = line_shape(line, self.x.cues.verb_hints)
            self._shapes[at] = shape
        return shape


_WHOLE_TEXT = Section(kind=SectionKind.OTHER, start=0, end=0)


def _ngram_token(token: Any, *, inner: bool) -> bool:
    """Word-like tokens may start or end an n-gram; joiners only sit inside one."""
    if inner:
        return token.text in {"-", ".", "+", "#"} and not token.whitespace_
    return bool(token.is_alpha or (token.text[:1].isalpha() and any(ch.isalpha() for ch in token.text)))


def _allowed_edits(form_key: str) -> int:
    length = len(form_key)
    if length >= 10:
        return 2
    return 1


def _best_fuzzy(query: str, choices: tuple[str, ...], row: Any) -> tuple[str, float] | None:
    best: tuple[int, str] | None = None
    for col, distance in enumerate(row):
        distance = int(distance)
        if distance == 0 or distance > MAX_FUZZY_EDITS:
            continue
        key = choices[col]
        if distance > _allowed_edits(key):
            continue
        if len(key) <= 6 and not _is_swap(query, key):
            continue
        if best is None or distance < best[0]:
            best = (distance, key)
    if best is None:
        return None
    distance, key = best
    score = 100.0 * (1.0 - distance / max(len(query), len(key)))
    return key, score


def _is_swap(a: str, b: str) -> bool:
    """True when b is a with two neighbouring characters exchanged."""
    if len(a) != len(b):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


# ----------------------------------------------------------------------------- shared instances

_LOCK = threading.Lock()
_EXTRACTORS: dict[int, tuple[Taxonomy, SkillExtractor]] = {}


def get_extractor(taxonomy: Taxonomy | None = None) -> SkillExtractor:
    """The extractor for a taxonomy (the shipped one when None), built once per process."""
    taxonomy = taxonomy or load_taxonomy()
    with _LOCK:
        cached = _EXTRACTORS.get(id(taxonomy))
        if cached is not None and cached[0] is taxonomy:
            return cached[1]
        extractor = SkillExtractor(taxonomy)
        _EXTRACTORS[id(taxonomy)] = (taxonomy, extractor)
        return extractor

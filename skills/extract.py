"""Find skill mentions in resume text and map them to taxonomy nodes, with evidence.

    ExtractedDocument.text -> whitespace-normalised copy (offsets mapped back)
      -> spaCy blank("en") tokens -> PhraseMatcher (LOWER) + PhraseMatcher (ORTH, case-sensitive)
      + versioned tokens ("Python3.11", "PHP5") + typo matches ("Pytroch", see skills/fuzzy.py)
      -> longest match wins -> guards (job titles, context-needing words, ambiguous forms)
      -> SkillMention(node, offsets, section, position, list/prose, asserted/negated/aspirational)

Decisions worth knowing:
- The tokenizer has no special cases: any special case ("\\n", "don't", "e.g.") switches off
  spaCy's tokenizer cache for the rest of a document (spaCy issue #13950), which made
  tokenising a resume ten times slower. Resume matching needs none of them. Infixes are added
  so "Java(8 years)", "Python;SQL" and "Java-8" split into words.
- Every whitespace run becomes one space before tokenising, so a name wrapped onto the next
  line ("machine\\nlearning") still matches; a match across a blank line is dropped.
- A skill name right before a role noun ("Python Developer", "Machine Learning Engineer") or
  after a title and a dash ("Application Developer - SAP ABAP") is a job title: it claims a
  role and is not evidence of the skill, so it is not reported. The position's own lines are
  where the evidence is. Signal phrases and leadership forms are exempt ("Tech lead for ...").
- Signal phrases (taxonomy ``signal_phrases``: "mentored", "led a team of") are reported with
  ``kind="signal"``; names with ``kind="skill"``.
- A name followed by a company's legal form ("Oracle Inc", "Oracle India Pvt Ltd"), or
  opening a line "Name - City, Region", is an employer, not a skill; a capitalised name joined
  to a degree subject on a degree line ("Computer and Communication") is no skill either.
- Forms marked ``needs_context`` ("R", "Go", "Spark", "Excel") count only in a skills section,
  on a line labelled as a list of skills ("Tools: ..."), as a whole item of a list of three or
  more ("Word, Excel, PowerPoint", not under "Hobbies"), or with a technical mention within
  a few tokens of the same sentence (leadership and education mentions do not vouch); and
  never when a neighbouring word shows the everyday sense ("go to", "excel at", "C-level").
- Case-sensitive forms of three or more letters also match in other casing inside a skills
  section or labelled list ("EXCEL (2 years)", "excel"); elsewhere casing must agree.
- An ambiguous form (claimed by several nodes) takes the node whose category or lineage the
  nearby mentions share; failing that the declared ``default``; failing that it is dropped.
- Word lists (cues, role nouns, ordinary words) are data: ``skills/data/extraction.yaml``.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import operator
import os
import pickle
import re
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import spacy
from spacy import about as spacy_about
from spacy.attrs import IDX, IS_ALPHA, IS_STOP, LENGTH
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.util import compile_infix_regex

from matcher.models import (
    Assertion,
    DateRange,
    ExtractedDocument,
    MatchKind,
    Position,
    Section,
    SectionKind,
    SkillMention,
)
from skills import fuzzy as fuzzy_module
from skills.context import (
    Cue,
    ExtractionCues,
    LineShape,
    is_list_label,
    line_shape,
    load_cues,
    mention_context,
)
from skills.fuzzy import MIN_FUZZY_LENGTH, FuzzyIndex, english_word_hashes
from skills.names import (
    Tokens,
    after_title_head,
    before_title_word,
    in_organisation_name,
    is_bracketed_letter,
)
from skills.taxonomy import (
    CACHE_ENV,
    SurfaceForm,
    Taxonomy,
    default_cache_dirs,
    load_taxonomy,
    normalize_form,
)

__all__ = [
    "CACHE_ENV",
    "SkillExtractor",
    "default_cache_dirs",
    "get_extractor",
    "make_tokenizer_pipeline",
    "normalise_whitespace",
]

log = logging.getLogger(__name__)

CACHE_FORMAT = 3  # bump whenever the compiled layout or the pattern rules change
CACHE_KEEP = 4  # compiled matchers kept per cache directory (the shipped one plus custom ones)
CONTEXT_WINDOW = 8  # tokens either side in which a plain mention vouches for a context-needing one
SENSE_WINDOW = 25  # tokens either side whose mentions choose the sense of an ambiguous form
MAX_NGRAM = 3
MIN_LIST_ITEMS = 3  # items a line needs before a bare item counts as a listed skill
MIN_LOOSE_LENGTH = 3  # case-sensitive forms this long may match in any casing in a skills list
COMPANY_LOOKAHEAD = 2  # capitalised words allowed between a name and "Ltd"
TOKENIZER_CACHE_SIZE = 100_000  # spaCy's default of 10,000 fills within a few hundred resumes
MAX_PLACE_TOKENS = 6  # "Bengaluru, Karnataka, India" after "Oracle -"
MAX_DEGREE_LINE_TOKENS = 20  # a degree line is short: "B.E. in Computer and Communication, 2005"
MIN_SEED_LENGTH = 4  # shorter unknown words ("ms", "g") are abbreviations, not typos

_CLAUSE_ENDS = frozenset({".", "!", "?", ";", "•", "|", ":"})
_SENTENCE_ENDS = frozenset({".", "!", "?", "•", ";"})
_ITEM_TRIM = " \t.:*-–\"'"
_LINE_PUNCTUATION = frozenset({".", ";", ":", "•", "*", "-", "–", "+"})
_NGRAM_JOINERS = frozenset({"-"})
_EXTRA_INFIXES = (r"[()\[\]{};|•/]", r"(?<=[A-Za-z])-(?=\d)")
# spaCy's URL pattern also takes "node.js/Javascript" for a link; a link needs a scheme, "www."
# or a common top-level domain before its path, so tool names with dots split again.
_URLISH = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://|www\.)|"
    r"\.(?:com|org|net|io|in|co|edu|gov|ai|dev|me|uk|us|de|fr|info|biz|app|tech|ca|au|ly|gl)"
    r"(?:[/:?#]|$)",
    re.IGNORECASE,
)
# "Python3.11", "PHP5", "Java-8", "C++11", "TF2": a known name followed by a version number.
_VERSIONED = re.compile(r"^(?P<stem>.*?[A-Za-z+#])[-_]?[vV]?\d+(?:\.\d+)*[xX+]?$")
# A whitespace run other than one plain space: two or more whitespace characters (the scan
# meets a run at its first character, and "\s+" takes it to its end), or one that is not a
# space. It opens with a character class, so the regex engine skips to whitespace quickly.
_WHITESPACE_RUN = re.compile(r"\s(?:\s+|(?<=[^ ]))")
_TITLE_DASHES = frozenset({"-", "–", "—"})
_SUBJECT_JOINERS = frozenset({"and", "&"})
_EDUCATION = "education"  # the taxonomy category of degrees and fields of study
_LEADERSHIP = "leadership"  # soft skills, collaboration and leadership
# Degrees and credentials are named on purpose: "Master of Statistics", "PMI ... Professional".
_NAME_EXEMPT = frozenset({_EDUCATION, "certifications"})
_DEGREE_JOINERS = frozenset({"in", "of"})
# "Python - Advanced, Expert" rates a skill; it is no employer and place.
_PROFICIENCY = frozenset(
    {"advanced", "intermediate", "expert", "beginner", "basic", "proficient", "familiar", "good"}
)
# A cited paper: "(2019)", "2019." after an author list, or "et al".
_CITATION = re.compile(r"\((?:19|20)\d\d[a-z]?\)|\bet al\b|,\s(?:19|20)\d\d\.")
_MAJOR_VERSION = re.compile(r"\d+")


def _plausible_version(suffix: str) -> bool:
    """ "3.11", "5", "11", "2019" are versions; "901" in "ASR901" is a model number."""
    found = _MAJOR_VERSION.search(suffix)
    if found is None:
        return False
    major = found.group()
    return len(major) <= 2 or (len(major) == 4 and major[:2] in {"19", "20"})


# ----------------------------------------------------------------------------- compiled matcher


def _tokenizer(nlp: Language) -> Any:
    """spaCy types ``Language.tokenizer`` as a plain callable; it is a ``Tokenizer``."""
    return nlp.tokenizer


def make_tokenizer_pipeline() -> Language:
    """The blank English pipeline with the tokenizer changes described in the module doc."""
    nlp = spacy.blank("en")
    tokenizer = _tokenizer(nlp)
    tokenizer.rules = {}
    infixes = [*(nlp.Defaults.infixes or ()), *_EXTRA_INFIXES]
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    tokenizer.url_match = _url_match
    # Documents bring new words all the time; past the cache size spaCy stops caching them.
    tokenizer.max_cache_size = TOKENIZER_CACHE_SIZE
    # spaCy's 1M-character guard protects parsers and taggers; a tokenizer-only pipeline is
    # linear, and ingestion caps the text (IngestLimits.max_chars) before it gets here.
    nlp.max_length = 50_000_000
    return nlp


_SPACY_URL_MATCH = _tokenizer(spacy.blank("en")).url_match


def _url_match(text: str) -> re.Match[str] | None:
    """spaCy's URL test, narrowed by ``_URLISH`` (module level so the tokenizer pickles)."""
    found = _SPACY_URL_MATCH(text) if _SPACY_URL_MATCH is not None else None
    return found if found is not None and _URLISH.search(text) else None


@dataclass(slots=True)
class _Compiled:
    """Everything built from a taxonomy and the word lists; cached to disk as one pickle."""

    nlp: Language
    # attr LOWER, one pass over a document for three kinds of pattern, told apart by match key:
    # every form that is not case-sensitive (_SKILL_KEY), case-sensitive forms of 3+ letters in
    # any casing (_LOOSE_KEY), negation and aspiration cues (_CUE_KEY)
    lower: PhraseMatcher
    cased: PhraseMatcher  # attr ORTH: case-sensitive forms exactly as written
    plain_keys: dict[tuple[str, ...], str]  # lower-cased tokens of a match -> form key
    cased_keys: dict[tuple[str, ...], str]  # tokens as written -> form key
    loose_keys: dict[tuple[str, ...], str]  # lower-cased tokens -> case-sensitive form key
    cue_keys: dict[tuple[str, ...], tuple[Cue, ...]]
    fuzzy: FuzzyIndex
    single_token_forms: frozenset[str]  # keys that are one token (stems for "Python3.11")


def _pattern_docs(nlp: Language, form: SurfaceForm, key: str) -> list[Doc]:
    """Token patterns for a form: as written, plus the normalised key when it splits
    differently (NFKC can change a character: "R²" -> "r2"). Casing never changes the split:
    the tokenizer has no special cases."""
    docs = [nlp.make_doc(form.text)]
    if not form.case_sensitive:
        keyed = nlp.make_doc(key)
        if [t.lower_ for t in keyed] != [t.lower_ for t in docs[0]]:
            docs.append(keyed)
    return docs


def _fuzzy_eligible(form: SurfaceForm, key: str) -> bool:
    return (
        form.fuzzy
        and not form.signal  # behaviour phrases: "Supervine Motors" is no "supervise"
        and not form.case_sensitive
        and not form.needs_context
        and len(key) >= MIN_FUZZY_LENGTH
        and key[0].isalpha()
    )


# Patterns share a few match keys and the form is looked up from the matched tokens: one key
# per form made spaCy create a lexeme per key when the pickled matcher was loaded, which cost
# most of the load time.
_SKILL_KEY = "SKILL"
_LOOSE_KEY = "LOOSE"
_CUE_KEY = "CUE"
# PhraseMatcher reports a match key as its string id (a hash: the same after unpickling)
_SKILL_ID = get_string_id(_SKILL_KEY)
_LOOSE_ID = get_string_id(_LOOSE_KEY)
_CUE_ID = get_string_id(_CUE_KEY)


def _compile(taxonomy: Taxonomy, cues: ExtractionCues) -> _Compiled:
    nlp = make_tokenizer_pipeline()
    lower = PhraseMatcher(nlp.vocab, attr="LOWER")
    cased = PhraseMatcher(nlp.vocab, attr="ORTH")
    loose_keys: dict[tuple[str, ...], str] = {}
    plain_keys: dict[tuple[str, ...], str] = {}
    cased_keys: dict[tuple[str, ...], str] = {}
    single: set[str] = set()
    for key, form in sorted(taxonomy.forms.items()):
        docs = _pattern_docs(nlp, form, key)
        matcher, keys = (cased, cased_keys) if form.case_sensitive else (lower, plain_keys)
        matcher.add(_SKILL_KEY, docs)
        for doc in docs:
            tokens = tuple(t.text if form.case_sensitive else t.lower_ for t in doc)
            kept = keys.setdefault(tokens, key)
            if taxonomy.forms[kept].node_ids != form.node_ids:
                log.warning("forms %r and %r tokenise alike; keeping the first", kept, key)
        if form.case_sensitive and len(key) >= MIN_LOOSE_LENGTH:
            # "EXCEL (2 years)" or "excel" in a skills list still names the tool
            lower.add(_LOOSE_KEY, docs)
            loose_keys.setdefault(tuple(t.lower_ for t in docs[0]), key)
        if len(docs[0]) == 1:
            single.add(key)
    cue_keys: dict[tuple[str, ...], tuple[Cue, ...]] = {}
    for cue in cues.cues:
        doc = nlp.make_doc(cue.text)
        lower.add(_CUE_KEY, [doc])
        tokens = tuple(t.lower_ for t in doc)
        cue_keys[tokens] = (*cue_keys.get(tokens, ()), cue)
    # Building patterns filled the tokenizer cache with alias pieces; documents need the room.
    tokenizer = _tokenizer(nlp)
    tokenizer.infix_finditer = tokenizer.infix_finditer  # the setter empties the cache
    fuzzy = FuzzyIndex.build(
        (k for k, f in taxonomy.forms.items() if _fuzzy_eligible(f, k)),
        ordinary=frozenset(cues.ordinary_words | STOP_WORDS),
        english=english_word_hashes(),
    )
    return _Compiled(
        nlp=nlp,
        lower=lower,
        cased=cased,
        plain_keys=plain_keys,
        cased_keys=cased_keys,
        loose_keys=loose_keys,
        cue_keys=cue_keys,
        fuzzy=fuzzy,
        single_token_forms=frozenset(single),
    )


def _code_digest() -> str:
    """The source of the modules that build the compiled matcher: edits invalidate the cache."""
    digest = hashlib.sha256()
    for module in (__file__, fuzzy_module.__file__):
        digest.update(Path(module).read_bytes())
    return digest.hexdigest()


def compiled_key(taxonomy: Taxonomy, cues: ExtractionCues) -> str:
    """Content hash of everything the compiled matcher depends on."""
    forms = [
        (k, f.text, f.node_ids, f.case_sensitive, f.needs_context, f.fuzzy, f.default, f.signal)
        for k, f in sorted(taxonomy.forms.items())
    ]
    payload = json.dumps(
        [
            CACHE_FORMAT,
            _code_digest(),
            spacy_about.__version__,
            taxonomy.version,
            forms,
            cues.digest_source,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


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
        tmp_name: str | None = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
            handle, tmp_name = tempfile.mkstemp(dir=directory, suffix=".tmp")
            with os.fdopen(handle, "wb") as tmp:
                tmp.write(data)
            target = _cache_file(directory, key)
            os.replace(tmp_name, target)  # atomic: readers see the old file or the new one
            _prune_cache(directory)
            return target
        except OSError:
            if tmp_name is not None and os.path.exists(tmp_name):
                os.unlink(tmp_name)
            continue  # read-only install or home: try the next place, else stay in memory
    return None


def _prune_cache(directory: Path) -> None:
    """Keep the few newest compiled matchers: each taxonomy or code edit leaves a new one."""
    found = sorted(
        directory.glob("extractor-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for stale in found[CACHE_KEEP:]:
        try:
            stale.unlink()
        except OSError:
            pass  # another process got there first, or the file is not ours to remove


# ----------------------------------------------------------------------------- text handling


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """The text with each whitespace run as one space, and the way back to the original."""

    text: str
    anchors: tuple[int, ...]  # normalised offsets where the shift to the original changes
    shifts: tuple[int, ...]  # original offset minus normalised offset from that anchor on
    breaks: tuple[int, ...]  # normalised offsets of spaces that stand for line breaks
    blank_breaks: frozenset[int]  # the subset that stood for a blank line
    blank_sorted: tuple[int, ...] = ()  # the same offsets in order, for binary search

    def to_original(self, offset: int) -> int:
        at = bisect.bisect_right(self.anchors, offset) - 1
        return offset + (self.shifts[at] if at >= 0 else 0)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.breaks, offset)

    def crosses_blank_line(self, start: int, end: int) -> bool:
        at = bisect.bisect_left(self.blank_sorted, start)
        return at < len(self.blank_sorted) and self.blank_sorted[at] < end


def normalise_whitespace(text: str) -> NormalisedText:
    """Collapse whitespace runs to single spaces, remembering line breaks and offsets."""
    anchors: list[int] = []
    shifts: list[int] = []
    breaks: list[int] = []
    blank: list[int] = []
    pieces: list[str] = []
    cursor = removed = 0
    for run in _WHITESPACE_RUN.finditer(text):
        start, end = run.span()
        pieces.append(text[cursor:start])
        cursor = end
        norm_space = start - removed
        newlines = text.count("\n", start, end)
        if newlines:
            breaks.append(norm_space)
            if newlines > 1:
                blank.append(norm_space)
        removed += end - start - 1
        anchors.append(norm_space + 1)
        shifts.append(removed)
    return NormalisedText(
        text=" ".join([*pieces, text[cursor:]]),
        anchors=tuple(anchors),
        shifts=tuple(shifts),
        breaks=tuple(breaks),
        blank_breaks=frozenset(blank),
        blank_sorted=tuple(blank),  # breaks come in text order
    )


# ----------------------------------------------------------------------------- the extractor


@dataclass(slots=True)
class _Candidate:
    start: int  # token index
    end: int  # token index, exclusive
    char_start: int  # offsets into the normalised text
    char_end: int
    key: str
    match: MatchKind = "exact"
    score: float = 100.0
    loose: bool = False  # a case-sensitive form matched in other casing


@dataclass(slots=True)
class _Accepted:
    candidate: _Candidate
    form: SurfaceForm
    node_id: str | None  # None until an ambiguous form is resolved


@dataclass(frozen=True, slots=True)
class _FormFacts:
    """What the guards ask about a form for each of its candidates, worked out once per form."""

    title_exempt: bool  # a signal phrase, or every node of an exempt category: never a title
    ends_in_role: bool  # the form itself ends with a role noun ("project manager")
    education: bool  # a node is a degree or field of study: a degree line names it
    quiet: bool  # every node is of a non-anchor category: it vouches for no other mention
    name_exempt: bool  # a signal, or a degree/credential: names of those are meant as such
    soft: bool  # a soft skill: "Mentoring Program" names a programme, not the skill


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
        _tokenizer(self._nlp).max_cache_size = TOKENIZER_CACHE_SIZE  # not kept by pickle
        self._lineage: dict[str, frozenset[str]] = {}
        self._form_facts: dict[str, _FormFacts] = {}

    def form_facts(self, key: str) -> _FormFacts:
        """The guards' questions about a form key, answered once (asked for every candidate)."""
        found = self._form_facts.get(key)
        if found is None:
            form, nodes, cues = self.taxonomy.forms[key], self.taxonomy.nodes, self.cues
            categories = [nodes[n].category for n in form.node_ids]
            found = _FormFacts(
                title_exempt=form.signal
                or all(c in cues.title_exempt_categories for c in categories),
                ends_in_role=key.rsplit(" ", 1)[-1] in cues.role_nouns,
                education=_EDUCATION in categories,
                quiet=all(c in cues.non_anchor_categories for c in categories),
                name_exempt=form.signal or all(c in _NAME_EXEMPT for c in categories),
                soft=_LEADERSHIP in categories,
            )
            self._form_facts[key] = found
        return found

    def lineage(self, node_id: str) -> frozenset[str]:
        """The node and its ancestors (memoised: sense resolution asks often)."""
        found = self._lineage.get(node_id)
        if found is None:
            found = frozenset((node_id, *self.taxonomy.ancestors(node_id)))
            self._lineage[node_id] = found
        return found

    def extract(
        self, doc: ExtractedDocument, positions: Sequence[Position] = ()
    ) -> tuple[SkillMention, ...]:
        """Every skill mention in the document, in text order, with its evidence."""
        norm = normalise_whitespace(doc.text)
        return _Run(self, doc, norm, self._nlp.make_doc(norm.text), positions).mentions()

    def extract_text(self, text: str) -> tuple[SkillMention, ...]:
        """The mentions in plain text taken as one OTHER section (for tools and tests)."""
        return self.extract(
            ExtractedDocument.model_validate(
                {
                    "info": {"media_type": "txt", "characters": len(text)},
                    "text": text,
                    "sections": [{"kind": "other", "start": 0, "end": len(text)}],
                }
            )
        )

    def known_forms(self, text: str) -> tuple[str, ...]:
        """Surface-form keys that occur in ``text`` as whole tokens (exact, case rules kept)."""
        tokens = self._nlp.make_doc(normalise_whitespace(text).text)
        compiled = self._compiled
        found = [
            compiled.plain_keys[tuple(t.lower_ for t in tokens[s:e])]
            for match_id, s, e in compiled.lower(tokens)
            if match_id == _SKILL_ID
        ]
        found += [
            compiled.cased_keys[tuple(t.text for t in tokens[s:e])]
            for _, s, e in compiled.cased(tokens)
        ]
        return tuple(dict.fromkeys(found))


class _Run:
    """One extraction. Token facts are read once into lists: spaCy Token objects are slow."""

    def __init__(
        self,
        extractor: SkillExtractor,
        doc: ExtractedDocument,
        norm: NormalisedText,
        tokens: Doc,
        positions: Sequence[Position],
    ) -> None:
        self.x = extractor
        self.cues = extractor.cues
        self.doc = doc
        self.norm = norm
        self.tokens = tokens
        self.text = norm.text
        lowered = norm.text.lower()
        # lower() can change the length of a few characters ("İ"); then lower token by token
        self.lower_text = lowered if len(lowered) == len(norm.text) else None
        table = tokens.to_array([IDX, LENGTH, IS_ALPHA, IS_STOP])
        self.table = table  # the same facts as arrays, for whole-document filters
        self.n = len(tokens)
        self.t_start: list[int] = table[:, 0].tolist() if self.n else []
        self.t_end: list[int] = (table[:, 0] + table[:, 1]).tolist() if self.n else []
        self.t_alpha: list[int] = table[:, 2].tolist() if self.n else []
        self.t_stop: list[int] = table[:, 3].tolist() if self.n else []
        source = self.lower_text if self.lower_text is not None else norm.text.lower()
        if self.lower_text is None:
            self.t_lower = [
                norm.text[a:b].lower() for a, b in zip(self.t_start, self.t_end, strict=True)
            ]
        else:
            self.t_lower = [source[a:b] for a, b in zip(self.t_start, self.t_end, strict=True)]
        if norm.breaks and self.n:
            self.line_array = np.searchsorted(np.array(norm.breaks), table[:, 0], side="right")
        else:
            self.line_array = np.zeros(self.n, dtype=np.int64)
        self.t_line: list[int] = self.line_array.tolist()
        self.name_tokens = Tokens(self.text, self.t_start, self.t_end, self.t_lower, self.t_line)
        self.positions = sorted(positions, key=lambda p: (p.start, -p.end))
        self._position_bounds = sorted({b for p in self.positions for b in (p.start, p.end)})
        self._positions_by_stretch: dict[int, Position | None] = {}
        self.section_starts = [s.start for s in doc.sections]
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", doc.text))]
        self._lines: dict[int, tuple[LineShape, int]] = {}
        self._name_lines: dict[int, bool] = {}
        self._chosen_ends: dict[int, int] = {}  # start token -> end token of chosen candidates
        self._labels_seen: dict[str, bool] = {}
        self.cue_matches: list[tuple[int, int]] = []  # (start, end) tokens, found with the names

    # ------------------------------------------------------------------ token facts

    def word(self, i: int) -> str:
        return self.text[self.t_start[i] : self.t_end[i]]

    def lower(self, i: int) -> str:
        return self.t_lower[i]

    def attached(self, left: int, right: int) -> bool:
        """No space between two neighbouring tokens."""
        return self.t_end[left] == self.t_start[right]

    def new_line(self, left: int, right: int) -> bool:
        return self.t_line[left] != self.t_line[right]

    def candidate(self, start: int, end: int, key: str, **kw: object) -> _Candidate:
        return _Candidate(start, end, self.t_start[start], self.t_end[end - 1], key, **kw)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ steps

    def mentions(self) -> tuple[SkillMention, ...]:
        exact = self._exact_candidates()
        covered = bytearray(self.n)
        for cand in exact:
            covered[cand.start : cand.end] = b"\x01" * (cand.end - cand.start)
        candidates = [
            *exact,
            *self._versioned_candidates(covered),
            *self._fuzzy_candidates(covered),
        ]
        chosen = [c for c in _longest_first(candidates) if not self._names_something_else(c)]
        accepted = self._apply_guards(chosen)
        return self._results(accepted, self._assertions(accepted, covered))

    def _names_something_else(self, cand: _Candidate) -> bool:
        """A job title, an employer or the subject of a degree: no evidence of the skill."""
        return (
            self._is_job_title(cand)
            or self._is_company_name(cand)
            or self._is_degree_subject(cand)
            or self._inside_a_name(cand)
        )

    def _inside_a_name(self, cand: _Candidate) -> bool:
        """ "Project Management Institute", "Director of Software Development", "Maths (C)"."""
        facts = self.x.form_facts(cand.key)
        if facts.name_exempt:
            return False
        tokens, names = self.name_tokens, self.cues.names
        return (
            is_bracketed_letter(tokens, cand.start, cand.end)
            or before_title_word(tokens, cand.end, names)
            or after_title_head(tokens, cand.start, names)
            or in_organisation_name(tokens, cand.start, cand.end, names, programme=facts.soft)
        )

    def _exact_candidates(self) -> list[_Candidate]:
        """Names matched as written: plain forms, then case-sensitive ones, then those in other
        casing ("loose"). A matcher reports a span once per pattern key, and plain and
        case-sensitive forms are different forms, so only a loose match can repeat a match
        found already (a case-sensitive form written as it is): then the first one stands."""
        compiled = self.x._compiled
        lowered, t_start, t_end, text = self.t_lower, self.t_start, self.t_end, self.text
        found: list[_Candidate] = []
        loose: list[tuple[int, int]] = []
        for match_id, start, end in compiled.lower(self.tokens):
            if match_id == _LOOSE_ID:
                loose.append((start, end))
            elif match_id == _CUE_ID:
                self.cue_matches.append((start, end))
            else:
                key = compiled.plain_keys[tuple(lowered[start:end])]
                found.append(_Candidate(start, end, t_start[start], t_end[end - 1], key))
        cased: set[tuple[int, int, str]] = set()
        for _, start, end in compiled.cased(self.tokens):
            key = compiled.cased_keys[
                tuple([text[t_start[i] : t_end[i]] for i in range(start, end)])
            ]
            cased.add((start, end, key))
            found.append(_Candidate(start, end, t_start[start], t_end[end - 1], key))
        for start, end in loose:
            key = compiled.loose_keys[tuple(lowered[start:end])]
            if (start, end, key) not in cased:
                found.append(
                    _Candidate(start, end, t_start[start], t_end[end - 1], key, loose=True)
                )
        if not self.norm.blank_breaks:
            return found
        crosses = self.norm.crosses_blank_line
        return [c for c in found if not crosses(c.char_start, c.char_end)]

    def _versioned_candidates(self, covered: bytearray) -> list[_Candidate]:
        """Tokens like "Python3.11" or "PHP5": a one-token form followed by a version."""
        forms = self.x.taxonomy.forms
        single = self.x._compiled.single_token_forms
        text = self.text
        found: list[_Candidate] = []
        for i in self._version_shaped():
            last = text[self.t_end[i] - 1]
            if covered[i] or not (last.isdigit() or last in "xX+"):
                continue
            versioned = _VERSIONED.match(self.word(i))
            if versioned is None or not _plausible_version(self.word(i)[versioned.end("stem") :]):
                continue
            stem = versioned.group("stem")
            key = normalize_form(stem)
            form = forms.get(key)
            if form is None or key not in single or len(key) < 2:
                continue
            if form.case_sensitive and stem != form.text:
                continue
            found.append(self.candidate(i, i + 1, key))
        return found

    def _version_shaped(self) -> list[int]:
        """Tokens that may end in a version: the last character is an ASCII digit, "x", "X",
        "+" or not ASCII (the caller's ``isdigit`` decides), found with one array operation
        rather than a Python loop over every token."""
        if not self.n:
            return []
        codes = np.frombuffer(self.text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        last = codes[self.table[:, 0] + self.table[:, 1] - 1]
        shaped = (last >= 128) | ((last >= ord("0")) & (last <= ord("9")))
        shaped |= (last == ord("x")) | (last == ord("X")) | (last == ord("+"))
        indices: list[int] = np.flatnonzero(shaped).tolist()
        return indices

    def _fuzzy_candidates(self, covered: bytearray) -> list[_Candidate]:
        index = self.x._compiled.fuzzy
        grams = self._typo_ngrams(covered, index)
        hits = index.match(list(grams)) if grams else {}
        found: list[_Candidate] = []
        for gram, spans in grams.items():
            hit = hits.get(gram)
            if hit is not None:
                key, score = hit
                found.extend(
                    self.candidate(s, e, key, match="fuzzy", score=score) for s, e in spans
                )
        for start, key, score in self._split_compounds(covered, index):
            found.append(self.candidate(start, start + 2, key, match="fuzzy", score=score))
        return found

    def _gram(self, i: int, j: int) -> str:
        """The lower-cased text of tokens i..j (inclusive)."""
        if self.lower_text is not None:
            return self.lower_text[self.t_start[i] : self.t_end[j]]
        return self.text[self.t_start[i] : self.t_end[j]].lower()

    def _typo_ngrams(
        self, covered: bytearray, index: FuzzyIndex
    ) -> dict[str, list[tuple[int, int]]]:
        """1-3 token n-grams that could be a misspelt form, keyed by their lower-cased text.

        A misspelling leaves a word that is no English word, so n-grams are only built around
        such "seed" words. A seed inside an exact match only seeds hyphen-joined n-grams
        ("scikit-lean" around the exact "scikit"); the longer match wins later if it is good.
        """
        lowered = self.t_lower
        joined = self._joined_to_joiner()
        places = [k for k in self._seed_shaped() if not covered[k] or k in joined]
        words = sorted({lowered[k] for k in places})
        unknown = {w for w, known in zip(words, index.known_words(words), strict=True) if not known}
        grams: dict[str, list[tuple[int, int]]] = {}
        seen: set[tuple[int, int]] = set()
        for k in places:
            if lowered[k] not in unknown:
                continue
            for i in range(max(0, k - MAX_NGRAM + 1), k + 1):
                for j in range(k, min(i + MAX_NGRAM, self.n)):
                    if (i, j) in seen or not self._gram_shape_ok(i, j, covered):
                        continue
                    seen.add((i, j))
                    gram = self._gram(i, j)
                    # a space in the n-gram: some of its tokens are not attached (between
                    # tokens the normalised text holds one space or nothing)
                    if covered[k] and " " in gram:
                        continue
                    if index.wants(gram):
                        grams.setdefault(gram, []).append((i, j + 1))
        return grams

    def _seed_shaped(self) -> list[int]:
        """Alphabetic tokens of MIN_SEED_LENGTH+ characters that are no stop words."""
        if self.lower_text is None or not self.n:  # lower-casing changed some lengths
            alpha, stop = self.t_alpha, self.t_stop
            return [
                k
                for k, word in enumerate(self.t_lower)
                if alpha[k] and not stop[k] and len(word) >= MIN_SEED_LENGTH
            ]
        table = self.table
        shaped = (table[:, 2] != 0) & (table[:, 3] == 0) & (table[:, 1] >= MIN_SEED_LENGTH)
        indices: list[int] = np.flatnonzero(shaped).tolist()
        return indices

    def _joined_to_joiner(self) -> set[int]:
        """Tokens with a hyphen attached on either side ("scikit" in "scikit-lean"). Hyphens
        are few, so they are looked up (list.index) rather than asked about for every seed."""
        found: set[int] = set()
        lowered, t_start, t_end = self.t_lower, self.t_start, self.t_end
        for joiner in _NGRAM_JOINERS:
            at = -1
            while True:
                try:
                    at = lowered.index(joiner, at + 1)
                except ValueError:
                    break
                if at + 1 < self.n and t_end[at] == t_start[at + 1]:
                    found.add(at + 1)
                if at > 0 and t_end[at - 1] == t_start[at]:
                    found.add(at - 1)
        return found

    def _gram_shape_ok(self, i: int, j: int, covered: bytearray) -> bool:
        """Same line, word tokens (a hyphen only between attached words), not all matched."""
        alpha, stop = self.t_alpha, self.t_stop
        if not alpha[i] or not alpha[j] or stop[i] or stop[j] or self.t_line[i] != self.t_line[j]:
            return False
        if all(covered[i : j + 1]):
            return False
        for t in range(i + 1, j):
            if not alpha[t] and not (
                self.lower(t) in _NGRAM_JOINERS
                and self.attached(t - 1, t)
                and self.attached(t, t + 1)
            ):
                return False
        return True

    def _split_compounds(
        self, covered: bytearray, index: FuzzyIndex
    ) -> Iterator[tuple[int, str, float]]:
        """ "Tensor Flow", "Java Script": a one-word form written as two words."""
        if self.n < 2:
            return
        heads, lowered, table = index.joined_heads, self.t_lower, self.table
        # two words on one line with a space between: one array operation, not a loop
        alpha = table[:, 2] != 0
        pairs = alpha[:-1] & alpha[1:] & (table[:-1, 0] + table[:-1, 1] != table[1:, 0])
        pairs &= self.line_array[:-1] == self.line_array[1:]
        for i in np.flatnonzero(pairs).tolist():
            if lowered[i] in heads and not (covered[i] and covered[i + 1]):
                joined = lowered[i] + lowered[i + 1]
                if joined in index.joined:
                    yield i, joined, 100.0 * (1 - 1 / (len(joined) + 1))

    def _is_job_title(self, cand: _Candidate) -> bool:
        """A role, not a skill mention: "Python Developer", "PHP Web Developer", "Team Lead".

        The name is followed by a role noun (directly, or after one more word that is not a
        function word), or the form itself ends with one ("project manager"); forms of the
        exempt categories (certifications) keep their role nouns.
        """
        facts = self.x.form_facts(cand.key)
        if facts.title_exempt:
            return False  # "Tech lead for the ranking team", "Mentored junior engineers"
        if facts.ends_in_role:
            return True
        if self._after_title(cand):
            return True  # "Application Developer - SAP ABAP": the specialism of a title
        lowered, t_line, roles = self.t_lower, self.t_line, self.cues.role_nouns
        after = cand.end
        if after >= self.n or t_line[after - 1] != t_line[after]:
            return False
        if lowered[after] in roles:
            return True
        second = after + 1
        return (
            second < self.n
            and lowered[after].isalnum()
            and not self.t_stop[after]
            and t_line[after] == t_line[second]
            and lowered[second] in roles
        )

    def _after_title(self, cand: _Candidate) -> bool:
        """A capitalised role noun before a dash before the name ("Developer - SAP ABAP"), or
        right before a name that a dash follows ("Application Developer SAP ABAP - Kolkata"),
        on one line. Without either dash it is a list after a title ("Developer Java SE, SQL")."""
        lowered, t_line = self.t_lower, self.t_line
        start, end, before = cand.start, cand.end, cand.start - 1
        if before >= 1 and lowered[before] in _TITLE_DASHES:
            before -= 1
        elif not (end < self.n and lowered[end] in _TITLE_DASHES and t_line[start] == t_line[end]):
            return False
        return (
            before >= 0
            and lowered[before] in self.cues.role_nouns
            and self.text[self.t_start[before]].isupper()
            and t_line[before] == t_line[start]
        )

    def _is_degree_subject(self, cand: _Candidate) -> bool:
        """ "Computer and Communication" on a degree line: the subject of a degree. Education
        nodes (fields of study) are what such a line names, so they are kept."""
        before, degree = cand.start - 1, self.cues.degree_words
        if (
            before < 1
            or not self.text[self.t_start[cand.start]].isupper()
            or self.t_line[before - 1] != self.t_line[cand.start]
            or self.x.form_facts(cand.key).education
        ):
            return False
        joiner, head = self.t_lower[before], self.word(before - 1)
        if joiner in _SUBJECT_JOINERS:  # "Computer and Communication": a Title Case pair
            if not (head[:1].isupper() and self.t_alpha[before - 1]):
                return False
        elif joiner not in _DEGREE_JOINERS or head.casefold() not in degree:
            return False  # else "B.E. in Communication", "Bachelor of Statistics"
        line = self.t_line[cand.start]
        low = bisect.bisect_left(self.t_line, line)
        high = bisect.bisect_right(self.t_line, line)
        if high - low > MAX_DEGREE_LINE_TOKENS:
            return False  # a paragraph, not a degree line
        if not any(self.t_lower[i] in degree for i in range(low, high)):
            return False
        return self._section_at(self.norm.to_original(cand.char_start)).kind is not (
            SectionKind.SKILLS
        )

    def _is_employer_line(self, cand: _Candidate) -> bool:
        """ "Oracle - Bengaluru, Karnataka": a name opening a short line, then a dash and a
        place ("City, Region") in capitalised words, is the employer line of a position."""
        start, dash = cand.start, cand.end
        if dash >= self.n or self.t_lower[dash] not in _TITLE_DASHES:
            return False
        line = self.t_line[start]
        if start > 0 and self.t_line[start - 1] == line:
            return False
        end = bisect.bisect_right(self.t_line, line, lo=dash)
        words = [i for i in range(dash + 1, end) if self.t_lower[i] not in _TITLE_DASHES]
        offset = self.norm.to_original(cand.char_start)
        if self._section_at(offset).kind is SectionKind.SKILLS or self._list_label(
            self._shape_at(offset)
        ):
            return False
        if not words and end - dash == 1 and end < self.n:
            return True  # "SAP ABAP -" then the dates on the next line: the employer slot
        if not 3 <= len(words) <= MAX_PLACE_TOKENS or self.t_lower[dash + 1] == ",":
            return False
        commas = sum(self.t_lower[i] == "," for i in words)
        capitalised = all(self.word(i)[:1].isupper() for i in words if self.t_lower[i] != ",")
        rest = words
        return (
            commas >= 1 and capitalised and not any(self.t_lower[i] in _PROFICIENCY for i in rest)
        )

    def _is_company_name(self, cand: _Candidate) -> bool:
        """ "Oracle Inc", "Oracle India Pvt Ltd": an employer, not a skill."""
        if self._is_employer_line(cand):
            return True
        suffixes, lowered, t_line = self.cues.company_suffixes, self.t_lower, self.t_line
        for after in range(cand.end, min(cand.end + COMPANY_LOOKAHEAD + 1, self.n)):
            if t_line[after - 1] != t_line[after]:
                return False
            word = lowered[after]
            if word in suffixes or (word == "." and lowered[after - 1] in suffixes):
                return True
            if not self.text[self.t_start[after]].isupper():
                return False
        return False

    def _apply_guards(self, chosen: list[_Candidate]) -> list[_Accepted]:
        forms = self.x.taxonomy.forms
        self._chosen_ends = {c.start: c.end for c in chosen}
        items = []
        for cand in chosen:
            form = forms[cand.key]
            items.append(_Accepted(cand, form, None if form.ambiguous else form.node_ids[0]))
        facts = self.x.form_facts
        anchors = [
            a.candidate.start
            for a in items
            if not a.form.needs_context
            and not a.candidate.loose
            and not facts(a.candidate.key).quiet
        ]
        restricted = self.cues.context_categories
        accepted = [
            item
            for item in items
            if (not item.candidate.loose or self._in_skill_list(item.candidate))
            and (
                not item.form.needs_context
                or self._context_supports(
                    item.candidate,
                    anchors
                    if item.candidate.key not in restricted
                    else self._anchors_of(items, restricted[item.candidate.key]),
                )
            )
            and not self._is_citation_initials(item)
        ]
        starts = [item.candidate.start for item in accepted]  # in text order
        for item in accepted:
            if item.form.ambiguous:
                item.node_id = self._resolve_sense(item, accepted, starts)
        return accepted

    def _anchors_of(self, items: list[_Accepted], categories: frozenset[str]) -> list[int]:
        """Start tokens of plain mentions of the given categories ("k-means" near "clustering")."""
        nodes = self.x.taxonomy.nodes
        return [
            a.candidate.start
            for a in items
            if not a.form.needs_context
            and any(nodes[n].category in categories for n in a.form.node_ids)
        ]

    def _is_citation_initials(self, item: _Accepted) -> bool:
        """ "Kumar, RL, and Lee, K. (2019)": a short capitalised form after "Surname," on a
        line that cites a paper (a year in brackets or "et al") is an author's initials."""
        cand = item.candidate
        if cand.end - cand.start != 1:
            return False
        word = self.word(cand.start)
        if not (len(word) <= 3 and word.isupper()):
            return False
        before = cand.start - 1
        if before < 1 or self.t_lower[before] != "," or not self.word(before - 1)[:1].isupper():
            return False
        line = self.t_line[cand.start]
        low = bisect.bisect_left(self.t_line, line)
        high = bisect.bisect_right(self.t_line, line)
        line_text = self.text[self.t_start[low] : self.t_end[high - 1]]
        return _CITATION.search(line_text) is not None

    def _context_supports(self, cand: _Candidate, anchors: list[int]) -> bool:
        if self._looks_ordinary(cand):
            return False
        if self._in_skill_list(cand) or self._is_list_item(cand) or self._names_only_line(cand):
            return True
        low = bisect.bisect_left(anchors, cand.start - CONTEXT_WINDOW)
        high = bisect.bisect_right(anchors, cand.start + CONTEXT_WINDOW)
        return any(self._same_sentence(anchor, cand.start) for anchor in anchors[low:high])

    def _same_sentence(self, a: int, b: int) -> bool:
        """No sentence end, bullet or blank line between tokens a and b."""
        left, right = min(a, b), max(a, b)
        if self.norm.blank_breaks and self.norm.crosses_blank_line(
            self.t_start[left], self.t_start[right]
        ):
            return False
        return not any(self.word(i) in _SENTENCE_ENDS for i in range(left + 1, right))

    def _looks_ordinary(self, cand: _Candidate) -> bool:
        """ "go to", "to excel", "C-level", "R. Kumar": the everyday word, not the tool."""
        after, before = cand.end, cand.start - 1
        if after < self.n and not self.new_line(after - 1, after):
            follower = self.lower(after)
            if follower in self.cues.ordinary_followers:
                return True
            if (
                follower == "/"
                and len(self.word(cand.start)) == 1
                and self.attached(after - 1, after)
                and after + 1 < self.n
                and self.attached(after, after + 1)
                and len(self.word(after + 1)) == 1
                and self.t_alpha[after + 1]
            ):
                return True  # "C/F", "A/C": an abbreviation of two letters
            if (
                follower in {"-", ".", "'"}
                and self.attached(after - 1, after)
                and after + 1 < self.n
                and self.attached(after, after + 1)
                and self.t_alpha[after + 1]
            ):
                return True
        if before >= 0 and not self.new_line(before, before + 1):
            if self.lower(before) in self.cues.ordinary_preceders:
                return True
            if self.lower(before) == "-" and self.attached(before, before + 1) and before > 0:
                return bool(self.t_alpha[before - 1]) and self.attached(before - 1, before)
        return False

    def _in_skill_list(self, cand: _Candidate) -> bool:
        start = self.norm.to_original(cand.char_start)
        if self._section_at(start).kind is SectionKind.SKILLS:
            return True
        return self._list_label(self._shape_at(start))

    def _names_only_line(self, cand: _Candidate) -> bool:
        """A line of nothing but two or more names and connectors ("- Spark or Airflow.")."""
        line = self.t_line[cand.start]
        known = self._name_lines.get(line)
        if known is None:
            low = bisect.bisect_left(self.t_line, line)
            high = bisect.bisect_right(self.t_line, line)
            joiners = self.cues.list_connectors | _LINE_PUNCTUATION
            names = 0
            i = low
            known = True
            while i < high:
                span_end = self._chosen_ends.get(i)
                if span_end is not None:
                    names += 1
                    i = span_end
                elif self.t_lower[i] in joiners:
                    i += 1
                else:
                    known = False
                    break
            known = known and names >= 2
            self._name_lines[line] = known
        return known

    def _is_list_item(self, cand: _Candidate) -> bool:
        """A whole item of a list of three or more ("Word, Excel, PowerPoint"), unless the
        line or its section is about hobbies, references and the like."""
        start = self.norm.to_original(cand.char_start)
        end = self.norm.to_original(cand.char_end - 1) + 1
        shape, line_start = self._line_at(start)
        if len(shape.items) < MIN_LIST_ITEMS:
            return False
        non_skill = self.cues.non_skill_labels
        heading = self._section_at(start).heading
        if shape.label in non_skill or (heading and heading.strip(" :").casefold() in non_skill):
            return False
        item = shape.item_at(start - line_start)
        if item is None:
            return False
        text = self.doc.text
        return (
            text[line_start + item[0] : line_start + item[1]].strip(_ITEM_TRIM) == text[start:end]
        )

    def _list_label(self, shape: LineShape) -> bool:
        if shape.label is None:
            return False
        known = self._labels_seen.get(shape.label)
        if known is None:
            known = self._labels_seen[shape.label] = is_list_label(
                shape.label, self.cues.list_labels
            )
        return known

    def _resolve_sense(
        self, item: _Accepted, accepted: list[_Accepted], starts: list[int]
    ) -> str | None:
        """The node of an ambiguous form whose category or lineage nearby mentions share."""
        taxonomy = self.x.taxonomy
        here = item.candidate.start
        low = bisect.bisect_left(starts, here - SENSE_WINDOW)
        high = bisect.bisect_right(starts, here + SENSE_WINDOW)
        near = [
            other.node_id
            for other in accepted[low:high]
            if other is not item
            and other.node_id is not None
            and self._same_sentence(other.candidate.start, here)
        ]
        scores: dict[str, int] = {}
        for node_id in item.form.node_ids:
            category = taxonomy.nodes[node_id].category
            family = self.x.lineage(node_id)
            scores[node_id] = sum(
                (taxonomy.nodes[other].category == category) + bool(family & self.x.lineage(other))
                for other in near
            )
        best = max(scores.values())
        winners = [node_id for node_id, score in scores.items() if score == best]
        if best > 0 and len(winners) == 1:
            return winners[0]
        return item.form.default

    # ------------------------------------------------------------------ assertions

    def _assertions(self, accepted: list[_Accepted], covered: bytearray) -> dict[int, Assertion]:
        """Negation/aspiration per mention (keyed by start token) from cues in its clause."""
        matches = self.cue_matches
        if not matches:
            return {}
        starts = {item.candidate.start: item.candidate for item in accepted}
        ends = {item.candidate.end: item.candidate for item in accepted}
        # A cue may also be a signal phrase ("eager to learn"): only a skill name that
        # contains it ("learning" in "machine learning") makes it no cue.
        signals = [item.candidate for item in accepted if item.form.signal]
        if signals:
            covered = bytearray(covered)  # the caller's copy stays as it was
            for cand in signals:
                covered[cand.start : cand.end] = bytes(cand.end - cand.start)
        result: dict[int, Assertion] = {}
        for start, end in matches:
            if any(covered[start:end]):
                continue  # "learning" inside "machine learning" is no cue
            for cue in self.x._compiled.cue_keys[tuple(self.t_lower[start:end])]:
                governed = (
                    self._scan_forward(end, cue.gap, starts)
                    if cue.direction == "before"
                    else self._scan_backward(start, cue.gap, ends)
                )
                for cand in governed:
                    result.setdefault(cand.start, cue.kind)
        return result

    def _is_clause_end(self, i: int) -> bool:
        return self.word(i) in _CLAUSE_ENDS or self.lower(i) in self.cues.scope_breakers

    def _scan_forward(
        self, i: int, gap: int, starts: dict[int, _Candidate]
    ) -> Iterator[_Candidate]:
        """Mentions after a cue: the first within ``gap`` words, then a run joined by "," "or"."""
        skipped, chained = 0, False
        if i < self.n and self.t_lower[i] == ":" and not self.new_line(i - 1, i):
            i += 1  # "Currently learning: Kubernetes, Docker": a label, then its list
        while i < self.n:
            if i > 0 and self.new_line(i - 1, i):
                return
            cand = starts.get(i)
            if cand is not None:
                yield cand
                chained, i = True, cand.end
                continue
            if self._is_clause_end(i):
                return
            if chained:
                if self.lower(i) not in self.cues.list_connectors:
                    return
            else:
                skipped += 1
                if skipped > gap:
                    return
            i += 1

    def _scan_backward(self, i: int, gap: int, ends: dict[int, _Candidate]) -> Iterator[_Candidate]:
        """The one mention before a trailing cue: in "Docker, Kubernetes (learning)" the
        parenthesis is about Kubernetes alone."""
        skipped = 0
        while i > 0:
            if i < self.n and self.new_line(i - 1, i):
                return
            cand = ends.get(i)
            if cand is not None:
                yield cand
                return
            if self._is_clause_end(i - 1):
                return
            skipped += 1
            if skipped > gap:
                return
            i -= 1

    # ------------------------------------------------------------------ the result

    def _results(
        self, accepted: list[_Accepted], assertions: dict[int, Assertion]
    ) -> tuple[SkillMention, ...]:
        """A mention for each accepted candidate whose node is known: offsets into the original
        text, section, position and list/prose context. Offsets, sections and lines are looked
        up for all mentions at once (a Python call per lookup was a third of this step)."""
        kept = [item for item in accepted if item.node_id is not None]
        if not kept:
            return ()
        starts = self._to_originals([item.candidate.char_start for item in kept])
        ends = self._to_originals([item.candidate.char_end - 1 for item in kept]) + 1
        lines: list[int] = (np.searchsorted(self.line_starts, starts, side="right") - 1).tolist()
        sections = self.doc.sections or (_WHOLE_TEXT,)
        in_section: list[int] = [0] * len(kept)
        if self.doc.sections:
            found = np.searchsorted(self.section_starts, starts, side="right") - 1
            in_section = found.clip(min=0).tolist()
        nodes, text = self.x.taxonomy.nodes, self.doc.text
        results: list[SkillMention] = []
        for item, start, end, line, at in zip(
            kept, starts.tolist(), ends.tolist(), lines, in_section, strict=True
        ):
            section = sections[at]
            cand = item.candidate
            node_id = item.node_id
            assert node_id is not None
            position = self._position_at(start) if self.positions else None
            shape, line_start = self._line_numbered(line)
            context = mention_context(
                shape,
                start - line_start,
                in_skills_section=section.kind is SectionKind.SKILLS,
                list_label=self._list_label(shape),
            )
            # every value is of its field's type already, every field is given, in order
            mention = _new_mention(
                {
                    "node_id": node_id,
                    "name": nodes[node_id].name,
                    "text": text[start:end],
                    "start": start,
                    "end": end,
                    "section": section.kind,
                    "position_index": position.index if position else None,
                    "dates": position.dates if position else None,
                    "context": context,
                    "assertion": assertions.get(cand.start, "asserted"),
                    "match": cand.match,
                    # round() is slow for what it does here: exact matches score 100.0
                    "score": cand.score if cand.score == 100.0 else round(cand.score, 1),
                    "kind": "signal" if item.form.signal else "skill",
                }
            )
            results.append(mention)
        return tuple(results)

    def _to_originals(self, offsets: list[int]) -> npt.NDArray[np.int64]:
        """``NormalisedText.to_original`` for many offsets at once."""
        norm = self.norm
        anchors = np.array(norm.anchors, dtype=np.int64)
        shifts = np.array((0, *norm.shifts), dtype=np.int64)  # 0 before the first anchor
        found = np.array(offsets, dtype=np.int64)
        shifted: npt.NDArray[np.int64] = found + shifts[np.searchsorted(anchors, found, "right")]
        return shifted

    def _section_at(self, offset: int) -> Section:
        sections = self.doc.sections
        if not sections:
            return _WHOLE_TEXT
        at = bisect.bisect_right(self.section_starts, offset) - 1
        return sections[at if at > 0 else 0]

    def _position_at(self, offset: int) -> Position | None:
        """The narrowest position holding an offset. Which positions hold an offset changes
        only at their starts and ends, so the answer is worked out once per stretch between
        two such bounds (memoised)."""
        if not self.positions:
            return None
        stretch = bisect.bisect_right(self._position_bounds, offset)
        if stretch in self._positions_by_stretch:
            return self._positions_by_stretch[stretch]
        inside = [p for p in self.positions if p.start <= offset < p.end]
        found = min(inside, key=lambda p: p.end - p.start) if inside else None
        self._positions_by_stretch[stretch] = found
        return found

    def _shape_at(self, offset: int) -> LineShape:
        return self._line_at(offset)[0]

    def _line_at(self, offset: int) -> tuple[LineShape, int]:
        """The shape of the line holding an offset, and where that line starts (memoised)."""
        return self._line_numbered(bisect.bisect_right(self.line_starts, offset) - 1)

    def _line_numbered(self, at: int) -> tuple[LineShape, int]:
        """The shape of line number ``at`` (from 0), and where that line starts (memoised)."""
        found = self._lines.get(at)
        if found is None:
            start = self.line_starts[at]
            end = self.doc.text.find("\n", start)
            line = self.doc.text[start : end if end >= 0 else len(self.doc.text)]
            found = self._lines[at] = (line_shape(line, self.cues.verb_hints), start)
        return found


_WHOLE_TEXT = Section(kind=SectionKind.OTHER, start=0, end=0)

# ----------------------------------------------------------------------------- results

_set_attribute = object.__setattr__  # as pydantic's own model_construct sets a frozen model
_MENTION_FIELDS = tuple(SkillMention.model_fields)


def _assembled_mention(values: dict[str, Any]) -> SkillMention:
    """What ``SkillMention.model_construct(**values)`` makes, for values already of their
    fields' types with every field given in the model's order. model_construct loops over the
    fields in Python, which made it slower than validating; this costs half of validating,
    and the mentions of a resume are a tenth of the extraction time."""
    mention = SkillMention.__new__(SkillMention)
    _set_attribute(mention, "__dict__", values)
    _set_attribute(mention, "__pydantic_fields_set__", set(_MENTION_FIELDS))
    _set_attribute(mention, "__pydantic_extra__", None)
    _set_attribute(mention, "__pydantic_private__", None)
    return mention


def _validated_mention(values: dict[str, Any]) -> SkillMention:
    mention: SkillMention = SkillMention.__pydantic_validator__.validate_python(values)
    return mention


def _mention_builder() -> Callable[[dict[str, Any]], SkillMention]:
    """``_assembled_mention`` when it makes exactly what validation makes with the installed
    pydantic (checked once, on a sample: a pydantic that keeps more in a model than these four
    attributes fails the check), else validation."""
    sample: dict[str, Any] = {
        "node_id": "python",
        "name": "Python",
        "text": "Python 3",
        "start": 4,
        "end": 12,
        "section": SectionKind.EXPERIENCE,
        "position_index": 0,
        "dates": DateRange(start=date(2020, 1, 1), end=date(2021, 6, 1), text="2020 - 2021"),
        "context": "prose",
        "assertion": "asserted",
        "match": "fuzzy",
        "score": 87.5,
        "kind": "skill",
    }
    try:
        assembled, validated = _assembled_mention(dict(sample)), _validated_mention(dict(sample))
        same = (
            assembled.__getstate__() == validated.__getstate__()
            and assembled == validated
            and repr(assembled) == repr(validated)
            and assembled.model_dump_json() == validated.model_dump_json()
        )
    except Exception:  # any surprise from another pydantic: validate, as before
        same = False
    return _assembled_mention if same else _validated_mention


_new_mention = _mention_builder()


def _longest_first(candidates: list[_Candidate]) -> list[_Candidate]:
    """Non-overlapping candidates, preferring longer, then exact, then better, then earlier.

    Whether a candidate is kept depends only on the candidates that overlap it, so the
    candidates are split into runs that overlap each other and ranked run by run: most runs
    hold one candidate, which is kept without ranking.
    """
    chosen: list[_Candidate] = []
    run: list[_Candidate] = []
    run_end = 0
    for cand in sorted(candidates, key=_START):
        if run and cand.start >= run_end:  # it overlaps nothing before it: a new run
            chosen.extend(_pick_longest(run))
            run, run_end = [], 0
        run.append(cand)
        run_end = max(run_end, cand.end)
    chosen.extend(_pick_longest(run))
    return chosen


_START = operator.attrgetter("start")


def _pick_longest(run: list[_Candidate]) -> list[_Candidate]:
    """The kept candidates of a run of overlapping candidates, in text order."""
    if len(run) < 2:
        return run
    ranked = sorted(
        run,
        key=lambda c: (-(c.char_end - c.char_start), c.match != "exact", -c.score, c.start, c.key),
    )
    base = run[0].start  # the run is in text order
    taken = bytearray(max(c.end for c in run) - base)
    chosen: list[_Candidate] = []
    for cand in ranked:
        start, end = cand.start - base, cand.end - base
        if taken.find(1, start, end) >= 0:
            continue
        taken[start:end] = b"\x01" * (end - start)
        chosen.append(cand)
    chosen.sort(key=_START)
    return chosen


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

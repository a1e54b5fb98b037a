"""How a skill mention is used: its cue words (data) and pure helpers for lines and lists.

The extractor finds names; this module decides what the words around a name say about it:
whether the line is a list of names or a sentence about work, whether a line's label marks a
list of skills ("Languages: ..."), and which cue phrases negate a mention ("no experience with")
or make it a wish ("currently learning"). The word lists live in ``skills/data/extraction.yaml``.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from matcher.errors import TaxonomyError
from matcher.models import MentionContext
from skills.names import NameWords

CUES_PATH = Path(__file__).parent / "data" / "extraction.yaml"
DEFAULT_CUE_GAP = 3

CueKind = Literal["negated", "aspirational"]
CueDirection = Literal["before", "after"]


@dataclass(frozen=True, slots=True)
class Cue:
    """A phrase that changes the assertion of the mentions next to it in its clause."""

    text: str
    kind: CueKind
    direction: CueDirection
    gap: int
    """Words allowed between the cue and the first mention it governs."""


@dataclass(frozen=True, slots=True)
class ExtractionCues:
    """Every word list the extractor consults, loaded once from YAML."""

    cues: tuple[Cue, ...]
    scope_breakers: frozenset[str]
    list_connectors: frozenset[str]
    role_nouns: frozenset[str]
    title_exempt_categories: frozenset[str]
    non_anchor_categories: frozenset[str]
    company_suffixes: frozenset[str]
    non_skill_labels: frozenset[str]
    verb_hints: frozenset[str]
    ordinary_followers: frozenset[str]
    ordinary_preceders: frozenset[str]
    ordinary_words: frozenset[str]
    list_labels: frozenset[str]
    degree_words: frozenset[str]
    names: NameWords
    """Word lists for names that hold a skill word (organisations, titles): skills/names.py."""
    context_categories: dict[str, frozenset[str]] = field(hash=False)
    """Form key -> the categories whose mentions alone vouch for it (a term of two fields)."""
    digest_source: str
    """The file's text, so the compiled-matcher cache notices edits."""


def _words(data: dict[str, Any], key: str, path: Path) -> frozenset[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaxonomyError(f"{path}: '{key}' must be a list of strings")
    return frozenset(v.casefold() for v in value)


def _cues(data: dict[str, Any], kind: CueKind, path: Path) -> list[Cue]:
    section = data.get(kind_key(kind), {})
    if not isinstance(section, dict):
        raise TaxonomyError(f"{path}: '{kind_key(kind)}' must map 'before'/'after' to lists")
    found: list[Cue] = []
    direction: CueDirection
    for direction in ("before", "after"):
        for entry in section.get(direction, []) or []:
            if isinstance(entry, str):
                text, gap = entry, DEFAULT_CUE_GAP
            elif isinstance(entry, dict) and isinstance(entry.get("text"), str):
                text, gap = entry["text"], int(entry.get("gap", DEFAULT_CUE_GAP))
            else:
                raise TaxonomyError(f"{path}: bad cue {entry!r} under '{kind_key(kind)}'")
            found.append(Cue(text=text.casefold(), kind=kind, direction=direction, gap=gap))
    return found


def kind_key(kind: CueKind) -> str:
    """The YAML key that holds the cues of one kind."""
    return "negation" if kind == "negated" else "aspiration"


def _context_categories(data: dict[str, Any], path: Path) -> dict[str, frozenset[str]]:
    value = data.get("context_categories", {})
    if not isinstance(value, dict) or not all(
        isinstance(v, list) and all(isinstance(c, str) for c in v) for v in value.values()
    ):
        raise TaxonomyError(f"{path}: 'context_categories' must map forms to category lists")
    return {
        " ".join(str(k).casefold().split()): frozenset(c.casefold() for c in v)
        for k, v in value.items()
    }


def load_cues(path: Path | None = None) -> ExtractionCues:
    """Read and check the extractor's word lists (cached for the shipped file)."""
    return _load_cues_cached(Path(path or CUES_PATH).resolve())


@functools.cache
def _load_cues_cached(path: Path) -> ExtractionCues:
    try:
        source = path.read_text("utf-8")
    except OSError as exc:
        raise TaxonomyError(f"cannot read extractor word lists {path}: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise TaxonomyError(f"{path}: expected a mapping at the top level")
    return ExtractionCues(
        cues=(*_cues(data, "negated", path), *_cues(data, "aspirational", path)),
        scope_breakers=_words(data, "scope_breakers", path),
        list_connectors=_words(data, "list_connectors", path),
        role_nouns=_words(data, "role_nouns", path),
        title_exempt_categories=_words(data, "title_exempt_categories", path),
        non_anchor_categories=_words(data, "non_anchor_categories", path),
        company_suffixes=_words(data, "company_suffixes", path),
        non_skill_labels=_words(data, "non_skill_labels", path),
        verb_hints=_words(data, "verb_hints", path),
        ordinary_followers=_words(data, "ordinary_followers", path),
        ordinary_preceders=_words(data, "ordinary_preceders", path),
        ordinary_words=_words(data, "ordinary_words", path),
        list_labels=_words(data, "list_labels", path),
        degree_words=_words(data, "degree_words", path),
        names=NameWords(
            organisation_nouns=_words(data, "organisation_nouns", path),
            programme_nouns=_words(data, "programme_nouns", path),
            title_heads=_words(data, "title_heads", path),
            title_followers=_words(data, "title_followers", path),
        ),
        context_categories=_context_categories(data, path),
        digest_source=source,
    )


# ----------------------------------------------------------------------------- lines and lists

_BULLETS = frozenset("•-*+–>·")
_NUMBERED = re.compile(r"\d{1,2}[.)]\s+")
_SEPARATORS = re.compile(r"[,;|•·\t()/]|\s[-–]\s")
_VERB_WORD = re.compile(r"[^\W\d_][\w'-]*")
MAX_LABEL_CHARS = 40
MAX_LIST_ITEM_WORDS = 4
MIN_PROSE_WORDS = 6


class LineShape:
    """What one line of the resume looks like, judged once per line. Whether the line holds
    a verb is judged when first asked: most lines of a skills list never need to know."""

    __slots__ = ("label", "body_start", "items", "words", "item_starts", "_body", "_hints", "_verb")

    label: str | None
    """The lead-in before a colon, lower-cased, when the line has one ("languages")."""
    body_start: int
    """Offset of the text after the bullet and label, relative to the line start."""
    items: tuple[tuple[int, int, int], ...]
    """(start, end, word count) of each comma/bullet separated item, relative to the line."""
    words: int
    """Words of the text after the bullet and label."""
    item_starts: tuple[int, ...]
    """The items' starts, for binary search."""

    def __init__(
        self,
        label: str | None,
        body_start: int,
        items: tuple[tuple[int, int, int], ...],
        body: str,
        verb_hints: frozenset[str],
    ) -> None:
        self.label = label
        self.body_start = body_start
        self.items = items
        self.words = len(body.split())
        self.item_starts = tuple([item[0] for item in items])
        self._body = body
        self._hints = verb_hints
        self._verb: bool | None = None

    @property
    def has_verb(self) -> bool:
        """A verb hint ("built", "led") among the words after the bullet and label."""
        if self._verb is None:
            folded = self._body.casefold()
            self._verb = (
                # a verb standing between spaces is found without the regex
                not _whole_word_hints(self._hints).isdisjoint(folded.split())
                or not self._hints.isdisjoint(_VERB_WORD.findall(folded))
            )
        return self._verb

    def item_at(self, offset_in_line: int) -> tuple[int, int, int] | None:
        """The item holding an offset (binary search: a hostile line may hold 40,000 items)."""
        index = bisect.bisect_right(self.item_starts, offset_in_line) - 1
        if index >= 0:
            item = self.items[index]
            if item[0] <= offset_in_line < item[1]:
                return item
        return None


def _skip_bullet(line: str) -> int:
    start = len(line) - len(line.lstrip())
    if start < len(line) and line[start] in _BULLETS and line[start + 1 : start + 2].isspace():
        return start + 2
    numbered = _NUMBERED.match(line, start)
    return numbered.end() if numbered else start


def line_shape(line: str, verb_hints: frozenset[str]) -> LineShape:
    """Split a line into bullet, label and items; count words and look for verbs.

    Plain string operations only: this runs for every line that holds a mention.
    """
    body_start = _skip_bullet(line)
    label: str | None = None
    colon = line.find(":", body_start, body_start + MAX_LABEL_CHARS + 1)
    if colon > body_start and line[colon + 1 : colon + 2] in (" ", "\t", ""):
        lead = line[body_start:colon].strip()
        if lead and len(lead.split()) <= MAX_LIST_ITEM_WORDS and colon + 1 < len(line):
            label = lead.casefold()
            body_start = colon + 1
    items: list[tuple[int, int, int]] = []  # items without words (",,", "()") are left out
    cursor = body_start
    for separator in _SEPARATORS.finditer(line, body_start):
        item_end, next_start = separator.span()
        words = len(line[cursor:item_end].split())
        if words:
            items.append((cursor, item_end, words))
        cursor = next_start
    words = len(line[cursor:].split())
    if words:
        items.append((cursor, len(line), words))
    return LineShape(label, body_start, tuple(items), line[body_start:], verb_hints)


@functools.lru_cache(maxsize=8)
def _whole_word_hints(verb_hints: frozenset[str]) -> frozenset[str]:
    """The hints that ``_VERB_WORD`` can find whole. A word between spaces that equals one of
    them is what the regex would find there too: nothing before a space can join it."""
    return frozenset(hint for hint in verb_hints if _VERB_WORD.fullmatch(hint))


def is_list_label(label: str | None, list_labels: frozenset[str]) -> bool:
    """True when a line's label names a list of skills ("Programming languages", "Tools")."""
    if label is None:
        return False
    return any(word in list_labels for word in re.findall(r"[a-z]+", label))


def _item_words_at(shape: LineShape, offset_in_line: int) -> int:
    """Words of the list item holding the offset (the whole line's when there is none)."""
    item = shape.item_at(offset_in_line)
    return item[2] if item is not None else shape.words


def mention_context(
    shape: LineShape, offset_in_line: int, *, in_skills_section: bool, list_label: bool
) -> MentionContext:
    """'list' for a bare name among names, 'prose' for a name inside a sentence about work.

    In a skills section or after a list label ("Tools:") a line is a list unless the item that
    holds the mention reads like a sentence (six or more words with a verb). Elsewhere a line is
    a list when it is split into short items, or is itself a short verb-less line (a bullet
    that holds just "PyTorch").
    """
    item_words = _item_words_at(shape, offset_in_line)
    # counts before verbs: the verb test is the costly one, and is made only when it decides
    if in_skills_section or list_label:
        sentence_like = item_words >= MIN_PROSE_WORDS and shape.has_verb
        return "prose" if sentence_like else "list"
    if shape.words >= MIN_PROSE_WORDS and shape.has_verb:
        return "prose"
    if len(shape.items) >= 2 and item_words <= MAX_LIST_ITEM_WORDS:
        return "list"
    if shape.words <= MAX_LIST_ITEM_WORDS - 1 and not shape.has_verb:
        return "list"
    return "prose"

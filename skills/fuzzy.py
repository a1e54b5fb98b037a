"""Typo-tolerant lookup of skill names ("Pytroch", "Kuberentes", "scikit-lean").

Fuzzy matching is for misspellings only, so an n-gram made entirely of real English words is
never fuzzy-matched: "recognition" is not "Rekognition", "closure" is not "Clojure", "caching"
is not "coaching". Real words come from the web2 list of the ``english-words`` package (MIT),
with simple suffix stripping for inflections it lacks, plus spaCy's stop words and the
``ordinary_words`` list in ``skills/data/extraction.yaml``. The word list is compiled into a
sorted array of 64-bit hashes, so the compiled index stays small and loads fast.

Edits are counted by optimal string alignment (a swap of two neighbouring letters is one edit):
forms of 7-11 characters allow one edit, forms of 12+ two, forms of 5-6 only a swap. The first
letter must agree, and a truncation or extension ("objective" / "Objective-C", "communications" /
"communication") is an inflection or another word, not a typo, so it never counts.
"""

from __future__ import annotations

import functools
import logging
import operator
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import OSA
from rapidfuzz.process import extract

__all__ = ["FuzzyIndex", "MIN_FUZZY_LENGTH", "english_word_hashes"]

log = logging.getLogger(__name__)

MIN_FUZZY_LENGTH = 5
MEMO_LIMIT = 200_000  # remembered word look-ups, cleared when full
SWAP_ONLY_MAX_LENGTH = 6
TWO_EDITS_MIN_LENGTH = 12
_WORD_SPLIT = re.compile(r"[\s\-]+")
# Suffixes stripped (with an optional restored "e" / undoubled consonant) to find a dictionary
# word behind an inflection: "promoting" -> "promote", "embedded" -> "embed".
_SUFFIXES = ("ing", "ed", "es", "s", "er", "ers", "ly", "ies", "ied", "ness", "ment", "ments")

HashArray = npt.NDArray[np.uint64]
_CHOICE_INDEX = operator.itemgetter(2)  # (choice, score, index) from rapidfuzz.process.extract


def word_hash(word: str) -> int:
    """A stable 64-bit hash (crc32 and adler32 side by side; Python's hash() is salted)."""
    data = word.encode("utf-8")
    return (zlib.crc32(data) << 32) | zlib.adler32(data)


@functools.cache
def english_word_hashes() -> HashArray:
    """Sorted hashes of the English word list; empty (with a warning) when it is missing."""
    try:
        from english_words import get_english_words_set
    except ImportError:
        log.warning("english-words is not installed: fuzzy matching relies on the short lists")
        return np.zeros(0, dtype=np.uint64)
    words = get_english_words_set(["web2"], lower=True, alpha=True)
    return np.unique(np.array([word_hash(w) for w in words if len(w) >= 3], dtype=np.uint64))


def _allowed_edits(form: str) -> int:
    return 2 if len(form) >= TWO_EDITS_MIN_LENGTH else 1


def _is_swap(a: str, b: str) -> bool:
    """True when ``b`` is ``a`` with two neighbouring characters exchanged."""
    if len(a) != len(b):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and a[diff[1]] == b[diff[0]]
    )


def _stems(word: str) -> list[str]:
    """Dictionary forms an inflected word may come from: "promoting" -> "promote"."""
    found: list[str] = []
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            stem = word[: -len(suffix)]
            found.extend((stem, stem + "e"))
            if len(stem) > 2 and stem[-1] == stem[-2]:
                found.append(stem[:-1])
            if suffix in {"ies", "ied"}:
                found.append(stem + "y")
    return found


def _words(text: str) -> list[str]:
    return [w for w in _WORD_SPLIT.split(text) if w]


@dataclass(slots=True)
class FuzzyIndex:
    """Fuzzy-eligible surface forms bucketed by first letter and length, plus real words."""

    windows: dict[tuple[str, int], tuple[str, ...]]
    """(first letter, query length) -> forms whose length is within their allowed edits."""
    joined: frozenset[str]
    """One-word forms, so "Tensor Flow" or "Java Script" can be joined back together."""
    joined_heads: frozenset[str]
    """Leading parts (2+ characters) of one-word forms: a cheap test before joining."""
    multi_first: frozenset[str]
    multi_last: frozenset[str]
    """First and last words of multi-word forms: a multi-word n-gram must share one of them."""
    english: HashArray
    ordinary: frozenset[str]
    _memo: dict[str, bool] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls, keys: Iterable[str], *, ordinary: frozenset[str], english: HashArray
    ) -> FuzzyIndex:
        forms = sorted(set(keys))
        windows: dict[tuple[str, int], list[str]] = {}
        for form in forms:
            reach = _allowed_edits(form)
            for length in range(len(form) - reach, len(form) + reach + 1):
                windows.setdefault((form[0], length), []).append(form)
        multi = [_words(f) for f in forms if len(_words(f)) > 1]
        joined = frozenset(f for f in forms if len(_words(f)) == 1 and "-" not in f)
        return cls(
            windows={k: tuple(v) for k, v in windows.items()},
            joined=joined,
            joined_heads=frozenset(f[:cut] for f in joined for cut in range(2, len(f) - 1)),
            multi_first=frozenset(w[0] for w in multi),
            multi_last=frozenset(w[-1] for w in multi),
            english=english,
            ordinary=ordinary,
        )

    # ------------------------------------------------------------------ real words

    def _in_lists(self, words: Sequence[str]) -> list[bool]:
        """For each lower-case word: is it literally in the word lists?"""
        if not len(self.english) or not words:
            return [w in self.ordinary for w in words]
        hashes = np.fromiter((word_hash(w) for w in words), dtype=np.uint64, count=len(words))
        at = np.searchsorted(self.english, hashes).clip(0, len(self.english) - 1)
        found = (self.english[at] == hashes).tolist()
        return [hit or w in self.ordinary for hit, w in zip(found, words, strict=True)]

    def known_words(self, words: Sequence[str]) -> list[bool]:
        """For each lower-case word: a real word, or an inflection of one ("promoting")?

        Answers are remembered (resumes share most of their words); the memory is bounded.
        """
        memo = self._memo
        answers = [memo.get(w) for w in words]
        missing = [w for w, answer in zip(words, answers, strict=True) if answer is None]
        if not missing:
            return [bool(a) for a in answers]
        found = dict(zip(missing, self._lookup(missing), strict=True))
        if len(memo) + len(found) > MEMO_LIMIT:
            memo.clear()
        memo.update(found)  # another thread clearing meanwhile only costs a recomputation
        return [found[w] if a is None else a for w, a in zip(words, answers, strict=True)]

    def _lookup(self, words: Sequence[str]) -> list[bool]:
        known = self._in_lists(words)
        pending = [i for i, hit in enumerate(known) if not hit]
        variants: list[str] = []
        owners: list[int] = []
        for i in pending:
            for variant in _stems(words[i]):
                variants.append(variant)
                owners.append(i)
        for owner, hit in zip(owners, self._in_lists(variants), strict=True):
            if hit:
                known[owner] = True
        return known

    def is_english(self, word: str) -> bool:
        return self.known_words([word])[0]

    def is_typo_shaped(self, query: str) -> bool:
        """A misspelling leaves at least one word that is not a real word."""
        return any(not self.is_english(w) for w in _words(query) if w.isalpha())

    # ------------------------------------------------------------------ matching

    def wants(self, query: str) -> bool:
        """Cheap test before the distance computation: worth comparing at all?"""
        if len(query) < MIN_FUZZY_LENGTH or query in self.ordinary:
            return False
        if (query[0], len(query)) not in self.windows:
            return False
        if " " not in query:
            return True
        words = _words(query)
        return words[0] in self.multi_first or words[-1] in self.multi_last

    def joined_form(self, query: str) -> str | None:
        """ "tensor flow" -> "tensorflow" when that is a one-word form."""
        joined = query.replace(" ", "")
        if joined != query and joined in self.joined:
            return joined
        return None

    def match(self, queries: Sequence[str]) -> dict[str, tuple[str, float]]:
        """Each query that is a plausible misspelling of a form -> (form key, score 0-100)."""
        grouped: dict[tuple[str, int], list[str]] = {}
        for query in queries:
            grouped.setdefault((query[0], len(query)), []).append(query)
        found: dict[str, tuple[str, float]] = {}
        for bucket, group in grouped.items():
            choices = self.windows.get(bucket)
            if not choices:
                continue
            for query in group:
                # one query at a time: rapidfuzz's cdist plus numpy cost more for the handful of
                # n-grams a resume has; hits are taken in the forms' order as cdist gave them
                hits = extract(query, choices, scorer=OSA.distance, score_cutoff=2, limit=None)
                for form, found_distance, _ in sorted(hits, key=_CHOICE_INDEX):
                    distance = int(found_distance)
                    if not self._acceptable(query, form, distance):
                        continue
                    score = 100.0 * (1.0 - distance / max(len(query), len(form)))
                    if query not in found or score > found[query][1]:
                        found[query] = (form, score)
        return {q: hit for q, hit in found.items() if self.is_typo_shaped(q)}

    @staticmethod
    def _acceptable(query: str, form: str, distance: int) -> bool:
        if distance == 0 or distance > _allowed_edits(form):
            return False
        if len(form) <= SWAP_ONLY_MAX_LENGTH and not _is_swap(query, form):
            return False
        # a truncation or extension is another word or an inflection, not a typo
        if query.startswith(form) or form.startswith(query):
            return False
        # so is a different last letter ("informatics" / "Informatica")
        return not (len(query) == len(form) and query[:-1] == form[:-1])

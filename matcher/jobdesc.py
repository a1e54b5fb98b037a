"""Turn a job description into a requirement profile (same schema as the shipped profiles).

    profile = profile_from_job_description(text, taxonomy=taxonomy, extractor=extractor)

How the text is read (deterministic, rule based):

- **Blocks**: a short line that looks like a heading sets the mode of the lines under it:
  "Requirements", "Must have", "Qualifications", "What you bring" -> required; "Nice to have",
  "Preferred", "Bonus", "Pluses" -> preferred; any other heading ("About us") -> neutral.
- **Sentences** carry their own cues, which win over the block: "must", "required", "you have",
  "you need", "mandatory", "essential" -> required; "nice to have", "preferred", "bonus", "a plus",
  "ideally", "desirable", "advantage" -> preferred.
- A neutral sentence counts as required when the posting has no explicit requirements block, and as
  preferred when it has one (tools named under "About us" are context, not demands).
- **Alternatives**: skills joined by "or" or "/" ("PyTorch or TensorFlow"), or listed after
  "such as", "e.g.", "like", "one of", become one "any 1 of" group; other skills stand alone.
- **Years**: "3+ years", "at least 5 years", "minimum of 4 years", "five or more years", "2-4 years"
  (the lower bound counts) in a sentence about experience; the largest required figure wins.
  The experience curve is placed so that the stated figure gives satisfaction 0.75.
- **Degree**: bachelor / master / PhD words (BS, MSc, Ph.D. …); the lowest degree named in a
  required sentence is the minimum. Fields come from education nodes the extractor finds.
- **Level**: ``level`` if given; else from the title ("senior", "lead", "staff", "principal" /
  "junior", "graduate", "entry"), else from the years (>= 5 senior, >= 2 mid, else junior).

Negated mentions are ignored; aspirational ones ("you will learn Kubernetes") count as preferred.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from matcher.errors import ProfileError
from matcher.models import ExtractedDocument, MediaType, Position, SectionKind, SkillMention
from matcher.profiles import Profile, load_profile
from skills.taxonomy import Taxonomy

__all__ = ["JobRequirementsText", "profile_from_job_description", "read_years"]

Mode = Literal["required", "preferred", "neutral"]


class _Extractor(Protocol):
    def extract(
        self, doc: ExtractedDocument, positions: Sequence[Position] = ()
    ) -> tuple[SkillMention, ...]: ...


_REQUIRED_HEADINGS = re.compile(
    r"\b(requirements?|required|must[- ]haves?|qualifications|what you (?:bring|need|have)|"
    r"who you are|you have|you should have|your profile|skills (?:and|&) experience|minimum)\b",
    re.IGNORECASE,
)
_PREFERRED_HEADINGS = re.compile(
    r"\b(nice[- ]to[- ]haves?|preferred|bonus(?: points)?|pluses|a plus|desirable|"
    r"good to have|extra credit|optional)\b",
    re.IGNORECASE,
)
_REQUIRED_CUES = re.compile(
    r"\b(must|required|requires?|you have|you(?:'ll| will)? need|mandatory|essential|"
    r"minimum|at least|proven|strong (?:experience|knowledge|background))\b",
    re.IGNORECASE,
)
_PREFERRED_CUES = re.compile(
    r"(\bnice[- ]to[- ]have\b|\bpreferred\b|\bpreferably\b|\bbonus\b|\ba plus\b|\bis a plus\b|"
    r"\bplus\b(?=\s*[.!)]|\s*$)|\bideally\b|\bdesirable\b|\badvantage(?:ous)?\b|\bnot required\b|"
    r"\bwould be great\b|\bgood to have\b)",
    re.IGNORECASE,
)
_ALTERNATIVE_JOIN = re.compile(r"^\s*(?:,\s*)?(?:or|/|\|)\s*$|^\s*/\s*$", re.IGNORECASE)
_LIST_JOIN = re.compile(r"^\s*(?:,|,?\s*and|,?\s*or|/|&)?\s*$", re.IGNORECASE)
_EXAMPLE_LEAD = re.compile(
    r"\b(such as|e\.g\.?|for example|like|one of|any of|one or more of|similar)\W*$", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")

_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "fifteen": 15,
}
_NUMBER = r"(\d{1,2}|" + "|".join(_WORD_NUMBERS) + r")"
_YEAR_PATTERNS = (
    re.compile(rf"{_NUMBER}\s*(?:-|–|to)\s*{_NUMBER}\+?\s*(?:years?|yrs?)\b", re.IGNORECASE),
    re.compile(rf"{_NUMBER}\s*\+\s*(?:years?|yrs?)\b", re.IGNORECASE),
    re.compile(
        rf"(?:at least|minimum(?: of)?|min\.|over|more than)\s+{_NUMBER}\s*(?:years?|yrs?)\b",
        re.IGNORECASE,
    ),
    re.compile(rf"{_NUMBER}\s+or\s+more\s+(?:years?|yrs?)\b", re.IGNORECASE),
    re.compile(rf"{_NUMBER}\s*(?:years?|yrs?)(?:\s+of)?\s+(?:[\w-]+\s+){{0,4}}experience", re.I),
)
_MAX_YEARS = 15.0  # larger figures describe the company ("50 years of know-how"), not the job
_ABOUT_COMPANY = re.compile(r"\b(we|our|company|employees|founded|since)\b", re.I)
_ABOUT_CANDIDATE = re.compile(r"\b(you|your|candidate|applicant|ideally|required|must)\b", re.I)
_EXPERIENCE_WORD = re.compile(r"experien|background|track record|industry|professional", re.I)

_DEGREES = (
    (
        "bachelors_degree",
        re.compile(
            r"\b(bachelor'?s?|b\.?sc?\.?|b\.?eng|b\.?tech|b\.?a\.|undergraduate)(?!\w)", re.I
        ),
    ),
    (
        "masters_degree",
        re.compile(r"\b(master'?s?|m\.?sc?\.?|m\.?eng|m\.?tech|graduate degree)(?!\w)", re.I),
    ),
    ("phd", re.compile(r"\b(ph\.?\s?d\.?|doctorate|doctoral)(?!\w)", re.I)),
)
_EQUIVALENT = re.compile(r"\bequivalent\b|\bor (?:relevant|comparable) experience\b", re.I)

_SENIOR_TITLE = re.compile(r"\b(senior|sr\.?|lead|staff|principal|head of|architect)\b", re.I)
_JUNIOR_TITLE = re.compile(r"\b(junior|jr\.?|entry[- ]level|graduate|intern|trainee)\b", re.I)
_MID_TITLE = re.compile(r"\b(mid[- ]?level|intermediate)\b", re.I)

_SIGNAL_CATEGORIES = frozenset({"leadership"})
_SKIP_CATEGORIES = frozenset({"education", "certifications"})


@dataclass(frozen=True, slots=True)
class _Sentence:
    start: int
    end: int
    mode: Mode


@dataclass(frozen=True, slots=True)
class JobRequirementsText:
    """What was read from the posting, before it becomes a profile (useful for debugging)."""

    title: str
    groups: tuple[tuple[tuple[str, ...], Mode], ...]
    signals: tuple[tuple[str, Mode], ...]
    years: tuple[float, Mode] | None
    degree: tuple[str, Mode] | None
    degree_fields: tuple[str, ...]
    equivalent_allowed: bool


# ----------------------------------------------------------------------------- sentences and modes


_NEUTRAL_HEADINGS = re.compile(
    r"^(about|overview|description|job description|responsibilities|your responsibilities|"
    r"what you(?:'ll| will) do|the role|the team|who we are|our stack|tech stack|"
    r"technologies|benefits|perks|what we offer|we offer|compensation|salary|location|"
    r"how to apply|why join us)\b",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d+[.)])\s+")


def _is_heading(line: str) -> bool:
    """A line that names a block ("Requirements:", "Nice to have"), not a bullet or a sentence."""
    stripped = line.strip().strip("*#_").strip()
    if not stripped or len(stripped) > 60 or _BULLET.match(line):
        return False
    if stripped.endswith(":"):
        return True
    if len(stripped.split()) > 6 or stripped.endswith((".", ",", ";")):
        return False
    return bool(
        _REQUIRED_HEADINGS.search(stripped)
        or _PREFERRED_HEADINGS.search(stripped)
        or _NEUTRAL_HEADINGS.match(stripped)
    )


def _heading_mode(line: str) -> Mode:
    if _PREFERRED_HEADINGS.search(line):
        return "preferred"
    if _REQUIRED_HEADINGS.search(line):
        return "required"
    return "neutral"


def _sentence_mode(text: str, block: Mode) -> Mode:
    if _PREFERRED_CUES.search(text):
        return "preferred"
    if _REQUIRED_CUES.search(text):
        return "required"
    return block


def split_sentences(text: str) -> list[_Sentence]:
    """Sentences (and bullet lines) with the mode their block and their own cues give them."""
    sentences: list[_Sentence] = []
    block: Mode = "neutral"
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\n")
        if _is_heading(body):
            # A heading with cue words sets the block; any other heading resets it. Its own
            # text (e.g. "Must have: Python") may still carry skills, read with that mode.
            block = _heading_mode(body)
            sentences.append(_Sentence(offset, offset + len(body), block))
        else:
            cursor = 0
            for piece in _SENTENCE_END.split(body):
                start = body.find(piece, cursor)
                cursor = start + len(piece)
                mode = _sentence_mode(piece, block)
                sentences.append(_Sentence(offset + start, offset + cursor, mode))
        offset += len(line)
    return sentences


def _resolve_neutral(sentences: Sequence[_Sentence]) -> list[_Sentence]:
    has_required_block = any(s.mode == "required" for s in sentences)
    fallback: Mode = "preferred" if has_required_block else "required"
    return [
        _Sentence(s.start, s.end, fallback if s.mode == "neutral" else s.mode) for s in sentences
    ]


# ----------------------------------------------------------------------------- years and degree


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _WORD_NUMBERS[text.lower()]


def read_years(sentence: str) -> float | None:
    """The lower bound of a years-of-experience figure in one sentence, if any."""
    if _ABOUT_COMPANY.search(sentence) and not _ABOUT_CANDIDATE.search(sentence):
        return None  # "a company with more than 50 years of experience"
    found: list[float] = []
    taken: list[tuple[int, int]] = []  # spans already read, so "2-4 years" is not also "4 years"
    for pattern in _YEAR_PATTERNS:
        for match in pattern.finditer(sentence):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            taken.append(match.span())
            value = float(_number(match.group(1)))
            if value <= _MAX_YEARS:
                found.append(value)
    if not found:
        return None
    if not _EXPERIENCE_WORD.search(sentence) and "+" not in sentence:
        return None
    # "3+ years ... of which 1 year in ML": the overall figure is the largest lower bound.
    return max(found)


def _read_degree(
    sentences: Sequence[_Sentence], text: str, taxonomy: Taxonomy
) -> tuple[str, Mode] | None:
    best: tuple[int, int, str, Mode] | None = None  # (mode rank, degree rank, node, mode)
    for sentence in sentences:
        piece = text[sentence.start : sentence.end]
        for rank, (node_id, pattern) in enumerate(_DEGREES):
            if node_id in taxonomy.nodes and pattern.search(piece):
                mode_rank = 0 if sentence.mode == "required" else 1
                candidate = (mode_rank, rank, node_id, sentence.mode)
                if best is None or candidate[:2] < best[:2]:
                    best = candidate
    return (best[2], best[3]) if best else None


# ----------------------------------------------------------------------------- skill groups


def _mode_at(offset: int, sentences: Sequence[_Sentence]) -> tuple[Mode, int]:
    for index, sentence in enumerate(sentences):
        if sentence.start <= offset < max(sentence.end, sentence.start + 1):
            return sentence.mode, index
    return "required", -1


def _group_mentions(
    mentions: Sequence[SkillMention], text: str, sentences: Sequence[_Sentence]
) -> list[tuple[tuple[str, ...], Mode]]:
    """Group mentions into 'any of' alternatives per sentence; others stand alone."""
    by_sentence: dict[int, list[SkillMention]] = {}
    modes: dict[int, Mode] = {}
    for mention in sorted(mentions, key=lambda m: m.start):
        mode, index = _mode_at(mention.start, sentences)
        if mention.assertion == "aspirational":
            mode = "preferred"
        by_sentence.setdefault(index, []).append(mention)
        modes[id(mention)] = mode
    groups: list[tuple[tuple[str, ...], Mode]] = []
    for index, items in by_sentence.items():
        sentence_start = sentences[index].start if index >= 0 else 0
        runs: list[list[SkillMention]] = []
        for mention in items:
            if runs:
                previous = runs[-1][-1]
                between = text[previous.end : mention.start]
                lead = text[sentence_start : runs[-1][0].start]
                examples = bool(_EXAMPLE_LEAD.search(lead)) and bool(_LIST_JOIN.match(between))
                if _ALTERNATIVE_JOIN.match(between) or examples:
                    runs[-1].append(mention)
                    continue
            runs.append([mention])
        for run in runs:
            nodes = tuple(dict.fromkeys(m.node_id for m in run))
            required = any(modes[id(m)] == "required" for m in run)
            groups.append((nodes, "required" if required else "preferred"))
    return groups


def _merge_groups(
    groups: Iterable[tuple[tuple[str, ...], Mode]],
) -> list[tuple[tuple[str, ...], Mode]]:
    """One group per node set; required wins; a preferred group drops nodes already required."""
    merged: dict[frozenset[str], tuple[tuple[str, ...], Mode]] = {}
    for nodes, mode in groups:
        key = frozenset(nodes)
        current = merged.get(key)
        if current is None or (mode == "required" and current[1] != "required"):
            merged[key] = (nodes, mode)
    required_singles = {
        nodes[0] for nodes, mode in merged.values() if mode == "required" and len(nodes) == 1
    }
    result: list[tuple[tuple[str, ...], Mode]] = []
    seen: set[frozenset[str]] = set()
    for nodes, mode in merged.values():
        kept: tuple[str, ...] = nodes
        if len(nodes) == 1:
            if mode == "preferred" and nodes[0] in required_singles:
                continue
        else:
            # "PyTorch or TensorFlow" where PyTorch is also required on its own: the
            # alternative adds nothing for PyTorch, so only the other options remain.
            kept = tuple(n for n in nodes if n not in required_singles)
        if kept and frozenset(kept) not in seen:
            seen.add(frozenset(kept))
            result.append((kept, mode))
    return result


# ----------------------------------------------------------------------------- public


def read_job_description(
    text: str, *, taxonomy: Taxonomy, extractor: _Extractor
) -> JobRequirementsText:
    """Read skills, years and degree from a posting (see the module docstring for the rules)."""
    cleaned = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not cleaned:
        raise ProfileError("the job description is empty: paste the posting's text")
    document = ExtractedDocument.model_validate(
        {
            "info": {"media_type": MediaType.TXT, "characters": len(cleaned)},
            "text": cleaned,
            "sections": [{"kind": SectionKind.OTHER, "start": 0, "end": len(cleaned)}],
        }
    )
    mentions = [
        m
        for m in extractor.extract(document)
        if m.assertion != "negated" and m.node_id in taxonomy.nodes
    ]
    sentences = _resolve_neutral(split_sentences(cleaned))

    def category(m: SkillMention) -> str:
        return taxonomy.nodes[m.node_id].category

    skill_mentions = [
        m for m in mentions if category(m) not in _SKIP_CATEGORIES | _SIGNAL_CATEGORIES
    ]
    signal_modes: dict[str, Mode] = {}
    for mention in mentions:
        if category(mention) in _SIGNAL_CATEGORIES:
            mode, index = _mode_at(mention.start, sentences)
            said = cleaned[sentences[index].start : sentences[index].end] if index >= 0 else ""
            if _ABOUT_COMPANY.search(said) and not _ABOUT_CANDIDATE.search(said):
                continue  # "we are hiring", "our team mentors": about the employer
            if signal_modes.get(mention.node_id) != "required":
                signal_modes[mention.node_id] = mode
    years: tuple[float, Mode] | None = None
    for sentence in sentences:
        found = read_years(cleaned[sentence.start : sentence.end])
        if found is None:
            continue
        candidate = (found, sentence.mode)
        if (
            years is None
            or (candidate[1] == "required" and years[1] != "required")
            or (candidate[1] == years[1] and candidate[0] > years[0])
        ):
            years = candidate
    fields = tuple(
        dict.fromkeys(
            m.node_id
            for m in mentions
            if category(m) == "education" and m.node_id.startswith("field_")
        )
    )
    first_line = next((line.strip() for line in cleaned.splitlines() if line.strip()), "")
    return JobRequirementsText(
        title=first_line[:80] or "Job description",
        groups=tuple(_merge_groups(_group_mentions(skill_mentions, cleaned, sentences))),
        signals=tuple(signal_modes.items()),
        years=years,
        degree=_read_degree(sentences, cleaned, taxonomy),
        degree_fields=fields,
        equivalent_allowed=bool(_EQUIVALENT.search(cleaned)),
    )


def infer_level(title: str, years: float | None) -> str:
    if _SENIOR_TITLE.search(title):
        return "senior"
    if _JUNIOR_TITLE.search(title):
        return "junior"
    if _MID_TITLE.search(title):
        return "mid"
    if years is None:
        return "mid"
    if years >= 5:
        return "senior"
    return "mid" if years >= 2 else "junior"


def _experience_requirement(years: float, mode: Mode) -> dict[str, Any]:
    spread = max(0.4, 0.2 * years)
    # logistic(1.0986) = 0.75: the stated figure gives satisfaction 0.75, a year more about 0.9.
    midpoint = max(0.0, years - 1.0986 * spread)
    return {
        "id": "experience",
        "label": f"{years:g}+ years of experience",
        "kind": "experience",
        "importance": "must" if mode == "required" else "nice",
        "weight": 3.0 if mode == "required" else 1.5,
        "typical_years": f"{years:g}+",
        "curve": {"midpoint": round(midpoint, 3), "spread": round(spread, 3)},
        "internship_weight": 0.25 if years < 2 else 0.0,
        "gap": f"The posting asks for {years:g}+ years of experience.",
    }


def _skill_requirement(
    index: int, nodes: tuple[str, ...], mode: Mode, taxonomy: Taxonomy
) -> dict[str, Any]:
    names = [taxonomy.nodes[n].name for n in nodes]
    label = (
        names[0] if len(names) == 1 else " or ".join(names[:4]) + (" …" if len(names) > 4 else "")
    )
    required = mode == "required"
    return {
        "id": f"skill_{index:02d}_{nodes[0]}",
        "label": label,
        "kind": "skills",
        "importance": "must" if required else "nice",
        "weight": 2.0 if required else 1.0,
        "nodes": list(nodes),
        "min_count": 1,
        "gap": f"The posting {'requires' if required else 'prefers'} {label}.",
    }


def profile_from_job_description(
    text: str, *, taxonomy: Taxonomy, extractor: _Extractor, level: str | None = None
) -> Profile:
    """A validated profile from a job posting: required vs preferred skills, years, degree."""
    read = read_job_description(text, taxonomy=taxonomy, extractor=extractor)
    requirements: list[dict[str, Any]] = [
        _skill_requirement(i, nodes, mode, taxonomy) for i, (nodes, mode) in enumerate(read.groups)
    ]
    if read.signals:
        nodes = [node for node, _ in read.signals]
        required = any(mode == "required" for _, mode in read.signals)
        requirements.append(
            {
                "id": "signals",
                "label": "Leadership and collaboration named in the posting",
                "kind": "signals",
                "importance": "must" if required else "nice",
                "weight": 2.0 if required else 1.0,
                "nodes": nodes,
                "min_count": min(2, len(nodes)),
            }
        )
    if read.years is not None:
        requirements.append(_experience_requirement(*read.years))
    if read.degree is not None:
        degree, mode = read.degree
        ladder = [d for d, _ in _DEGREES if d in taxonomy.nodes]
        requirements.append(
            {
                "id": "education",
                "label": f"{taxonomy.nodes[degree].name} or higher",
                "kind": "education",
                "importance": "must"
                if mode == "required" and not read.equivalent_allowed
                else "nice",
                "weight": 1.5,
                "degrees": ladder,
                "min_degree": degree,
                "fields": list(read.degree_fields),
                "equivalent_years": 4.0 if read.equivalent_allowed else None,
                "equivalent_credit": 0.8,
            }
        )
    # Must-haves first (stable), so reports list what the posting insists on at the top.
    requirements.sort(key=lambda requirement: requirement["importance"] != "must")
    if not requirements:
        raise ProfileError(
            "no skills, years of experience or degree were found in the job description:"
            " paste the full posting including its requirements"
        )
    chosen_level = level or infer_level(read.title, read.years[0] if read.years else None)
    ranks = {"junior": 1, "mid": 2, "senior": 3}
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    must = sum(1 for r in requirements if r["importance"] == "must")
    data = {
        "id": "job_description",
        "level": chosen_level,
        "rank": None if chosen_level in ranks else 10,
        "title": read.title,
        "version": f"jd-{digest}",
        "description": (
            f"Built from a job description: {must} must-have and"
            f" {len(requirements) - must} nice-to-have requirement group(s)."
        ),
        "requirements": requirements,
    }
    return load_profile(data, taxonomy=taxonomy)

"""Human-readable reports of a MatchResult: plain text for terminals, self-contained HTML.

Both show the same things in the same order: header (document, years), best-fit level, per-level
score bars and verdicts, the strongest evidence, then per level the gaps with advice. The HTML
needs no external assets (inline CSS, no scripts) and escapes every string with ``html.escape``.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterable, Sequence

from matcher.models import Evidence, LevelFit, MatchResult, RequirementResult, SkillEvidence

__all__ = ["render_html", "render_text"]

_STATUS_MARK = {"met": "[met]", "partial": "[partial]", "missing": "[missing]"}
_TOP_SKILLS = 10
_MIN_WIDTH = 40


# ----------------------------------------------------------------------------- shared pieces


def _document_line(result: MatchResult) -> str:
    info = result.document
    parts = [info.media_type.value.upper()]
    if info.pages is not None:
        parts.append(f"{info.pages} page{'s' if info.pages != 1 else ''}")
    parts.append(f"{info.characters:,} characters")
    if info.truncated:
        parts.append("truncated")
    return ", ".join(parts)


def _years_line(result: MatchResult) -> str:
    exp = result.experience
    return (
        f"{exp.professional_years:.1f} years professional experience, "
        f"{exp.internship_years:.1f} in internships, {exp.positions} dated entries"
    )


def _best_fit_line(result: MatchResult) -> str:
    if result.best_fit is None:
        return "Best fit: none of the levels (no strong or partial fit)"
    title = next((f.title for f in result.fits if f.level == result.best_fit), result.best_fit)
    return f"Best fit: {result.best_fit} ({title})"


def _format_dates(evidence: Evidence) -> str:
    if evidence.dates is None:
        return ""
    start = f"{evidence.dates.start:%Y-%m}"
    end = "present" if evidence.dates.is_current else f"{evidence.dates.end:%Y-%m}"
    return f"{start} to {end}"


def _evidence_where(evidence: Evidence) -> str:
    parts = [evidence.section.value]
    dates = _format_dates(evidence)
    if dates:
        parts.append(dates)
    return ", ".join(parts)


def _top_skills(skills: Sequence[SkillEvidence]) -> list[SkillEvidence]:
    ranked = sorted(skills, key=lambda s: (not s.in_work, -s.years, -s.mentions, s.name.casefold()))
    return ranked[:_TOP_SKILLS]


def _skill_line(skill: SkillEvidence) -> str:
    where = "used in described work" if skill.in_work else "listed or mentioned only"
    parts = [where]
    if skill.years:
        parts.append(f"{skill.years:.1f} yrs")
    if skill.last_used:
        parts.append(f"last used {skill.last_used:%Y-%m}")
    return f"{skill.name}: {', '.join(parts)}"


def _ordered_gaps(fit: LevelFit) -> list[RequirementResult]:
    """Not-met requirements: must-haves first, then by lost weight."""
    gaps = [r for r in fit.requirements if r.status != "met"]
    return sorted(
        gaps, key=lambda r: (r.importance != "must", -r.weight * (1 - r.satisfaction), r.id)
    )


def _unique_evidence(results: Iterable[RequirementResult]) -> list[tuple[str, Evidence]]:
    seen: set[tuple[int, int]] = set()
    found: list[tuple[str, Evidence]] = []
    for result in results:
        for evidence in result.evidence[:2]:
            if (evidence.start, evidence.end) not in seen:
                seen.add((evidence.start, evidence.end))
                found.append((result.label, evidence))
    return found


def _evidence_fit(result: MatchResult) -> LevelFit | None:
    """The level whose evidence to show: the best fit, else the best-scoring level."""
    if not result.fits:
        return None
    if result.best_fit is not None:
        return next((f for f in result.fits if f.level == result.best_fit), result.fits[0])
    return max(result.fits, key=lambda f: f.score)


# ----------------------------------------------------------------------------- text


def _bar(score: float, width: int) -> str:
    filled = round(score / 100 * width)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def _wrap(text: str, width: int, indent: str, first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=first if first is not None else indent,
        subsequent_indent=indent,
        break_long_words=True,
        break_on_hyphens=False,
    ) or [first or indent]


def render_text(result: MatchResult, *, width: int = 80) -> str:
    """A plain-text report whose lines never exceed ``width`` columns."""
    width = max(width, _MIN_WIDTH)
    lines: list[str] = []
    lines += _wrap("Machine Learning Engineer fit report", width, "")
    lines += _wrap(f"Reference date: {result.reference_date:%Y-%m-%d}", width, "")
    lines += _wrap(f"Document: {_document_line(result)}", width, "  ", "")
    lines += _wrap(f"Experience: {_years_line(result)}", width, "  ", "")
    lines.append("")
    lines += _wrap(_best_fit_line(result), width, "  ", "")
    lines.append("")
    lines.append("Scores")
    label_width = max((len(f.level) for f in result.fits), default=6)
    bar_width = max(10, width - label_width - 22)
    for fit in result.fits:
        row = f"  {fit.level:<{label_width}} {_bar(fit.score, bar_width)} {fit.score:5.1f}"
        lines.append(f"{row}  {fit.verdict}"[:width])

    if result.skills:
        lines.append("")
        lines.append("Strongest skills")
        for skill in _top_skills(result.skills):
            lines += _wrap(_skill_line(skill), width, "    ", "  - ")

    shown = _evidence_fit(result)
    if shown is not None:
        met = [r for r in shown.requirements if r.status == "met"]
        quotes = _unique_evidence(met)[:6]
        if quotes:
            lines.append("")
            lines.append(f"Top evidence ({shown.level})")
            for label, evidence in quotes:
                lines += _wrap(
                    f'{label}: "{evidence.text}" ({_evidence_where(evidence)})',
                    width,
                    "    ",
                    "  - ",
                )

    for fit in result.fits:
        lines.append("")
        lines += _wrap(
            f"== {fit.level}: {fit.title}, {fit.score:.0f}/100, {fit.verdict} ==", width, "   ", ""
        )
        lines += _wrap(fit.summary, width, "  ")
        met_labels = [r.label for r in fit.requirements if r.status == "met"]
        if met_labels:
            lines += _wrap("Met: " + "; ".join(met_labels), width, "    ", "  ")
        for gap in _ordered_gaps(fit):
            head = (
                f"{_STATUS_MARK[gap.status]} {gap.label} ({gap.importance}, {gap.satisfaction:.2f})"
            )
            lines += _wrap(head, width, "    ", "  ")
            lines += _wrap(gap.explanation, width, "      ", "    ")
            if gap.advice:
                lines += _wrap(f"Advice: {gap.advice}", width, "      ", "    ")
    return "\n".join(line.rstrip() for line in lines) + "\n"


# ----------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:58rem;color:#1d2430;line-height:1.45;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem}
.meta{color:#555;margin:.1rem 0}.best{font-size:1.1rem;margin:1rem 0;padding:.6rem .8rem;
background:#eef4ff;border-left:4px solid #3867d6}
table{border-collapse:collapse;width:100%}td,th{padding:.3rem .5rem;text-align:left;
vertical-align:top}
.bar{background:#e6e8ee;border-radius:4px;height:.9rem;width:100%;min-width:8rem}
.fill{height:100%;border-radius:4px}
.strong .fill{background:#2e9e5b}.partial .fill{background:#e0a800}.weak .fill{background:#c0392b}
.verdict{font-weight:600}.strong .verdict{color:#1f7a45}.partial .verdict{color:#9a7400}
.weak .verdict{color:#a93226}
.req{border:1px solid #dde1ea;border-radius:6px;padding:.5rem .7rem;margin:.5rem 0}
.req.met{border-left:4px solid #2e9e5b}.req.partial{border-left:4px solid #e0a800}
.req.missing{border-left:4px solid #c0392b}
.status{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:#555}
.advice{background:#f7f7f2;padding:.3rem .5rem;border-radius:4px}
blockquote{margin:.3rem 0 .3rem .5rem;padding-left:.6rem;border-left:3px solid #ccd;color:#333}
.where{color:#666;font-size:.85rem}
details summary{cursor:pointer;font-weight:600}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _html_evidence(evidence: Evidence) -> str:
    note = f"; {_e(evidence.note)}" if evidence.note else ""
    return (
        f"<blockquote>&ldquo;{_e(evidence.text)}&rdquo;"
        f' <span class="where">({_e(_evidence_where(evidence))}{note})</span></blockquote>'
    )


def _html_requirement(result: RequirementResult) -> str:
    parts = [
        f'<div class="req {_e(result.status)}">',
        f'<div><strong>{_e(result.label)}</strong> <span class="status">{_e(result.status)}'
        f" &middot; {_e(result.importance)} &middot; weight {result.weight:g}"
        f" &middot; satisfaction {result.satisfaction:.2f}</span></div>",
        f"<p>{_e(result.explanation)}</p>",
    ]
    if result.advice:
        parts.append(f'<p class="advice"><strong>Advice:</strong> {_e(result.advice)}</p>')
    parts += [_html_evidence(e) for e in result.evidence]
    parts.append("</div>")
    return "\n".join(parts)


def _html_level(fit: LevelFit, *, open_: bool) -> str:
    gaps = _ordered_gaps(fit)
    met = [r for r in fit.requirements if r.status == "met"]
    parts = [
        f"<details{' open' if open_ else ''}><summary>{_e(fit.title)} &mdash; "
        f"{fit.score:.0f}/100, {_e(fit.verdict)}</summary>",
        f"<p>{_e(fit.summary)}</p>",
    ]
    if gaps:
        parts.append("<h3>Gaps</h3>")
        parts += [_html_requirement(r) for r in gaps]
    if met:
        parts.append("<h3>Met</h3>")
        parts += [_html_requirement(r) for r in met]
    parts.append("</details>")
    return "\n".join(parts)


def render_html(result: MatchResult) -> str:
    """A self-contained HTML page (inline CSS, no scripts, every string escaped)."""
    rows = []
    for fit in result.fits:
        rows.append(
            f'<tr class="{_e(fit.verdict)}"><th>{_e(fit.level)}</th>'
            f'<td style="width:60%"><div class="bar"><div class="fill" '
            f'style="width:{max(0.0, min(100.0, fit.score)):.1f}%"></div></div></td>'
            f'<td>{fit.score:.1f}</td><td class="verdict">{_e(fit.verdict)}</td></tr>'
        )
    skills = "".join(f"<li>{_e(_skill_line(s))}</li>" for s in _top_skills(result.skills))
    shown = _evidence_fit(result)
    evidence_html = ""
    if shown is not None:
        quotes = _unique_evidence(r for r in shown.requirements if r.status == "met")[:6]
        if quotes:
            evidence_html = f"<h2>Top evidence ({_e(shown.level)})</h2>" + "".join(
                f"<p><strong>{_e(label)}</strong></p>{_html_evidence(e)}" for label, e in quotes
            )
    levels = "\n".join(
        _html_level(fit, open_=fit.level == (result.best_fit or "")) for fit in result.fits
    )
    versions = result.versions
    profile_versions = ", ".join(f"{k} {v}" for k, v in sorted(versions.profiles.items()))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ML engineer fit report</title>
<style>{_CSS}</style>
</head>
<body>
<h1>Machine Learning Engineer fit report</h1>
<p class="meta">Document: {_e(_document_line(result))}</p>
<p class="meta">Experience: {_e(_years_line(result))}</p>
<p class="meta">Reference date: {result.reference_date:%Y-%m-%d}</p>
<p class="best">{_e(_best_fit_line(result))}</p>
<h2>Scores</h2>
<table>{"".join(rows)}</table>
{f"<h2>Strongest skills</h2><ul>{skills}</ul>" if skills else ""}
{evidence_html}
<h2>Levels, gaps and advice</h2>
{levels}
<p class="meta">matcher {_e(versions.matcher)} &middot; taxonomy {_e(versions.taxonomy)}
&middot; profiles {_e(profile_versions)} &middot; schema {_e(versions.schema_version)}</p>
</body>
</html>
"""

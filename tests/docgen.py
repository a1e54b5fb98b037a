"""Deterministic PDF and DOCX resumes generated in memory for tests and benchmarks.

Text conventions shared by every generator: one line of ``text`` is one paragraph; a line in ALL
CAPS or starting with ``#`` is a heading; a line starting with ``• `` or ``- `` is a list item;
an empty line is vertical space; a form feed (``\\f``) starts a new page (PDF) or a page break
(DOCX). Markdown, plain text and HTML need no generator: tests write them as strings.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

__all__ = [
    "docx_bytes",
    "lines_of",
    "make_docx",
    "make_pdf",
    "make_two_column_pdf",
    "split_sections",
]

_PAGE_MARGIN = 50.0
_COLUMN_GAP = 24.0
_FIXED_TIME = datetime(2024, 1, 1, 12, 0, 0)
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("#") or (stripped.isupper() and len(stripped) <= 40)


def _is_list_item(line: str) -> bool:
    return line.startswith(("• ", "- "))


def _heading_text(line: str) -> str:
    return line.strip().lstrip("#").strip()


# ----------------------------------------------------------------------------- PDF


def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    sheet = getSampleStyleSheet()
    body = ParagraphStyle("ResumeBody", parent=sheet["BodyText"], fontSize=10, leading=13)
    return {
        "body": body,
        "heading": ParagraphStyle("ResumeHeading", parent=sheet["Heading2"], spaceBefore=8),
        "bullet": ParagraphStyle("ResumeBullet", parent=body, leftIndent=12, bulletIndent=2),
    }


def _flowables(text: str) -> list[Any]:
    """Platypus flowables for ``text`` following the module's line conventions."""
    from reportlab.platypus import PageBreak, Paragraph, Spacer

    styles = _styles()
    story: list[Any] = []
    for line in text.split("\n"):
        if line.startswith("\f"):
            story.append(PageBreak())
            line = line[1:]
        if not line.strip():
            story.append(Spacer(1, 6))
        elif _is_heading(line):
            story.append(Paragraph(escape(_heading_text(line)), styles["heading"]))
        elif _is_list_item(line):
            story.append(Paragraph(escape(line[2:]), styles["bullet"], bulletText="•"))
        else:
            story.append(Paragraph(escape(line), styles["body"]))
    return story


def _encryption(user: str | None, owner: str | None) -> Any:
    if user is None and owner is None:
        return None
    from reportlab.lib.pdfencrypt import StandardEncryption

    return StandardEncryption(user or "", ownerPassword=owner or user, canCopy=0, strength=128)


def make_pdf(
    text: str,
    *,
    columns: int = 1,
    encrypt_user: str | None = None,
    encrypt_owner: str | None = None,
    image_only: bool = False,
    pages_hint: int | None = None,
) -> bytes:
    """A PDF of ``text``; ``columns=2`` flows it down a left then a right column.

    ``encrypt_user`` sets a password needed to open the file, ``encrypt_owner`` only restricts
    copying (readers open it freely). ``image_only`` draws grey bars where the lines would be
    and no text at all, like a scan. ``pages_hint`` pads the document with short pages until it
    has at least that many.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import BaseDocTemplate, PageBreak, PageTemplate, Paragraph

    if image_only:
        return _image_only_pdf(text, pages=pages_hint or 1)
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        invariant=True,
        encrypt=_encryption(encrypt_user, encrypt_owner),
        title="Resume",
        author="docgen",
    )
    document.addPageTemplates([PageTemplate(id="main", frames=_column_frames(A4, columns))])
    story = _flowables(text)
    for number in range(2, (pages_hint or 0) + 1):
        story += [PageBreak(), Paragraph(f"Continued on page {number}.", _styles()["body"])]
    document.build(story)
    return buffer.getvalue()


def _column_frames(page_size: tuple[float, float], columns: int) -> list[Any]:
    from reportlab.platypus import Frame

    width, height = page_size
    usable = width - 2 * _PAGE_MARGIN - (columns - 1) * _COLUMN_GAP
    column_width = usable / columns
    return [
        Frame(
            _PAGE_MARGIN + index * (column_width + _COLUMN_GAP),
            _PAGE_MARGIN,
            column_width,
            height - 2 * _PAGE_MARGIN,
            id=f"column{index}",
        )
        for index in range(columns)
    ]


def make_two_column_pdf(left: str, right: str, *, interleave_rows: bool = False) -> bytes:
    """One page with ``left`` in the left column and ``right`` in the right column.

    By default each column is a frame, so the PDF holds the left column first, as Word and
    LaTeX write it. ``interleave_rows=True`` draws the page row by row (left line, right line,
    next row ...), the order some HTML-to-PDF converters use and the hard case for readers.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import BaseDocTemplate, FrameBreak, PageTemplate

    if interleave_rows:
        return _row_interleaved_pdf(left, right)
    buffer = io.BytesIO()
    document = BaseDocTemplate(buffer, pagesize=A4, invariant=True, title="Resume")
    document.addPageTemplates([PageTemplate(id="two", frames=_column_frames(A4, 2))])
    document.build([*_flowables(left), FrameBreak(), *_flowables(right)])
    return buffer.getvalue()


def _row_interleaved_pdf(left: str, right: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    width, height = A4
    right_x = width / 2 + _COLUMN_GAP / 2
    left_lines, right_lines = left.split("\n"), right.split("\n")
    y = height - _PAGE_MARGIN
    for row in range(max(len(left_lines), len(right_lines))):
        for x, lines in ((_PAGE_MARGIN, left_lines), (right_x, right_lines)):
            if row < len(lines) and lines[row].strip():
                bold = _is_heading(lines[row])
                pdf.setFont("Helvetica-Bold" if bold else "Helvetica", 10)
                pdf.drawString(x, y, _heading_text(lines[row]) if bold else lines[row])
        y -= 14
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _image_only_pdf(text: str, *, pages: int) -> bytes:
    """Grey bars where the text lines would be: shapes only, no text objects, like a scan."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    width, height = A4
    lines = [line for line in text.split("\n") if line.strip()]
    for _ in range(pages):
        pdf.setFillGray(0.6)
        y = height - _PAGE_MARGIN
        for line in lines:
            pdf.rect(_PAGE_MARGIN, y, min(len(line) * 5.0, width - 2 * _PAGE_MARGIN), 8, 0, 1)
            y -= 14
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# ----------------------------------------------------------------------------- DOCX


def split_sections(text: str) -> list[str]:
    """``text`` cut before every heading line (the first chunk may have no heading)."""
    chunks: list[list[str]] = [[]]
    for line in text.split("\n"):
        if _is_heading(line) and any(chunk_line.strip() for chunk_line in chunks[-1]):
            chunks.append([])
        chunks[-1].append(line)
    return ["\n".join(chunk) for chunk in chunks if any(line.strip() for line in chunk)]


def _add_lines(container: Any, text: str) -> None:
    """Paragraphs in a document or table cell, with Heading and List Bullet styles."""
    from docx.enum.text import WD_BREAK

    existing = container.paragraphs
    # A new table cell already holds one empty paragraph: write the first line into it.
    reusable = existing[-1] if existing and not existing[-1].text else None
    for line in text.split("\n"):
        paragraph, reusable = reusable or container.add_paragraph(), None
        if line.startswith("\f"):
            paragraph.add_run().add_break(WD_BREAK.PAGE)
            line = line[1:]
        if _is_heading(line):
            paragraph.style = "Heading 1"
            paragraph.add_run(_heading_text(line))
        elif _is_list_item(line):
            paragraph.style = "List Bullet"
            paragraph.add_run(line[2:])
        else:
            paragraph.add_run(line)


def make_docx(text: str, *, as_table: bool = False, header_text: str | None = None) -> bytes:
    """A DOCX of ``text`` (headings as Heading 1, list items as List Bullet).

    ``as_table=True`` lays the sections out like a two-column Word template: one table row,
    the first half of the sections in the left cell and the rest in the right cell.
    ``header_text`` goes into the page header, where many templates keep name and contact.
    """
    import docx

    document = docx.Document()
    if header_text is not None:
        document.sections[0].header.paragraphs[0].text = header_text
    if as_table:
        sections = split_sections(text)
        middle = (len(sections) + 1) // 2
        table = document.add_table(rows=1, cols=2)
        _add_lines(table.cell(0, 0), "\n".join(sections[:middle]))
        _add_lines(table.cell(0, 1), "\n".join(sections[middle:]))
    else:
        _add_lines(document, text)
    return docx_bytes(document)


def docx_bytes(document: Any) -> bytes:
    """Save a python-docx document with fixed timestamps, so equal documents are equal bytes."""
    properties = document.core_properties
    properties.created = properties.modified = _FIXED_TIME
    properties.last_modified_by = properties.author = "docgen"
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _normalise_zip(buffer.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a ZIP with every entry dated 1980-01-01 (python-docx stamps the current time)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(entry))
    return output.getvalue()


def lines_of(text: str) -> Sequence[str]:
    """Non-empty stripped lines, for order assertions."""
    return [line.strip() for line in text.split("\n") if line.strip()]

"""Render samples/*.txt to PDFs next to them: `python scripts/make_samples.py`.

The PDF is committed so the README's run command works without extra tools; it is rendered with
reportlab's built-in Helvetica (no embedded fonts) and in invariant mode, so re-running the script
gives the same bytes and a small file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
MARGIN = 54.0  # 0.75 inch
BODY_FONT, BODY_SIZE = "Helvetica", 9.5
HEADING_FONT, HEADING_SIZE = "Helvetica-Bold", 11.0
NAME_SIZE = 16.0
LEADING = 12.5


def is_heading(line: str) -> bool:
    """Section headings are short all-capital lines such as 'EXPERIENCE'."""
    stripped = line.strip()
    return bool(stripped) and stripped.isupper() and len(stripped.split()) <= 3


def render_resume(text: str, target: Path) -> None:
    """Lay the resume out on US-letter pages: name large, headings bold, long lines wrapped."""
    width, height = LETTER
    canvas = Canvas(str(target), pagesize=LETTER, invariant=True, pageCompression=1)
    canvas.setTitle("Sample resume (fictional)")
    canvas.setAuthor("ml-role-matcher samples")
    usable = width - 2 * MARGIN
    y = height - MARGIN

    def new_page_if_needed(needed: float) -> None:
        nonlocal y
        if y - needed < MARGIN:
            canvas.showPage()
            y = height - MARGIN

    lines = text.splitlines()
    for number, line in enumerate(lines):
        if number == 0:
            canvas.setFont(HEADING_FONT, NAME_SIZE)
            canvas.drawString(MARGIN, y, line.strip())
            y -= NAME_SIZE + 4
            continue
        if not line.strip():
            y -= LEADING / 2
            continue
        if is_heading(line):
            new_page_if_needed(2 * LEADING)
            y -= 4
            canvas.setFont(HEADING_FONT, HEADING_SIZE)
            canvas.drawString(MARGIN, y, line.strip())
            canvas.line(MARGIN, y - 3, width - MARGIN, y - 3)
            y -= LEADING + 2
            continue
        left, gap, right = line.strip().partition("   ")
        if gap and right.strip():
            # "Title — Company      Mar 2023 – Present": dates flush right, as resumes lay them out.
            new_page_if_needed(LEADING)
            canvas.setFont(BODY_FONT, BODY_SIZE)
            canvas.drawString(MARGIN, y, left)
            canvas.drawRightString(width - MARGIN, y, right.strip())
            y -= LEADING
            continue
        indent = 10.0 if line.startswith("  ") else 0.0
        for piece in simpleSplit(line.strip(), BODY_FONT, BODY_SIZE, usable - indent - 10):
            new_page_if_needed(LEADING)
            canvas.setFont(BODY_FONT, BODY_SIZE)
            canvas.drawString(MARGIN + indent, y, piece)
            y -= LEADING
    canvas.save()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="folder of .txt samples")
    args = parser.parse_args()
    for source in sorted(args.samples.glob("*.txt")):
        target = source.with_suffix(".pdf")
        render_resume(source.read_text(encoding="utf-8"), target)
        print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

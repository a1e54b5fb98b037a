"""Write the seed corpus of every fuzz target (generated, never committed): ``seeds.py DIR``.

Seeds are small valid files of each format plus the cheap cases of the hostile corpus; the
decompression bombs are left out (each run would just report the same out-of-memory).
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import hostile  # noqa: E402

FILENAME_BYTE = {"pdf": 1, "docx": 2, "txt": 3, "md": 4, "html": 5}
RESUME_TEXT = "\n".join(
    [
        "Alex Example",
        "Machine Learning Engineer",
        "",
        "EXPERIENCE",
        "Acme Analytics - ML Engineer (Jan 2019 - Present)",
        "• Built PyTorch models, deployed with Docker and Kubernetes.",
        "",
        "SKILLS",
        "Python, SQL, scikit-learn, MLflow, AWS",
        "",
        "EDUCATION",
        "BSc Computer Science, 2014 - 2018",
    ]
)
# Bombs and big files stay out: every run would only report the same out-of-memory again.
BIG_CASES = {"txt_20mb_line", "docx_lying_size", "docx_many_entries"}


def is_bomb(name: str) -> bool:
    return "bomb" in name or name in BIG_CASES


def bytes_seeds() -> dict[str, bytes]:
    markdown = "# " + RESUME_TEXT.replace("\n\n", "\n\n## ")
    items = "</li><li>".join(RESUME_TEXT.splitlines())
    html = f"<html><body><h1>Alex</h1><ul><li>{items}</li></ul></body></html>"
    seeds = {
        "resume.pdf": bytes([FILENAME_BYTE["pdf"]]) + hostile.reportlab_pdf(),
        "resume.docx": bytes([FILENAME_BYTE["docx"]]) + hostile.docx_with(),
        "resume.txt": bytes([FILENAME_BYTE["txt"]]) + RESUME_TEXT.encode(),
        "resume.md": bytes([FILENAME_BYTE["md"]]) + markdown.encode(),
        "resume.html": bytes([FILENAME_BYTE["html"]]) + html.encode(),
    }
    for case in hostile.CORPUS:
        if not is_bomb(case.name):
            kind = case.filename.rsplit(".", 1)[-1]
            seeds[f"hostile-{case.name}"] = bytes([FILENAME_BYTE.get(kind, 0)]) + case.build()
    return seeds


def docx_xml_seeds() -> dict[str, bytes]:
    from docgen import make_docx

    seeds = {"plain.xml": hostile.docx_parts()["word/document.xml"]}
    generated = make_docx(RESUME_TEXT)
    with zipfile.ZipFile(io.BytesIO(generated)) as archive:
        seeds["docgen.xml"] = archive.read("word/document.xml")
    seeds["paragraphs.xml"] = hostile._document_xml(
        b"".join(hostile._paragraph(line.encode()) for line in RESUME_TEXT.splitlines())
    )
    return seeds


def pdf_content_seeds() -> dict[str, bytes]:
    return {
        "line.txt": b"BT /F1 12 Tf 72 720 Td (Machine learning engineer, Python) Tj ET",
        "lines.txt": b"BT /F1 11 Tf 72 740 Td 14 TL (Alex Example) Tj T* (Skills: Python, SQL) Tj"
        b" T* [(Py) -20 (Torch)] TJ ET",
        "columns.txt": b"BT /F1 10 Tf 50 700 Td (Experience) Tj 300 0 Td (Skills) Tj ET"
        b" BT /F1 10 Tf 50 680 Td (2019 - 2023 ML Engineer) Tj 300 0 Td (Python) Tj ET",
    }


def text_seeds() -> dict[str, bytes]:
    seeds = {"resume.txt": b"\x00" + RESUME_TEXT.encode()}
    fixtures = ROOT / "tests" / "data" / "resumes"
    for index, path in enumerate(sorted(fixtures.glob("*.txt"))):
        seeds[path.name] = bytes([index % 5]) + path.read_bytes()[:16_000]
    return seeds


SEEDS = {
    "bytes": bytes_seeds,
    "docx-xml": docx_xml_seeds,
    "pdf-content": pdf_content_seeds,
    "text": text_seeds,
}


def main() -> None:
    base = Path(sys.argv[1])
    for target, build in SEEDS.items():
        directory = base / target
        directory.mkdir(parents=True, exist_ok=True)
        for name, data in build().items():
            (directory / f"seed-{name}").write_bytes(data)


if __name__ == "__main__":
    main()

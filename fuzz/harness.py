"""Coverage-guided fuzzing of ingestion with atheris (libFuzzer for Python).

Targets (pick one with ``--target``; ``fuzz/run.sh`` runs them all in turn):

    bytes        raw file bytes -> load_document, with the file name chosen by the first byte
    docx-xml     fuzzed word/document.xml inside an otherwise valid DOCX (reaches the XML walker,
                 which raw bytes almost never do: a ZIP with a broken CRC stops at the first check)
    pdf-content  a fuzzed page content stream inside a valid PDF (reaches PDFium's text layer)
    text         fuzzed Unicode -> document_from_text -> positions -> skill mentions, with the
                 offset invariants checked on the way

A finding is any exception other than ``MatcherError`` (a raw library error would become an HTTP
500), a broken invariant, a timeout or an out-of-memory. Native aborts inside PDFium under the
RSS limit are reported by libFuzzer as crashes too: in the service the sandbox turns those into
``resource_limit``, but each one is still worth a look.

Run: ``python fuzz/harness.py --target bytes fuzz/.corpus/bytes -max_total_time=60`` (the
arguments after the target are libFuzzer's), or ``fuzz/run.sh SECONDS``.
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

# Only the project's code is instrumented: coverage of python-docx and zipfile costs more speed
# than it gains (the harness targets reach their code through ours anyway).
with atheris.instrument_imports(include=["matcher"]):
    from matcher.errors import MatcherError
    from matcher.loaders import IngestLimits, document_from_text, load_document
    from matcher.models import ExtractedDocument, MediaType

FILENAMES = (None, "resume.pdf", "resume.docx", "resume.txt", "resume.md", "resume.html", "cv")
LIMITS = IngestLimits(max_bytes=2 * 1024 * 1024, max_pages=5, max_chars=100_000)
REFERENCE = date(2026, 12, 1)


def check_document(document: ExtractedDocument) -> None:
    """Invariants every extracted document must satisfy."""
    text = document.text
    assert document.info.characters == len(text)
    assert "\x00" not in text and "\u202e" not in text
    cursor = 0
    for section in document.sections:
        assert section.start == cursor <= section.end <= len(text), "sections must tile the text"
        cursor = section.end
    assert cursor == len(text)


def fuzz_bytes(data: bytes) -> None:
    if not data:
        return
    filename = FILENAMES[data[0] % len(FILENAMES)]
    try:
        document = load_document(data[1:], filename=filename, limits=LIMITS)
    except MatcherError:
        return
    check_document(document)


# The smallest package python-docx opens: no 800 KB of default styles to parse per input.
MINIMAL_DOCX_PARTS = {
    "[Content_Types].xml": b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.wordprocessingml.document.main+xml"/></Types>',
    "_rels/.rels": b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
}


def fuzz_docx_xml(data: bytes) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in MINIMAL_DOCX_PARTS.items():
            archive.writestr(name, content)
        archive.writestr("word/document.xml", data)
    try:
        document = load_document(buffer.getvalue(), filename="resume.docx", limits=LIMITS)
    except MatcherError:
        return
    check_document(document)


def fuzz_pdf_content(data: bytes) -> None:
    import hostile

    try:
        document = load_document(hostile.simple_pdf(data), filename="resume.pdf", limits=LIMITS)
    except MatcherError:
        return
    check_document(document)


_EXTRACTOR: list[object] = []


def fuzz_text(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    media_type = list(MediaType)[provider.ConsumeIntInRange(0, len(MediaType) - 1)]
    text = provider.ConsumeUnicode(provider.remaining_bytes())
    try:
        document = document_from_text(text, media_type=media_type, limits=LIMITS)
    except MatcherError:
        return
    check_document(document)
    from matcher.timeline import find_positions
    from skills.extract import get_extractor

    positions = find_positions(document, reference_date=REFERENCE)
    for position in positions:
        assert 0 <= position.start <= position.end <= len(document.text)
    if not _EXTRACTOR:
        _EXTRACTOR.append(get_extractor())
    extractor = _EXTRACTOR[0]
    for mention in extractor.extract(document, positions):  # type: ignore[attr-defined]
        assert document.text[mention.start : mention.end] == mention.text, "mention offsets"


TARGETS: dict[str, Callable[[bytes], None]] = {
    "bytes": fuzz_bytes,
    "docx-xml": fuzz_docx_xml,
    "pdf-content": fuzz_pdf_content,
    "text": fuzz_text,
}


def main() -> None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--target", choices=sorted(TARGETS), required=True)
    known, libfuzzer_args = parser.parse_known_args()
    atheris.Setup([sys.argv[0], *libfuzzer_args], TARGETS[known.target])
    atheris.Fuzz()


if __name__ == "__main__":
    main()

"""load_document / document_from_text: every format in, cleaned text and sections out.

Like spacy-layout's tests, the same assertions run over every format of one sample resume;
bad inputs are parametrised too, and each must end in a DocumentError whose message tells the
user what to do, never in another exception.
"""

from __future__ import annotations

import io
import random
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docgen import docx_bytes, lines_of, make_docx, make_pdf, make_two_column_pdf
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.errors import (
    DocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedDocumentError,
    MalformedDocumentError,
    NoTextLayerError,
    ResourceLimitError,
    TypeMismatchError,
    UnreadableEncodingError,
    UnsupportedTypeError,
)
from matcher.loaders import (
    Box,
    IngestLimits,
    detect_media_type,
    document_from_text,
    find_column_split,
    html_to_text,
    load_document,
    markdown_to_text,
)
from matcher.models import ExtractedDocument, MediaType, SectionKind

K = SectionKind
DATA = Path(__file__).parent / "data" / "ingest"
SAMPLE = (DATA / "sample_resume.txt").read_text("utf-8")
SAMPLE_KINDS = [
    K.HEADER,
    K.SUMMARY,
    K.EXPERIENCE,
    K.PROJECTS,
    K.SKILLS,
    K.EDUCATION,
    K.CERTIFICATIONS,
    K.OTHER,
]
# Phrases every format must yield, in this order (they span all sections of the sample).
SAMPLE_PHRASES = [
    "Robin Quill",
    "robin.quill@example.org",
    "dependable services",
    "Harbor Logistics",
    "forecasting pipeline in PyTorch",
    "Lumen Retail",
    "Feature store connector for DuckDB",
    "scikit-learn",
    "Docker, Kubernetes, Airflow",
    "University of Coimbra",
    "Cloud Machine Learning Professional",
    "Portuguese, English, Spanish",
]
ACTION_WORDS = ("upload", "save", "export", "remove", "run ocr", "rename", "send", "check")


def _docx_with_header_in_header() -> bytes:
    name_line, rest = SAMPLE.split("\n", 1)
    return make_docx(rest, header_text=name_line)


FORMATS: dict[str, tuple[Callable[[], bytes], str | None, MediaType]] = {
    "pdf": (lambda: make_pdf(SAMPLE), "resume.pdf", MediaType.PDF),
    "pdf-two-column-flow": (lambda: make_pdf(SAMPLE, columns=2), "resume.pdf", MediaType.PDF),
    "docx": (lambda: make_docx(SAMPLE), "resume.docx", MediaType.DOCX),
    "docx-table": (lambda: make_docx(SAMPLE, as_table=True), "resume.docx", MediaType.DOCX),
    "docx-header": (_docx_with_header_in_header, "resume.docx", MediaType.DOCX),
    "txt-utf8": (lambda: SAMPLE.encode("utf-8"), "resume.txt", MediaType.TXT),
    "txt-utf8-bom": (lambda: b"\xef\xbb\xbf" + SAMPLE.encode(), "resume.txt", MediaType.TXT),
    "txt-utf16-le-bom": (lambda: SAMPLE.encode("utf-16"), "resume.txt", MediaType.TXT),
    "txt-utf16-be-bom": (
        lambda: b"\xfe\xff" + SAMPLE.encode("utf-16-be"),
        "resume.txt",
        MediaType.TXT,
    ),
    "txt-utf32-bom": (lambda: SAMPLE.encode("utf-32"), "resume.txt", MediaType.TXT),
    "txt-cp1252": (lambda: SAMPLE.encode("cp1252"), "resume.txt", MediaType.TXT),
    "txt-crlf-no-name": (lambda: SAMPLE.replace("\n", "\r\n").encode(), None, MediaType.TXT),
    "md": (lambda: (DATA / "sample_resume.md").read_bytes(), "resume.md", MediaType.MARKDOWN),
    "md-by-headings": (
        lambda: (DATA / "sample_resume.md").read_bytes(),
        "resume.txt",
        MediaType.MARKDOWN,
    ),
    "html": (lambda: (DATA / "sample_resume.html").read_bytes(), "cv.html", MediaType.HTML),
    "html-no-name": (lambda: (DATA / "sample_resume.html").read_bytes(), None, MediaType.HTML),
}


@pytest.fixture(params=list(FORMATS), scope="module")
def loaded(request: pytest.FixtureRequest) -> tuple[str, ExtractedDocument, MediaType]:
    build, filename, media_type = FORMATS[request.param]
    return request.param, load_document(build(), filename=filename), media_type


def test_every_format_yields_the_sample_text_in_order(
    loaded: tuple[str, ExtractedDocument, MediaType],
) -> None:
    _, document, media_type = loaded
    assert document.info.media_type is media_type
    flat = " ".join(document.text.split())  # narrow PDF columns wrap phrases over lines
    positions = [flat.find(phrase) for phrase in SAMPLE_PHRASES]
    assert all(position >= 0 for position in positions), dict(
        zip(SAMPLE_PHRASES, positions, strict=True)
    )
    assert positions == sorted(positions)
    assert document.info.characters == len(document.text)
    assert not document.info.truncated


def test_every_format_finds_the_same_sections(
    loaded: tuple[str, ExtractedDocument, MediaType],
) -> None:
    _, document, _ = loaded
    assert [section.kind for section in document.sections] == SAMPLE_KINDS
    skills = next(s for s in document.sections if s.kind is K.SKILLS)
    assert "Kubernetes" in document.text[skills.start : skills.end]
    assert document.sections[0].start == 0 and document.sections[-1].end == len(document.text)


def test_every_format_marks_list_items_with_one_bullet(
    loaded: tuple[str, ExtractedDocument, MediaType],
) -> None:
    _, document, media_type = loaded
    if media_type is MediaType.HTML or media_type is MediaType.MARKDOWN:
        expected = "• Moved nightly training jobs to Kubernetes"
    else:
        expected = "• Moved nightly training jobs to Kubernetes with Airflow"
    assert expected in " ".join(document.text.split())


def test_pdf_reports_pages() -> None:
    document = load_document(make_pdf(SAMPLE + "\n\f" + SAMPLE))
    assert (document.info.pages, document.info.total_pages) == (2, 2)
    assert document.text.count("Robin Quill") == 2


def test_document_from_text_matches_load_document_for_text() -> None:
    from_text = document_from_text(SAMPLE)
    assert from_text == load_document(SAMPLE.encode(), filename="resume.txt")
    markdown = (DATA / "sample_resume.md").read_text("utf-8")
    from_markdown = document_from_text(markdown, media_type=MediaType.MARKDOWN)
    assert "## " not in from_markdown.text and "**" not in from_markdown.text
    html = document_from_text("<p>Python &amp; SQL</p>", media_type=MediaType.HTML)
    assert html.text == "Python & SQL"


# ----------------------------------------------------------------------------- two columns


LEFT = """SKILLS
Python and PyTorch
Docker and Kubernetes
Spark with Airflow

EDUCATION
MSc Computer Science
University of Somewhere"""

RIGHT = """EXPERIENCE
Machine Learning Engineer at Acme
Built recommender systems for retail
Served ten million users a day
Data Scientist at Beta
Forecasting demand with boosting

PROJECTS
Open source feature store
Contributor to a tokenizer library"""


@pytest.mark.parametrize("interleave_rows", [False, True], ids=["frames", "row-by-row"])
def test_two_column_pdf_reads_left_column_then_right_column(interleave_rows: bool) -> None:
    document = load_document(make_two_column_pdf(LEFT, RIGHT, interleave_rows=interleave_rows))
    assert lines_of(document.text) == lines_of(LEFT) + lines_of(RIGHT)
    assert [s.kind for s in document.sections] == [
        K.SKILLS,
        K.EDUCATION,
        K.EXPERIENCE,
        K.PROJECTS,
    ]


def _pdf_rows(rows: list[list[tuple[float, str]]]) -> bytes:
    """A page drawn line by line; a negative x right-aligns the text at -x."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    y = 800.0
    for row in rows:
        for x, text in row:
            if x < 0:
                pdf.drawRightString(-x, y, text)
            else:
                pdf.drawString(x, y, text)
        y -= 14
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_full_width_lines_above_and_below_two_columns_stay_in_place() -> None:
    rows = [
        [(50, "Robin Quill - Machine Learning Engineer - robin.quill@example.org - Lisbon")],
        [(50, "SKILLS"), (310, "EXPERIENCE")],
        [(50, "Python and PyTorch"), (310, "Engineer at Harbor Logistics since 2021")],
        [(50, "Docker and Kubernetes"), (310, "Rebuilt the forecasting pipeline")],
        [(50, "EDUCATION"), (310, "Data Scientist at Lumen Retail")],
        [(50, "MSc Applied Mathematics"), (310, "Designed recommendation experiments")],
        [(50, "References are available from previous managers on request at any time")],
    ]
    text = load_document(_pdf_rows(rows)).text
    assert lines_of(text) == [
        rows[0][0][1],
        "SKILLS",
        "Python and PyTorch",
        "Docker and Kubernetes",
        "EDUCATION",
        "MSc Applied Mathematics",
        "EXPERIENCE",
        "Engineer at Harbor Logistics since 2021",
        "Rebuilt the forecasting pipeline",
        "Data Scientist at Lumen Retail",
        "Designed recommendation experiments",
        rows[-1][0][1],
    ]


def test_right_aligned_dates_stay_on_their_line() -> None:
    rows = [
        [(50, "EXPERIENCE")],
        [(50, "Machine Learning Engineer, Harbor Logistics"), (-545, "2021 - Present")],
        [(60, "• Rebuilt the demand forecasting pipeline in PyTorch and cut the error by a fifth")],
        [(50, "Data Scientist, Lumen Retail"), (-545, "2018 - 2021")],
        [(60, "• Designed recommendation experiments and reported results to the product team")],
        [(50, "EDUCATION")],
        [(50, "MSc Applied Mathematics, Coimbra"), (-545, "2016 - 2018")],
        [(50, "BSc Mathematics, Porto"), (-545, "2013 - 2016")],
        [(50, "Exchange semester, Utrecht"), (-545, "2015 - 2015")],
    ]
    text = load_document(_pdf_rows(rows)).text
    assert "Machine Learning Engineer, Harbor Logistics 2021 - Present" in text
    assert "BSc Mathematics, Porto 2013 - 2016" in text


def test_a_column_of_dates_beside_short_lines_is_not_split_off() -> None:
    rows = [[(50, "EDUCATION")]] + [
        [(50, f"Degree {index}, Some University"), (-545, f"{2000 + index} - {2002 + index}")]
        for index in range(8)
    ]
    text = load_document(_pdf_rows(rows)).text
    assert "Degree 3, Some University 2003 - 2005" in text


def test_find_column_split_needs_side_by_side_lines() -> None:
    single_column = [Box(50, 800 - 14 * i, 300, 810 - 14 * i) for i in range(10)]
    assert find_column_split(single_column) is None
    two_columns = [
        box
        for i in range(10)
        for box in (
            Box(50, 800 - 14 * i, 250, 810 - 14 * i),
            Box(320, 800 - 14 * i, 540, 810 - 14 * i),
        )
    ]
    split = find_column_split(two_columns)
    assert split is not None and 250 < split.gutter < 320
    assert split.top is None and split.bottom is None


# ----------------------------------------------------------------------------- DOCX details


def test_docx_reads_nested_tables_and_merged_cells_once() -> None:
    document = docx.Document()
    document.add_paragraph("Robin Quill")
    table = document.add_table(rows=3, cols=3)
    top = table.cell(0, 0).merge(table.cell(0, 2))  # horizontal merge across the row
    top.text = "EXPERIENCE"
    tall = table.cell(1, 0).merge(table.cell(2, 0))  # vertical merge down the column
    tall.text = "Harbor Logistics"
    table.cell(1, 1).text = "Machine Learning Engineer"
    table.cell(1, 2).text = "2021 - Present"
    nested = table.cell(2, 1).add_table(rows=1, cols=2)
    nested.cell(0, 0).text = "PyTorch"
    nested.cell(0, 1).text = "Kubernetes"
    document.add_paragraph("SKILLS")
    text = load_document(docx_bytes(document), filename="r.docx").text
    assert lines_of(text) == [
        "Robin Quill",
        "EXPERIENCE",
        "Harbor Logistics",
        "Machine Learning Engineer",
        "2021 - Present",
        "PyTorch",
        "Kubernetes",
        "SKILLS",
    ]


def test_docx_header_first_and_footer_only_when_it_has_text() -> None:
    document = docx.Document()
    document.add_paragraph("SUMMARY")
    document.add_paragraph("Engineer who ships models.")
    document.sections[0].header.paragraphs[0].text = "Robin Quill | Lisbon"
    document.sections[0].footer.paragraphs[0].text = "Page 1 of 2"
    text = load_document(docx_bytes(document), filename="r.docx").text
    assert lines_of(text) == ["Robin Quill | Lisbon", "SUMMARY", "Engineer who ships models."]
    document.sections[0].footer.paragraphs[0].text = "References on request"
    text = load_document(docx_bytes(document), filename="r.docx").text
    assert lines_of(text)[-1] == "References on request"


def test_docx_skips_deleted_text_and_field_codes_but_keeps_links() -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("Skills: Python")
    paragraph._p.append(
        parse_xml(
            f'<w:del {nsdecls("w")} w:id="1" w:author="x"><w:r><w:delText>, COBOL'
            "</w:delText></w:r></w:del>"
        )
    )
    paragraph._p.append(
        parse_xml(f'<w:r {nsdecls("w")}><w:instrText> HYPERLINK "x" </w:instrText></w:r>')
    )
    paragraph._p.append(
        parse_xml(
            f'<w:hyperlink {nsdecls("w", "r")} r:id="rId99"><w:r><w:t xml:space="preserve">'
            ", SQL</w:t></w:r></w:hyperlink>"
        )
    )
    text = load_document(docx_bytes(document), filename="r.docx").text
    assert text == "Skills: Python, SQL"


# ----------------------------------------------------------------------------- type detection


@pytest.mark.parametrize(
    ("build", "filename", "media_type"),
    [
        (lambda: make_pdf(SAMPLE), "resume.bin", MediaType.PDF),
        (lambda: make_pdf(SAMPLE), None, MediaType.PDF),
        (lambda: b"\n\n" + make_pdf(SAMPLE), "resume", MediaType.PDF),
        (lambda: make_docx(SAMPLE), "resume.doc", MediaType.DOCX),
        (lambda: make_docx(SAMPLE), "upload.tmp", MediaType.DOCX),
        (lambda: (DATA / "sample_resume.html").read_bytes(), "resume.txt", MediaType.HTML),
        (lambda: b"\xef\xbb\xbf  <html><body><p>Python</p></body></html>", None, MediaType.HTML),
        (lambda: b"<p>Python</p><p>SQL</p>", "cv.htm", MediaType.HTML),
        (lambda: b"SKILLS\nPython", "resume.md", MediaType.MARKDOWN),
        (lambda: b"<p>Python</p> is a tag", "resume.txt", MediaType.TXT),
        (lambda: b"# Robin\n## Skills\nPython", None, MediaType.MARKDOWN),
        (lambda: b"# of users served: 10M\nPython", None, MediaType.TXT),
    ],
    ids=[
        "pdf-as-bin",
        "pdf-no-name",
        "pdf-after-junk",
        "docx-as-doc",
        "docx-as-tmp",
        "html-as-txt",
        "html-bom",
        "html-fragment-by-name",
        "md-by-name",
        "tag-in-text",
        "md-by-headings",
        "one-hash-line",
    ],
)
def test_type_comes_from_the_bytes(
    build: Callable[[], bytes], filename: str | None, media_type: MediaType
) -> None:
    assert detect_media_type(build(), filename=filename) is media_type


def _docx_with_corrupt_deflate() -> bytes:
    """A DOCX whose document.xml deflate stream is overwritten in the middle."""
    data = bytearray(make_docx(SAMPLE * 5))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        entry = archive.getinfo("word/document.xml")
    name_length = int.from_bytes(
        data[entry.header_offset + 26 : entry.header_offset + 28], "little"
    )
    extra_length = int.from_bytes(
        data[entry.header_offset + 28 : entry.header_offset + 30], "little"
    )
    start = entry.header_offset + 30 + name_length + extra_length
    middle = start + entry.compress_size // 2
    data[middle : middle + 32] = b"\xff" * 32
    return bytes(data)


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def _docx_replacing(name: str, content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(make_docx(SAMPLE))) as archive:
        entries = {entry.filename: archive.read(entry) for entry in archive.infolist()}
    entries[name] = content
    return _zip(entries)


_XXE_DOCUMENT = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
)
_EMPTY_BODY = (
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body>" + b"<w:p/>" * 50 + b"</w:body></w:document>"
)
_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
_SMALL = IngestLimits(max_bytes=2_000, max_pages=2, max_chars=500)

BAD_INPUTS: list[tuple[str, Callable[[], bytes], str | None, type[DocumentError], str]] = [
    ("empty", lambda: b"", "resume.pdf", EmptyDocumentError, "empty"),
    ("whitespace-txt", lambda: b" \n\t\r\n ", "resume.txt", EmptyDocumentError, "no readable"),
    ("invisible-txt", lambda: "\u200b\u202e\n".encode(), None, EmptyDocumentError, "no readable"),
    ("empty-docx", lambda: _docx_replacing("word/document.xml", _EMPTY_BODY), None,
     EmptyDocumentError, "no readable"),
    ("png", lambda: _PNG, "resume.pdf", UnsupportedTypeError, "png image"),
    ("jpeg", lambda: b"\xff\xd8\xff\xe0" + bytes(64), None, UnsupportedTypeError, "jpeg"),
    ("gif", lambda: b"GIF89a" + bytes(64), None, UnsupportedTypeError, "gif"),
    ("old-doc", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "cv.doc",
     UnsupportedTypeError, "word 97-2003"),
    ("encrypted-office", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64)
     + "EncryptedPackage".encode("utf-16-le"), "cv.docx", EncryptedDocumentError, "password"),
    ("rtf", lambda: b"{\\rtf1\\ansi Robin}", "cv.rtf", UnsupportedTypeError, "rich text"),
    ("elf", lambda: b"\x7fELF\x02\x01\x01" + bytes(64), None, UnsupportedTypeError, "program"),
    ("gzip", lambda: b"\x1f\x8b\x08\x00" + bytes(64), None, UnsupportedTypeError, "gzip"),
    ("xlsx", lambda: _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}), None,
     UnsupportedTypeError, "excel"),
    ("odt", lambda: _zip({"mimetype": b"application/vnd.oasis.opendocument.text"}), "cv.odt",
     UnsupportedTypeError, "opendocument"),
    ("plain-zip", lambda: _zip({"resume.pdf": b"%PDF-1.4"}), None, UnsupportedTypeError, "zip"),
    ("zip-named-docx", lambda: _zip({"notes.txt": b"hello"}), "cv.docx", MalformedDocumentError,
     "no word content"),
    ("corrupt-pdf", lambda: b"%PDF-1.7\n" + random.Random(3).randbytes(4000), "cv.pdf",
     MalformedDocumentError, "damaged"),
    ("truncated-pdf", lambda: make_pdf(SAMPLE)[: len(make_pdf(SAMPLE)) // 2], "cv.pdf",
     MalformedDocumentError, "damaged"),
    ("corrupt-docx-deflate", _docx_with_corrupt_deflate, "cv.docx", MalformedDocumentError,
     "damaged"),
    ("truncated-docx", lambda: make_docx(SAMPLE)[:3000], "cv.docx", MalformedDocumentError,
     "damaged"),
    ("docx-dtd", lambda: _docx_replacing("word/document.xml", _XXE_DOCUMENT), "cv.docx",
     MalformedDocumentError, "document type declaration"),
    ("user-password-pdf", lambda: make_pdf(SAMPLE, encrypt_user="s3cret"), "cv.pdf",
     EncryptedDocumentError, "password-protected"),
    ("image-only-pdf", lambda: make_pdf(SAMPLE, image_only=True), "cv.pdf", NoTextLayerError,
     "ocr"),
    ("random-bytes", lambda: random.Random(5).randbytes(5000), None, UnreadableEncodingError,
     "not readable text"),
    ("utf16-no-bom", lambda: SAMPLE.encode("utf-16-le"), "cv.txt", UnreadableEncodingError,
     "utf-16"),
    ("bad-utf16-bom", lambda: b"\xff\xfe" + b"\x00\xd8" + b"a\x00", "cv.txt",
     UnreadableEncodingError, "byte-order mark"),
    ("html-named-pdf", lambda: (DATA / "sample_resume.html").read_bytes(), "cv.pdf",
     TypeMismatchError, "content is html"),
    ("pdf-named-docx", lambda: make_pdf(SAMPLE), "cv.docx", TypeMismatchError, "a pdf"),
    ("docx-named-txt", lambda: make_docx(SAMPLE), "cv.txt", TypeMismatchError, "word"),
    ("noise-named-pdf", lambda: random.Random(9).randbytes(5000), "cv.pdf", TypeMismatchError,
     "unreadable"),
    ("too-large", lambda: SAMPLE.encode() * 10, "cv.txt", DocumentTooLargeError, "limit"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "filename", "error", "phrase"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_raises_an_actionable_document_error(
    build: Callable[[], bytes], filename: str | None, error: type[DocumentError], phrase: str
) -> None:
    data = build()
    limits = _SMALL if len(data) > _SMALL.max_bytes and error is DocumentTooLargeError else None
    with pytest.raises(DocumentError) as raised:
        if limits is None:
            load_document(data, filename=filename)
        else:
            load_document(data, filename=filename, limits=limits)
    assert type(raised.value) is error
    message = raised.value.message.lower()
    assert phrase in message
    assert any(word in message for word in ACTION_WORDS), message
    assert "robin" not in message and "harbor" not in message  # never echo document content


def test_owner_password_only_pdf_parses() -> None:
    document = load_document(make_pdf(SAMPLE, encrypt_owner="owner-only"), filename="cv.pdf")
    assert "Harbor Logistics" in document.text


def test_page_cap_truncates_and_reports_total_pages() -> None:
    pdf = make_pdf(SAMPLE, pages_hint=5)
    document = load_document(pdf, limits=IngestLimits(max_pages=2))
    assert document.info.truncated
    assert (document.info.pages, document.info.total_pages) == (2, 5)
    assert any("first 2 of 5 pages" in warning for warning in document.info.warnings)
    assert "Continued on page 3" not in document.text


def test_text_cap_cuts_at_a_line_and_marks_truncated() -> None:
    document = load_document(SAMPLE.encode(), filename="cv.txt", limits=IngestLimits(max_chars=300))
    assert document.info.truncated and len(document.text) <= 300
    assert document.text in SAMPLE.replace("\n\n", "\n\n")
    assert document.info.warnings


def test_byte_cap_applies_before_parsing() -> None:
    with pytest.raises(DocumentTooLargeError, match="limit"):
        load_document(make_pdf(SAMPLE), limits=IngestLimits(max_bytes=100))
    with pytest.raises(DocumentTooLargeError):
        document_from_text("x" * 200, limits=IngestLimits(max_bytes=100))


def test_docx_entry_count_cap() -> None:
    entries = {f"customXml/item{i}.xml": b"<a/>" for i in range(2_100)}
    with zipfile.ZipFile(io.BytesIO(make_docx(SAMPLE))) as archive:
        entries.update({entry.filename: archive.read(entry) for entry in archive.infolist()})
    with pytest.raises(DocumentTooLargeError, match="internal parts"):
        load_document(_zip(entries), filename="cv.docx")


def test_docx_declared_size_cap() -> None:
    with zipfile.ZipFile(io.BytesIO(make_docx(SAMPLE))) as archive:
        entries = {entry.filename: archive.read(entry) for entry in archive.infolist()}
    entries["word/media/padding.bin"] = bytes(60 * 1024 * 1024)  # compresses to about 60 KB
    with pytest.raises(DocumentTooLargeError, match="ZIP bomb"):
        load_document(_zip(entries), filename="cv.docx")


def test_stray_nul_bytes_in_text_are_dropped() -> None:
    document = load_document(b"Python\x00 and SQL\nDocker\x00", filename="cv.txt")
    assert document.text == "Python and SQL\nDocker"


def test_cp1252_fallback_is_reported() -> None:
    document = load_document("Résumé • Python".encode("cp1252"), filename="cv.txt")
    assert document.text == "Résumé • Python"
    assert any("cp1252" in warning for warning in document.info.warnings)


def test_html_declared_charset_is_used_for_legacy_bytes() -> None:
    html = '<html><head><meta charset="iso-8859-7"></head><body><p>Αθήνα</p></body></html>'
    document = load_document(html.encode("iso-8859-7"))
    assert document.text == "Αθήνα"


def test_html_to_text_skips_scripts_and_breaks_blocks() -> None:
    html = (
        "<html><head><title>T</title><script>var secret = 1;</script></head><body>"
        "<h2>Skills</h2><ul><li>Python</li><li>SQL</li></ul><pre>a  b</pre>"
        "<style>p {}</style><p>one<br>two</p></body></html>"
    )
    assert lines_of(html_to_text(html)) == ["Skills", "• Python", "• SQL", "a  b", "one", "two"]


def test_markdown_to_text_strips_markup_but_keeps_words() -> None:
    markdown = (
        "# Robin\n\n## Skills\n\n- **Python** and _pandas_, snake_case_name\n"
        "* [PyTorch](https://pytorch.org) ![logo](x.png)\n> quoted\n\\*literal\\*\n---\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n```python\nprint(1)\n```"
    )
    assert lines_of(markdown_to_text(markdown)) == [
        "Robin",
        "Skills",
        "- Python and pandas, snake_case_name",
        "* PyTorch logo",
        "quoted",
        "*literal*",
        "a | b",
        "1 | 2",
        "print(1)",
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=600),
        st.binary(max_size=600).map(lambda tail: b"%PDF-1.4\n" + tail),
        st.binary(max_size=600).map(lambda tail: b"PK\x03\x04" + tail),
        st.text(max_size=300).map(str.encode),
    ),
    filename=st.sampled_from([None, "a.pdf", "a.docx", "a.txt", "a.md", "a.html", "a.png"]),
)
def test_arbitrary_bytes_never_escape_as_other_exceptions(
    data: bytes, filename: str | None
) -> None:
    try:
        document = load_document(data, filename=filename)
    except DocumentError as error:
        assert error.message
    else:
        assert document.text.strip() == document.text and document.text


def test_resource_limit_for_deeply_nested_docx_tables() -> None:
    body = "<w:tbl><w:tr><w:tc>" * 120 + "<w:p><w:r><w:t>deep</w:t></w:r></w:p>"
    body += "</w:tc></w:tr></w:tbl>" * 120
    xml = (
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    ).encode()
    with pytest.raises((ResourceLimitError, MalformedDocumentError)):
        load_document(_docx_replacing("word/document.xml", xml), filename="cv.docx")


@pytest.mark.parametrize(
    "unit", ["<a b='", "<!--", "</", "<![x>", "<a", "<div>", "&#"], ids=lambda unit: repr(unit)
)
def test_hostile_html_parses_in_linear_time(unit: str) -> None:
    hostile = "<html><body><p>Python</p>" + unit * (400_000 // len(unit))
    started = time.perf_counter()
    try:
        html_to_text(hostile)
    except DocumentError:
        pass
    # html.parser needs 20 s for 40 KB of "<a b='"; a linear parser needs milliseconds for 400 KB.
    assert time.perf_counter() - started < 5.0


def test_markdown_and_html_documents_clean_to_the_same_skills_text() -> None:
    markdown = load_document(b"## Skills\n\n- Python\n- SQL\n", filename="a.md")
    html = load_document(b"<h2>Skills</h2><ul><li>Python</li><li>SQL</li></ul>", filename="a.html")
    assert markdown.text == html.text == "Skills\n\n• Python\n• SQL"


@pytest.mark.parametrize(
    "line",
    ["-" * 40_000 + "x", "- " * 20_000 + "x", " " * 40_000 + "#x", "|" + " " * 40_000 + "x",
     "[a](" * 10_000, "\\*" * 20_000, "*a " * 13_000, "a" + " #" * 20_000 + "x"],
    ids=["dashes", "spaced-dashes", "blanks-hash", "pipe-blanks", "links", "escapes", "stars",
         "hashes"],
)  # fmt: skip
def test_hostile_markdown_lines_convert_in_linear_time(line: str) -> None:
    started = time.perf_counter()
    markdown_to_text(("# Skills\n" + line + "\n") * 10)
    # About 400 KB: linear passes take well under a second; a quadratic one takes minutes.
    assert time.perf_counter() - started < 5.0


@pytest.mark.parametrize(
    ("line", "kept"),
    [("---", False), ("* * *", False), ("===", False), ("|---|:--:|", False), ("- ", True),
     ("-=", True), ("--", True), ("-- x", True), ("| a | b |", True)],
)  # fmt: skip
def test_markdown_decoration_lines(line: str, kept: bool) -> None:
    assert (markdown_to_text(f"before\n{line}\nafter") != "before\n\nafter") is kept


def test_element_budget_for_docx_with_huge_element_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import matcher.loaders

    monkeypatch.setattr(matcher.loaders, "_DOCX_MAX_ELEMENTS", 1_000)  # the real one is 300,000
    body = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 400  # 1,200 elements
    xml = (
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body>" + body + b"</w:body></w:document>"
    )
    with pytest.raises(ResourceLimitError, match="too many elements"):
        load_document(_docx_replacing("word/document.xml", xml), filename="cv.docx")

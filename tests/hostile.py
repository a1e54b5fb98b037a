"""Hostile input corpus, generated in memory (no committed binaries).

Every generator returns the bytes of one file built to hurt a parser: decompression bombs,
loops in PDF structures, huge page counts, XML entity tricks, corrupt compression, hostile
text. ``CORPUS`` names each case with a file name and the error code the service must answer
(``None`` when the file must parse). The PDF and ZIP containers are written by hand so the
files can lie (declared sizes, counts, offsets) in ways the normal writers never would.

Bombs are cheap to build: a deflate stream of a repeated chunk, flushed with Z_FULL_FLUSH,
compresses every chunk to the same bytes, so a 1 GiB stream is one compressed block repeated.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import os
import random
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

GIB = 1 << 30
_CHUNK = 1 << 20

# ----------------------------------------------------------------------------- deflate bombs


def _raw_deflate_repeated(prefix: bytes, unit: bytes, repeats: int, suffix: bytes) -> bytes:
    """Raw deflate of prefix + unit*repeats + suffix without ever compressing the repeats."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(unit) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(suffix) + compressor.flush(zlib.Z_FINISH)
    return head + block * repeats + tail


def zlib_zeros(size: int) -> bytes:
    """A zlib stream that inflates to ``size`` zero bytes (``size`` a multiple of 1 MiB)."""
    if size % _CHUNK:
        raise ValueError("size must be a multiple of 1 MiB")
    raw = _raw_deflate_repeated(b"", bytes(_CHUNK), size // _CHUNK, b"")
    # Adler-32 of n zero bytes: a stays 1, b adds a (=1) n times.
    adler = ((size % 65521) << 16) | 1
    return b"\x78\xda" + raw + struct.pack(">I", adler)


# ----------------------------------------------------------------------------- hand-written PDF


def _pdf(objects: Sequence[bytes], *, trailer_extra: bytes = b"", root: int = 1) -> bytes:
    """A PDF with the given objects (numbered from 1), a correct xref table and trailer."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref_at = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, root, trailer_extra, xref_at)
    )
    return out.getvalue()


def _stream(data: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), dictionary) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_RESUME_LINE = b"BT /F1 12 Tf 72 720 Td (Machine learning engineer, Python and PyTorch) Tj ET"


def _page(parent: int, contents: int, font: int) -> bytes:
    return (
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
        b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (parent, contents, font)
    )


def simple_pdf(text: bytes = _RESUME_LINE) -> bytes:
    """One page with one line of text: the well-formed base the hostile variants start from."""
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _page(2, 4, 5),
            _stream(text),
            _FONT,
        ]
    )


@functools.cache
def pdf_flate_bomb(size: int = GIB, *, disguised: bool = False) -> bytes:
    """A page whose content stream is Flate inside Flate and inflates to ``size`` bytes.

    ``disguised`` labels the stream as a picture, which the loader's inflation check skips
    (pictures are never decoded for text) but PDFium still decodes as the page's content: only
    the sandbox's memory limit stops that one.
    """
    inner = zlib_zeros(size)
    outer = zlib.compress(inner, 9)
    label = b"/Subtype /Image " if disguised else b""
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _page(2, 4, 5),
            _stream(outer, label + b"/Filter [/FlateDecode /FlateDecode] "),
            _FONT,
        ]
    )


def pdf_disguised_flate_bomb() -> bytes:
    return pdf_flate_bomb(disguised=True)


def pdf_xref_self_loop() -> bytes:
    """The trailer's /Prev points back at its own xref table."""
    base = simple_pdf()
    xref_at = int(base.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    return base.replace(b"/Root 1 0 R ", b"/Root 1 0 R /Prev %d " % xref_at)


def pdf_xref_stream_loop() -> bytes:
    """Two cross-reference streams whose /Prev entries point at each other."""
    head = b"%PDF-1.7\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        _page(2, 4, 5),
        _stream(_RESUME_LINE),
        _FONT,
    ]
    body = io.BytesIO()
    body.write(head)
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(body.tell())
        body.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    first_at = body.tell()
    # Each xref stream is padded to a fixed width so the offsets are known before writing.
    width = 400
    second_at = first_at + width
    rows = b"\x00\x00\x00\xff" + b"".join(b"\x01" + struct.pack(">H", o) + b"\x00" for o in offsets)
    for number, prev in ((6, second_at), (7, first_at)):
        data = zlib.compress(rows)
        obj = b"%d 0 obj\n<< /Type /XRef /Size 8 /W [1 2 1] /Root 1 0 R /Prev %d " % (number, prev)
        obj += b"/Filter /FlateDecode /Length %d >>\nstream\n" % len(data) + data
        obj += b"\nendstream\nendobj\n"
        body.write(obj.ljust(width, b" "))
    body.write(b"startxref\n%d\n%%%%EOF\n" % first_at)
    return body.getvalue()


def pdf_page_tree_cycle() -> bytes:
    """A page tree node that lists itself among its kids."""
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
            _page(2, 4, 5),
            _stream(_RESUME_LINE),
            _FONT,
        ]
    )


def pdf_page_amplification(fan_out: int = 1000) -> bytes:
    """About 13 KB that claims fan_out**2 (a million) pages: one page object shared by all."""
    root_kids = b" ".join([b"3 0 R"] * fan_out)
    middle_kids = b" ".join([b"4 0 R"] * fan_out)
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (root_kids, fan_out * fan_out),
            b"<< /Type /Pages /Parent 2 0 R /Kids [%s] /Count %d >>" % (middle_kids, fan_out),
            _page(3, 5, 6),
            _stream(_RESUME_LINE),
            _FONT,
        ]
    )


def pdf_truncated() -> bytes:
    """A well-formed one-page PDF cut before its content stream ends."""
    base = reportlab_pdf()
    return base[: len(base) // 2]


def garbage(size: int = 64 * 1024, *, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def pdf_header_then_garbage() -> bytes:
    return b"%PDF-1.7\n" + garbage(32 * 1024, seed=11)


def html_named_pdf() -> bytes:
    return b"<!DOCTYPE html><html><body><h1>Jane Doe</h1><p>ML engineer</p></body></html>"


# ----------------------------------------------------------------------------- reportlab PDFs


_RESUME_LINES = (
    "Alex Example",
    "Machine Learning Engineer",
    "Experience",
    "Acme Analytics, ML Engineer, 2019 - 2023",
    "Built PyTorch models and deployed them with Docker and Kubernetes.",
    "Skills: Python, SQL, scikit-learn, MLflow",
)


def reportlab_pdf(*, encrypt: object | None = None, lines: Sequence[str] = _RESUME_LINES) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, encrypt=encrypt, invariant=True)
    y = 800
    for line in lines:
        pdf.drawString(72, y, line)
        y -= 18
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def pdf_user_password() -> bytes:
    """Needs a password to open at all."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    return reportlab_pdf(encrypt=StandardEncryption("open-sesame", ownerPassword="owner-secret"))


def pdf_owner_password_only() -> bytes:
    """Encrypted with an empty user password (printing/copying restrictions only): must parse."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    return reportlab_pdf(
        encrypt=StandardEncryption("", ownerPassword="owner-secret", canCopy=0, canModify=0)
    )


def pdf_image_only() -> bytes:
    """A 'scan': one page holding only a picture, no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (400, 120), color=255)
    ImageDraw.Draw(image).rectangle((20, 20, 380, 100), outline=0, width=4)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.drawImage(ImageReader(image), 72, 600, width=400, height=120)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# ----------------------------------------------------------------------------- hand-written ZIP


@dataclass(frozen=True)
class ZipEntry:
    name: str
    payload: bytes  # already compressed when method == 8
    method: int
    crc: int
    size: int  # declared uncompressed size
    version: int = 20  # "version needed to extract" (zipfile refuses above 63)
    flags: int = 0x0800  # bit 11: UTF-8 names; bit 0 would mean "encrypted"


def stored(name: str, data: bytes) -> ZipEntry:
    return ZipEntry(name, data, zipfile.ZIP_STORED, zlib.crc32(data), len(data))


def deflated(name: str, data: bytes) -> ZipEntry:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    payload = compressor.compress(data) + compressor.flush()
    return ZipEntry(name, payload, zipfile.ZIP_DEFLATED, zlib.crc32(data), len(data))


def write_zip(entries: Sequence[ZipEntry]) -> bytes:
    """A ZIP archive whose headers say exactly what the entries claim, true or not."""
    out = io.BytesIO()
    central = io.BytesIO()
    for entry in entries:
        name = entry.name.encode("utf-8")
        offset = out.tell()
        fields = (
            entry.version,
            entry.flags,
            entry.method,
            0,
            0x21,
            entry.crc,
            len(entry.payload),
            entry.size,
        )
        out.write(struct.pack("<IHHHHHIII", 0x04034B50, *fields) + struct.pack("<HH", len(name), 0))
        out.write(name + entry.payload)
        central.write(struct.pack("<IH", 0x02014B50, 20) + struct.pack("<HHHHHIII", *fields))
        central.write(struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, offset) + name)
    directory = central.getvalue()
    start = out.tell()
    out.write(directory)
    out.write(
        struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), start, 0
        )
    )
    return out.getvalue()


@functools.cache
def docx_parts(text: str = "Machine learning engineer with Python and PyTorch") -> dict[str, bytes]:
    """The parts of a small real DOCX written by python-docx."""
    import docx

    document = docx.Document()
    document.add_paragraph("Alex Example")
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def docx_with(
    replace: dict[str, ZipEntry | None] | None = None, extra: Sequence[ZipEntry] = ()
) -> bytes:
    """A DOCX built from ``docx_parts`` with some parts replaced (None drops a part)."""
    replace = replace or {}
    entries: list[ZipEntry] = []
    for name, data in docx_parts().items():
        if name in replace:
            substitute = replace[name]
            if substitute is not None:
                entries.append(substitute)
        else:
            entries.append(deflated(name, data))
    return write_zip([*entries, *extra])


_W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _document_xml(body: bytes, prolog: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + prolog
        + b"<w:document %s><w:body>%s</w:body></w:document>" % (_W, body)
    )


def _paragraph(text: bytes) -> bytes:
    return b"<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % text


@functools.cache
def docx_zip_bomb(size: int = GIB) -> bytes:
    """word/document.xml really inflates to ``size`` bytes of one endless word, and says so."""
    prefix = b'<?xml version="1.0"?><w:document %s><w:body><w:p><w:r><w:t>' % _W
    suffix = b"</w:t></w:r></w:p></w:body></w:document>"
    repeats = (size - len(prefix) - len(suffix)) // _CHUNK
    unit = b"a" * _CHUNK
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(unit, crc)
    crc = zlib.crc32(suffix, crc)
    payload = _raw_deflate_repeated(prefix, unit, repeats, suffix)
    declared = len(prefix) + repeats * _CHUNK + len(suffix)
    bomb = ZipEntry("word/document.xml", payload, zipfile.ZIP_DEFLATED, crc, declared)
    return docx_with({"word/document.xml": bomb})


def docx_lying_size(size: int = 256 * _CHUNK) -> bytes:
    """document.xml declares 2 KB but its deflate stream would inflate to ``size`` bytes."""
    prefix = b'<?xml version="1.0"?><w:document %s><w:body><w:p><w:r><w:t>' % _W
    payload = _raw_deflate_repeated(prefix, b"a" * _CHUNK, size // _CHUNK, b"</w:t>")
    entry = ZipEntry("word/document.xml", payload, zipfile.ZIP_DEFLATED, 0, 2048)
    return docx_with({"word/document.xml": entry})


def docx_many_entries(count: int = 20_000) -> bytes:
    """A valid DOCX padded with thousands of tiny extra parts."""
    return docx_with(extra=[stored(f"customXml/item{i}.xml", b"<a/>") for i in range(count)])


def docx_xxe() -> bytes:
    """document.xml declares an external entity that points at a local file."""
    prolog = b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    xml = _document_xml(_paragraph(b"Engineer &xxe;"), prolog)
    return docx_with({"word/document.xml": deflated("word/document.xml", xml)})


def docx_billion_laughs() -> bytes:
    """Ten levels of entities, each ten times the previous: 10**9 'lol's if expanded."""
    lines = [b'<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        refs = b"".join(b"&lol%d;" % (level - 1) for _ in range(10))
        lines.append(b'<!ENTITY lol%d "%s">' % (level, refs))
    prolog = b"<!DOCTYPE w:document [" + b"".join(lines) + b"]>\n"
    xml = _document_xml(_paragraph(b"&lol9;"), prolog)
    return docx_with({"word/document.xml": deflated("word/document.xml", xml)})


def docx_external_relationship(url: str = "http://127.0.0.1:9/probe.png") -> bytes:
    """An image relationship whose target is a remote URL, which must never be fetched."""
    rels_name = "word/_rels/document.xml.rels"
    rels = docx_parts()[rels_name].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/image" Target="%s" TargetMode="External"/>'
        b"</Relationships>" % url.encode(),
    )
    return docx_with({rels_name: deflated(rels_name, rels)})


def docx_path_traversal() -> bytes:
    """A valid DOCX with extra entries whose names try to escape an extraction directory."""
    names = ("../../escaped.txt", "/tmp/absolute-escape.txt", "..\\..\\windows-escape.txt")
    return docx_with(extra=[stored(name, b"should never be written") for name in names])


def docx_empty_paragraphs(count: int = 200_000) -> bytes:
    """200k empty paragraphs and no text at all."""
    xml = _document_xml(b"<w:p/>" * count)
    return docx_with({"word/document.xml": deflated("word/document.xml", xml)})


def docx_corrupt_deflate() -> bytes:
    """document.xml's deflate stream is damaged in the middle (CRC and sizes stay plausible)."""
    xml = _document_xml(b"".join(_paragraph(b"Python engineer %d" % i) for i in range(300)))
    good = deflated("word/document.xml", xml)
    middle = len(good.payload) // 2
    broken = good.payload[:middle] + b"\xff" * 16 + good.payload[middle + 16 :]
    entry = ZipEntry(good.name, broken, good.method, good.crc, good.size)
    return docx_with({"word/document.xml": entry})


def _document_entry(**changes: Any) -> ZipEntry:
    good = deflated("word/document.xml", docx_parts()["word/document.xml"])
    return dataclasses.replace(good, **changes)


def docx_future_zip_version() -> bytes:
    """document.xml needs 'version 6.5' to extract (zipfile raises NotImplementedError)."""
    return docx_with({"word/document.xml": _document_entry(version=65)})


def docx_encrypted_member() -> bytes:
    """document.xml is flagged as encrypted with ZIP's own (legacy) encryption."""
    return docx_with({"word/document.xml": _document_entry(flags=0x0801)})


def docx_unknown_compression() -> bytes:
    """document.xml uses compression method 99 (AES), which zipfile does not implement."""
    return docx_with({"word/document.xml": _document_entry(method=99)})


def docx_broken_lzma() -> bytes:
    """document.xml claims LZMA compression (method 14) but holds deflate data."""
    return docx_with({"word/document.xml": _document_entry(method=14)})


def docx_nameless_entry() -> bytes:
    """An extra part with an empty name (zipfile's ZipInfo.is_dir() raises IndexError on it)."""
    return docx_with(extra=[stored("", b"nameless")])


def docx_truncated() -> bytes:
    data = docx_with()
    return data[: len(data) * 2 // 3]


def zip_not_docx() -> bytes:
    """A ZIP archive without any Word parts, named .docx."""
    return write_zip([deflated("notes.txt", b"hello")])


# ----------------------------------------------------------------------------- text


def txt_with_nuls() -> bytes:
    return b"Machine\x00 learning\x00 engineer\nSkills: Py\x00thon, SQL\n"


def txt_utf16_no_bom() -> bytes:
    return "Machine learning engineer\nSkills: Python, PyTorch, SQL\n".encode("utf-16-le")


def txt_bidi_and_zero_width() -> bytes:
    return "Skills: \u202ePython\u202c, Py\u200bTorch, \u2066SQL\u2069, \u200fDocker\n".encode()


def txt_single_line(size: int = 20 * _CHUNK) -> bytes:
    return b"Python " * (size // 7)


# ----------------------------------------------------------------------------- the corpus


@dataclass(frozen=True)
class HostileCase:
    name: str
    filename: str
    build: Callable[[], bytes]
    code: str | None  # expected error code; None: the file must parse
    note: str


CORPUS: tuple[HostileCase, ...] = (
    HostileCase("flate_bomb", "bomb.pdf", pdf_flate_bomb, "resource_limit", "1 GiB double Flate"),
    HostileCase(
        "flate_bomb_disguised", "bomb2.pdf", pdf_disguised_flate_bomb, "resource_limit", "as image"
    ),
    HostileCase("xref_self_loop", "loop.pdf", pdf_xref_self_loop, None, "trailer /Prev loop"),
    HostileCase("xref_stream_loop", "xloop.pdf", pdf_xref_stream_loop, None, "xref streams loop"),
    HostileCase("page_tree_cycle", "cycle.pdf", pdf_page_tree_cycle, None, "Pages lists itself"),
    HostileCase("page_amplification", "pages.pdf", pdf_page_amplification, None, "1e6 pages"),
    HostileCase("user_password", "locked.pdf", pdf_user_password, "encrypted", "user password"),
    HostileCase("owner_password", "owner.pdf", pdf_owner_password_only, None, "owner only"),
    HostileCase("image_only", "scan.pdf", pdf_image_only, "no_text_layer", "picture, no text"),
    HostileCase("truncated_pdf", "cut.pdf", pdf_truncated, "malformed", "cut in half"),
    HostileCase("garbage_as_pdf", "noise.pdf", garbage, "type_mismatch", "random bytes"),
    HostileCase(
        "pdf_header_garbage", "noise2.pdf", pdf_header_then_garbage, "malformed", "%PDF+noise"
    ),
    HostileCase("html_as_pdf", "page.pdf", html_named_pdf, "type_mismatch", "HTML named .pdf"),
    HostileCase("docx_zip_bomb", "bomb.docx", docx_zip_bomb, "too_large", "declares 1 GiB"),
    HostileCase("docx_lying_size", "lie.docx", docx_lying_size, "malformed", "size lies"),
    HostileCase("docx_many_entries", "many.docx", docx_many_entries, "too_large", "20k entries"),
    HostileCase("docx_xxe", "xxe.docx", docx_xxe, "malformed", "external entity"),
    HostileCase("docx_billion_laughs", "lol.docx", docx_billion_laughs, "malformed", "entities"),
    HostileCase("docx_external_rel", "rel.docx", docx_external_relationship, None, "remote rel"),
    HostileCase("docx_path_traversal", "trav.docx", docx_path_traversal, None, "../ names"),
    HostileCase("docx_empty_paras", "empty.docx", docx_empty_paragraphs, "resource_limit", "200k"),
    HostileCase("docx_corrupt_deflate", "bad.docx", docx_corrupt_deflate, "malformed", "zlib"),
    HostileCase("docx_truncated", "cut.docx", docx_truncated, "malformed", "cut zip"),
    HostileCase("docx_zip_v65", "v65.docx", docx_future_zip_version, "malformed", "fuzz find"),
    HostileCase("docx_zip_crypt", "zc.docx", docx_encrypted_member, "malformed", "ZipCrypto"),
    HostileCase("docx_zip_aes", "aes.docx", docx_unknown_compression, "malformed", "method 99"),
    HostileCase("docx_bad_lzma", "lzma.docx", docx_broken_lzma, "malformed", "method 14"),
    HostileCase("docx_nameless", "nameless.docx", docx_nameless_entry, "malformed", "fuzz find"),
    HostileCase("zip_not_docx", "plain.docx", zip_not_docx, "malformed", "zip, no Word parts"),
    HostileCase("txt_nuls", "nul.txt", txt_with_nuls, None, "NUL bytes"),
    HostileCase("txt_bidi", "bidi.txt", txt_bidi_and_zero_width, None, "RTL/zero-width"),
    HostileCase("txt_20mb_line", "line.txt", txt_single_line, "too_large", "20 MB one line"),
)


def case(name: str) -> HostileCase:
    for candidate in CORPUS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


# ----------------------------------------------------------------------------- misbehaving parsers
# Loaders for ParserPool(loader="hostile:<name>"): each misbehaves the way a native parser can on a
# crafted file, so the sandbox's reaction is tested without depending on a particular exploit.
# The document bytes choose the behaviour where a test needs a mix.


def well_behaved_loader(data: bytes, *, filename: str | None = None, limits: Any = None) -> Any:
    """Parse for real, but first obey a command when the bytes start with one (see below)."""
    command, _, rest = data.partition(b":")
    if command in _COMMANDS:
        _COMMANDS[command](rest)
    from matcher.loaders import load_document

    return load_document(data if command not in _COMMANDS else rest, filename=filename)


def _abort(_: bytes) -> None:
    os.abort()


def _sleep(arg: bytes) -> None:
    time.sleep(float(arg.split(b":", 1)[0] or 60))


def _spin(_: bytes) -> None:
    while True:
        pass


def _hog(_: bytes) -> None:
    hoard = []
    while True:
        hoard.append(bytearray(64 * _CHUNK))


def _segfault(_: bytes) -> None:
    import ctypes

    ctypes.string_at(0)


def _write_file(arg: bytes) -> None:
    path = arg.split(b":", 1)[0].decode()
    with open(path, "wb") as handle:
        handle.write(b"x" * 4096)


def _open_files(_: bytes) -> None:
    handles = [open(os.devnull, "rb") for _ in range(10_000)]  # noqa: SIM115
    del handles


def _raise_bug(_: bytes) -> None:
    raise IndexError("a parser bug that quotes the document: SECRET-CONTENT")


_COMMANDS: dict[bytes, Callable[[bytes], None]] = {
    b"ABORT": _abort,
    b"SLEEP": _sleep,
    b"SPIN": _spin,
    b"HOG": _hog,
    b"SEGV": _segfault,
    b"WRITE": _write_file,
    b"FILES": _open_files,
    b"BUG": _raise_bug,
}

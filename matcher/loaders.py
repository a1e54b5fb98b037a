"""Turn an uploaded file into cleaned resume text plus sections.

The type comes from the bytes, never from the file name alone: PDF (pypdfium2), DOCX
(python-docx), HTML (lxml's HTML parser), Markdown and plain text. Every way a file can be unusable
ends in one of the errors of :mod:`matcher.errors` with a message that says what to do. This is
the only module that imports the PDF, DOCX and HTML libraries; they are imported on first use so
that commands which never read a file start quickly.
"""

from __future__ import annotations

import io
import lzma
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, NamedTuple

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
from matcher.models import DocumentInfo, ExtractedDocument, MediaType
from matcher.sections import find_sections
from matcher.textclean import clean_text

__all__ = [
    "Box",
    "ColumnSplit",
    "IngestLimits",
    "detect_media_type",
    "document_from_text",
    "find_column_split",
    "html_to_text",
    "load_document",
    "markdown_to_text",
]


@dataclass(frozen=True)
class IngestLimits:
    """Caps that keep one hostile or oversized upload from exhausting the process."""

    max_bytes: int = 10 * 1024 * 1024
    max_pages: int = 30
    max_chars: int = 300_000


_SUPPORTED_HINT = "upload the resume as PDF, DOCX or plain text"
_RESAVE_HINT = "open it in Word or LibreOffice, save it as DOCX or PDF and upload that"
_IMAGE_HINT = f"{_SUPPORTED_HINT} (for a scan or photo, export the original or run OCR first)"

# A DOCX is a ZIP archive; these caps are checked on its directory before anything is inflated.
_DOCX_MAX_ENTRIES = 2_000
_DOCX_MAX_UNCOMPRESSED = 50 * 1024 * 1024  # per entry and in total
_DOCX_MAX_RATIO = 100  # for entries over _DOCX_RATIO_MIN_SIZE: deflate rarely beats 20:1 on XML
_DOCX_RATIO_MIN_SIZE = 10 * 1024 * 1024
_DOCX_READ_CHUNK = 64 * 1024
_DOCX_MAX_DEPTH = 200  # nesting of XML elements we walk (tables in tables in text boxes ...)
# A two-page resume has about 5,000 elements; walking one costs 5-10 us of Python time, so
# this keeps the worst walk near a second. Counted in C before the walk (see _element_text).
_DOCX_MAX_ELEMENTS = 100_000


def load_document(
    data: bytes, *, filename: str | None = None, limits: IngestLimits = IngestLimits()
) -> ExtractedDocument:
    """Read a resume from its bytes; ``filename`` only helps to spot Markdown and mix-ups."""
    if not data:
        raise EmptyDocumentError("the file is empty (0 bytes): upload the resume file again")
    if len(data) > limits.max_bytes:
        raise DocumentTooLargeError(
            f"the file is {_megabytes(len(data))} and the limit is {_megabytes(limits.max_bytes)}:"
            " upload a shorter resume, or export it again without embedded images"
        )
    detected = _detect(data, filename)
    if detected.media_type is MediaType.PDF:
        raw = _read_pdf(data, limits)
    elif detected.media_type is MediaType.DOCX:
        raw = _read_docx(data)
    else:
        plain = _text_format_to_plain(detected.text or "", detected.media_type)
        raw = _RawText(plain, warnings=list(detected.warnings))
    return _finish(raw, detected.media_type, limits)


def document_from_text(
    text: str, *, media_type: MediaType = MediaType.TXT, limits: IngestLimits = IngestLimits()
) -> ExtractedDocument:
    """Build the document from text already in memory (pasted text, tests, other front ends)."""
    if len(text) > limits.max_bytes:
        raise DocumentTooLargeError(
            f"the text has {len(text):,} characters and the limit is {limits.max_bytes:,}:"
            " send a shorter resume"
        )
    return _finish(_RawText(_text_format_to_plain(text, media_type)), media_type, limits)


# ----------------------------------------------------------------------------- type detection


_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office container
# Signatures of formats people upload by mistake: what it is and what to do, for the message.
_BINARY_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image", _IMAGE_HINT),
    (b"\xff\xd8\xff", "a JPEG image", _IMAGE_HINT),
    (b"GIF87a", "a GIF image", _IMAGE_HINT),
    (b"GIF89a", "a GIF image", _IMAGE_HINT),
    (b"II*\x00", "a TIFF image", _IMAGE_HINT),
    (b"MM\x00*", "a TIFF image", _IMAGE_HINT),
    (_OLE_SIGNATURE, "an old Word 97-2003 (.doc) or other legacy Office file", _RESAVE_HINT),
    (b"{\\rtf", "a Rich Text Format (RTF) file", _RESAVE_HINT),
    (b"%!PS", "a PostScript file", "convert it to PDF and upload that"),
    (b"AT&TFORM", "a DjVu document", _SUPPORTED_HINT),
    (b"\x7fELF", "a program (ELF executable)", _SUPPORTED_HINT),
    (b"\xca\xfe\xba\xbe", "a compiled program", _SUPPORTED_HINT),
    (b"\x00asm", "a WebAssembly module", _SUPPORTED_HINT),
    (b"\x1f\x8b", "a gzip-compressed file", _SUPPORTED_HINT),
    (b"BZh91AY&SY", "a bzip2-compressed file", _SUPPORTED_HINT),
    (b"\xfd7zXZ\x00", "an XZ-compressed file", _SUPPORTED_HINT),
    (b"\x28\xb5\x2f\xfd", "a Zstandard-compressed file", _SUPPORTED_HINT),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", _SUPPORTED_HINT),
    (b"Rar!\x1a\x07", "a RAR archive", _SUPPORTED_HINT),
    (b"SQLite format 3\x00", "an SQLite database", _SUPPORTED_HINT),
    (b"OggS", "an audio file", _SUPPORTED_HINT),
    (b"ID3", "an MP3 audio file", _SUPPORTED_HINT),
    (b"fLaC", "an audio file", _SUPPORTED_HINT),
)  # fmt: skip
# Everything zipfile raises on a damaged or exotic archive: NotImplementedError for a newer
# format version or compression method, RuntimeError for an encrypted member, LZMAError for a
# broken LZMA member (found by fuzzing: each escaped as a raw exception).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_PDF_MAGIC = b"%PDF-"
_PDF_MAGIC_WINDOW = 1024  # readers accept junk before the header; so do we, within limits
_OLE_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")  # Office's encrypted container

_EXTENSION_TYPES = {
    ".pdf": MediaType.PDF,
    ".docx": MediaType.DOCX,
    ".txt": MediaType.TXT,
    ".text": MediaType.TXT,
    ".md": MediaType.MARKDOWN,
    ".markdown": MediaType.MARKDOWN,
    ".html": MediaType.HTML,
    ".htm": MediaType.HTML,
    ".xhtml": MediaType.HTML,
}
# Names within one family are interchangeable (HTML saved as .txt is still read); a name from
# another family than the bytes means the user picked the wrong file or renamed it by hand.
_TEXT_FAMILY = frozenset({MediaType.TXT, MediaType.MARKDOWN, MediaType.HTML})
_MARKDOWN_HEADING = re.compile(r"^#{1,6} \S", re.MULTILINE)
_HTML_FRAGMENT_TAG = re.compile(r"<(?:html|body|p|div|br|li|ul|h[1-6]|table|span)\b", re.I)


def detect_media_type(data: bytes, *, filename: str | None = None) -> MediaType:
    """The media type the bytes really hold; raises when they hold nothing we can read."""
    return _detect(data, filename).media_type


class _Detected(NamedTuple):
    media_type: MediaType
    text: str | None = None  # the decoded text, for the text formats
    warnings: tuple[str, ...] = ()


def _detect(data: bytes, filename: str | None) -> _Detected:
    claimed = _claimed_type(filename)
    detected = _Detected(_sniff_binary(data, claimed=claimed) or MediaType.TXT)
    if detected.media_type not in (MediaType.PDF, MediaType.DOCX):
        try:
            text, warnings = _decode_text(data)
        except UnreadableEncodingError:
            if claimed in (MediaType.PDF, MediaType.DOCX):
                raise _mismatch(filename, "unreadable data") from None
            raise
        detected = _Detected(_sniff_text(text, filename_type=claimed), text, tuple(warnings))
    if claimed is not None and _family(claimed) != _family(detected.media_type):
        raise _mismatch(filename, _describe(detected.media_type))
    return detected


def _mismatch(filename: str | None, content: str) -> TypeMismatchError:
    return TypeMismatchError(
        f"the file name ends in {_extension(filename)} but the content is {content}:"
        " upload the right file, or export the resume again in the format its name says"
    )


def _sniff_binary(data: bytes, *, claimed: MediaType | None) -> MediaType | None:
    """PDF or DOCX from magic bytes; None when the bytes may be text; raises for other formats."""
    if data.startswith(_ZIP_SIGNATURES):
        return _sniff_zip(data, named_docx=claimed is MediaType.DOCX)
    if data.startswith(_OLE_SIGNATURE) and _OLE_ENCRYPTED_STREAM in data:
        raise EncryptedDocumentError(
            "the Office document is password-protected: remove the password in Word"
            " (File > Info > Protect Document), save it as DOCX or PDF and try again"
        )
    for signature, description, advice in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise _unsupported(description, advice)
    media = _sniff_media_container(data)
    if media is not None:
        raise _unsupported(*media)
    if data.startswith(b"MZ") and b"\x00" in data[:64]:
        raise _unsupported("a Windows program", _SUPPORTED_HINT)
    # Only after the signatures at offset 0: an archive can hold a PDF in its first kilobyte.
    if _PDF_MAGIC in data[:_PDF_MAGIC_WINDOW]:
        return MediaType.PDF
    return None


def _sniff_media_container(data: bytes) -> tuple[str, str] | None:
    """RIFF and ISO media files: their type sits after a size field, not at offset 0."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "a WebP image", _IMAGE_HINT
    if data[:4] == b"RIFF" and data[8:12] in (b"WAVE", b"AVI "):
        return "an audio or video file", _SUPPORTED_HINT
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"avif"):
        return "a HEIC/AVIF photo", _IMAGE_HINT
    if data[4:8] == b"ftyp":
        return "a video file", _SUPPORTED_HINT
    return None


def _sniff_zip(data: bytes, *, named_docx: bool) -> MediaType:
    _check_claimed_entry_count(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            mimetype = b""
            if "mimetype" in names:
                with archive.open("mimetype") as stream:
                    mimetype = stream.read(100)  # bounded: the entry could be a bomb
    except _ZIP_ERRORS as error:
        raise MalformedDocumentError(
            "the file looks like a DOCX (ZIP) document but it is damaged or incomplete:"
            " save or export the resume again and upload the new file"
        ) from error
    if "word/document.xml" in names:
        return MediaType.DOCX
    if named_docx:
        raise MalformedDocumentError(
            "the file is named .docx but holds no Word content (it is damaged or not a Word"
            " document): save the resume again from Word and upload the new file"
        )
    if any(name.startswith("xl/") for name in names):
        raise _unsupported("an Excel spreadsheet", _SUPPORTED_HINT)
    if any(name.startswith("ppt/") for name in names):
        raise _unsupported("a PowerPoint presentation", _SUPPORTED_HINT)
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        raise _unsupported("an OpenDocument (LibreOffice .odt) file", _RESAVE_HINT)
    if mimetype.startswith(b"application/epub"):
        raise _unsupported("an EPUB e-book", _SUPPORTED_HINT)
    raise _unsupported("a ZIP archive", "upload the resume file itself, not an archive")


def _unsupported(description: str, advice: str) -> UnsupportedTypeError:
    return UnsupportedTypeError(f"this looks like {description}: {advice}")


def _sniff_text(text: str, *, filename_type: MediaType | None) -> MediaType:
    head = text[:2048].lstrip("\ufeff \t\r\n").lower()
    if head.startswith(("<!doctype html", "<html")):
        return MediaType.HTML
    if head.startswith(("<?xml", "<!--", "<!doctype")) and "<html" in head:
        return MediaType.HTML
    if filename_type is MediaType.HTML and _HTML_FRAGMENT_TAG.search(head):
        return MediaType.HTML
    if filename_type is MediaType.MARKDOWN:
        return MediaType.MARKDOWN
    if len(_MARKDOWN_HEADING.findall(text, 0, 100_000)) >= 2:
        return MediaType.MARKDOWN
    return MediaType.TXT


def _claimed_type(filename: str | None) -> MediaType | None:
    return _EXTENSION_TYPES.get(_extension(filename)) if filename else None


def _extension(filename: str | None) -> str:
    return PurePath(filename).suffix.lower() if filename else ""


def _family(media_type: MediaType) -> str:
    return "text" if media_type in _TEXT_FAMILY else media_type.value


def _describe(media_type: MediaType) -> str:
    return {
        MediaType.PDF: "a PDF",
        MediaType.DOCX: "a Word (DOCX) document",
        MediaType.HTML: "HTML",
        MediaType.MARKDOWN: "Markdown text",
        MediaType.TXT: "plain text",
    }[media_type]


# ----------------------------------------------------------------------------- shared finishing


@dataclass
class _RawText:
    """Text straight out of a format reader, before cleaning."""

    text: str
    pages: int | None = None
    total_pages: int | None = None
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)


# Cleaning never needs to see much more than the final cap: it only shrinks text, save for rare
# ligature expansions, so longer input is cut first to keep the work bounded.
_RAW_CHARS_PER_CLEAN_CHAR = 2


def _finish(raw: _RawText, media_type: MediaType, limits: IngestLimits) -> ExtractedDocument:
    truncated = raw.truncated
    warnings = list(raw.warnings)
    source = raw.text[: limits.max_chars * _RAW_CHARS_PER_CLEAN_CHAR]
    text = clean_text(source)
    if not _has_words(text):
        raise EmptyDocumentError(
            "the document contains no readable text: check that you uploaded the right file"
        )
    if len(text) > limits.max_chars or len(source) < len(raw.text):
        text = _cut_at_line(text, limits.max_chars)
        truncated = True
        warnings.append(f"The text was cut to its first {len(text):,} characters.")
    info = DocumentInfo(
        media_type=media_type,
        pages=raw.pages,
        total_pages=raw.total_pages,
        characters=len(text),
        truncated=truncated,
        warnings=tuple(warnings),
    )
    return ExtractedDocument(info=info, text=text, sections=find_sections(text))


def _has_words(text: str) -> bool:
    return any(char.isalnum() for char in text)


def _cut_at_line(text: str, max_chars: int) -> str:
    """Cut before ``max_chars``, at a line break when one is near, so no line is half read."""
    cut = text.rfind("\n", 0, max_chars + 1)
    if cut < max_chars * 9 // 10:
        cut = max_chars
    return text[:cut].rstrip()


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


# ----------------------------------------------------------------------------- plain text


_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),  # before UTF-16 LE, whose BOM is a prefix of this one
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
# NUL is left out: stray NULs occur in real text exports and are judged on their own below.
_CONTROL_CHARS = re.compile(r"[\x01-\x08\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.01  # real text has almost none; binary data has about 12 %
_HTML_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I
)
_LEGACY_FALLBACK = "cp1252"


def _decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode bytes that should be text; raises UnreadableEncodingError when they are not."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), []
            except UnicodeDecodeError:
                raise UnreadableEncodingError(
                    f"the file starts with a {codec.upper()} byte-order mark but the rest is not"
                    f" valid {codec.upper()}: save the resume again as UTF-8 text"
                ) from None
    _reject_nul_bytes(data)
    warnings: list[str] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text, codec = _decode_legacy(data)
        warnings.append(f"The text is not UTF-8; it was read as {codec}.")
    controls = len(_CONTROL_CHARS.findall(text, 0, 1_000_000))
    if controls > max(2, min(len(text), 1_000_000) * _MAX_CONTROL_SHARE):
        raise UnreadableEncodingError(
            "the file is not readable text (it contains binary data):"
            f" {_SUPPORTED_HINT}, saved as UTF-8 if it is text"
        )
    return text, warnings


def _reject_nul_bytes(data: bytes) -> None:
    """UTF-16 without a BOM has a NUL in every other byte; a few stray NULs are only dropped."""
    nuls = data.count(b"\x00")
    if nuls <= len(data) // 10:
        return
    even = data[0::2].count(b"\x00")
    if nuls > len(data) // 4 and (even > nuls * 0.9 or even < nuls * 0.1):
        raise UnreadableEncodingError(
            "the text looks like UTF-16 without a byte-order mark, which cannot be read reliably:"
            " save the resume as UTF-8 text (or as PDF or DOCX) and try again"
        )
    raise UnreadableEncodingError(
        f"the file is not readable text (it contains binary data): {_SUPPORTED_HINT}"
    )


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """A declared HTML charset when there is one, else Windows-1252, else Latin-1."""
    declared = _HTML_META_CHARSET.search(data[:4096])
    candidates = [declared.group(1).decode("ascii")] if declared else []
    for codec in (*candidates, _LEGACY_FALLBACK):
        try:
            return data.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1"), "latin-1"


def _text_format_to_plain(text: str, media_type: MediaType) -> str:
    if media_type is MediaType.HTML:
        return html_to_text(text)
    if media_type is MediaType.MARKDOWN:
        return markdown_to_text(text)
    return text


# ----------------------------------------------------------------------------- Markdown


_MD_FENCE = re.compile(r"^ {0,3}(?:```|~~~)[^\n]*$", re.MULTILINE)
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}(?=[ \t]|$)[ \t]*", re.MULTILINE)
# Patterns that start with a run of blanks begin only where the run begins ((?<![ \t])):
# otherwise each of n blanks on a long line would start a scan of the rest, O(n**2).
_MD_CLOSING_HASHES = re.compile(r"(?<![ \t])[ \t]+#+[ \t]*$", re.MULTILINE)
# Rules ("---", "* * *"), setext underlines ("===") and table dividers ("|---|:--|"): a line of
# nothing but these characters. One possessive class, so a long line of dashes ending in a letter
# fails in one pass (two overlapping classes around a "-" backtrack quadratically on it); what the
# line must contain to count is checked on the match (see _drop_decoration_line).
_MD_DECORATION_LINE = re.compile(r"^[-=*_:| \t]++$", re.MULTILINE)
_MD_BLOCKQUOTE = re.compile(r"^ {0,3}>[ \t]?", re.MULTILINE)
_MD_IMAGE_OR_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\([^()\s]*(?:[ \t]+\"[^\"\n]*\")?\)")
_MD_REFERENCE_LINK = re.compile(r"\[([^\[\]\n]*)\]\[[^\[\]\n]*\]")
_MD_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\[\]\n]+\]:[^\n]*$", re.MULTILINE)
_MD_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^<>\s]*)>")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_MD_TABLE_EDGE_PIPES = re.compile(r"^[ \t]*\|[ \t]*|(?<![ \t])[ \t]*\|[ \t]*$", re.MULTILINE)
# A backslash before the marker escapes it; _MD_ESCAPE removes the backslash afterwards.
_MD_EMPHASIS_STAR = re.compile(r"(?<![\w*\\])\*(?=\S)|(?<=[^\s\\])\*(?![\w*])")
_MD_EMPHASIS_UNDERSCORE = re.compile(r"(?<![\w\\])_(?=\S)|(?<=[^\s\\])_(?!\w)")


def _drop_decoration_line(match: re.Match[str]) -> str:
    marks = match.group().replace(" ", "").replace("\t", "")
    is_rule = len(marks) >= 3 and len(set(marks)) == 1 and marks[0] in "-=*_"
    is_table_divider = "---" in marks and set(marks) <= set("-:|")
    return "" if is_rule or is_table_divider else match.group()


def markdown_to_text(markdown: str) -> str:
    """Markdown without its markup: headings, emphasis, links, quotes and tables become text.

    Each pattern is a single pass without nested quantifiers; list markers stay for
    :func:`clean_text`, which turns them into the one bullet convention.
    """
    text = markdown.replace("\r\n", "\n").replace("\r", "\n")
    text = _MD_FENCE.sub("", text)
    text = _MD_LINK_DEFINITION.sub("", text)
    text = _MD_DECORATION_LINE.sub(_drop_decoration_line, text)
    text = _MD_HEADING.sub("", text)
    text = _MD_CLOSING_HASHES.sub("", text)
    text = _MD_BLOCKQUOTE.sub("", text)
    text = _MD_IMAGE_OR_LINK.sub(r"\1", text)
    text = _MD_REFERENCE_LINK.sub(r"\1", text)
    text = _MD_AUTOLINK.sub(r"\1", text)
    text = _MD_TABLE_EDGE_PIPES.sub("", text)
    text = text.replace("**", "").replace("__", "").replace("`", "")
    text = _MD_EMPHASIS_STAR.sub("", text)
    text = _MD_EMPHASIS_UNDERSCORE.sub("", text)
    return _MD_ESCAPE.sub(r"\1", text)


# ----------------------------------------------------------------------------- HTML


_HTML_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "thead",
        "tfoot", "tr", "td", "th", "ul", "caption", "summary", "details", "br",
    }
)  # fmt: skip
_HTML_SKIPPED = frozenset(
    {"script", "style", "noscript", "template", "title", "svg", "iframe", "object", "head"}
)
_HTML_WHITESPACE = re.compile(r"\s+")
# lxml refuses some control characters and they carry no text anyway.
_HTML_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def html_to_text(html: str) -> str:
    """Visible text of an HTML page: no scripts or styles, one line per block element.

    libxml2's HTML parser (through lxml, already installed for python-docx) is linear on any
    input. The standard library's html.parser was the first choice, but on Python 3.11.7 an
    unclosed construct repeated many times (40 KB of "<a b='") takes it 20 s: quadratic.
    """
    from lxml import etree

    parser = etree.HTMLParser(recover=True, no_network=True, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(_HTML_CONTROL_CHARS.sub("", html), parser)
    except (etree.LxmlError, ValueError) as error:
        raise MalformedDocumentError(
            "the HTML could not be read: save the page again or export the resume as PDF"
        ) from error
    return "" if root is None else "".join(_html_parts(root, etree.iterwalk))


def _html_parts(root: Any, iterwalk: Any) -> Iterator[str]:
    """Text pieces in document order; block elements start and end lines."""
    walker = iterwalk(root, events=("start", "end"))
    in_pre = 0
    for event, element in walker:
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _HTML_SKIPPED:
                walker.skip_subtree()
                continue
            in_pre += tag == "pre"
            if tag == "li":
                yield "\n• "
            elif tag in _HTML_BLOCKS:
                yield "\n"
            if element.text:
                yield element.text if in_pre else _HTML_WHITESPACE.sub(" ", element.text)
        else:
            if tag not in _HTML_SKIPPED:
                in_pre -= tag == "pre"
                if tag in _HTML_BLOCKS and tag not in ("li", "br"):
                    yield "\n"  # an item ends where the next one or its list begins
            if element.tail:
                yield element.tail if in_pre else _HTML_WHITESPACE.sub(" ", element.tail)


# ----------------------------------------------------------------------------- PDF


# PDFium is not thread-safe; a lock keeps threaded servers from crashing the process.
_PDFIUM_LOCK = threading.Lock()
_PDFIUM_PASSWORD_ERRORS = (4, 6)  # FPDF_ERR_PASSWORD, FPDF_ERR_SECURITY
# PDFium joins a line that ends in a hyphen with the next one and marks the hyphen with \x02
# (\ufffe through get_text_range); give it back its line break and let clean_text decide.
_PDFIUM_HYPHEN_MARKS = ("\x02", "\ufffe")
_UNREADABLE_GLYPH_SHARE = 0.3  # more than this many U+FFFD / private-use glyphs: fonts lack maps
_UNREADABLE_GLYPH = re.compile("[\ufffd\ue000-\uf8ff]")
_WHITESPACE = re.compile(r"\s")


# Flate bombs: a 3 KB PDF whose content stream is Flate inside Flate inflates to 1 GiB, and
# PDFium decodes it whole (seconds and gigabytes; under a memory limit it aborts the process).
# Before PDFium sees the file, each stream is inflated here, nested layers too, within a budget
# shared by the whole file. Pictures and attachments are skipped: PDFium never decodes them for
# text, and a large scan is legitimate. An evasion this misses still meets the sandbox's limits.
_PDF_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\n)")
_PDF_SKIPPED_STREAMS = re.compile(rb"/(?:Image|EmbeddedFile)\b")
_PDF_DICTIONARY_LOOKBACK = 4096
_PDF_MAX_INFLATED = 64 * 1024 * 1024
_PDF_MAX_FLATE_LAYERS = 3


def _check_pdf_inflation(data: bytes) -> None:
    budget = _PDF_MAX_INFLATED
    for match in _PDF_STREAM_START.finditer(data):
        start = match.end()
        header = data[max(0, match.start() - _PDF_DICTIONARY_LOOKBACK) : match.start()]
        if _PDF_SKIPPED_STREAMS.search(header[header.rfind(b"obj") + 1 :]):
            continue
        end = data.find(b"endstream", start)
        payload = data[start : end if end >= 0 else len(data)]
        for _ in range(_PDF_MAX_FLATE_LAYERS):
            if len(payload) < 2 or payload[0] & 0x0F != 8 or (payload[0] << 8 | payload[1]) % 31:
                break  # not a zlib header: not Flate, or the innermost layer
            try:
                payload = zlib.decompressobj().decompress(payload, budget + 1)
            except zlib.error:
                break  # damaged: PDFium decides what to make of it
            budget -= len(payload)
            if budget < 0:
                raise ResourceLimitError(
                    "the PDF's compressed content would unpack to more than"
                    f" {_PDF_MAX_INFLATED // (1024 * 1024)} MB, far more than a resume holds"
                    " (a possible decompression bomb): export the resume again as PDF"
                )


def _read_pdf(data: bytes, limits: IngestLimits) -> _RawText:
    import pypdfium2 as pdfium

    _check_pdf_inflation(data)
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as error:
            raise _pdf_open_error(error) from None
        try:
            total_pages = len(document)
            if total_pages < 1:
                raise MalformedDocumentError(
                    "the PDF has no pages: export the resume again and upload the new file"
                )
            page_texts = [
                _pdf_page_text(document, index, pdfium.PdfiumError)
                for index in range(min(total_pages, limits.max_pages))
            ]
        finally:
            document.close()
    if all(text is None for text in page_texts):
        raise MalformedDocumentError(
            "the PDF is damaged and none of its pages can be read:"
            " export the resume again and upload the new file"
        )
    return _pdf_raw_text(page_texts, total_pages=total_pages, max_pages=limits.max_pages)


def _pdf_open_error(error: Any) -> DocumentError:
    if getattr(error, "err_code", None) in _PDFIUM_PASSWORD_ERRORS:
        return EncryptedDocumentError(
            "the PDF is password-protected: remove the password and try again"
            " (print or export it to a new PDF without a password)"
        )
    return MalformedDocumentError(
        "the PDF is damaged or incomplete (it may have been cut off while downloading):"
        " export the resume again and upload the new file"
    )


def _pdf_raw_text(page_texts: list[str | None], *, total_pages: int, max_pages: int) -> _RawText:
    """Join the pages (None: a page that failed to load) and judge the text layer."""
    text = "\n\n".join(page or "" for page in page_texts)
    for mark in _PDFIUM_HYPHEN_MARKS:
        text = text.replace(mark, "-\n")
    if not _has_words(text):
        raise NoTextLayerError(
            "the PDF has no text layer: it is probably a scan or a picture of the resume."
            " Export the PDF again from the original document (with text), or run OCR on it"
        )
    if _unreadable_glyph_share(text) > _UNREADABLE_GLYPH_SHARE:
        raise NoTextLayerError(
            "the PDF's text cannot be decoded (its fonts have no character map): export it again"
            " from the original document with standard fonts, or upload the DOCX"
        )
    warnings = [
        f"Page {number} could not be read (damaged) and was skipped."
        if page_text is None
        else f"Page {number} has no text layer (image only) and was skipped."
        for number, page_text in enumerate(page_texts, start=1)
        if page_text is None or not _has_words(page_text)
    ]
    truncated = total_pages > max_pages
    if truncated:
        warnings.append(f"Only the first {max_pages} of {total_pages} pages were read.")
    return _RawText(
        text,
        pages=len(page_texts),
        total_pages=total_pages,
        truncated=truncated,
        warnings=warnings,
    )


def _unreadable_glyph_share(text: str) -> float:
    unreadable = len(_UNREADABLE_GLYPH.findall(text))
    return unreadable / (len(text) - len(_WHITESPACE.findall(text))) if unreadable else 0.0


def _pdf_page_text(document: Any, index: int, pdfium_error: type[Exception]) -> str | None:
    """The text of one page, or None when PDFium cannot load it (the other pages may be fine)."""
    try:
        page = document[index]
        try:
            textpage = page.get_textpage()
            try:
                return _textpage_text(textpage, rotation=page.get_rotation())
            finally:
                textpage.close()
        finally:
            page.close()
    except pdfium_error:
        return None


def _textpage_text(textpage: Any, *, rotation: int) -> str:
    """Page text in reading order, splitting side-by-side columns that PDFium read as one."""
    text: str = textpage.get_text_bounded()
    lines = text.count("\n") + 1
    if rotation != 0 or lines < _MIN_LINES_FOR_COLUMNS:
        return text
    box_count: int = textpage.count_rects()
    if box_count - lines < _MIN_SIDE_BY_SIDE_PAIRS:
        return text  # every side-by-side pair needs a line with two runs: too few runs for that
    if box_count > _MAX_BOXES_FOR_COLUMNS:
        return text  # no resume page has this many runs; keep the search cheap on hostile pages
    split = find_column_split([Box(*textpage.get_rect(index)) for index in range(box_count)])
    if split is None:
        return text
    parts = _read_columns(textpage, split)
    if _looks_like_label_column(parts.left) or _looks_like_label_column(parts.right):
        return text  # dates or labels beside their lines, not a second column of text
    columns = "\n".join(part for part in parts if part)
    if _letter_count(columns) < _letter_count(text) * 0.98:
        return text  # the cut lost characters: keep PDFium's order rather than lose text
    return columns


# ----------------------------------------------------------------------------- PDF columns


class Box(NamedTuple):
    """A run of text on a PDF page, in PDF units (origin bottom-left, y grows upwards)."""

    left: float
    bottom: float
    right: float
    top: float


class ColumnSplit(NamedTuple):
    """Two columns side by side between ``bottom`` and ``top`` (None: the page edge)."""

    gutter: float
    top: float | None
    bottom: float | None


class _ColumnTexts(NamedTuple):
    above: str
    left: str
    right: str
    below: str


_MIN_LINES_FOR_COLUMNS = 6
_MIN_GUTTER = 14.0  # points: wider than any word gap, narrower than a column gutter
_MIN_SIDE_BY_SIDE_PAIRS = 3
_MAX_BOXES_FOR_COLUMNS = 1_000  # the gutter search is quadratic in side-by-side pairs


def find_column_split(boxes: Sequence[Box]) -> ColumnSplit | None:
    """Find two columns whose lines PDFium interleaved; None when the order is already fine.

    ``boxes`` are text runs in PDFium's reading order. When a page puts two columns side by side
    and the PDF draws them row by row, PDFium joins each left line with the right line at the same
    height. That shows as consecutive runs on one line with a wide gap between them. The gutter is
    the x position inside the most of those gaps; it must not be crossed by any text between the
    first and the last such line (a full-width line there means a single column with right-aligned
    dates or labels, which PDFium already reads well).
    """
    gaps = [
        (first.right, second.left, first, second)
        for first, second in zip(boxes, boxes[1:], strict=False)
        if second.left - first.right >= _MIN_GUTTER and _same_line(first, second)
    ]
    if len(gaps) < _MIN_SIDE_BY_SIDE_PAIRS:
        return None
    gutter, supporting = _best_gutter(gaps)
    if len(supporting) < _MIN_SIDE_BY_SIDE_PAIRS:
        return None
    band_top = max(box.top for pair in supporting for box in pair)
    band_bottom = min(box.bottom for pair in supporting for box in pair)
    crossing = [box for box in boxes if box.left < gutter < box.right]
    if any(box.bottom < band_top and box.top > band_bottom for box in crossing):
        return None
    above = [box.bottom for box in crossing if box.bottom >= band_top]
    below = [box.top for box in crossing if box.top <= band_bottom]
    top = _cut_between(min(above), boxes, upper=True) if above else None
    bottom = _cut_between(max(below), boxes, upper=False) if below else None
    return ColumnSplit(gutter=gutter, top=top, bottom=bottom)


def _same_line(first: Box, second: Box) -> bool:
    overlap = min(first.top, second.top) - max(first.bottom, second.bottom)
    return overlap > 0.5 * min(first.top - first.bottom, second.top - second.bottom)


def _best_gutter(gaps: list[tuple[float, float, Box, Box]]) -> tuple[float, list[tuple[Box, Box]]]:
    """The gap midpoint that lies inside the most gaps, with the box pairs around those gaps."""
    best_x, best_pairs = 0.0, list[tuple[Box, Box]]()
    for start, end, _, _ in gaps:
        x = (start + end) / 2
        pairs = [(first, second) for lo, hi, first, second in gaps if lo < x < hi]
        if len(pairs) > len(best_pairs):
            best_x, best_pairs = x, pairs
    return best_x, best_pairs


def _cut_between(edge: float, boxes: Sequence[Box], *, upper: bool) -> float:
    """A y halfway between a full-width line's edge and the nearest column text next to it."""
    if upper:  # edge is the bottom of a line above the columns
        nearest = max((box.top for box in boxes if box.top <= edge), default=edge)
    else:  # edge is the top of a line below the columns
        nearest = min((box.bottom for box in boxes if box.bottom >= edge), default=edge)
    return (edge + nearest) / 2


def _read_columns(textpage: Any, split: ColumnSplit) -> _ColumnTexts:
    def bounded(**bounds: float | None) -> str:
        return str(textpage.get_text_bounded(**bounds))

    return _ColumnTexts(
        above=bounded(bottom=split.top) if split.top is not None else "",
        left=bounded(right=split.gutter, top=split.top, bottom=split.bottom),
        right=bounded(left=split.gutter, top=split.top, bottom=split.bottom),
        below=bounded(top=split.bottom) if split.bottom is not None else "",
    )


_LABEL_MAX_CHARS = 30


def _looks_like_label_column(text: str) -> bool:
    """True for a column of short dated labels ("2019 - 2021") rather than running text."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return True
    labels = sum(
        1 for line in lines if len(line) <= _LABEL_MAX_CHARS and any(c.isdigit() for c in line)
    )
    return labels >= 0.6 * len(lines)


def _letter_count(text: str) -> int:
    return sum(1 for char in text if char.isalnum())


# ----------------------------------------------------------------------------- DOCX


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Subtrees with no visible text of their own: deletions, field codes, properties, and the
# fallback copy of every text box (the preferred copy is read already).
_DOCX_SKIPPED = frozenset(
    {
        f"{_W}del", f"{_W}delText", f"{_W}instrText", f"{_W}pPr", f"{_W}rPr", f"{_W}tcPr",
        f"{_W}tblPr", f"{_W}trPr", f"{_W}sectPr", f"{_W}footnoteReference", _MC_FALLBACK,
    }
)  # fmt: skip
_DOCX_CHARACTERS = {f"{_W}tab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}
# "<!DOCTYPE" or "<!ENTITY" in UTF-8 or either UTF-16 byte order (OPC allows all three).
_DTD_MARKER = re.compile(
    b"|".join(
        re.escape(marker.encode(encoding))
        for marker in ("<!DOCTYPE", "<!ENTITY")
        for encoding in ("ascii", "utf-16-le", "utf-16-be")
    )
)
_PAGE_NUMBER_FOOTER = re.compile(r"(?i)\bpage\b|\bof\b|[\d\s/|.-]")


def _read_docx(data: bytes) -> _RawText:
    checked = _checked_docx_copy(data)
    import docx

    try:
        document = docx.Document(io.BytesIO(checked))
        return _RawText(_docx_text(document))
    except DocumentError:
        raise
    except ValueError as error:
        if "content type" in str(error):  # python-docx's words for .docm/.dotx packages
            raise UnsupportedTypeError(
                "this is a Word template or macro-enabled document, not a .docx:"
                " save it as a regular Word document (.docx) or PDF and try again"
            ) from error
        raise _docx_damaged() from error
    except (RecursionError, MemoryError) as error:
        raise ResourceLimitError(
            "the Word document is too deeply nested or too large to read safely:"
            " save it as PDF and try again"
        ) from error
    except Exception as error:
        # python-docx and lxml raise many types on damaged input (PackageNotFoundError,
        # KeyError, XMLSyntaxError, AttributeError ...); they all mean the same to the user.
        raise _docx_damaged() from error


def _docx_damaged() -> MalformedDocumentError:
    return MalformedDocumentError(
        "the Word document is damaged and cannot be read: open it in Word and save it again"
        " (or export it as PDF), then upload the new file"
    )


def _checked_docx_copy(data: bytes) -> bytes:
    """The archive re-packed uncompressed after every part passed the caps and the DTD check.

    python-docx inflates each part in one call, however large the stream really is; a part
    that declares 2 KB can inflate to gigabytes before the size is compared. Reading each part
    here in small chunks stops at its declared size (and fails its CRC if it lied), and handing
    python-docx the stored copy means it never inflates anything itself.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            listed = archive.infolist()
            if any(not entry.filename for entry in listed):
                raise _docx_damaged()  # a nameless part (zipfile's is_dir() fails on it: fuzzing)
            entries = {entry.filename: entry for entry in listed if not entry.is_dir()}
            _check_docx_directory(list(entries.values()))
            copy = io.BytesIO()
            with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as target:
                for name, entry in entries.items():
                    content = _read_zip_entry(archive, entry)
                    if name.endswith((".xml", ".rels")):
                        _check_xml_part(content)
                    target.writestr(name, content)
    except DocumentError:
        raise
    except _ZIP_ERRORS as error:
        raise _docx_damaged() from error
    return copy.getvalue()


def _read_zip_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    chunks: list[bytes] = []
    with archive.open(entry) as stream:
        while chunk := stream.read(_DOCX_READ_CHUNK):
            chunks.append(chunk)
    return b"".join(chunks)


def _check_docx_directory(entries: Sequence[zipfile.ZipInfo]) -> None:
    if len(entries) > _DOCX_MAX_ENTRIES:
        raise _too_many_parts(len(entries))
    total = 0
    for entry in entries:
        total += entry.file_size
        too_big = entry.file_size > _DOCX_MAX_UNCOMPRESSED or total > _DOCX_MAX_UNCOMPRESSED
        ratio = entry.file_size / max(entry.compress_size, 1)
        if too_big or (entry.file_size > _DOCX_RATIO_MIN_SIZE and ratio > _DOCX_MAX_RATIO):
            raise DocumentTooLargeError(
                "the Word document would unpack to far more data than a resume holds"
                " (a possible ZIP bomb): save it again from Word or export it as PDF"
            )


def _too_many_parts(count: int) -> DocumentTooLargeError:
    return DocumentTooLargeError(
        f"the Word document has {count:,} internal parts (limit {_DOCX_MAX_ENTRIES:,}),"
        " far more than any resume: save it again from Word or export it as PDF"
    )


_ZIP_END_RECORD = b"PK\x05\x06"
_ZIP_END_RECORD_SEARCH = 22 + 65_535  # the record plus the longest archive comment


def _check_claimed_entry_count(data: bytes) -> None:
    """Refuse a ZIP whose end record claims too many entries before zipfile builds them all.

    zipfile turns every directory entry into an object up front: 65,000 tiny entries fit in a
    10 MB upload and took seconds per open. ZIP64 archives (count 0xFFFF) are left to the
    directory check.
    """
    end = data.rfind(_ZIP_END_RECORD, max(0, len(data) - _ZIP_END_RECORD_SEARCH))
    if end < 0 or end + 22 > len(data):
        return  # no end record: zipfile reports the damage
    (count,) = struct.unpack_from("<H", data, end + 10)
    if _DOCX_MAX_ENTRIES < count < 0xFFFF:
        raise _too_many_parts(count)


def _check_xml_part(content: bytes) -> None:
    if _DTD_MARKER.search(content):
        raise MalformedDocumentError(
            "the Word document contains an XML document type declaration, which Word never"
            " writes and which is refused for safety: save it again from Word or export it as PDF"
        )


def _docx_text(document: Any) -> str:
    """Headers, then the body in document order (tables included), then footers with text."""
    body = document.element.body
    headers, footers = _docx_header_footer_elements(document)
    header_texts = [_element_text(element) for element in headers]
    footer_texts = [_element_text(element) for element in footers]
    footer_texts = [text for text in footer_texts if _PAGE_NUMBER_FOOTER.sub("", text)]
    return "\n".join(_dedupe([*header_texts, _element_text(body), *footer_texts]))


def _docx_header_footer_elements(document: Any) -> tuple[list[Any], list[Any]]:
    """Header and footer parts in section order, each once (linked sections share parts)."""
    related = document.part.related_parts
    seen: set[str] = set()
    headers: list[Any] = []
    footers: list[Any] = []
    for section_properties in document.element.body.iter(f"{_W}sectPr"):
        for reference in section_properties:
            relationship_id = reference.get(_R_ID)
            if relationship_id is None or relationship_id in seen or relationship_id not in related:
                continue
            seen.add(relationship_id)
            if reference.tag == f"{_W}headerReference":
                headers.append(related[relationship_id].element)
            elif reference.tag == f"{_W}footerReference":
                footers.append(related[relationship_id].element)
    return headers, footers


def _dedupe(texts: Iterable[str]) -> Iterator[str]:
    seen: set[str] = set()
    for text in texts:
        key = text.strip()
        if key and key not in seen:
            seen.add(key)
            yield text


def _element_text(element: Any) -> str:
    if int(element.xpath("count(.//*)")) > _DOCX_MAX_ELEMENTS:
        # Refused in milliseconds: 200,000 empty paragraphs took seconds to walk.
        raise ResourceLimitError(
            "the Word document holds too many elements to read safely (a resume has a few"
            " thousand): save it as PDF and try again"
        )
    walker = _DocxTextWalker()
    walker.walk(element, depth=0)
    return "".join(walker.parts)


class _DocxTextWalker:
    """Collects visible text in document order: one line per paragraph and per table cell."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._elements_left = _DOCX_MAX_ELEMENTS

    def walk(self, element: Any, depth: int) -> None:
        self._elements_left -= 1
        if depth > _DOCX_MAX_DEPTH or self._elements_left < 0:
            raise ResourceLimitError(
                "the Word document is nested too deeply or holds too many elements to read"
                " safely: save it as PDF and try again"
            )
        tag = element.tag
        if not isinstance(tag, str) or tag in _DOCX_SKIPPED:
            return  # comments and processing instructions have callable tags in lxml
        if tag == f"{_W}t":
            self.parts.append(element.text or "")
            return
        if tag in _DOCX_CHARACTERS:
            self.parts.append(_DOCX_CHARACTERS[tag])
            return
        if tag == f"{_W}tc" and _is_merged_continuation(element):
            return  # a vertically merged cell repeats the cell above it
        if tag == f"{_W}p" and _is_list_paragraph(element):
            self.parts.append("• ")
        for child in element:
            self.walk(child, depth + 1)
        if tag in (f"{_W}p", f"{_W}tc"):
            self.parts.append("\n")


def _is_merged_continuation(cell: Any) -> bool:
    merge = cell.find(f"{_W}tcPr/{_W}vMerge")
    return merge is not None and merge.get(f"{_W}val", "continue") == "continue"


def _is_list_paragraph(paragraph: Any) -> bool:
    properties = paragraph.find(f"{_W}pPr")
    if properties is None:
        return False
    numbering = properties.find(f"{_W}numPr/{_W}numId")
    if numbering is not None and numbering.get(f"{_W}val") != "0":
        return True
    style = properties.find(f"{_W}pStyle")
    return style is not None and str(style.get(f"{_W}val", "")).startswith("ListBullet")

"""The project's exception tree.

Every error a user can cause carries a stable ``code`` (used in JSON error records and as the
suffix of the RFC 9457 problem ``type``), an HTTP status and a message that says what to do.
The CLI and the API map errors through these attributes only, so the mapping lives here, once.

    MatcherError                      code            HTTP  meaning
    ├── DocumentError                 (abstract)            the uploaded/given document is unusable
    │   ├── EmptyDocumentError        empty_document   422  zero bytes, or no text at all
    │   ├── UnsupportedTypeError      unsupported_type 415  not PDF/DOCX/TXT/MD/HTML
    │   ├── TypeMismatchError         type_mismatch    415  declared type disagrees with the bytes
    │   ├── DocumentTooLargeError     too_large        413  over the byte/page/text caps
    │   ├── EncryptedDocumentError    encrypted        422  needs a password to open
    │   ├── NoTextLayerError          no_text_layer    422  scanned/image-only PDF
    │   ├── MalformedDocumentError    malformed        422  corrupt or truncated file
    │   ├── UnreadableEncodingError   bad_encoding     422  text that cannot be decoded sensibly
    │   ├── ResourceLimitError        resource_limit   422  parsing needed too much memory/CPU
    │   └── ParseTimeoutError         parse_timeout    422  parsing took longer than allowed
    └── ConfigurationError            (abstract)            data or options given to the library
        ├── TaxonomyError             taxonomy_invalid 500  taxonomy data failed validation
        ├── ProfileError              profile_invalid  400  requirement profile failed validation
        └── OptionError               invalid_option   400  an option value is out of range
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "ConfigurationError",
    "DocumentError",
    "DocumentTooLargeError",
    "EmptyDocumentError",
    "EncryptedDocumentError",
    "MalformedDocumentError",
    "MatcherError",
    "NoTextLayerError",
    "OptionError",
    "ParseTimeoutError",
    "ProfileError",
    "ResourceLimitError",
    "TaxonomyError",
    "TypeMismatchError",
    "UnreadableEncodingError",
    "UnsupportedTypeError",
    "error_classes",
]


class MatcherError(Exception):
    """Base of every error the library raises on purpose."""

    code: ClassVar[str] = "matcher_error"
    http_status: ClassVar[int] = 500
    title: ClassVar[str] = "Matching failed"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_record(self) -> dict[str, str | int]:
        """A JSON-safe description that never contains document content."""
        return {"code": self.code, "title": self.title, "message": self.message}


class DocumentError(MatcherError):
    """The document cannot be turned into resume text."""

    code = "document_error"
    http_status = 422
    title = "Unusable document"


class EmptyDocumentError(DocumentError):
    code = "empty_document"
    title = "Empty document"


class UnsupportedTypeError(DocumentError):
    code = "unsupported_type"
    http_status = 415
    title = "Unsupported file type"


class TypeMismatchError(UnsupportedTypeError):
    code = "type_mismatch"
    title = "File type does not match its content"


class DocumentTooLargeError(DocumentError):
    code = "too_large"
    http_status = 413
    title = "Document too large"


class EncryptedDocumentError(DocumentError):
    code = "encrypted"
    title = "Password-protected document"


class NoTextLayerError(DocumentError):
    code = "no_text_layer"
    title = "No text layer"


class MalformedDocumentError(DocumentError):
    code = "malformed"
    title = "Malformed document"


class UnreadableEncodingError(DocumentError):
    code = "bad_encoding"
    title = "Unreadable text encoding"


class ResourceLimitError(DocumentError):
    code = "resource_limit"
    title = "Resource limit exceeded"


class ParseTimeoutError(DocumentError):
    code = "parse_timeout"
    title = "Parsing timed out"


class ConfigurationError(MatcherError):
    """Data files or options handed to the library are invalid."""

    code = "configuration_error"
    http_status = 400
    title = "Invalid configuration"


class TaxonomyError(ConfigurationError):
    code = "taxonomy_invalid"
    http_status = 500
    title = "Invalid skill taxonomy"


class ProfileError(ConfigurationError):
    code = "profile_invalid"
    title = "Invalid requirement profile"


class OptionError(ConfigurationError):
    code = "invalid_option"
    title = "Invalid option"


def error_classes() -> list[type[MatcherError]]:
    """Every concrete error class, for documentation and exhaustive tests."""
    found: list[type[MatcherError]] = []
    pending: list[type[MatcherError]] = [MatcherError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found

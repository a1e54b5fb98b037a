"""The error tree: stable codes, one status per family, records without document content."""

from __future__ import annotations

import pytest

from matcher import errors
from matcher.errors import ConfigurationError, DocumentError, MatcherError, error_classes


def test_every_error_is_exported_and_codes_are_unique():
    classes = error_classes()
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes))
    exported = {getattr(errors, name) for name in errors.__all__ if name[0].isupper()}
    assert set(classes) <= exported


@pytest.mark.parametrize("cls", [c for c in error_classes() if issubclass(c, DocumentError)])
def test_document_errors_are_client_errors(cls):
    assert 400 <= cls.http_status < 500, "a bad upload must never look like a server failure"
    assert cls.code.replace("_", "").isalpha()


def test_unsupported_types_map_to_415_and_size_to_413():
    assert errors.UnsupportedTypeError.http_status == 415
    assert errors.TypeMismatchError.http_status == 415
    assert issubclass(errors.TypeMismatchError, errors.UnsupportedTypeError)
    assert errors.DocumentTooLargeError.http_status == 413
    for cls in (
        errors.EncryptedDocumentError,
        errors.NoTextLayerError,
        errors.MalformedDocumentError,
    ):
        assert cls.http_status == 422


def test_user_configuration_errors_are_400():
    assert errors.ProfileError.http_status == 400
    assert errors.OptionError.http_status == 400
    assert issubclass(errors.ProfileError, ConfigurationError)


def test_record_carries_code_title_and_message_only():
    error = errors.EncryptedDocumentError("the PDF is password-protected: remove the password")
    assert error.to_record() == {
        "code": "encrypted",
        "title": "Password-protected document",
        "message": "the PDF is password-protected: remove the password",
    }
    assert isinstance(error, MatcherError)
    assert str(error) == error.message

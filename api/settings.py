"""Every knob of the HTTP service, read once from ``MATCHER_*`` environment variables.

The table of variables lives in ``api/README.md``; ``tests/test_api.py`` checks that every field
here is documented there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["FORM_OVERHEAD_BYTES", "MiB", "Settings", "SettingsError"]

MiB = 1024 * 1024

# Multipart framing, the part headers and the small option fields (levels, dates, a custom
# profile) travel in the same body as the file, so the body may exceed the file cap by this much.
FORM_OVERHEAD_BYTES = 256 * 1024


def _split_list(value: object) -> object:
    """Accept a comma (or newline) separated string as well as a real list."""
    if isinstance(value, str):
        return tuple(item.strip() for item in value.replace("\n", ",").split(",") if item.strip())
    return value


class SettingsError(RuntimeError):
    """A setting that parses but cannot be used (e.g. an unreadable key file)."""


class Settings(BaseSettings):
    """Service configuration; immutable once built."""

    model_config = SettingsConfigDict(env_prefix="MATCHER_", frozen=True, extra="ignore")

    api_host: str = Field(default="127.0.0.1", description="Interface `match-api` binds to.")
    api_port: int = Field(default=8000, ge=1, le=65535, description="Port `match-api` uses.")
    api_workers: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes.")
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"

    executor: Literal["process", "thread"] = Field(
        default="process",
        description="Where matching runs: a pool of worker processes (default) or one thread.",
    )
    pool_size: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="Matching processes per API worker; default: CPU count / API workers.",
    )
    sandbox: bool = Field(
        default=True,
        description="Parse uploads in resource-limited processes (matcher.sandbox).",
    )
    parser_memory_bytes: int = Field(
        default=512 * MiB, ge=128 * MiB, description="Address-space cap of a parser process."
    )
    parse_timeout: float = Field(
        default=30.0, gt=0, le=600, description="Seconds one document may take to parse and match."
    )

    max_upload_bytes: int = Field(default=10 * MiB, ge=1024, description="Largest accepted file.")
    max_batch_files: int = Field(default=20, ge=1, le=1000, description="Most files in one batch.")
    max_batch_bytes: int = Field(default=50 * MiB, ge=1024, description="Largest batch body.")
    max_profile_bytes: int = Field(
        default=64 * 1024, ge=256, description="Largest custom profile document."
    )

    api_keys: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        default=(), description="Accepted X-API-Key values; empty means no authentication."
    )
    api_keys_file: Path | None = Field(
        default=None, description="File with one API key per line ('#' starts a comment)."
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Origins allowed by CORS; empty turns CORS off."
    )

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return _split_list(value)

    def load_api_keys(self) -> tuple[bytes, ...]:
        """Keys from MATCHER_API_KEYS plus MATCHER_API_KEYS_FILE, as bytes for comparison.

        A missing or unreadable key file stops start-up rather than silently running the
        service without authentication. (Not a pydantic validator: its error report would
        print the other settings, keys included.)
        """
        keys = [key.get_secret_value() for key in self.api_keys]
        if self.api_keys_file is not None:
            try:
                lines = self.api_keys_file.read_text("utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                reason = getattr(exc, "strerror", None) or "not UTF-8 text"
                raise SettingsError(f"cannot read MATCHER_API_KEYS_FILE: {reason}") from None
            keys += [line.split("#", 1)[0].strip() for line in lines]
        return tuple(key.encode("utf-8") for key in keys if key)

    @property
    def effective_pool_size(self) -> int:
        if self.pool_size is not None:
            return self.pool_size
        return max(1, (os.cpu_count() or 1) // self.api_workers)

    def body_limit_for(self, path: str) -> int:
        """Largest request body accepted on ``path`` (checked before the body is read)."""
        if path.rstrip("/").endswith("/batch"):
            return self.max_batch_bytes
        return self.max_upload_bytes + FORM_OVERHEAD_BYTES

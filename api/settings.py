"""Every knob of the HTTP service, read once from ``MATCHER_*`` environment variables.

The table of variables lives in ``api/README.md``; ``tests/test_api.py`` checks that every field
here is documented there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["MiB", "Settings", "get_settings"]

MiB = 1024 * 1024

# Multipart framing, the part headers and the small option fields (levels, dates, a custom
# profile) travel in the same body as the file, so the body may exceed the file cap by this much.
FORM_OVERHEAD_BYTES = 256 * 1024


def _split_list(value: object) -> object:
    """Accept a comma (or newline) separated string as well as a real list."""
    if isinstance(value, str):
        return tuple(item.strip() for item in value.replace("\n", ",").split(",") if item.strip())
    return value


class Settings(BaseSettings):
    """Service configuration; immutable once built."""

    model_config = SettingsConfigDict(env_prefix="MATCHER_", frozen=True, extra="ignore")

    api_host: str = Field("127.0.0.1", description="Interface `match-api` binds to.")
    api_port: int = Field(8000, ge=1, le=65535, description="TCP port `match-api` listens on.")
    api_workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes.")
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"

    executor: Literal["process", "thread"] = Field(
        "process",
        description="Where matching runs: a pool of worker processes (default) or one thread.",
    )
    pool_size: int | None = Field(
        None,
        ge=1,
        le=64,
        description="Matching processes per API worker; default: CPU count / API workers.",
    )
    parse_timeout: float = Field(
        30.0, gt=0, le=600, description="Seconds one document may take to parse and match."
    )

    max_upload_bytes: int = Field(10 * MiB, ge=1024, description="Largest accepted file.")
    max_batch_files: int = Field(20, ge=1, le=1000, description="Most files in one batch.")
    max_batch_bytes: int = Field(50 * MiB, ge=1024, description="Largest batch request body.")
    max_profile_bytes: int = Field(
        64 * 1024, ge=256, description="Largest custom profile document."
    )

    api_keys: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        (), description="Accepted X-API-Key values; empty means no authentication."
    )
    api_keys_file: Path | None = Field(
        None, description="File with one API key per line ('#' starts a comment)."
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Origins allowed by CORS; empty turns CORS off."
    )

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return _split_list(value)

    @model_validator(mode="after")
    def _merge_key_file(self) -> Settings:
        # Reading the file here makes a missing or unreadable key file stop start-up
        # instead of silently running the service without authentication.
        if self.api_keys_file is None:
            return self
        try:
            lines = self.api_keys_file.read_text("utf-8").splitlines()
        except OSError as exc:
            raise ValueError(f"cannot read MATCHER_API_KEYS_FILE: {exc.strerror}") from exc
        from_file = [line.split("#", 1)[0].strip() for line in lines]
        keys = (*self.api_keys, *(SecretStr(key) for key in from_file if key))
        object.__setattr__(self, "api_keys", keys)
        return self

    @property
    def auth_enabled(self) -> bool:
        return bool(self.api_keys)

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


def get_settings() -> Settings:
    """Settings from the environment (a fresh read each call; the app keeps its own copy)."""
    return Settings()

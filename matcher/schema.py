"""The published JSON Schema of ``MatchResult`` (shared by the library, CLI and API)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from matcher.models import SCHEMA_VERSION, ErrorRecord, MatchResult

SCHEMA_ID = f"https://ml-role-matcher.dev/schema/match_result-{SCHEMA_VERSION}.json"
PUBLISHED_PATH = Path(__file__).resolve().parent.parent / "schema" / "match_result.schema.json"


def result_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) for one match result."""
    schema = MatchResult.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def error_schema() -> dict[str, Any]:
    return ErrorRecord.model_json_schema(mode="serialization")


def main() -> None:
    """Regenerate ``schema/match_result.schema.json`` (run after changing matcher/models.py)."""
    PUBLISHED_PATH.write_text(json.dumps(result_schema(), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

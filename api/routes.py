"""HTTP routes: parse the request, hand the work to the library, return its JSON.

No matching logic lives here: every decision about documents, levels and profiles is the
library's, and its errors reach the client through the one ``MatcherError`` handler.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field, RootModel

from api.executor import MatchExecutor
from api.jobs import MatchJob
from api.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from api.metrics import ApiMetrics
from api.problems import problem_responses
from api.settings import Settings
from matcher.errors import DocumentError, MatcherError, OptionError, ProfileError
from matcher.models import MatchResult
from matcher.profiles import Profile, load_profiles
from skills.taxonomy import Taxonomy, load_taxonomy

__all__ = ["NDJSON_MEDIA_TYPE", "router"]

logger = logging.getLogger("api.routes")
NDJSON_MEDIA_TYPE = "application/x-ndjson"
T = TypeVar("T")

# Documents the header in OpenAPI ("Authorize" in /docs); ApiKeyMiddleware enforces it,
# before the body is read, so this dependency itself never rejects.
api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="Required when the service runs with MATCHER_API_KEYS or MATCHER_API_KEYS_FILE.",
)

router = APIRouter(responses=problem_responses(500))  # any route can fail unexpectedly
v1 = APIRouter(prefix="/v1", dependencies=[Depends(api_key_header)])


# ----------------------------------------------------------------------------- dependencies


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@dataclass(frozen=True)
class ReferenceData:
    """What the API process itself needs: the shipped taxonomy and profiles, for browsing.

    The matcher (spaCy and the extractor) lives only in the workers.
    """

    taxonomy: Taxonomy
    profiles: tuple[Profile, ...]

    @classmethod
    def load(cls) -> ReferenceData:
        taxonomy = load_taxonomy()
        return cls(taxonomy=taxonomy, profiles=load_profiles(taxonomy=taxonomy))


def reference_data(request: Request) -> ReferenceData:
    reference: ReferenceData | None = getattr(request.app.state, "reference", None)
    if reference is None:
        raise HTTPException(503, detail="the matcher is still loading; retry in a few seconds")
    return reference


def match_executor(request: Request) -> MatchExecutor:
    executor: MatchExecutor | None = getattr(request.app.state, "executor", None)
    if executor is None or not executor.ready:
        raise HTTPException(503, detail="the matcher is still loading; retry in a few seconds")
    return executor


def app_metrics(request: Request) -> ApiMetrics:
    metrics: ApiMetrics = request.app.state.metrics
    return metrics


SettingsDep = Annotated[Settings, Depends(app_settings)]
ReferenceDep = Annotated[ReferenceData, Depends(reference_data)]
ExecutorDep = Annotated[MatchExecutor, Depends(match_executor)]
MetricsDep = Annotated[ApiMetrics, Depends(app_metrics)]

LEVELS_HELP = "Comma-separated levels or profile ids to score, e.g. 'junior,mid'. Default: all."
DATE_HELP = "Judge 'current' positions and recency as of this day (YYYY-MM-DD). Default: today."
TEXT_HELP = "Include the extracted text in the result (offsets index into it)."
PROFILE_HELP = (
    "A custom requirement profile (JSON or YAML document, schema in skills/profiles/README.md); "
    "replaces the shipped profiles."
)


class FormOptions(BaseModel):
    """Options shared by the upload endpoints, merged from query and form fields."""

    levels: tuple[str, ...] | None = None
    reference_date: date | None = None
    include_text: bool = False
    profile: str | None = None


def split_levels(value: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """'junior, mid' or ['junior', 'mid'] -> ('junior', 'mid'); empty -> None (all levels)."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    levels = tuple(item.strip() for item in items if item.strip())
    return levels or None


def check_profile_size(profile: object, settings: Settings) -> None:
    """A profile document is small; a huge one is a mistake or an attempt to tie up a worker."""
    if isinstance(profile, str) and len(profile.encode("utf-8")) > settings.max_profile_bytes:
        raise ProfileError(
            f"the profile document is over {settings.max_profile_bytes} bytes; "
            "shipped profiles are about 5 KB"
        )


def _one_of(name: str, from_query: T | None, from_form: T | None) -> T | None:
    if from_query is not None and from_form is not None and from_query != from_form:
        raise OptionError(f"'{name}' was sent as a query and a form field with different values")
    return from_form if from_form is not None else from_query


def form_options(
    settings: SettingsDep,
    levels_query: Annotated[str | None, Query(alias="levels", description=LEVELS_HELP)] = None,
    date_query: Annotated[date | None, Query(alias="reference_date", description=DATE_HELP)] = None,
    text_query: Annotated[bool | None, Query(alias="include_text", description=TEXT_HELP)] = None,
    levels_form: Annotated[str | None, Form(alias="levels", description=LEVELS_HELP)] = None,
    date_form: Annotated[date | None, Form(alias="reference_date", description=DATE_HELP)] = None,
    text_form: Annotated[bool | None, Form(alias="include_text", description=TEXT_HELP)] = None,
    profile: Annotated[str | None, Form(description=PROFILE_HELP)] = None,
) -> FormOptions:
    check_profile_size(profile, settings)
    return FormOptions(
        levels=split_levels(_one_of("levels", levels_query, levels_form)),
        reference_date=_one_of("reference_date", date_query, date_form),
        include_text=bool(_one_of("include_text", text_query, text_form)),
        profile=profile or None,
    )


FormOptionsDep = Annotated[FormOptions, Depends(form_options)]


def json_response(body: str) -> Response:
    return Response(content=body, media_type="application/json")


# ----------------------------------------------------------------------------- matching

DOCUMENT_PROBLEMS = problem_responses(400, 401, 413, 415, 422, 503)


@v1.post(
    "/match",
    response_model=MatchResult,
    responses=DOCUMENT_PROBLEMS,
    summary="Match one resume file",
    tags=["matching"],
)
async def match_upload(
    file: Annotated[UploadFile, File(description="The resume: PDF, DOCX, TXT, MD or HTML.")],
    options: FormOptionsDep,
    executor: ExecutorDep,
) -> Response:
    """Upload one resume (multipart field `file`); returns the same JSON as `match --json`."""
    data = await file.read()
    job = MatchJob(data=data, filename=file.filename, **options.model_dump())
    return json_response(await executor.run(job))


class TextMatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The resume as plain text or Markdown.")
    levels: tuple[str, ...] | str | None = Field(None, description=LEVELS_HELP)
    reference_date: date | None = Field(None, description=DATE_HELP)
    include_text: bool = Field(False, description=TEXT_HELP)
    profile: dict[str, Any] | str | None = Field(
        None, description=PROFILE_HELP + " Either a JSON object or a JSON/YAML string."
    )


@v1.post(
    "/match/text",
    response_model=MatchResult,
    responses=problem_responses(400, 401, 413, 422, 503),
    summary="Match a resume sent as text",
    tags=["matching"],
)
async def match_text(
    body: TextMatchRequest, settings: SettingsDep, executor: ExecutorDep
) -> Response:
    """Match a resume given as text in a JSON body."""
    check_profile_size(body.profile, settings)
    job = MatchJob(
        text=body.text,
        levels=split_levels(body.levels),
        reference_date=body.reference_date,
        include_text=body.include_text,
        profile=body.profile,
    )
    return json_response(await executor.run(job))


class BatchSuccess(BaseModel):
    index: int = Field(description="Position of the file in the request, from 0.")
    ok: Literal[True]
    result: MatchResult


class BatchErrorDetail(BaseModel):
    code: str
    title: str
    message: str


class BatchFailure(BaseModel):
    index: int
    ok: Literal[False]
    error: BatchErrorDetail


class BatchRecord(RootModel[BatchSuccess | BatchFailure]):
    """One line of the batch stream."""


class NDJSONStreamingResponse(StreamingResponse):
    media_type = NDJSON_MEDIA_TYPE


class _NDJSONLineDocs(JSONResponse):
    """Only for OpenAPI: makes FastAPI document each NDJSON line with the BatchRecord schema
    (for a streaming response class it would describe the body as one opaque string)."""

    media_type = NDJSON_MEDIA_TYPE


@v1.post(
    "/match/batch",
    response_class=_NDJSONLineDocs,
    responses={
        200: {
            "model": BatchRecord,
            "description": "One BatchRecord per line, one line per file, in upload order.",
        },
        **problem_responses(400, 401, 413, 422, 503),
    },
    summary="Match several resume files (NDJSON stream)",
    tags=["matching"],
)
async def match_batch(
    files: Annotated[list[UploadFile], File(description="Resumes, one multipart part each.")],
    options: FormOptionsDep,
    settings: SettingsDep,
    executor: ExecutorDep,
    metrics: MetricsDep,
) -> NDJSONStreamingResponse:
    """Upload several resumes; each file yields one result or error record, in order.

    A file that cannot be used becomes an error record; the batch goes on.
    """
    if len(files) > settings.max_batch_files:
        raise HTTPException(
            413,
            detail=f"the batch has {len(files)} files; the limit is {settings.max_batch_files}: "
            "split it into several requests",
        )
    # Read every part now: the uploaded files are closed once the handler returns.
    jobs = [
        MatchJob(data=await upload.read(), filename=upload.filename, **options.model_dump())
        for upload in files
    ]
    return NDJSONStreamingResponse(batch_records(jobs, executor, metrics))


async def batch_records(
    jobs: Sequence[MatchJob], executor: MatchExecutor, metrics: ApiMetrics
) -> AsyncIterator[str]:
    """NDJSON lines in input order; the executor still runs several files at once."""
    tasks = [asyncio.ensure_future(executor.run(job)) for job in jobs]
    try:
        for index, task in enumerate(tasks):
            try:
                result_json = await task
            except MatcherError as exc:
                if isinstance(exc, DocumentError):
                    metrics.parse_failures.inc((exc.code,))
                yield _error_line(index, exc.to_record())
                continue
            except Exception as exc:  # one broken file must not end the stream
                logger.error("batch item %d failed unexpectedly: %s", index, type(exc).__name__)
                yield _error_line(index, _internal_error_record())
                continue
            # The worker's JSON is embedded as is: no decode and re-encode of large results.
            yield f'{{"index":{index},"ok":true,"result":{result_json}}}\n'
    finally:
        # The client may leave mid-stream: stop what is still queued, and collect finished
        # failures so asyncio does not report them as never retrieved.
        for task in tasks:
            if not task.done():
                task.cancel()
            elif not task.cancelled():
                task.exception()


def _error_line(index: int, record: Mapping[str, Any]) -> str:
    return json.dumps({"index": index, "ok": False, "error": record}, ensure_ascii=False) + "\n"


def _internal_error_record() -> dict[str, str]:
    return {
        "code": "internal_error",
        "title": "Internal server error",
        "message": "the server failed on this file unexpectedly; retry it alone",
    }


# ----------------------------------------------------------------------------- reference data


class CategorySummary(BaseModel):
    id: str
    name: str
    description: str | None = None
    nodes: int = Field(description="Number of taxonomy nodes in the category.")


class NodeSummary(BaseModel):
    id: str
    name: str
    category: str
    parents: tuple[str, ...] = ()


class TaxonomySummary(BaseModel):
    version: str
    name: str
    attribution: tuple[str, ...]
    categories: tuple[CategorySummary, ...]
    node_count: int
    nodes: tuple[NodeSummary, ...]


@v1.get(
    "/taxonomy",
    response_model=TaxonomySummary,
    responses=problem_responses(401, 503),
    summary="The skill taxonomy in use",
    tags=["reference"],
)
async def taxonomy(reference: ReferenceDep) -> TaxonomySummary:
    tax = reference.taxonomy
    per_category: dict[str, int] = {}
    for node in tax.nodes.values():
        per_category[node.category] = per_category.get(node.category, 0) + 1
    return TaxonomySummary(
        version=tax.version,
        name=tax.name,
        attribution=tax.attribution,
        categories=tuple(
            CategorySummary(
                id=c.id, name=c.name, description=c.description, nodes=per_category.get(c.id, 0)
            )
            for c in tax.categories.values()
        ),
        node_count=len(tax.nodes),
        nodes=tuple(
            NodeSummary(id=n.id, name=n.name, category=n.category, parents=n.parents)
            for n in tax.nodes.values()
        ),
    )


class ProfileSummary(BaseModel):
    id: str
    level: str
    title: str
    version: str
    description: str
    requirements: int = Field(description="Number of requirements in the profile.")


@v1.get(
    "/profiles",
    response_model=list[ProfileSummary],
    responses=problem_responses(401, 503),
    summary="The shipped requirement profiles",
    tags=["reference"],
)
async def profiles(reference: ReferenceDep) -> list[ProfileSummary]:
    return [
        ProfileSummary(
            id=p.id,
            level=p.level,
            title=p.title,
            version=p.version,
            description=p.description,
            requirements=len(p.requirements),
        )
        for p in reference.profiles
    ]


@v1.get(
    "/profiles/{level}",
    response_model=Profile,
    responses=problem_responses(401, 404, 422, 503),
    summary="One requirement profile, in full",
    tags=["reference"],
)
async def profile(level: str, reference: ReferenceDep) -> Profile:
    """Look a profile up by level (junior, mid, senior) or by profile id."""
    for candidate in reference.profiles:
        if level in (candidate.level, candidate.id):
            return candidate
    known = ", ".join(p.level for p in reference.profiles)
    raise HTTPException(404, detail=f"no profile for level {level!r}; known levels: {known}")


# ----------------------------------------------------------------------------- operations


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    taxonomy: str = Field(description="Taxonomy version loaded.")
    profiles: dict[str, str] = Field(description="Profile id -> version loaded.")


@router.get("/healthz", response_model=Health, summary="Liveness", tags=["operations"])
async def healthz() -> Health:
    """The process is up and serving requests."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses=problem_responses(503),
    summary="Readiness",
    tags=["operations"],
)
async def readyz(reference: ReferenceDep, executor: ExecutorDep) -> Readiness:
    """Data loaded and match workers running."""
    return Readiness(
        status="ready",
        taxonomy=reference.taxonomy.version,
        profiles={p.id: p.version for p in reference.profiles},
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format 0.0.4.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        **problem_responses(401),
    },
    summary="Prometheus metrics",
    tags=["operations"],
    dependencies=[Depends(api_key_header)],
)
async def metrics_endpoint(metrics: MetricsDep) -> Response:
    return Response(content=metrics.render(), media_type=METRICS_CONTENT_TYPE)


router.include_router(v1)

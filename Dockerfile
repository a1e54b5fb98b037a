# syntax=docker/dockerfile:1
# ML role matcher HTTP API: runtime dependencies only, non-root, health-checked.
#   docker build -t ml-role-matcher .
#   docker run --rm -p 8000:8000 ml-role-matcher
# Configuration: MATCHER_* environment variables (see api/README.md).

# ---- build: turn the source tree into a wheel (the build tools stay in this stage)
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY matcher ./matcher
COPY skills ./skills
COPY api ./api
RUN pip wheel --no-deps --wheel-dir /wheels .

# ---- runtime
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MATCHER_API_HOST=0.0.0.0 \
    MATCHER_API_PORT=8000
COPY --from=build /wheels /wheels
# Runtime dependencies only (no [dev] extra). Loading the matcher once here validates the shipped
# taxonomy and profiles at build time and leaves any compiled caches in the image, read-only.
RUN pip install /wheels/*.whl \
 && rm -rf /wheels \
 && python -c "from api.worker import configured_matcher; configured_matcher(10 * 1024 * 1024)"
RUN groupadd --system --gid 10001 matcher \
 && useradd --system --uid 10001 --gid matcher --no-create-home --shell /usr/sbin/nologin matcher
USER matcher:matcher
WORKDIR /tmp
EXPOSE 8000
# slim images have no curl: probe with the Python standard library (non-2xx raises -> exit 1).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MATCHER_API_PORT', '8000'), timeout=4)" || exit 1
# The same console script as a local install: `match-api` (api.app:run).
CMD ["match-api"]

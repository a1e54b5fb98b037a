"""The Dockerfile, read as text (Docker cannot run here): base, user, health check, entry point."""

from __future__ import annotations

import configparser
import fnmatch
import json
import re
import shlex
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"


@dataclass
class Stage:
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def parse_dockerfile(text: str) -> list[Stage]:
    """Instructions per stage, with continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stages.append(Stage(base=args.split()[0]))
        elif stages:
            stages[-1].instructions.append((keyword, args.strip()))
    return stages


def exec_form(args: str) -> list[str]:
    """CMD/ENTRYPOINT arguments as a list (JSON exec form or shell form)."""
    if args.startswith("["):
        value = json.loads(args)
        assert isinstance(value, list)
        return [str(part) for part in value]
    return ["/bin/sh", "-c", args]


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile(DOCKERFILE.read_text("utf-8"))


@pytest.fixture(scope="module")
def runtime(stages: list[Stage]) -> Stage:
    return stages[-1]


def test_runtime_is_python_311_slim(runtime: Stage):
    assert runtime.base == "python:3.11-slim"


def test_runs_as_a_non_root_user(runtime: Stage):
    users = runtime.all("USER")
    assert users, "the runtime stage must switch to an unprivileged user"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    # The USER switch comes after every RUN that needs root (package installs).
    positions = [i for i, (kw, _) in enumerate(runtime.instructions) if kw in {"USER", "RUN"}]
    assert runtime.instructions[positions[-1]][0] == "USER"
    created = " ".join(runtime.all("RUN"))
    assert re.search(rf"useradd\b.*\b{re.escape(user)}\b", created), "the user must be created"


def test_health_check_probes_healthz_with_python(runtime: Stage):
    checks = runtime.all("HEALTHCHECK")
    assert len(checks) == 1
    check = checks[0]
    assert "/healthz" in check
    assert "urllib" in check and "python" in check
    assert not re.search(r"\b(curl|wget)\b", check), "python:3.11-slim has neither curl nor wget"


def test_command_is_the_console_script_entry_point(runtime: Stage):
    assert not runtime.all("ENTRYPOINT")
    command = exec_form(runtime.all("CMD")[-1])
    assert command == ["match-api"]
    scripts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    assert scripts["match-api"] == "api.app:run"
    from api import app

    assert callable(app.run)


def test_installs_runtime_dependencies_only(stages: list[Stage], runtime: Stage):
    installs = [cmd for cmd in runtime.all("RUN") if "pip install" in cmd]
    assert installs, "the runtime stage must pip install the project"
    for command in installs:
        assert "[dev]" not in command and "-e " not in command
    for stage in stages:
        for command in stage.all("RUN"):
            assert "[dev]" not in command, command
    assert "MATCHER_API_HOST=0.0.0.0" in " ".join(runtime.all("ENV"))


def test_build_context_keeps_what_the_build_copies(stages: list[Stage]):
    patterns = [
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    sources = []
    for stage in stages:
        for args in stage.all("COPY"):
            parts = shlex.split(args)
            if any(part.startswith("--from") for part in parts):
                continue
            sources += [part for part in parts[:-1] if not part.startswith("--")]
    assert sources
    for source in sources:
        assert (REPO_ROOT / source).exists(), source
        assert not ignored(source.rstrip("/"), patterns), f"{source} is excluded by .dockerignore"
    for private in ("tests", ".git", "bench", ".venv"):
        assert ignored(private, patterns), f"{private} should stay out of the image"


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; '!' re-includes."""
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        if fnmatch.fnmatch(path, body.rstrip("/")):
            result = not negate
    return result


def test_parser_reads_multi_line_instructions():
    stages = parse_dockerfile(
        'FROM a AS b\nRUN one \\\n  two\n# note\nFROM c\nCMD ["x", "y"]\nUSER 1000\n'
    )
    assert [s.base for s in stages] == ["a", "c"]
    assert stages[0].all("RUN") == ["one two"]
    assert exec_form(stages[1].all("CMD")[0]) == ["x", "y"]
    assert exec_form("serve --now") == ["/bin/sh", "-c", "serve --now"]


@pytest.mark.slow
def test_the_wheel_the_image_installs_has_the_data_and_entry_point(tmp_path: Path):
    """Build the wheel as the Dockerfile's build stage does and look inside."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), "."],
        cwd=REPO_ROOT,
        check=True,
        timeout=240,
    )
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = configparser.ConfigParser()
        (info,) = {n.split("/")[0] for n in names if n.endswith(".dist-info/entry_points.txt")}
        entry_points.read_string(archive.read(f"{info}/entry_points.txt").decode())
    assert entry_points["console_scripts"]["match-api"] == "api.app:run"
    shipped = [
        path.relative_to(REPO_ROOT).as_posix()
        for folder in ("skills/data", "skills/profiles")
        for path in (REPO_ROOT / folder).rglob("*.yaml")
        if ".cache" not in path.parts
    ]
    assert shipped
    assert set(shipped) <= names, sorted(set(shipped) - names)
    assert {"api/app.py", "api/worker.py", "matcher/pipeline.py"} <= names

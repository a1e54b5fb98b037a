"""Load and validate the ML-engineer skill taxonomy (data files under ``skills/data/``).

Layout: ``taxonomy.yaml`` holds the version, attribution, categories and declared ambiguous
aliases; ``nodes/*.yaml`` each hold a ``nodes:`` list. See ``skills/README.md`` for the schema.
Validation errors name the file and the key so a data editor can fix them.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.version import VERSION as pydantic_version

from matcher.errors import TaxonomyError

DATA_DIR = Path(__file__).parent / "data"
M = TypeVar("M", bound=BaseModel)
ID_PATTERN = r"^[a-z0-9][a-z0-9_]*$"

# ----------------------------------------------------------------------------- file schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AliasSpec(_Strict):
    """One surface form. Plain strings in the YAML become ``AliasSpec(text=...)``."""

    text: str = Field(min_length=1)
    case_sensitive: bool = Field(
        default=False, description="Match only with this exact casing (e.g. 'R', 'Go', 'SAS')."
    )
    needs_context: bool = Field(
        default=False,
        description="Common word or letter: count it only in a skills list or near other tech.",
    )
    fuzzy: bool = Field(default=True, description="Allow typo-tolerant matching of this form.")


class OnetLink(_Strict):
    commodity_code: int
    commodity_title: str
    example: str | None = Field(None, description="O*NET 'Example' name, when the tool is listed.")


class NodeSpec(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    category: str = Field(pattern=ID_PATTERN)
    parents: tuple[str, ...] = ()
    aliases: tuple[AliasSpec, ...] = ()
    description: str | None = None
    esco_uri: str | None = Field(None, pattern=r"^http://data\.europa\.eu/esco/skill/[0-9a-f-]+$")
    onet: tuple[OnetLink, ...] = ()
    lightcast_id: str | None = None
    match_name: bool = Field(True, description="Also match the preferred name itself.")
    signal_phrases: tuple[AliasSpec, ...] = Field(
        default=(),
        description="Behaviour or role phrases that evidence the node without naming it"
        " ('mentored', 'led a team of', 'tech lead'); matched like aliases, reported as signals.",
    )

    @field_validator("aliases", "signal_phrases", mode="before")
    @classmethod
    def _strings_to_specs(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"text": v} if isinstance(v, str) else v for v in value]
        return value


class CategorySpec(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str
    description: str | None = None


class AmbiguousSpec(_Strict):
    text: str
    nodes: tuple[str, ...] = Field(min_length=2)
    default: str | None = Field(None, description="Node to use when context does not decide.")


class TaxonomyHeader(_Strict):
    version: str
    name: str
    attribution: tuple[str, ...] = ()
    categories: tuple[CategorySpec, ...]
    ambiguous: tuple[AmbiguousSpec, ...] = ()


class NodeFile(_Strict):
    nodes: tuple[NodeSpec, ...]


# ----------------------------------------------------------------------------- loaded form


def normalize_form(text: str) -> str:
    """The key under which a surface form is looked up: NFKC, casefolded, single spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", folded).strip()


@dataclass(frozen=True, slots=True)
class SurfaceForm:
    text: str
    node_ids: tuple[str, ...]
    case_sensitive: bool
    needs_context: bool
    fuzzy: bool
    default: str | None = None
    signal: bool = False
    """A signal phrase (behaviour, role), not a name of the skill: see NodeSpec.signal_phrases."""

    @property
    def ambiguous(self) -> bool:
        return len(self.node_ids) > 1


# eq=False: identity hashing, so a loaded taxonomy can key functools caches (its mappings are
# unhashable MappingProxyType objects, which made the generated field-based __hash__ fail).
@dataclass(frozen=True, slots=True, eq=False)
class Taxonomy:
    version: str
    name: str
    attribution: tuple[str, ...]
    categories: Mapping[str, CategorySpec]
    nodes: Mapping[str, NodeSpec]
    forms: Mapping[str, SurfaceForm] = field(repr=False)
    """Every surface form (names and aliases) keyed by ``normalize_form``."""

    def ancestors(self, node_id: str) -> tuple[str, ...]:
        """All ancestors, nearest first, without duplicates."""
        seen: list[str] = []
        frontier = list(self.nodes[node_id].parents)
        while frontier:
            parent = frontier.pop(0)
            if parent not in seen:
                seen.append(parent)
                frontier.extend(self.nodes[parent].parents)
        return tuple(seen)

    def descendants(self, node_id: str) -> tuple[str, ...]:
        return _descendant_index(self)[node_id]

    def covers(self, node_id: str) -> tuple[str, ...]:
        """The node and all its descendants: evidence for any of them counts for the node."""
        return (node_id, *self.descendants(node_id))


@functools.cache
def _descendant_index_cached(taxonomy_id: int, taxonomy: Taxonomy) -> Mapping[str, tuple[str, ...]]:
    children: dict[str, list[str]] = {node_id: [] for node_id in taxonomy.nodes}
    for node in taxonomy.nodes.values():
        for parent in node.parents:
            children[parent].append(node.id)
    result: dict[str, tuple[str, ...]] = {}
    for node_id in taxonomy.nodes:
        found: list[str] = []
        frontier = list(children[node_id])
        while frontier:
            child = frontier.pop(0)
            if child not in found:
                found.append(child)
                frontier.extend(children[child])
        result[node_id] = tuple(found)
    return MappingProxyType(result)


def _descendant_index(taxonomy: Taxonomy) -> Mapping[str, tuple[str, ...]]:
    return _descendant_index_cached(id(taxonomy), taxonomy)


# ----------------------------------------------------------------------------- loading


def _read_yaml(path: Path) -> Any:
    try:
        with path.open("rb") as handle:
            return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as exc:
        raise TaxonomyError(f"cannot read taxonomy file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"taxonomy file {path} is not valid YAML: {exc}") from exc


def _validate(model: type[M], data: Any, path: Path) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:10]
        )
        raise TaxonomyError(f"taxonomy file {path} is invalid: {problems}") from exc


def _check_graph(nodes: Mapping[str, NodeSpec], categories: Mapping[str, CategorySpec]) -> None:
    for node in nodes.values():
        if node.category not in categories:
            raise TaxonomyError(f"node {node.id!r}: unknown category {node.category!r}")
        for parent in node.parents:
            if parent not in nodes:
                raise TaxonomyError(f"node {node.id!r}: parent {parent!r} does not exist")
            if parent == node.id:
                raise TaxonomyError(f"node {node.id!r} lists itself as a parent")
    # Depth-first search with colours finds any cycle in the parent graph.
    state: dict[str, int] = {}

    def visit(node_id: str, trail: tuple[str, ...]) -> None:
        mark = state.get(node_id, 0)
        if mark == 2:
            return
        if mark == 1:
            cycle = " -> ".join((*trail[trail.index(node_id) :], node_id))
            raise TaxonomyError(f"parent cycle in taxonomy: {cycle}")
        state[node_id] = 1
        for parent in nodes[node_id].parents:
            visit(parent, (*trail, node_id))
        state[node_id] = 2

    for node_id in nodes:
        visit(node_id, ())


def _signal_keys(nodes: Mapping[str, NodeSpec]) -> frozenset[str]:
    """Keys of all signal phrases; a phrase may not also be a name (alias) of any node, so
    every surface form is either a name or a signal, never both."""
    names: dict[str, str] = {}
    for node in nodes.values():
        texts = [s.text for s in node.aliases]
        if node.match_name:
            texts.append(node.name)
        for text in texts:
            names.setdefault(normalize_form(text), node.id)
    keys: set[str] = set()
    for node in nodes.values():
        for spec in node.signal_phrases:
            key = normalize_form(spec.text)
            if not key:
                raise TaxonomyError(f"node {node.id!r} has an empty signal phrase")
            if key in names:
                raise TaxonomyError(
                    f"node {node.id!r}: signal phrase {spec.text!r} is also an alias or name of "
                    f"node {names[key]!r}; a form is either a name or a signal phrase"
                )
            keys.add(key)
    return frozenset(keys)


def _build_forms(
    nodes: Mapping[str, NodeSpec], ambiguous: Iterable[AmbiguousSpec]
) -> dict[str, SurfaceForm]:
    claims: dict[str, dict[str, AliasSpec]] = {}
    signals = _signal_keys(nodes)
    for node in nodes.values():
        specs = list(node.aliases)
        # An alias spelled like the name carries its flags (e.g. "R" case-sensitive); the
        # name's default spec must not shadow it.
        name_key = normalize_form(node.name)
        if node.match_name and all(normalize_form(s.text) != name_key for s in specs):
            specs.insert(0, AliasSpec(text=node.name))
        for spec in specs:
            key = normalize_form(spec.text)
            if not key:
                raise TaxonomyError(f"node {node.id!r} has an empty alias")
            claims.setdefault(key, {}).setdefault(node.id, spec)
        for spec in node.signal_phrases:
            claims.setdefault(normalize_form(spec.text), {}).setdefault(node.id, spec)
    declared = {normalize_form(a.text): a for a in ambiguous}
    forms: dict[str, SurfaceForm] = {}
    for key, by_node in claims.items():
        node_ids = tuple(sorted(by_node))
        default: str | None = None
        if len(node_ids) > 1:
            decl = declared.get(key)
            if decl is None or set(decl.nodes) != set(node_ids):
                raise TaxonomyError(
                    f"alias {key!r} is claimed by {', '.join(node_ids)}: declare it under "
                    "'ambiguous' in taxonomy.yaml or keep it on one node"
                )
            default = decl.default
        specs = list(by_node.values())
        forms[key] = SurfaceForm(
            text=specs[0].text,
            node_ids=node_ids,
            case_sensitive=any(s.case_sensitive for s in specs),
            needs_context=any(s.needs_context for s in specs),
            fuzzy=all(s.fuzzy for s in specs),
            default=default,
            signal=key in signals,
        )
    for key, decl in declared.items():
        if key not in forms or not forms[key].ambiguous:
            raise TaxonomyError(f"ambiguous alias {decl.text!r} is declared but not shared")
        if decl.default is not None and decl.default not in decl.nodes:
            raise TaxonomyError(f"ambiguous alias {decl.text!r}: default is not one of its nodes")
    return forms


CACHE_ENV = "ML_MATCHER_CACHE_DIR"


def default_cache_dirs() -> list[Path]:
    """Where compiled taxonomy and matcher caches are kept, most preferred first."""
    dirs: list[Path] = []
    if os.environ.get(CACHE_ENV):
        dirs.append(Path(os.environ[CACHE_ENV]))
    dirs.append(DATA_DIR / ".cache")
    xdg = os.environ.get("XDG_CACHE_HOME")
    dirs.append((Path(xdg) if xdg else Path.home() / ".cache") / "ml-role-matcher")
    return dirs


def load_taxonomy(data_dir: Path | None = None) -> Taxonomy:
    """Load, validate and index the taxonomy; the shipped one is cached per process."""
    return _load_cached(Path(data_dir or DATA_DIR).resolve())


@functools.cache
def _load_cached(data_dir: Path) -> Taxonomy:
    """``_load_uncached`` through a pickle of the loaded taxonomy (about 50 ms instead of 300+ ms
    of YAML parsing and validation at every start). The key hashes the data files, this module's
    source and the pydantic version; the cache sits next to the extractor's (same directories,
    same trust). Any cache problem falls back to the YAML, so the cache can never change a result.
    """
    import hashlib
    import os
    import pickle
    import tempfile

    try:
        digest = hashlib.sha256(f"taxonomy-cache-1|{pydantic_version}|".encode())
        digest.update(Path(__file__).read_bytes())
        for path in [data_dir / "taxonomy.yaml", *sorted((data_dir / "nodes").glob("*.yaml"))]:
            digest.update(f"|{path.relative_to(data_dir)}|".encode() + path.read_bytes())
    except OSError:
        return _load_uncached(data_dir)  # reports the missing or unreadable file properly
    name = f"taxonomy-{digest.hexdigest()[:24]}.pickle"
    dirs = default_cache_dirs()
    for directory in dirs:
        try:
            with (directory / name).open("rb") as handle:
                state = pickle.load(handle)
            version, name_, attribution, categories, nodes, forms = state
            return Taxonomy(
                version=version,
                name=name_,
                attribution=attribution,
                categories=MappingProxyType(categories),
                nodes=MappingProxyType(nodes),
                forms=MappingProxyType(forms),
            )
        except Exception:  # missing, stale or truncated: try the next place, else rebuild
            continue
    taxonomy = _load_uncached(data_dir)
    state = (
        taxonomy.version,
        taxonomy.name,
        taxonomy.attribution,
        dict(taxonomy.categories),
        dict(taxonomy.nodes),
        dict(taxonomy.forms),
    )
    data = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    for directory in dirs:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            handle_no, tmp_name = tempfile.mkstemp(dir=directory, suffix=".tmp")
            with os.fdopen(handle_no, "wb") as tmp:
                tmp.write(data)
            os.replace(tmp_name, directory / name)  # atomic: readers see a whole file or none
            for stale in sorted(directory.glob("taxonomy-*.pickle"), key=os.path.getmtime)[:-8]:
                stale.unlink(missing_ok=True)  # keep the few newest: each data edit adds one
            break
        except OSError:
            continue  # read-only install or home: try the next place, else stay in memory
    return taxonomy


def _load_uncached(data_dir: Path) -> Taxonomy:
    header_path = data_dir / "taxonomy.yaml"
    header = _validate(TaxonomyHeader, _read_yaml(header_path), header_path)
    categories = {c.id: c for c in header.categories}
    nodes: dict[str, NodeSpec] = {}
    node_files = sorted((data_dir / "nodes").glob("*.yaml"))
    if not node_files:
        raise TaxonomyError(f"no node files found in {data_dir / 'nodes'}")
    for path in node_files:
        for node in _validate(NodeFile, _read_yaml(path), path).nodes:
            if node.id in nodes:
                raise TaxonomyError(f"{path}: node id {node.id!r} is defined twice")
            nodes[node.id] = node
    _check_graph(nodes, categories)
    forms = _build_forms(nodes, header.ambiguous)
    return Taxonomy(
        version=header.version,
        name=header.name,
        attribution=header.attribution,
        categories=MappingProxyType(categories),
        nodes=MappingProxyType(nodes),
        forms=MappingProxyType(forms),
    )

"""A small Prometheus text exposition (format 0.0.4) for the three families the service needs.

Written here rather than depending on prometheus-client: three metric families are about 100
lines, and the service has no other use for the library. Values live in the process, so with
several uvicorn workers each worker reports its own figures (scrape them per worker, or run one
worker per container, which is how the Dockerfile runs it).
All updates happen on the event loop thread, so no locking is needed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["ApiMetrics", "Counter", "Histogram", "CONTENT_TYPE"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

Labels = tuple[str, ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _label_text(names: Sequence[str], values: Sequence[str]) -> str:
    if not names:
        return ""
    pairs = ",".join(
        f'{name}="{_escape(value)}"' for name, value in zip(names, values, strict=True)
    )
    return "{" + pairs + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


@dataclass
class Counter:
    name: str
    help: str
    label_names: tuple[str, ...]
    values: dict[Labels, float] = field(default_factory=dict)

    def inc(self, labels: Labels, amount: float = 1.0) -> None:
        if len(labels) != len(self.label_names):
            raise ValueError(f"{self.name} takes labels {self.label_names}")
        self.values[labels] = self.values.get(labels, 0.0) + amount

    def get(self, labels: Labels) -> float:
        return self.values.get(labels, 0.0)

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} counter"
        for labels, value in sorted(self.values.items()):
            yield f"{self.name}{_label_text(self.label_names, labels)} {_number(value)}"


@dataclass
class Histogram:
    name: str
    help: str
    label_names: tuple[str, ...]
    buckets: tuple[float, ...] = LATENCY_BUCKETS
    counts: dict[Labels, list[int]] = field(default_factory=dict)
    sums: dict[Labels, float] = field(default_factory=dict)

    def observe(self, labels: Labels, value: float) -> None:
        if len(labels) != len(self.label_names):
            raise ValueError(f"{self.name} takes labels {self.label_names}")
        counts = self.counts.setdefault(labels, [0] * (len(self.buckets) + 1))
        # Per-bucket counts; render() turns them into Prometheus' cumulative ``le`` buckets.
        slot = next(
            (i for i, bound in enumerate(self.buckets) if value <= bound), len(self.buckets)
        )
        counts[slot] += 1
        self.sums[labels] = self.sums.get(labels, 0.0) + value

    def count(self, labels: Labels) -> int:
        return sum(self.counts.get(labels, ()))

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        bucket_names = (*self.label_names, "le")
        for labels in sorted(self.counts):
            running = 0
            bounds = (*self.buckets, math.inf)
            for bound, count in zip(bounds, self.counts[labels], strict=True):
                running += count
                label_text = _label_text(bucket_names, (*labels, _number(bound)))
                yield f"{self.name}_bucket{label_text} {running}"
            label_text = _label_text(self.label_names, labels)
            yield f"{self.name}_sum{label_text} {_number(self.sums[labels])}"
            yield f"{self.name}_count{label_text} {running}"


@dataclass
class ApiMetrics:
    """The service's metric families."""

    requests: Counter = field(
        default_factory=lambda: Counter(
            "matcher_http_requests_total",
            "HTTP requests by route template, method and status code.",
            ("route", "method", "status"),
        )
    )
    latency: Histogram = field(
        default_factory=lambda: Histogram(
            "matcher_http_request_duration_seconds",
            "Time from request start to the end of the response, by route template and method.",
            ("route", "method"),
        )
    )
    parse_failures: Counter = field(
        default_factory=lambda: Counter(
            "matcher_parse_failures_total",
            "Documents the matcher could not use, by error code.",
            ("code",),
        )
    )

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.inc((route, method, str(status)))
        self.latency.observe((route, method), seconds)

    def render(self) -> str:
        lines: list[str] = []
        for family in (self.requests, self.latency, self.parse_failures):
            lines.extend(family.render())
        return "\n".join(lines) + "\n"

"""Measure the skill extractor: build vs cache load, and time per two-page resume.

    python bench/bench_extract.py [--taxonomy DIR] [--repeats N] [--text FILE]

Times are medians. Extraction is timed with both the wall clock and the process CPU clock: on a
busy shared machine the CPU figure is the one that shows the extractor's own cost.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from matcher.models import ExtractedDocument  # noqa: E402
from skills.extract import SkillExtractor  # noqa: E402
from skills.taxonomy import load_taxonomy  # noqa: E402

DEFAULT_TEXT = REPO / "tests" / "data" / "snippets" / "two_page_resume.txt"


def _document(text: str) -> ExtractedDocument:
    try:
        from matcher.loaders import document_from_text
    except ImportError:
        from skills.evaluate import plain_document

        return plain_document(text)
    return document_from_text(text)


def _samples_ms(
    action: Callable[[], object], repeats: int, clock: Callable[[], float]
) -> list[float]:
    samples = []
    for _ in range(repeats):
        began = clock()
        action()
        samples.append(1000 * (clock() - began))
    return samples


def _median_ms(action: Callable[[], object], repeats: int, clock: Callable[[], float]) -> float:
    return statistics.median(_samples_ms(action, repeats, clock))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--taxonomy", type=Path, help="taxonomy directory (default: shipped)")
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--text", type=Path, default=DEFAULT_TEXT)
    args = parser.parse_args()

    taxonomy = load_taxonomy(args.taxonomy)
    with tempfile.TemporaryDirectory() as cache:
        began = time.perf_counter()
        built = SkillExtractor(taxonomy, cache_dirs=[Path(cache)])
        build_s = time.perf_counter() - began
        began = time.perf_counter()
        loaded = SkillExtractor(taxonomy, cache_dirs=[Path(cache)])
        load_s = time.perf_counter() - began
        assert loaded.loaded_from_cache and not built.loaded_from_cache

    document = _document(args.text.read_text("utf-8"))
    for _ in range(20):  # warm the tokenizer cache and the word memo, as a server would be
        loaded.extract(document)
    mentions = loaded.extract(document)
    wall = _median_ms(lambda: loaded.extract(document), args.repeats, time.perf_counter)
    cpu_samples = _samples_ms(lambda: loaded.extract(document), args.repeats, time.process_time)
    cpu = statistics.median(cpu_samples)
    # A busy neighbour only ever adds time: the fast decile moves less than the median does.
    cpu_p10 = statistics.quantiles(cpu_samples, n=10)[0]
    words = len(document.text.split())
    print(f"taxonomy {taxonomy.version}: {len(taxonomy.nodes)} nodes, {len(taxonomy.forms)} forms")
    print(f"build (no cache): {build_s * 1000:.0f} ms; load from cache: {load_s * 1000:.0f} ms")
    print(f"resume: {len(document.text)} chars, {words} words, {len(mentions)} mentions")
    print(f"extract: median {wall:.2f} ms wall, {cpu:.2f} ms CPU over {args.repeats} runs")
    print(f"extract: 10th percentile {cpu_p10:.2f} ms CPU (compare runs made under the same load)")
    # How busy the machine is: this loop takes about 0.7 microseconds on an idle core here.
    reference = _median_ms(lambda: sum(range(100)), 20_000, time.perf_counter) * 1000
    print(f"reference loop sum(range(100)): {reference:.2f} us (load {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

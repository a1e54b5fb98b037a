"""Timing helpers for the tests that check a step scales linearly (ratios, not deadlines)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the garbage collector while timing: a step that returns one object per match
    triggers collections whose cost grows with everything alive in the test process, which is
    noise for a scaling check, not the work being measured."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

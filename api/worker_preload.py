"""Imported once by the multiprocessing fork server, never by request-handling code.

Importing it loads the default matcher (spaCy, taxonomy, extractor, profiles), so every match
worker forked from the server starts with all of it already in memory instead of loading it
again (about 1.5 s per worker here).
"""

from __future__ import annotations

from matcher.pipeline import Matcher

Matcher.default()

"""Static files under names that change with their content, cached for a year.

``url_for('static', filename=…)`` adds ``?v=<digest of the file>``: a changed file gets
a new URL, so a URL that carries a version may be kept by browsers and CDNs for a year,
``immutable``. Without the version (an old link) the short default applies.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, current_app, request

ONE_YEAR = 31_536_000


@cache
def _digest(path: str, mtime_ns: int) -> str:
    return hashlib.blake2b(Path(path).read_bytes(), digest_size=6).hexdigest()


@cache
def _deployed_version(folder: str, filename: str) -> str:
    """Static files do not change while a release runs: one digest per file, no stat (and
    no path to build: a page asks for dozens of static URLs)."""
    path = Path(folder) / filename
    return _digest(str(path), path.stat().st_mtime_ns)


def _add_version(endpoint: str, values: dict) -> None:
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    try:
        if current_app.debug:  # edited while the server runs
            path = Path(current_app.static_folder) / values["filename"]
            values["v"] = _digest(str(path), path.stat().st_mtime_ns)
        else:
            values["v"] = _deployed_version(current_app.static_folder, values["filename"])
    except OSError:
        return  # a missing file keeps its plain URL (and answers 404 as before)


def _cache_versioned(response):
    if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
    return response


def register_static_files(app: Flask) -> None:
    app.url_defaults(_add_version)
    app.after_request(_cache_versioned)

"""Values a notebook reports, saved so tests (and readers) can check them without parsing cells."""

from __future__ import annotations

import json
from pathlib import Path

from hybridlib.fileio import write_json
from hybridlib.paths import REPO


def values_path(notebook: str, preset: str) -> Path:
    return REPO / "build" / "values" / preset / f"{notebook}.json"


def record(notebook: str, preset: str, values: dict) -> None:
    """Write the headline values of a notebook run to ``build/values/<preset>/<notebook>.json``
    (returns nothing: a notebook's last line shows no machine path)."""
    write_json(values_path(notebook, preset), values)


def recorded(notebook: str, preset: str) -> dict:
    return json.loads(values_path(notebook, preset).read_text())

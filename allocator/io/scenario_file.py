"""Scenario files as planners read them: JSON with one record per line, written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from .atomic import write_file


def write_scenario(path: str | Path, data: dict) -> Path:
    """Write `data` as JSON, one record per line, atomically: the file is either the old
    one or complete, never half-written."""
    text = "{\n" + ",\n".join(f"  {json.dumps(key)}: " + (
        "[\n    " + ",\n    ".join(json.dumps(v, ensure_ascii=False) for v in value) + "\n  ]"
        if isinstance(value, list) and value else json.dumps(value, ensure_ascii=False))
        for key, value in data.items()) + "\n}\n"
    return write_file(path, text)

"""Loading the catalogs, choosing a language and looking up a text (see the package docstring)."""

from __future__ import annotations

import json
import os
import string
from functools import cache
from pathlib import Path
from typing import Literal

Lang = Literal["zh-CN", "en"]
LANGUAGES: tuple[Lang, ...] = ("zh-CN", "en")
DEFAULT_LANG: Lang = "en"
CATALOG_DIR = Path(__file__).with_name("catalogs")


def normalize_lang(value: str | None) -> Lang | None:
    """The supported language a tag or locale names (`zh`, `zh_CN.UTF-8`, `zh-Hans`, `en-GB`,
    `C`...), or None when it names none of them."""
    if not value:
        return None
    tag = value.strip().split(".")[0].split("@")[0].replace("_", "-").lower()
    if tag.startswith("zh"):
        return "zh-CN"
    if tag.startswith("en") or tag in ("c", "posix"):
        return "en"
    return None


def resolve_lang(value: str | None = None) -> Lang:
    """The language to use: `value` when given (`zh` / `en` / a locale), else the environment's
    locale (LC_ALL, LC_MESSAGES, LANG, LANGUAGE), else English.

    Raises ValueError naming the value when `value` is given but is neither Chinese nor English.
    """
    if value:
        lang = normalize_lang(value)
        if lang is None:
            raise ValueError(f"language {value!r} is not supported (use zh or en)")
        return lang
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        lang = normalize_lang(os.environ.get(var, "").split(":")[0])
        if lang is not None:
            return lang
    return DEFAULT_LANG


@cache
def catalog() -> dict[str, dict[str, str]]:
    """Every key of every catalog file with its texts by language (read once)."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOG_DIR.glob("*.json")):
        for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"catalog key {key!r} is defined twice ({path.name})")
            merged[key] = texts
    return merged


def placeholders(text: str) -> set[str]:
    """The `{names}` a text fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def translate(key: str, lang: str | None = None, **fields: object) -> str:
    """The text of `key` in `lang` (any form `resolve_lang` takes; default from the
    environment), with `{placeholders}` filled from `fields`."""
    texts = catalog().get(key)
    if texts is None:
        raise KeyError(f"no catalog text for {key!r}")
    text = texts[resolve_lang(lang)]
    return text.format(**fields) if fields else text

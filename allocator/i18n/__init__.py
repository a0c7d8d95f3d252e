"""Chinese and English for everything a planner reads: message catalogs and the language choice.

A catalog is a JSON file per domain in `allocator/i18n/catalogs/` (`rules.json`, `cli.json`,
...) mapping a key (`"<domain>.<name>"`) to its text in every supported language:

    {"rule.class_size_cap": {"en": "pupils per class at most the cap",
                             "zh-CN": "班额不超过上限"}}

Guaranteed: every key has a non-empty text in every language of `LANGUAGES`, with the same
`{placeholders}` (a test checks all catalogs); `translate` never raises for a known key and
a supported language; an unknown key raises `KeyError` naming it (a missing text is a bug,
not something to show a planner).
"""

from __future__ import annotations

from .catalog import LANGUAGES, Lang, catalog, normalize_lang, resolve_lang, translate

__all__ = ["LANGUAGES", "Lang", "catalog", "normalize_lang", "resolve_lang", "translate"]

"""The message catalogs: every key in zh-CN and en with the same placeholders; every rule has a
translated title; the language choice from flags and locales."""

from __future__ import annotations

import pytest

from allocator import LANGUAGES, RULES, resolve_lang, rule_title, translate
from allocator.i18n.catalog import catalog, placeholders


def test_every_key_has_every_language_with_the_same_placeholders():
    problems = []
    for key, texts in catalog().items():
        missing = [lang for lang in LANGUAGES if not str(texts.get(lang, "")).strip()]
        if missing:
            problems.append(f"{key}: no {', '.join(missing)}")
        elif len({frozenset(placeholders(texts[lang])) for lang in LANGUAGES}) > 1:
            problems.append(f"{key}: placeholders differ between languages")
        extra = set(texts) - set(LANGUAGES)
        if extra:
            problems.append(f"{key}: unknown languages {sorted(extra)}")
    assert not problems, problems


def test_every_rule_has_a_title_in_both_languages():
    for name in RULES:
        assert rule_title(name, "en") == RULES[name].title
        zh = rule_title(name, "zh")
        assert zh and zh != RULES[name].title


def test_an_unknown_key_is_an_error_naming_it():
    with pytest.raises(KeyError, match="no.such.key"):
        translate("no.such.key", "en")


@pytest.mark.parametrize("value, lang", [("zh", "zh-CN"), ("zh_CN.UTF-8", "zh-CN"),
                                         ("zh-Hans", "zh-CN"), ("en", "en"),
                                         ("en_GB.UTF-8", "en"), ("C", "en")])
def test_language_from_a_flag_or_a_locale(value, lang):
    assert resolve_lang(value) == lang


def test_language_from_the_environment(monkeypatch):
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    assert resolve_lang() == "en"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert resolve_lang() == "zh-CN"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert resolve_lang() == "en"


def test_an_unsupported_language_is_refused_by_name():
    with pytest.raises(ValueError, match="'fr'"):
        resolve_lang("fr")

"""The English message catalogue: complete, consistent and in use.

Chinese is the source language: every msgid is the Chinese text and
``dtgx/locale/en/LC_MESSAGES/django.po`` carries the English. These tests
check that the catalogue is fully translated (no empty or fuzzy entries,
placeholders kept), that it is not stale (``makemessages`` over a copy of
the sources finds no msgid it lacks) and that Django actually serves it.
"""

from __future__ import annotations

import contextlib
import functools
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
PO_FILE = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
PACKAGE_DIR = LOCALE_DIR.parent

# printf-style conversions as Python's % operator reads them, "%%" included.
PERCENT = re.compile(
    r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]"
)
BRACE = re.compile(r"\{[A-Za-z_]\w*\}")

# What makemessages reads for the "django" domain.
SOURCE_SUFFIXES = frozenset({".py", ".html", ".txt"})

# Strings known to be in templates and code, one per kind of source.
KNOWN_SOURCE_STRINGS = [
    "登录",  # templates/accounts/login.html
    "残疾人证号",  # identity/problems.py, registry/models.py
    "请填写更正原因。",  # survey/entry_views.py
    "%(label)s为空，请填写。",  # identity/problems.py, python-format
    "代码表中没有代码 {code}。",  # survey/entry.py, python-brace-format
    "第 %(n)s / %(total)s 页，共 %(count)s 条",  # blocktranslate
]


@functools.cache
def _catalogue() -> polib.POFile:
    return polib.pofile(str(PO_FILE))


@functools.cache
def _entries() -> tuple[polib.POEntry, ...]:
    return tuple(entry for entry in _catalogue() if not entry.obsolete)


def _placeholders(text: str, *, brace: bool) -> Counter[str]:
    found = Counter(PERCENT.findall(text))
    if brace:
        found.update(BRACE.findall(text))
    return found


def _key(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid


# --- (a) every entry translated, none fuzzy, placeholders kept ---------------


def test_it_has_a_catalogue_for_english() -> None:
    catalogue = _catalogue()
    assert catalogue.metadata.get("Language") == "en"
    assert not catalogue.metadata_is_fuzzy, "the header is still marked fuzzy"
    assert len(_entries()) > 100


def test_it_translates_every_entry() -> None:
    untranslated = [_key(entry) for entry in _entries() if not entry.translated()]
    assert untranslated == [], f"{len(untranslated)} entries lack an English text"


def test_it_leaves_no_entry_fuzzy() -> None:
    fuzzy = [_key(entry) for entry in _entries() if "fuzzy" in entry.flags]
    assert fuzzy == []


def test_it_keeps_the_placeholders_of_every_msgid() -> None:
    mismatched = []
    for entry in _entries():
        brace = "python-brace-format" in entry.flags
        if entry.msgid_plural:
            pairs = [
                (entry.msgid if index == 0 else entry.msgid_plural, text)
                for index, text in sorted(entry.msgstr_plural.items())
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            wanted = _placeholders(source, brace=brace)
            if _placeholders(text, brace=brace) != wanted:
                mismatched.append((source, text))
    assert mismatched == []


def test_it_fills_every_plural_form() -> None:
    plurals = [entry for entry in _entries() if entry.msgid_plural]
    for entry in plurals:
        assert sorted(entry.msgstr_plural) == [0, 1], entry.msgid
        assert all(entry.msgstr_plural.values()), entry.msgid


# --- (b) the catalogue is not stale -------------------------------------------


def test_it_contains_strings_known_to_be_in_the_source() -> None:
    msgids = {entry.msgid for entry in _entries()}
    assert [text for text in KNOWN_SOURCE_STRINGS if text not in msgids] == []


def _gettext_tools_missing() -> list[str]:
    needed = ("xgettext", "msguniq", "msgmerge", "msgattrib")
    return [tool for tool in needed if shutil.which(tool) is None]


def _not_a_source(directory: str, names: list[str]) -> set[str]:
    skipped = set()
    for name in names:
        path = Path(directory) / name
        if path.is_dir():
            if name in ("__pycache__", "locale") or name.startswith("."):
                skipped.add(name)
        elif path.suffix not in SOURCE_SUFFIXES:
            skipped.add(name)
    return skipped


def test_it_is_not_stale(tmp_path: Path) -> None:
    """``makemessages`` over a copy of the sources (under a second) finds
    no msgid the catalogue lacks: run it for real when this fails."""
    missing_tools = _gettext_tools_missing()
    if missing_tools:
        pytest.skip(f"GNU gettext tools not installed: {', '.join(missing_tools)}")
    copy = tmp_path / PACKAGE_DIR.name
    shutil.copytree(PACKAGE_DIR, copy, ignore=_not_a_source)
    fresh_locale = copy / "locale"
    fresh_locale.mkdir()
    with (
        contextlib.chdir(tmp_path),
        override_settings(LOCALE_PATHS=[str(fresh_locale)]),
    ):
        call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)
    fresh = polib.pofile(str(fresh_locale / "en" / "LC_MESSAGES" / "django.po"))
    known = {_key(entry) for entry in _entries()}
    missing = sorted(_key(entry) for entry in fresh if _key(entry) not in known)
    assert missing == [], (
        "the English catalogue lacks these msgids; run `DTGX_ENV=test python "
        'manage.py makemessages -l en --ignore ".venv/*" --ignore "var/*" '
        "--no-obsolete` and translate them"
    )


# --- (c) Django serves the English texts -------------------------------------


@pytest.fixture(scope="session")
def compiled_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The compiled .mo, compiled here when GNU msgfmt is at hand (it is
    gitignored and normally built by ``make messages``)."""
    if shutil.which("msgfmt") is None:
        if not MO_FILE.exists():
            pytest.skip(
                "msgfmt (GNU gettext) is not installed, so the English catalogue "
                "cannot be compiled: install gettext or run `make messages`"
            )
        return MO_FILE
    # compilemessages searches the working directory for locale folders: run
    # it from an empty one so that it compiles only LOCALE_PATHS.
    with contextlib.chdir(tmp_path_factory.mktemp("compilemessages")):
        call_command("compilemessages", locale=["en"], verbosity=0)
    assert MO_FILE.exists()
    return MO_FILE


@pytest.fixture
def fresh_translations(compiled_catalogue: Path) -> Iterator[Path]:
    """Drop catalogues Django cached before the .mo was (re)compiled."""
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield compiled_catalogue


@pytest.mark.usefixtures("fresh_translations")
def test_it_serves_english_through_django() -> None:
    with translation.override("en"):
        assert translation.gettext("登录") == "Log in"
        assert translation.gettext("残疾人证号") == "Disability certificate number"
        message = translation.gettext("%(label)s为空，请填写。") % {"label": "Name"}
        assert message == "Name is empty. Please fill it in."


@pytest.mark.usefixtures("fresh_translations")
def test_it_chooses_english_plural_forms() -> None:
    singular = "本村还有 %(remaining)s 人未录入。"
    with translation.override("en"):
        one = translation.ngettext(singular, singular, 1) % {"remaining": 1}
        many = translation.ngettext(singular, singular, 3) % {"remaining": 3}
    assert one == "1 person in this village has not been entered yet."
    assert many == "3 people in this village have not been entered yet."


@pytest.mark.usefixtures("fresh_translations")
def test_it_keeps_chinese_as_the_source_language() -> None:
    with translation.override("zh-hans"):
        assert translation.gettext("登录") == "登录"

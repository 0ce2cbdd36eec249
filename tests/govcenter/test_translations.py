"""The Simplified Chinese catalogue: complete, not fuzzy, placeholders intact, and the
committed .mo (a fresh machine has no gettext to compile it) matching the .po.

These fail, not skip, while locale/ is missing: the interface must ship in Chinese.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# %(name)s, %s, %d and {name}: a translation that drops or renames one fails at run time.
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdfr]|%[sdfr]|\{[A-Za-z_][A-Za-z0-9_]*\}")


def load_po() -> polib.POFile:
    assert PO.exists(), f"{PO.relative_to(ROOT)} is missing: run `make messages` and translate it"
    return polib.pofile(str(PO))


def current(po: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in po if not entry.obsolete]


def test_every_message_is_translated_and_none_is_fuzzy():
    po = load_po()
    assert "charset=UTF-8" in po.metadata.get("Content-Type", ""), po.metadata
    entries = current(po)
    assert entries, "the catalogue has no messages"
    untranslated = [entry.msgid for entry in entries if not entry.translated() and "fuzzy" not in entry.flags]
    fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy (check them and remove the flag), e.g. {fuzzy[:10]}"


def test_translations_keep_their_placeholders():
    po = load_po()
    broken = []
    for entry in current(po):
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        if "python-format" not in entry.flags and "python-brace-format" not in entry.flags:
            continue
        for text in translations:
            if not text:
                continue  # untranslated: the test above reports it
            found = sorted(PLACEHOLDER.findall(text))
            # Chinese has no plural: one form may leave out a %(count)d the English needs.
            if found != expected and not (entry.msgid_plural and set(found) <= set(expected)):
                broken.append((entry.msgid, text))
    assert not broken, broken[:10]


def catalogue(mo: polib.MOFile) -> dict:
    """Messages of a compiled catalogue keyed by (context, id, plural id), header left out."""
    return {
        (entry.msgctxt, entry.msgid, entry.msgid_plural): entry.msgstr_plural or entry.msgstr
        for entry in mo
        if entry.msgid
    }


def test_committed_mo_matches_the_po(tmp_path):
    po = load_po()
    assert MO.exists(), f"{MO.relative_to(ROOT)} is missing: run `make messages` and commit it"
    fresh = tmp_path / "django.mo"
    po.save_as_mofile(str(fresh))
    expected = catalogue(polib.mofile(str(fresh)))
    committed = catalogue(polib.mofile(str(MO)))
    stale = sorted(str(key[1]) for key in expected.keys() - committed.keys())
    assert not stale, f"{len(stale)} messages of the .po are not in the .mo (run make messages), e.g. {stale[:10]}"
    changed = sorted(str(key[1]) for key in expected if committed[key] != expected[key])
    assert not changed, f"{len(changed)} messages differ between .po and .mo, e.g. {changed[:10]}"
    extra = sorted(str(key[1]) for key in committed.keys() - expected.keys())
    assert not extra, f"the .mo has {len(extra)} messages the .po does not, e.g. {extra[:10]}"


def test_catalogue_has_every_string_marked_in_the_code(tmp_path):
    """`make messages` would add nothing: no string marked in the code is missing from the .po."""
    committed = {(entry.msgctxt, entry.msgid) for entry in current(load_po())}
    if shutil.which("xgettext") is None:
        pytest.skip("needs GNU gettext (xgettext) to extract the strings; CI installs it")
    copy = tmp_path / "repo"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".*", "var", "static", "staticfiles", "test-artifacts", "node_modules", "__pycache__", "*.mo"
        ),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_")) and k != "PYTHONPATH"}
    env["VAR_DIR"] = str(tmp_path / "var")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    extracted = {(entry.msgctxt, entry.msgid) for entry in current(polib.pofile(str(copy / PO.relative_to(ROOT))))}
    missing = sorted(msgid for _, msgid in extracted - committed)
    assert not missing, (
        f"{len(missing)} strings in the code are not in the .po (run make messages), e.g. {missing[:10]}"
    )

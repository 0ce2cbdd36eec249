""".ci/run unsets every variable the settings read, so that the machine's environment cannot
leak into the "fresh machine" pass: a setting added to govcenter/settings.py and forgotten in
.ci/run's list fails here, not silently in CI."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _read_by_settings() -> set[str]:
    text = (ROOT / "govcenter" / "settings.py").read_text()
    names = set(re.findall(r'\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', text))
    secrets = set(re.findall(r'_secret\(\s*"([A-Z][A-Z0-9_]*)"', text))
    return names | secrets | {f"{name}_FILE" for name in secrets}


def _unset_by_ci() -> set[str]:
    text = (ROOT / ".ci" / "run").read_text()
    listed = re.search(r"SETTINGS_VARS=\((.*?)\)", text, re.S)
    assert listed, ".ci/run has no SETTINGS_VARS=(...) list"
    return set(listed.group(1).split())


def test_the_parser_sees_the_settings():
    names = _read_by_settings()
    assert {"DATABASE_URL", "SECRET_KEY", "SECRET_KEY_FILE", "CELERY_BROKER_URL"} <= names


def test_ci_unsets_every_setting_variable():
    assert _read_by_settings() - _unset_by_ci() == set()

"""analysis sits on top (DESIGN.md, "Architecture"): it reads every app and no app imports it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("govcenter", "grids", "disputes", "sentiment", "publicity")
IMPORT = re.compile(r"^\s*(from\s+analysis[\s.]|import\s+analysis\b)", re.MULTILINE)


def test_no_app_imports_analysis():
    offenders = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if IMPORT.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []

"""The rows data migrations seed (the warning rules, the common-matter phrases), put back when
missing. A test that empties the tables (transaction=True, live_server) removes them for the
tests after it on the same worker; tests/conftest.py puts the migrations' rows back after such
a test, but tests that read these rows call this too, so that their outcome never depends on
the order the workers run the modules in. Idempotent (get_or_create)."""

from importlib import import_module

from django.apps import apps


def ensure_seeded_defaults() -> None:
    import_module("analysis.migrations.0004_default_warning_rules").seed(apps, None)
    import_module("sentiment.migrations.0018_phrases_defaults").add_defaults(apps, None)

"""The WSGI entry point (govcenter/wsgi.py) serves the portal and freezes what it loaded, so
that the garbage collector's full collections leave the process's long-lived objects alone."""

from __future__ import annotations

import gc
import importlib

from django.core.handlers.wsgi import WSGIHandler


def test_the_wsgi_module_gives_the_application_and_freezes_what_was_loaded():
    gc.unfreeze()
    try:
        import govcenter.wsgi

        module = importlib.reload(govcenter.wsgi)
        assert isinstance(module.application, WSGIHandler)
        # Everything loaded by then: Django, the apps, their models (hundreds of thousands).
        assert gc.get_freeze_count() > 100_000
    finally:
        gc.unfreeze()

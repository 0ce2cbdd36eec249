"""The WSGI entry point (govcenter/wsgi.py) serves the portal and freezes what it loaded, so
that the garbage collector's full collections leave the process's long-lived objects alone.

Imported in a process of its own: freezing the test process's objects is not this test's
to do."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

SCRIPT = """
import gc
import govcenter.wsgi
from django.core.handlers.wsgi import WSGIHandler
print(isinstance(govcenter.wsgi.application, WSGIHandler), gc.get_freeze_count())
"""


def test_the_wsgi_module_gives_the_application_and_freezes_what_was_loaded():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "govcenter.settings"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    is_handler, frozen = result.stdout.split()
    assert is_handler == "True"
    # Everything loaded by then: Django, the apps, their models (hundreds of thousands).
    assert int(frozen) > 100_000

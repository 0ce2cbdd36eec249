"""The Celery app. Tasks are autodiscovered in each app's tasks.py; the beat
schedule lives in settings.CELERY_BEAT_SCHEDULE, one commented entry per job."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govcenter.settings")

app = Celery("govcenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

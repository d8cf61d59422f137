"""The Celery application.

With CELERY_BROKER_URL unset, settings turn on `task_always_eager`, so the same task
code runs in-process: there is no second code path for the embedded default.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conflictdesk.settings")

app = Celery("conflictdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

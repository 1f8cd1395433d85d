"""The background tasks of imports (``django_tasks``; see settings.TASKS).

With the database backend a worker (``manage.py db_worker``) runs them;
with the immediate backend (demo, tests) they run inside ``enqueue``.
Arguments are primary keys: task arguments must be JSON.
"""

from __future__ import annotations

from django_tasks import task

from dtgx.imports import services


@task()
def check_import(batch_pk: int) -> None:
    services.run_check(batch_pk)


@task()
def commit_import(batch_pk: int) -> None:
    services.run_commit(batch_pk)

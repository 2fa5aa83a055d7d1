"""``partnerhub worker``: runs queued background tasks and the periodic sweeps.

It is django-tasks-db's database worker plus a small scheduler thread that enqueues each
periodic task (see ``PARTNERHUB_PERIODIC_TASKS``) every sweep interval, unless one is already
waiting, so two workers never pile sweeps up.
"""

import logging
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("partnerhub.worker")


def enqueue_periodic_tasks() -> list[str]:
    enqueued = []
    for path in settings.PARTNERHUB_PERIODIC_TASKS:
        task = import_string(path)
        waiting = DBTaskResult.objects.filter(task_path=task.module_path, status="READY").exists()
        if not waiting:
            task.enqueue()
            enqueued.append(path)
    return enqueued


class Command(BaseCommand):
    help = "Run background tasks and the periodic sweeps (expiring unanswered requests)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run what is due, then exit.")
        parser.add_argument(
            "--sweep-interval",
            type=int,
            default=settings.PARTNERHUB_SWEEP_INTERVAL_SECONDS,
            help="Seconds between periodic sweeps (default: %(default)s).",
        )

    def handle(self, *args, batch: bool, sweep_interval: int, **options):
        stop = threading.Event()

        def scheduler():
            while not stop.is_set():
                try:
                    enqueue_periodic_tasks()
                except Exception:  # keep the scheduler alive; the next tick retries
                    logger.exception("could not enqueue the periodic tasks")
                finally:
                    close_old_connections()
                stop.wait(sweep_interval)

        if batch:
            enqueue_periodic_tasks()
            call_command(
                "db_worker",
                batch=True,
                reload=False,
                startup_delay=False,
                verbosity=options["verbosity"],
            )
            return
        thread = threading.Thread(target=scheduler, name="partnerhub-scheduler", daemon=True)
        thread.start()
        self.stdout.write(f"Worker started; sweeps every {sweep_interval}s.")
        try:
            call_command(
                "db_worker", reload=False, startup_delay=False, verbosity=options["verbosity"]
            )
        finally:
            stop.set()

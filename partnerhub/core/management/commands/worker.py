"""``partnerhub worker``: runs queued background tasks and the periodic sweeps.

Each queue of ``TASKS`` gets its own threads (``PARTNERHUB_WORKER_THREADS``), each one a
django-tasks-db database worker taking tasks of that queue alone, so a webhook receiver that
answers slowly holds up other deliveries at most, never an e-mail. A small scheduler thread
enqueues each periodic task (see ``PARTNERHUB_PERIODIC_TASKS``) every sweep interval, unless
one is already waiting, so two workers never pile sweeps up.
"""

import logging
import signal
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Worker
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


class QueueWorkers:
    """Database workers in threads, ``threads[queue]`` of them per queue."""

    def __init__(
        self,
        threads: dict[str, int],
        *,
        interval: float = 1.0,
        intervals: dict[str, float] | None = None,
    ):
        """``intervals``: how often each queue's threads look for work, in seconds, where it
        differs from ``interval``."""
        prefix = get_random_string(12)
        intervals = intervals or {}
        self.workers = [
            Worker(
                queue_names=[queue],
                interval=intervals.get(queue, interval),
                batch=False,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=f"{prefix}-{queue}-{n}"[:64],
                excluded_queue_names=[],
            )
            for queue, count in threads.items()
            for n in range(1, count + 1)
        ]
        self.threads = [
            threading.Thread(target=self._run, args=(w,), name=w.worker_id, daemon=True)
            for w in self.workers
        ]

    @staticmethod
    def _run(worker: Worker) -> None:
        try:
            worker.run()
        except Exception:
            logger.exception("worker %s stopped", worker.worker_id)
        finally:
            connections.close_all()

    def start(self) -> "QueueWorkers":
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Let each thread finish the task in hand (a webhook attempt ends by its deadline)."""
        for worker in self.workers:
            worker.running = False

    def join(self, timeout: float | None = None) -> None:
        for thread in self.threads:
            thread.join(timeout)

    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)


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
        if batch:
            enqueue_periodic_tasks()
            call_command(
                "db_worker",
                batch=True,
                queue_name="*",
                reload=False,
                startup_delay=False,
                verbosity=options["verbosity"],
            )
            return
        if options["verbosity"] == 0:
            logging.getLogger("django_tasks_db").setLevel(logging.CRITICAL)
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

        workers = QueueWorkers(
            settings.PARTNERHUB_WORKER_THREADS, intervals=settings.PARTNERHUB_WORKER_POLL_SECONDS
        )

        def shut_down(signum, frame):
            if stop.is_set():
                raise SystemExit(1)  # asked twice: leave the tasks in hand
            stop.set()
            workers.stop()

        for name in ("SIGINT", "SIGTERM", "SIGQUIT"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), shut_down)
        threading.Thread(target=scheduler, name="partnerhub-scheduler", daemon=True).start()
        workers.start()
        queues = ", ".join(f"{q}: {n}" for q, n in settings.PARTNERHUB_WORKER_THREADS.items())
        self.stdout.write(
            f"Worker started (threads per queue: {queues}); sweeps every {sweep_interval}s."
        )
        while workers.alive():
            workers.join(timeout=0.5)
        stop.set()

"""What every background job of the CRM (an import, an export) shows of its progress, and its heartbeat."""

import threading

from django.db import DatabaseError, connections
from django.utils import timezone


class JobProgress:
    """Progress, finished and duration of a job model with state, total_rows, processed_rows, started_at, finished_at.

    ``finished_states`` names the states in which the job will not move on by itself.
    """

    finished_states = ()

    @property
    def is_finished(self):
        return self.state in self.finished_states

    @property
    def progress_percent(self):
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class Heartbeat:
    """While a job runs, a thread stamps ``heartbeat_at`` on ``queryset`` every few seconds, on a connection of its own.

    The queryset names the job while it still counts as running (its pk and
    state), so a job failed or taken over elsewhere is stamped no more. This
    covers the long phases that report no progress (a workbook being finished
    and saved); a worker that dies stops the thread too, and the recovery of
    the task workers notices the silence.
    """

    def __init__(self, queryset, *, every, name="job-heartbeat"):
        self.queryset, self.every = queryset, max(1.0, every)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=name, daemon=True)

    def _beat(self):
        try:
            while not self.stopped.wait(self.every):
                try:
                    self.queryset.update(heartbeat_at=timezone.now())
                except DatabaseError:
                    connections.close_all()  # the next beat opens a new connection
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopped.set()
        self.thread.join()

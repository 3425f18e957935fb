"""What every background job of the CRM (an import, an export) shows of its progress."""


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

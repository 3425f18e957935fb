"""Background import: the task the db_worker runs for large files."""

from django.tasks import task


@task()
def run_import_job(job_id: int):
    """Run the import job ``job_id`` on the task worker."""
    from crm.imports.models import ImportJob
    from crm.imports.services import import_job_run

    job = ImportJob.objects.get(pk=job_id)
    outcome = import_job_run(job=job)
    return outcome.summary() if outcome else ""

"""Background export: the task the db_worker runs for lists over the threshold."""

from django.tasks import task


@task()
def run_export_job(job_id: int):
    """Run the export job ``job_id`` on the task worker; return its final state."""
    from crm.exports.models import ExportJob
    from crm.exports.services import export_job_run

    job = export_job_run(job=ExportJob.objects.get(pk=job_id))
    return job.state

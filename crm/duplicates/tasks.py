"""Duplicate detection's background work, run by the task worker (`manage.py db_worker`)."""

from django.tasks import task


@task()
def duplicates_scan_run(scan_id: int):
    """Run the duplicate detection job ``scan_id`` (crm.duplicates.scan)."""
    from crm.duplicates.scan import duplicates_scan_run as run

    scan = run(scan_id)
    return {"state": scan.state, "groups": scan.groups_found}

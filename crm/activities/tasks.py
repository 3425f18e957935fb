"""The activities' background work, run by the task worker (`manage.py db_worker`)."""

from django.tasks import task


@task()
def email_deliver(activity_id: int):
    """Send the queued email activity ``activity_id`` through the configured mail server (EMAIL_URL)."""
    from crm.activities.services import email_deliver_now

    return email_deliver_now(activity_id)


@task()
def reminder_digests_send():
    """Send the reminder digests that are due, then queue the next look (crm.activities.reminders)."""
    from crm.activities.reminders import reminder_digests_due_send, reminder_schedule_next

    sent = reminder_digests_due_send()
    reminder_schedule_next()
    return sent

"""An appointment as an iCalendar (RFC 5545) file, written by the icalendar library."""

import datetime

import icalendar
from django.utils import timezone


def appointment_ics(activity, *, host: str) -> bytes:
    """The VCALENDAR of one appointment: its subject, start and end (a date for an all-day one), place, notes."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//CRM//Activities//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"activity-{activity.pk}@{host.split(':')[0] or 'crm'}")
    event.add("dtstamp", timezone.now())
    event.add("summary", activity.subject)
    start, end = activity.due_at, activity.ends_at or activity.due_at
    if activity.all_day:
        first = timezone.localtime(start).date()
        last = timezone.localtime(end).date()
        event.add("dtstart", first)
        event.add("dtend", last + datetime.timedelta(days=1))  # DTEND of a date is exclusive
    else:
        event.add("dtstart", start)
        event.add("dtend", end)
    if activity.location:
        event.add("location", activity.location)
    if activity.description:
        event.add("description", activity.description)
    if activity.owner_id and activity.owner.email:
        organizer = icalendar.vCalAddress(f"mailto:{activity.owner.email}")
        organizer.params["cn"] = icalendar.vText(activity.owner.get_full_name() or activity.owner.get_username())
        event.add("organizer", organizer)
    for party in activity.parties.all():
        attendee = icalendar.vCalAddress(f"mailto:{party.email}")
        if party.name:
            attendee.params["cn"] = icalendar.vText(party.name)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    event.add("status", {"open": "CONFIRMED", "completed": "CONFIRMED", "canceled": "CANCELLED"}[activity.state])
    event.add("sequence", activity.version)
    event.add("last-modified", activity.modified_at)
    calendar.add_component(event)
    return calendar.to_ical()

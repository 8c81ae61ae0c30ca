"""iCalendar (RFC 5545) for workshops: one event per session.

UIDs derive from the session's id and the platform's host, so a calendar that imported a
workshop recognises the same events after any change; SEQUENCE is the workshop's counter,
which grows with every change people's calendars must pick up.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event

from lga.catalogue.labels import FORMAT_LABELS, MODE_LABELS
from lga.catalogue.models import Workshop, WorkshopSession
from lga.db_types import utcnow
from lga.web import external_url

PRODID = "-//KLGI//Local Governance Academy//EN"


def _host() -> str:
    return urlsplit(current_app.config["LGA_BASE_URL"]).hostname or "lga.invalid"


def session_uid(session: WorkshopSession) -> str:
    return f"lga-session-{session.id}@{_host()}"


def workshop_uid(workshop: Workshop) -> str:
    return f"lga-workshop-{workshop.id}@{_host()}"


def new_calendar(name: str | None = None, *, method: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", current_app.config["LGA_TIMEZONE"])
    return cal


def _location(workshop: Workshop, session: WorkshopSession | None) -> str:
    parts = []
    if session is not None and session.room:
        parts.append(session.room)
    if workshop.venue:
        parts.append(workshop.venue)
    if workshop.municipality is not None:
        parts.append(workshop.municipality.name())
    link = (session.meeting_url if session is not None else None) or workshop.meeting_url
    if link and (not parts or workshop.mode != "in_person"):
        parts.append(link)
    return ", ".join(parts)


def _description(workshop: Workshop, session: WorkshopSession | None, url: str) -> str:
    lines = [workshop.module.label()]
    if session is not None:
        lines.append(str(FORMAT_LABELS.get(session.format, session.format)))
        if session.trainer is not None:
            lines.append(_("Trainer: %(name)s", name=session.trainer.full_name))
    lines.append(str(MODE_LABELS.get(workshop.mode, workshop.mode)))
    link = (session.meeting_url if session is not None else None) or workshop.meeting_url
    if link:
        lines.append(_("Meeting link: %(url)s", url=link))
    lines.append(url)
    return "\n".join(lines)


def workshop_events(workshop: Workshop, *, cancelled: bool = False, stamp: datetime | None = None) -> list[Event]:
    """The events of one workshop. Needs module, municipality, sessions and their trainers loaded."""
    stamp = stamp or utcnow()
    url = external_url("catalogue.workshop", workshop_id=workshop.id)
    status = "CANCELLED" if cancelled or workshop.status == "cancelled" else "CONFIRMED"
    events = []
    for session in workshop.sessions or [None]:
        event = Event()
        if session is None:  # a workshop without a timetable yet: its days, all day
            event.add("uid", workshop_uid(workshop))
            event.add("summary", workshop.title)
            event.add("dtstart", workshop.start_date)
            event.add("dtend", workshop.end_date + timedelta(days=1))
        else:
            event.add("uid", session_uid(session))
            event.add("summary", f"{workshop.title}: {session.title}")
            event.add("dtstart", session.starts_at)
            event.add("dtend", session.ends_at)
        event.add("dtstamp", stamp)
        event.add("last-modified", workshop.updated_at or stamp)
        event.add("sequence", workshop.sequence)
        event.add("status", status)
        event.add("url", url)
        location = _location(workshop, session)
        if location:
            event.add("location", location)
        event.add("description", _description(workshop, session, url))
        if session is not None:
            event.add("categories", [str(FORMAT_LABELS.get(session.format, session.format))])
        events.append(event)
    return events


def calendar_bytes(workshops: Iterable[Workshop], *, name: str | None = None, method: str | None = None,
                   cancelled: bool = False) -> bytes:
    cal = new_calendar(name, method=method)
    stamp = utcnow()
    for workshop in workshops:
        for event in workshop_events(workshop, cancelled=cancelled, stamp=stamp):
            cal.add_component(event)
    return cal.to_ical()

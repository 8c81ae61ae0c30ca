"""iCalendar (RFC 5545) for workshops: one event per session.

UIDs derive from the session's id and the platform's host, so a calendar that imported a
workshop recognises the same events after any change; SEQUENCE is the workshop's counter,
which grows with every change people's calendars must pick up.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable, Iterable, Mapping
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


def _location(workshop: Workshop, session: WorkshopSession | None, with_links: bool) -> str:
    parts = []
    if session is not None and session.room:
        parts.append(session.room)
    if workshop.venue:
        parts.append(workshop.venue)
    if workshop.municipality is not None:
        parts.append(workshop.municipality.name())
    link = _link(workshop, session) if with_links else None
    if link and (not parts or workshop.mode != "in_person"):
        parts.append(link)
    return ", ".join(parts)


def _link(workshop: Workshop, session: WorkshopSession | None) -> str | None:
    return (session.meeting_url if session is not None else None) or workshop.meeting_url


def _description(workshop: Workshop, session: WorkshopSession | None, url: str, with_links: bool) -> str:
    lines = [workshop.module.label()]
    if session is not None:
        lines.append(str(FORMAT_LABELS.get(session.format, session.format)))
        if session.trainer is not None:
            lines.append(_("Trainer: %(name)s", name=session.trainer.full_name))
    lines.append(str(MODE_LABELS.get(workshop.mode, workshop.mode)))
    link = _link(workshop, session) if with_links else None
    if link:
        lines.append(_("Meeting link: %(url)s", url=link))
    lines.append(url)
    return "\n".join(lines)


def workshop_events(workshop: Workshop, *, cancelled: bool = False, stamp: datetime | None = None,
                    with_links: bool = False, sequence_bump: int = 0,
                    removed: Iterable[WorkshopSession] = ()) -> list[Event]:
    """The events of one workshop. Needs module, municipality, sessions and their trainers loaded.

    ``with_links`` adds the meeting link: only for people holding a place and the trainers.
    ``sequence_bump`` is added to the workshop's SEQUENCE for one person's copy (their own
    cancellations and re-enrolments change their calendar too). ``removed`` sessions are sent
    as cancelled events, so that calendars drop them.
    """
    stamp = stamp or utcnow()
    url = external_url("catalogue.workshop", workshop_id=workshop.id)
    status = "CANCELLED" if cancelled or workshop.status == "cancelled" else "CONFIRMED"
    events = []
    sequence = workshop.sequence + sequence_bump
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
        event.add("sequence", sequence)
        event.add("status", status)
        event.add("url", url)
        location = _location(workshop, session, with_links)
        if location:
            event.add("location", location)
        event.add("description", _description(workshop, session, url, with_links))
        if session is not None:
            event.add("categories", [str(FORMAT_LABELS.get(session.format, session.format))])
        events.append(event)
    for session in removed:
        event = Event()
        event.add("uid", session_uid(session))
        event.add("summary", f"{workshop.title}: {session.title}")
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("dtstamp", stamp)
        event.add("sequence", sequence)
        event.add("status", "CANCELLED")
        events.append(event)
    return events


def calendar_bytes(workshops: Iterable[Workshop], *, name: str | None = None, method: str | None = None,
                   cancelled: bool = False, with_links: bool | Callable[[Workshop], bool] = False,
                   sequence_bump: int | Mapping[int, int] = 0, removed: Iterable[WorkshopSession] = ()) -> bytes:
    """One calendar of these workshops. ``with_links`` and ``sequence_bump`` may be decided per
    workshop (a function of the workshop, a mapping by workshop id)."""
    cal = new_calendar(name, method=method)
    stamp = utcnow()
    removed = list(removed)
    for workshop in workshops:
        links = with_links(workshop) if callable(with_links) else with_links
        bump = sequence_bump.get(workshop.id, 0) if isinstance(sequence_bump, Mapping) else sequence_bump
        for event in workshop_events(workshop, cancelled=cancelled, stamp=stamp, with_links=links,
                                     sequence_bump=bump, removed=[s for s in removed if s.workshop_id == workshop.id]):
            cal.add_component(event)
    return cal.to_ical()

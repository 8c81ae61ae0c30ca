"""Reading the catalogue: programmes, modules and their workshops."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lga.accounts.models import Municipality
from lga.catalogue.models import Module, Programme, SessionPlanItem, Workshop, WorkshopSession
from lga.catalogue.scheduling import local_today, to_local
from lga.extensions import db



def programmes_with_counts(active_only: bool = True):
    """[(programme, module_count, workshop_count)], counted in SQL."""
    modules = (select(Module.programme_id, func.count(Module.id).label("n"))
               .where(Module.is_active.is_(True)).group_by(Module.programme_id).subquery())
    workshops = (select(Workshop.programme_id, func.count(Workshop.id).label("n"))
                 .where(Workshop.status != "cancelled").group_by(Workshop.programme_id).subquery())
    stmt = (select(Programme, func.coalesce(modules.c.n, 0), func.coalesce(workshops.c.n, 0))
            .outerjoin(modules, modules.c.programme_id == Programme.id)
            .outerjoin(workshops, workshops.c.programme_id == Programme.id)
            .order_by(Programme.position, Programme.code))
    if active_only:
        stmt = stmt.where(Programme.is_active.is_(True))
    return db.session.execute(stmt).tuples().all()


def programme_by_code(code: str) -> Programme | None:
    return db.session.scalar(select(Programme).where(Programme.code == code))


def modules_query(programme_id: int | None = None):
    stmt = (select(Module).where(Module.is_active.is_(True))
            .options(selectinload(Module.topics)).order_by(Module.code))
    if programme_id:
        stmt = stmt.where(Module.programme_id == programme_id)
    return stmt


def module_detail(code: str) -> Module | None:
    return db.session.scalar(
        select(Module).where(Module.code == code, Module.is_active.is_(True)).options(
            selectinload(Module.topics), selectinload(Module.outcomes),
            selectinload(Module.plan).selectinload(SessionPlanItem.topic),
            selectinload(Module.readings),
        )
    )


def upcoming_workshops(module_id: int | None = None, *, today: date | None = None, limit: int = 10):
    today = today or local_today()
    stmt = (select(Workshop).where(Workshop.end_date >= today, Workshop.status == "published")
            .options(selectinload(Workshop.municipality), selectinload(Workshop.programme),
                     selectinload(Workshop.module))
            .order_by(Workshop.start_date, Workshop.id).limit(limit))
    if module_id:
        stmt = stmt.where(Workshop.module_id == module_id)
    return db.session.scalars(stmt).all()


def past_workshops(module_id: int, *, today: date | None = None, limit: int = 10):
    today = today or local_today()
    stmt = (select(Workshop).where(Workshop.module_id == module_id, Workshop.end_date < today,
                                   Workshop.status == "published")
            .options(selectinload(Workshop.municipality), selectinload(Workshop.programme))
            .order_by(Workshop.start_date.desc()).limit(limit))
    return db.session.scalars(stmt).all()


def plan_by_day(module: Module) -> list[tuple[int, list[SessionPlanItem], int]]:
    """[(day, items, minutes)] for showing the session plan."""
    days: dict[int, list[SessionPlanItem]] = {}
    for item in module.plan:
        days.setdefault(item.day, []).append(item)
    return [(day, items, sum(i.minutes for i in items)) for day, items in sorted(days.items())]


# --- Calendar ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CalendarFilters:
    programme: str | None = None  # programme code
    module: str | None = None     # module code
    mode: str | None = None
    municipality: str | None = None  # municipality code

    def apply(self, stmt):
        if self.programme:
            stmt = stmt.where(Workshop.programme_id == select(Programme.id).where(Programme.code == self.programme)
                              .scalar_subquery())
        if self.module:
            stmt = stmt.where(Workshop.module_id == select(Module.id).where(Module.code == self.module)
                              .scalar_subquery())
        if self.mode:
            stmt = stmt.where(Workshop.mode == self.mode)
        if self.municipality:
            stmt = stmt.where(Workshop.municipality_id == select(Municipality.id)
                              .where(Municipality.code == self.municipality).scalar_subquery())
        return stmt


def _listing_options():
    return (selectinload(Workshop.municipality), selectinload(Workshop.programme), selectinload(Workshop.module))


def calendar_query(filters: CalendarFilters, *, today: date | None = None):
    """Published workshops not yet over, soonest first."""
    today = today or local_today()
    stmt = (select(Workshop).where(Workshop.status == "published", Workshop.end_date >= today)
            .options(*_listing_options()).order_by(Workshop.start_date, Workshop.id))
    return filters.apply(stmt)


def month_grid(year: int, month: int) -> list[list[date]]:
    """The weeks (Monday first) covering a month, as lists of seven dates."""
    return calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


def month_workshops(year: int, month: int, filters: CalendarFilters, *, limit: int = 500) -> list[Workshop]:
    weeks = month_grid(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    stmt = (select(Workshop).where(Workshop.status == "published", Workshop.start_date <= last,
                                   Workshop.end_date >= first)
            .options(*_listing_options()).order_by(Workshop.start_date, Workshop.id).limit(limit))
    return db.session.scalars(filters.apply(stmt)).all()


def workshops_by_day(workshops, weeks) -> dict[date, list[Workshop]]:
    days: dict[date, list[Workshop]] = {day: [] for week in weeks for day in week}
    for workshop in workshops:
        day = max(workshop.start_date, weeks[0][0])
        while day <= workshop.end_date and day in days:
            days[day].append(workshop)
            day += timedelta(days=1)
    return days


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """Options of the calendar filters (three small queries)."""
    programmes = db.session.scalars(select(Programme).where(Programme.is_active.is_(True))
                                    .order_by(Programme.position, Programme.code)).all()
    modules = db.session.scalars(select(Module).where(Module.is_active.is_(True)).order_by(Module.code)).all()
    municipalities = db.session.scalars(select(Municipality).where(Municipality.is_active.is_(True))
                                        .order_by(Municipality.name_sq)).all()
    return {
        "programme": [(p.code, p.code) for p in programmes],
        "module": [(m.code, m.label()) for m in modules],
        "municipality": [(m.code, m.name()) for m in municipalities],
    }


def workshop_detail(workshop_id: int) -> Workshop | None:
    return db.session.scalar(
        select(Workshop).where(Workshop.id == workshop_id)
        .options(*_listing_options(), selectinload(Workshop.trainers), selectinload(Workshop.target_institutions),
                 selectinload(Workshop.sessions).selectinload(WorkshopSession.trainer))
    )


def sessions_by_day(workshop: Workshop) -> list[tuple[date, list[WorkshopSession]]]:
    days: dict[date, list[WorkshopSession]] = {}
    for session in workshop.sessions:
        days.setdefault(to_local(session.starts_at).date(), []).append(session)
    return sorted(days.items())

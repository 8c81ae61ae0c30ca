"""Reading the catalogue: programmes, modules and their workshops."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lga.catalogue.models import Module, Programme, SessionPlanItem, Workshop
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
    today = today or date.today()
    stmt = (select(Workshop).where(Workshop.end_date >= today, Workshop.status == "published")
            .options(selectinload(Workshop.municipality), selectinload(Workshop.programme),
                     selectinload(Workshop.module))
            .order_by(Workshop.start_date, Workshop.id).limit(limit))
    if module_id:
        stmt = stmt.where(Workshop.module_id == module_id)
    return db.session.scalars(stmt).all()


def past_workshops(module_id: int, *, today: date | None = None, limit: int = 10):
    today = today or date.today()
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

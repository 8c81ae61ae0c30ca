"""Factories: build valid objects with sensible defaults; override what a test cares about."""
from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from lga.accounts import services as accounts
from lga.accounts.models import InstitutionType, Municipality
from lga.catalogue.models import Module, Programme, Workshop, WorkshopSession
from lga.extensions import db

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


class Factory:
    def municipality(self, code: str = "prizren") -> Municipality:
        return db.session.scalar(select(Municipality).where(Municipality.code == code))

    def institution_type(self, code: str = "qps") -> InstitutionType:
        return db.session.scalar(select(InstitutionType).where(InstitutionType.code == code))

    def programme(self, code: str = "LGA") -> Programme:
        return db.session.scalar(select(Programme).where(Programme.code == code))

    def user(self, roles=("trainee",), password: str = PASSWORD, **kwargs):
        n = next(_seq)
        values = dict(
            email=f"person{n}@example.org", given_name="Test", family_name=f"Person {n}",
            municipality_id=self.municipality().id, institution_type_id=self.institution_type().id,
            position="Social worker", sex="female", locale="sq",
        )
        values.update(kwargs)
        user = accounts.create_user(password=password, roles=roles or ("trainee",), **values)
        db.session.commit()
        return user

    def module(self, code: str | None = None, programme: str = "LGA", **kwargs) -> Module:
        code = code or f"module-{next(_seq)}"
        module = Module(
            code=code, programme_id=self.programme(programme).id,
            title={"sq": f"Moduli {code}", "en": f"Module {code}"},
            summary={"sq": "Përmbledhje", "en": "Summary"}, description={"sq": "Përshkrim", "en": "Description"},
            audience={}, hours=4, sources=[], content_hash="x" * 64, is_active=True, **kwargs,
        )
        db.session.add(module)
        db.session.commit()
        return module

    def workshop(self, module: Module | None = None, start: date | None = None, days: int = 1,
                 programme: str = "LGA", sessions: int = 1, trainers=(), **kwargs) -> Workshop:
        module = module or self.module()
        start = start or date.today() + timedelta(days=7)
        workshop = Workshop(
            module_id=module.id, programme_id=self.programme(programme).id,
            title=kwargs.pop("title", f"Workshop {next(_seq)}"), mode=kwargs.pop("mode", "in_person"),
            start_date=start, end_date=start + timedelta(days=days - 1), capacity=kwargs.pop("capacity", 30),
            status=kwargs.pop("status", "published"), municipality_id=self.municipality().id, **kwargs,
        )
        workshop.trainers = list(trainers)
        workshop.sessions = [
            WorkshopSession(title=f"Session {i + 1}", format="lecture",
                            starts_at=datetime.combine(start, time(8 + 2 * i), tzinfo=timezone.utc),
                            ends_at=datetime.combine(start, time(9 + 2 * i, 30), tzinfo=timezone.utc))
            for i in range(sessions)
        ]
        db.session.add(workshop)
        db.session.commit()
        return workshop

"""Bulk enrolment from a staff list: check the file against the database, then write it whole.

``preview`` tells new people from existing ones (by email, in one query for the whole file) and
spots those already on the workshop's list; ``apply`` creates the new accounts, enrols everyone
and queues the invitations, or refuses and writes nothing when any row has a problem. Like all
services these add to the session and leave the commit to the caller: one import, one
transaction, and the invitations go out only if it commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from lga.accounts import services as accounts
from lga.accounts.models import InstitutionType, Municipality, User
from lga.audit.services import record
from lga.catalogue.models import Workshop
from lga.enrolment.models import HOLDS_PLACE, OPEN_STATUSES, Enrolment
from lga.enrolment.staff_file import Reference, RowProblem, StaffFile, StaffRow, read_staff_file
from lga.db_types import utcnow
from lga.extensions import db
from lga.i18n import normalise_language
from lga.mail import build_message, queue
from lga.web import external_url

# Emails per IN (...) list: far below SQLite's and PostgreSQL's limits on bound parameters.
LOOKUP_CHUNK = 10000
# The actor of imports run from the command line without --by: recorded as "no user".
SYSTEM = SimpleNamespace(id=None, is_authenticated=False)


class ImportRefused(Exception):
    """The import cannot be written; ``preview`` says why. Nothing has been written."""

    def __init__(self, preview: "ImportPreview"):
        super().__init__(_("The import has problems; nothing was written."))
        self.preview = preview


@dataclass
class ExistingPerson:
    row: StaffRow
    user_id: int
    name: str
    enrolment_status: str | None = None  # their status in the workshop, if any


@dataclass
class ImportPreview:
    staff_file: StaffFile
    workshop: Workshop | None
    new: list[StaffRow] = field(default_factory=list)
    existing: list[ExistingPerson] = field(default_factory=list)  # to be enrolled (if a workshop is given)
    already_enrolled: list[ExistingPerson] = field(default_factory=list)  # left as they are
    problems: list[RowProblem] = field(default_factory=list)
    workshop_problem: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.workshop_problem is None

    @property
    def rows_with_problems(self) -> int:
        return len({p.row for p in self.problems})


@dataclass
class ImportResult:
    created: int = 0
    existing: int = 0
    enrolled: int = 0
    waitlisted: int = 0
    already_enrolled: int = 0
    user_ids: list[int] = field(default_factory=list)


# --- Reading -------------------------------------------------------------------------------

def references() -> dict[str, list[Reference]]:
    """Municipalities and institution types as the file reader matches them (all, also retired
    ones, so old lists still read; the form pickers show only active ones)."""
    municipalities = [
        Reference(m.id, m.code, (m.name_sq, m.name_sr))
        for m in db.session.scalars(select(Municipality))
    ]
    institution_types = [
        Reference(t.id, t.code, tuple(v for v in (t.name or {}).values() if v))
        for t in db.session.scalars(select(InstitutionType))
    ]
    return {"municipalities": municipalities, "institution_types": institution_types}


def read(filename: str, content: bytes, *, workshop: Workshop | None = None) -> StaffFile:
    """Read a staff list with the platform's reference data. Raises StaffFileError."""
    return read_staff_file(filename, content, **references(),
                           max_rows=current_app.config["LGA_IMPORT_MAX_ROWS"],
                           default_locale=None)


def _people_by_email(emails: list[str], workshop: Workshop | None) -> dict[str, tuple]:
    """{email: (id, given, family, active, status in the workshop)}: one query per 10,000 emails."""
    found: dict[str, tuple] = {}
    for start in range(0, len(emails), LOOKUP_CHUNK):
        chunk = emails[start:start + LOOKUP_CHUNK]
        if workshop is not None:
            stmt = (select(User.email, User.id, User.given_name, User.family_name, User.active, Enrolment.status)
                    .outerjoin(Enrolment, and_(Enrolment.user_id == User.id, Enrolment.workshop_id == workshop.id)))
        else:
            stmt = select(User.email, User.id, User.given_name, User.family_name, User.active)
        for row in db.session.execute(stmt.where(User.email.in_(chunk))):
            found[row[0]] = tuple(row[1:]) + ((None,) if workshop is None else ())
    return found


def preview(staff_file: StaffFile, *, workshop: Workshop | None = None) -> ImportPreview:
    """Classify every row: new person, existing person, already on the list, or a problem."""
    result = ImportPreview(staff_file=staff_file, workshop=workshop, problems=list(staff_file.problems))
    if workshop is not None and workshop.status == "cancelled":
        result.workshop_problem = _l("This workshop has been cancelled.")
    people = _people_by_email([r.email for r in staff_file.rows], workshop)
    for row in staff_file.rows:
        person = people.get(row.email)
        if person is None:
            result.new.append(row)
            continue
        user_id, given, family, active, status = person
        if not active:
            result.problems.append(RowProblem(row.row, "email", _l(
                "The account of %(email)s is deactivated. Reactivate it first or remove the row.",
                email=row.email)))
            continue
        existing = ExistingPerson(row=row, user_id=user_id, name=f"{given} {family}".strip(),
                                  enrolment_status=status)
        if status in OPEN_STATUSES or status in HOLDS_PLACE:
            result.already_enrolled.append(existing)
        else:
            result.existing.append(existing)
    result.problems.sort(key=lambda p: p.row)
    return result


# --- Writing -------------------------------------------------------------------------------

def apply(preview_or_file: ImportPreview | StaffFile, *, actor, workshop: Workshop | None = None) -> ImportResult:
    """Write the import, or raise ImportRefused and write nothing.

    The rows are classified again here, inside the transaction that writes them: the database
    may have changed since the preview was shown.
    """
    from lga.enrolment import services as enrolment

    if isinstance(preview_or_file, ImportPreview):
        staff_file = preview_or_file.staff_file
        workshop = workshop or preview_or_file.workshop
    else:
        staff_file = preview_or_file
    if workshop is not None:
        workshop = enrolment.lock_workshop(workshop.id)  # one import at a time per workshop
    checked = preview(staff_file, workshop=workshop)
    if not checked.ok:
        raise ImportRefused(checked)

    actor = actor or SYSTEM
    result = ImportResult(existing=len(checked.existing) + len(checked.already_enrolled),
                          already_enrolled=len(checked.already_enrolled))
    default_locale = normalise_language(workshop.language if workshop is not None else None) or "sq"
    days = current_app.config["LGA_INVITATION_DAYS"]
    with db.session.no_autoflush:
        created = accounts.create_users(
            [dict(row.profile(), email=row.email, locale=row.locale or default_locale) for row in checked.new],
            actor=actor, action="user.imported")
    result.created = len(created)
    result.user_ids = [u.id for u in created]

    # Places first, so that a new person's one email (the invitation) can say which they got.
    status_of: dict[int, str] = {}
    if workshop is not None:
        existing_users = _users([p.user_id for p in checked.existing])
        # In the file's order: with few places left, the first rows get them.
        by_row = [(row.row, user) for row, user in zip(checked.new, created)]
        by_row += [(p.row.row, existing_users[p.user_id]) for p in checked.existing]
        people = [user for _row, user in sorted(by_row, key=lambda pair: pair[0])]
        placed = enrolment.enrol_many(workshop, people, actor=actor, source="import",
                                      told_already={u.id for u in created})
        for person, row in zip(people, placed):
            status_of[person.id] = row.status
            if row.status == "waitlisted":
                result.waitlisted += 1
            else:
                result.enrolled += 1
        result.user_ids += [p.user_id for p in checked.existing]

    invite_url = _url_pattern("accounts.reset_password", "token")
    login_url = external_url("accounts.login")
    workshop_url = external_url("catalogue.workshop", workshop_id=workshop.id) if workshop is not None else None
    for user, token in zip(created, accounts.issue_invitations(created)):
        queue(build_message(
            user.email, user.locale, lambda: _("Your account on the Local Governance Academy"), "invitation",
            user=user, workshop=workshop, status=status_of.get(user.id), workshop_url=workshop_url, days=days,
            invite_url=invite_url(token), login_url=login_url,
        ))

    record("staff_import.applied", staff_file.filename or "-", entity_type="staff_import", actor=actor, changes={
        "filename": (None, staff_file.filename), "rows": (None, staff_file.total_rows),
        "workshop_id": (None, workshop.id if workshop is not None else None),
        "created": (None, result.created), "existing": (None, result.existing),
        "enrolled": (None, result.enrolled), "waitlisted": (None, result.waitlisted),
    })
    db.session.flush()
    return result


def _url_pattern(endpoint: str, argument: str):
    """external_url for many values of one argument, built once (outside a request it costs a
    request context per call)."""
    marker = "LGA0ARGUMENT0MARKER"
    pattern = external_url(endpoint, **{argument: marker})
    return lambda value: pattern.replace(marker, value)


def _users(ids: list[int]) -> dict[int, User]:
    users: dict[int, User] = {}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        users.update({u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids[start:start + LOOKUP_CHUNK])))})
    return users


def purge_abandoned(hours: int = 24) -> int:
    """Delete uploaded staff lists nobody confirmed or cancelled: they hold personal data."""
    from sqlalchemy import delete

    from lga.enrolment.models import StaffImport

    cutoff = utcnow() - timedelta(hours=hours)
    return db.session.execute(delete(StaffImport).where(StaffImport.created_at < cutoff)).rowcount

"""Group work rules: forming groups, group tasks, the shared submission and the feedback.

A submission carries a version number. Saving says which version the person started from; the
database row changes only if that is still the current one (a compare-and-set UPDATE), so two
members saving at once never overwrite each other: the second is told that a newer version
exists and shown it. Every version is kept. Services add to the session; callers commit.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lga import storage
from lga.accounts.models import User
from lga.audit.services import record, record_update
from lga.catalogue.models import Workshop
from lga.db_types import utcnow
from lga.enrolment.models import HOLDS_PLACE, Enrolment
from lga.extensions import db
from lga.groupwork import grouping
from lga.groupwork.models import (
    GroupMember, GroupSubmission, GroupTask, SubmissionFile, SubmissionVersion, WorkGroup,
)
from lga.mail import build_message, queue
from lga.materials.files import UploadError, check_upload, read_upload
from lga.web import external_url
from lga.enrolment.services import holds_place  # noqa: F401  (part of this module's rules)

TEXT_MAX = 100_000
FILES_MAX = 20  # files in one submission at a time
FILES_PER_SAVE = 5  # files added in one save (each is read whole to be checked)
NAME_MAX = 120
TRAITS = ("municipality", "institution")


class GroupWorkError(Exception):
    """A rule was broken; the message is translatable text for the person."""


class StaleVersion(GroupWorkError):
    """Someone in the group saved a newer version than the one this change started from."""

    def __init__(self, submission_id: int | None):
        super().__init__(_l("Someone in your group saved a newer version while you were working. "
                            "Here it is: your text is kept below it; add your changes to it and save again "
                            "(choose your files again too)."))
        self.submission_id = submission_id


# --- Reading -------------------------------------------------------------------------------------

def participants(workshop_id: int) -> list[User]:
    """Everyone holding a place, by name (their municipality and institution come along)."""
    return list(db.session.scalars(
        select(User).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.workshop_id == workshop_id, Enrolment.status.in_(HOLDS_PLACE))
        .order_by(User.family_name, User.given_name, User.id)).unique())


def groups_of(workshop_id: int) -> list[WorkGroup]:
    """The workshop's groups with their members (two queries, however many groups)."""
    return list(db.session.scalars(
        select(WorkGroup).where(WorkGroup.workshop_id == workshop_id)
        .options(selectinload(WorkGroup.members).selectinload(GroupMember.user))
        .order_by(WorkGroup.position, WorkGroup.id)))


def sorted_members(group: WorkGroup) -> list[User]:
    return sorted((m.user for m in group.members), key=lambda u: (u.family_name, u.given_name, u.id))


def group_of(workshop_id: int, user_id: int) -> WorkGroup | None:
    return db.session.scalar(
        select(WorkGroup).join(GroupMember, GroupMember.group_id == WorkGroup.id)
        .where(GroupMember.workshop_id == workshop_id, GroupMember.user_id == user_id)
        .options(selectinload(WorkGroup.members).selectinload(GroupMember.user)))


def is_member(group: WorkGroup, user_id: int) -> bool:
    return db.session.scalar(select(GroupMember.user_id).where(
        GroupMember.group_id == group.id, GroupMember.user_id == user_id)) is not None


def tasks_of(workshop_id: int) -> list[GroupTask]:
    return list(db.session.scalars(select(GroupTask).where(GroupTask.workshop_id == workshop_id)
                                   .order_by(GroupTask.deadline, GroupTask.id)))


def submission_of(task_id: int, group_id: int) -> GroupSubmission | None:
    return db.session.scalar(select(GroupSubmission).where(GroupSubmission.task_id == task_id,
                                                           GroupSubmission.group_id == group_id)
                             .options(selectinload(GroupSubmission.updated_by),
                                      selectinload(GroupSubmission.feedback_by))
                             .execution_options(populate_existing=True))


def submissions_for_task(task_id: int) -> dict[int, GroupSubmission]:
    """{group id: submission} of one task."""
    return {s.group_id: s for s in db.session.scalars(
        select(GroupSubmission).where(GroupSubmission.task_id == task_id)
        .options(selectinload(GroupSubmission.updated_by)))}


def submissions_of_group(group_id: int) -> dict[int, GroupSubmission]:
    """{task id: submission} of one group."""
    return {s.task_id: s for s in db.session.scalars(
        select(GroupSubmission).where(GroupSubmission.group_id == group_id))}


def current_files(submission_id: int | None) -> list[SubmissionFile]:
    if submission_id is None:
        return []
    return list(db.session.scalars(select(SubmissionFile).where(
        SubmissionFile.submission_id == submission_id, SubmissionFile.removed_in.is_(None))
        .order_by(SubmissionFile.id)))


def all_files(submission_id: int) -> list[SubmissionFile]:
    return list(db.session.scalars(select(SubmissionFile).where(SubmissionFile.submission_id == submission_id)
                                   .order_by(SubmissionFile.id)))


def versions_query(submission_id: int):
    return (select(SubmissionVersion).where(SubmissionVersion.submission_id == submission_id)
            .options(selectinload(SubmissionVersion.author)).order_by(SubmissionVersion.number.desc()))


def member_counts(workshop_id: int) -> dict[int, int]:
    return dict(db.session.execute(select(GroupMember.group_id, func.count()).where(
        GroupMember.workshop_id == workshop_id).group_by(GroupMember.group_id)).tuples().all())


# --- Forming groups ------------------------------------------------------------------------------

def _trait(user: User, trait: str):
    if trait == "municipality":
        return user.municipality_id or 0
    return user.institution_type_id or 0


def _trait_label(user: User, trait: str) -> str:
    thing = user.municipality if trait == "municipality" else user.institution_type
    if thing is None:
        return _("Not given")
    return thing.name() if trait == "municipality" else thing.label()


def _has_submissions(workshop_id: int) -> bool:
    return db.session.scalar(select(GroupSubmission.id).join(WorkGroup, WorkGroup.id == GroupSubmission.group_id)
                             .where(WorkGroup.workshop_id == workshop_id).limit(1)) is not None


def generate(workshop: Workshop, method: str, *, count: int | None = None, size: int | None = None,
             trait: str | None = None, actor, seed: int | None = None) -> list[WorkGroup]:
    """Replace the workshop's groups with new ones (all in the caller's one transaction)."""
    if method not in grouping.METHODS:
        raise GroupWorkError(_l("Choose how to form the groups."))
    if method != "random" and trait not in TRAITS:
        raise GroupWorkError(_l("Choose by municipality or by institution."))
    if count is not None and size is not None:
        raise GroupWorkError(_l("Give either the number of groups or the size of a group, not both."))
    if method != "match" and not (count or size):
        raise GroupWorkError(_l("Give the number of groups or the size of a group."))
    if (count is not None and count < 1) or (size is not None and size < 1):
        raise GroupWorkError(_l("Give a number of at least 1."))
    people = participants(workshop.id)
    if not people:
        raise GroupWorkError(_l("No one holds a place in this workshop yet: there is nobody to put in groups."))
    if _has_submissions(workshop.id):
        raise GroupWorkError(_l("Groups have already handed in work: the groups can no longer be formed "
                                "anew. Move people by hand instead."))
    parts = grouping.split(people, method, count=count, size=size,
                           key=(lambda u: _trait(u, trait)) if trait else None, seed=seed)
    old = db.session.scalar(select(func.count()).select_from(WorkGroup).where(WorkGroup.workshop_id == workshop.id))
    db.session.execute(delete(GroupMember).where(GroupMember.workshop_id == workshop.id))
    db.session.execute(delete(WorkGroup).where(WorkGroup.workshop_id == workshop.id))
    by_trait = method == "match" and not count and not size
    groups = []
    for position, members in enumerate(parts, start=1):
        name = _trait_label(members[0], trait) if by_trait else _("Group %(n)d", n=position)
        groups.append(WorkGroup(workshop_id=workshop.id, name=name[:NAME_MAX], position=position))
    db.session.add_all(groups)
    db.session.flush()
    db.session.execute(GroupMember.__table__.insert(), [
        {"group_id": group.id, "user_id": person.id, "workshop_id": workshop.id}
        for group, members in zip(groups, parts) for person in members])
    record("groups.generated", workshop, actor=actor, changes={
        "method": (None, method), "trait": (None, trait), "count": (None, count), "size": (None, size),
        "groups": (old, len(groups)), "people": (None, len(people))})
    return groups


def add_group(workshop: Workshop, name: str | None, *, actor) -> WorkGroup:
    position = (db.session.scalar(select(func.max(WorkGroup.position)).where(
        WorkGroup.workshop_id == workshop.id)) or 0) + 1
    name = " ".join((name or "").split()) or _("Group %(n)d", n=position)
    if len(name) > NAME_MAX:
        raise GroupWorkError(_l("Use at most %(max)d characters.", max=NAME_MAX))
    group = WorkGroup(workshop_id=workshop.id, name=name, position=position)
    db.session.add(group)
    db.session.flush()
    record("group.added", group, actor=actor, changes={"workshop_id": (None, workshop.id), "name": (None, name)})
    return group


def rename_group(group: WorkGroup, name: str | None, *, actor) -> None:
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX:
        raise GroupWorkError(_l("Give the group a name of at most %(max)d characters.", max=NAME_MAX))
    record_update("group.renamed", group, {"name": name}, actor=actor)


def delete_group(group: WorkGroup, *, actor) -> None:
    if db.session.scalar(select(GroupSubmission.id).where(GroupSubmission.group_id == group.id).limit(1)):
        raise GroupWorkError(_l("This group has handed in work: it cannot be removed."))
    if db.session.scalar(select(GroupMember.user_id).where(GroupMember.group_id == group.id).limit(1)):
        raise GroupWorkError(_l("Move the group's members to other groups first."))
    record("group.deleted", group, actor=actor, changes={"name": (group.name, None)})
    db.session.delete(group)


def assign(workshop: Workshop, moves: dict[int, int | None], *, actor) -> int:
    """Put people in groups (``None``: in no group). Only participants, only this workshop's
    groups; everything is checked first. Returns how many people moved."""
    groups = {g.id for g in db.session.scalars(select(WorkGroup).where(WorkGroup.workshop_id == workshop.id))}
    people = {u.id for u in participants(workshop.id)}
    current = dict(db.session.execute(select(GroupMember.user_id, GroupMember.group_id).where(
        GroupMember.workshop_id == workshop.id)).tuples().all())
    for user_id, group_id in moves.items():
        if user_id not in people and user_id not in current:
            raise GroupWorkError(_l("Only participants of the workshop can be put in its groups."))
        if group_id is not None and group_id not in groups:
            raise GroupWorkError(_l("That group does not exist (any more). Reload the page and try again."))
    changed = {u: g for u, g in moves.items() if current.get(u) != g}
    if not changed:
        return 0
    db.session.execute(delete(GroupMember).where(GroupMember.workshop_id == workshop.id,
                                                 GroupMember.user_id.in_(list(changed))))
    rows = [{"group_id": g, "user_id": u, "workshop_id": workshop.id} for u, g in changed.items() if g is not None]
    if rows:
        db.session.execute(GroupMember.__table__.insert(), rows)
    record("groups.assigned", workshop, actor=actor,
           changes={str(u): (current.get(u), g) for u, g in sorted(changed.items())})
    return len(changed)


# --- Tasks ---------------------------------------------------------------------------------------

def _task_values(values: dict) -> dict:
    title = " ".join((values.get("title") or "").split())
    if not title or len(title) > 200:
        raise GroupWorkError(_l("Give the task a title of at most %(max)d characters.", max=200))
    if values.get("deadline") is None:
        raise GroupWorkError(_l("Give the deadline."))
    instructions = (values.get("instructions") or "").strip() or None
    if instructions and len(instructions) > TEXT_MAX:
        raise GroupWorkError(_l("The text is too long."))
    max_mark = values.get("max_mark")
    if max_mark is not None and max_mark <= 0:
        raise GroupWorkError(_l("The highest mark must be more than 0."))
    return {"title": title, "instructions": instructions, "deadline": values["deadline"],
            "max_mark": Decimal(str(max_mark)) if max_mark is not None else None}


def create_task(workshop: Workshop, values: dict, *, actor) -> GroupTask:
    task = GroupTask(workshop_id=workshop.id, created_by_id=actor.id, **_task_values(values))
    db.session.add(task)
    db.session.flush()
    record("group_task.created", task, actor=actor, changes={
        "workshop_id": (None, workshop.id), "title": (None, task.title), "deadline": (None, task.deadline)})
    return task


def update_task(task: GroupTask, values: dict, *, actor) -> dict:
    clean = _task_values(values)
    highest = db.session.scalar(select(func.max(GroupSubmission.mark)).where(GroupSubmission.task_id == task.id))
    if highest is not None and clean["max_mark"] is None:
        raise GroupWorkError(_l("Groups already have marks: the task needs its highest mark."))
    if highest is not None and highest > clean["max_mark"]:
        raise GroupWorkError(_l("A group already has a higher mark than that."))
    return record_update("group_task.updated", task, clean, actor=actor)


def delete_task(task: GroupTask, *, actor) -> None:
    keys = db.session.scalars(select(SubmissionFile.storage_key).join(
        GroupSubmission, GroupSubmission.id == SubmissionFile.submission_id).where(
        GroupSubmission.task_id == task.id)).all()
    record("group_task.deleted", task, actor=actor, changes={"title": (task.title, None), "files": (len(keys), None)})
    storage.delete_after_commit(*keys)
    db.session.delete(task)


# --- The shared submission -----------------------------------------------------------------------

def is_open(task: GroupTask, now: datetime | None = None) -> bool:
    return (now or utcnow()) < task.deadline


def save_submission(task: GroupTask, group: WorkGroup, user, *, text: str | None, seen_version: int,
                    uploads: list = (), remove_ids: set[int] = frozenset(),
                    now: datetime | None = None) -> GroupSubmission:
    """Save a new version of the group's submission. ``uploads`` are (filename, bytes) pairs or
    uploaded files. Refused with GroupWorkError for a non-member, after the deadline, for a bad
    file and (StaleVersion) for a stale version: the caller rolls back, which leaves nothing
    written and nothing in storage."""
    now = now or utcnow()
    if group.workshop_id != task.workshop_id or not is_member(group, user.id) \
            or not holds_place(task.workshop_id, user.id):
        raise GroupWorkError(_l("Only members of the group can change its submission."))
    if not is_open(task, now):
        raise GroupWorkError(_l("The deadline for this task has passed: the submission can no longer change."))
    text = (text or "").replace("\r\n", "\n").strip() or None
    if text and len(text) > TEXT_MAX:
        raise GroupWorkError(_l("The text is too long."))
    incoming = [u for u in uploads if (u[0] or u[1] if isinstance(u, tuple) else getattr(u, "filename", None))]
    if len(incoming) > FILES_PER_SAVE:
        raise GroupWorkError(_l("Add at most %(n)d files at a time.", n=FILES_PER_SAVE))
    submission = submission_of(task.id, group.id)
    if (submission.version if submission else 0) != seen_version:
        raise StaleVersion(submission.id if submission else None)
    files = current_files(submission.id if submission else None)
    removed = [f for f in files if f.id in remove_ids]
    if len(files) - len(removed) + len(incoming) > FILES_MAX:
        raise GroupWorkError(_l("A submission can hold at most %(n)d files.", n=FILES_MAX))
    text_changed = text != (submission.text if submission else None)
    if not (text_changed or incoming or removed):
        raise GroupWorkError(_l("Nothing changed: there is nothing to save."))
    number = seen_version + 1
    if submission is None:
        submission = GroupSubmission(task_id=task.id, group_id=group.id, version=1, text=text, updated_at=now,
                                     updated_by_id=user.id)
        # No savepoint here: with SQLite's driver, releasing one can commit the whole transaction,
        # and a file refused below must still undo this row. The caller rolls back on the error.
        db.session.add(submission)
        try:
            db.session.flush()
        except IntegrityError:  # another member handed in the first version a moment ago
            raise StaleVersion(None) from None
    else:
        # Compare and set: changes the row only if nobody saved since this person loaded it.
        done = db.session.execute(
            update(GroupSubmission).where(GroupSubmission.id == submission.id,
                                          GroupSubmission.version == seen_version)
            .values(version=number, text=text, updated_at=now, updated_by_id=user.id)
            .execution_options(synchronize_session=False))
        if done.rowcount != 1:
            raise StaleVersion(submission.id)
        db.session.refresh(submission)
    for file in removed:
        file.removed_in = number
    added = []
    for upload in incoming:  # one file in memory at a time; a refused one rolls back (and unstores) them all
        try:
            item = check_upload(*(upload if isinstance(upload, tuple) else read_upload(upload)))
        except UploadError as exc:
            raise GroupWorkError(str(exc)) from None
        db.session.add(SubmissionFile(submission_id=submission.id, storage_key=storage.put_tracked(
            item.data, item.content_type), filename=item.filename, content_type=item.content_type, size=item.size,
            added_in=number, uploaded_by_id=user.id, created_at=now))
        added.append(item.filename)
    changes = {"text": text_changed, "added": added, "removed": [f.filename for f in removed]}
    db.session.add(SubmissionVersion(submission_id=submission.id, number=number, text=text, author_id=user.id,
                                     created_at=now, changes=changes))
    db.session.flush()
    record("group_submission.saved", submission, actor=user, changes={
        "version": (seen_version or None, number), "text_changed": (None, text_changed),
        "added": (None, changes["added"]), "removed": (None, changes["removed"])})
    return submission


def parse_mark(raw: str | None, task: GroupTask) -> Decimal | None:
    raw = (raw or "").strip().replace(",", ".")
    if not raw:
        return None
    if task.max_mark is None:
        raise GroupWorkError(_l("This task has no marks: give feedback only."))
    try:
        mark = Decimal(raw)
    except InvalidOperation:
        mark = None
    if mark is None or not mark.is_finite() or mark < 0 or mark > task.max_mark:
        raise GroupWorkError(_l("Give the mark as a number from 0 to %(max)s.", max=format(task.max_mark.normalize(), "f")))
    return mark.quantize(Decimal("0.01"))


def give_feedback(submission: GroupSubmission, task: GroupTask, group: WorkGroup, *, feedback: str | None,
                  mark_raw: str | None, actor, now: datetime | None = None) -> dict:
    """The trainer's feedback and mark; every member of the group is told by email."""
    feedback = (feedback or "").replace("\r\n", "\n").strip() or None
    if feedback and len(feedback) > TEXT_MAX:
        raise GroupWorkError(_l("The text is too long."))
    mark = parse_mark(mark_raw, task)
    if feedback is None and mark is None:
        raise GroupWorkError(_l("Write feedback or give a mark."))
    changes = record_update("group_submission.feedback", submission, {"feedback": feedback, "mark": mark},
                            actor=actor)
    if not changes:
        return changes
    submission.feedback_at = now or utcnow()
    submission.feedback_by_id = actor.id
    workshop = db.session.get(Workshop, task.workshop_id)
    url = external_url("groupwork.submission", task_id=task.id, group_id=group.id)
    for member in sorted_members(group):
        queue(build_message(member.email, member.locale, lambda: _("Feedback on your group's work: %(task)s",
                                                                    task=task.title),
                            "groupwork_feedback", user=member, task=task, group=group, workshop=workshop,
                            submission=submission, url=url,
                            trainings_url=external_url("enrolment.my_trainings")))
    return changes


def group_of_id(group_id: int) -> WorkGroup:
    """One group with its members."""
    return db.session.scalar(select(WorkGroup).where(WorkGroup.id == group_id).options(
        selectinload(WorkGroup.members).selectinload(GroupMember.user)).execution_options(populate_existing=True))

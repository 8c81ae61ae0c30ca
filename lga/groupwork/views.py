"""Group work pages: the groups (staff form and move them; a participant sees their group), the
tasks, a group's shared submission with its history, and the trainer's feedback."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lga import access
from lga.catalogue import scheduling
from lga.catalogue.forms import local_to_utc, utc_to_local_naive
from lga.catalogue.models import Workshop
from lga.catalogue.views_manage import editable_workshop
from lga.db_types import utcnow
from lga.extensions import db
from lga.groupwork import bp
from lga.groupwork import services as groupwork
from lga.groupwork.forms import GenerateForm, TaskForm
from lga.groupwork.models import GroupSubmission, GroupTask, SubmissionFile, WorkGroup
from lga.groupwork.services import GroupWorkError, StaleVersion
from lga.materials.files import accept_attribute, download_response, max_bytes
from lga.storage import StorageError, storage
from lga.web import paginate


def _workshop(workshop_id: int) -> Workshop:
    workshop = scheduling.load_for_editing(workshop_id)
    if workshop is None:
        abort(404)
    return workshop


def _is_staff(workshop: Workshop) -> bool:
    return scheduling.may_edit(workshop, current_user)


def _back(workshop_id: int):
    return redirect(url_for("groupwork.overview", workshop_id=workshop_id))


# --- Groups --------------------------------------------------------------------------------------

@bp.route("/workshops/<int:workshop_id>/groups")
@access.authenticated
def overview(workshop_id: int):
    workshop = _workshop(workshop_id)
    if _is_staff(workshop):
        groups = groupwork.groups_of(workshop.id)
        people = groupwork.participants(workshop.id)
        placed = {m.user_id: g.id for g in groups for m in g.members}
        return render_template("groupwork/manage.html", workshop=workshop, groups=groups,
                               members={g.id: groupwork.sorted_members(g) for g in groups},
                               people=people, placed=placed, unplaced=[p for p in people if p.id not in placed],
                               enrolled={p.id for p in people},
                               tasks=groupwork.tasks_of(workshop.id), form=GenerateForm(), now=utcnow())
    access.ensure(groupwork.holds_place(workshop.id, current_user.id))
    group = groupwork.group_of(workshop.id, current_user.id)
    return render_template("groupwork/mine.html", workshop=workshop, group=group,
                           members=groupwork.sorted_members(group) if group else [],
                           tasks=groupwork.tasks_of(workshop.id), now=utcnow(),
                           submissions=groupwork.submissions_of_group(group.id) if group else {})


def _number(raw) -> int | None:
    return raw if isinstance(raw, int) else None


@bp.route("/workshops/<int:workshop_id>/groups/generate", methods=["POST"])
@access.roles(*access.STAFF)
def generate(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    form = GenerateForm()
    if not form.validate():
        flash(_("Give a number from 1 to 500."), "error")
        return _back(workshop.id)
    number = _number(form.number.data)
    try:
        groups = groupwork.generate(workshop, form.method.data, trait=form.trait.data if form.method.data != "random"
                                    else None, count=number if form.split.data == "count" else None,
                                    size=number if form.split.data == "size" else None, actor=current_user)
        db.session.commit()
    except GroupWorkError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("%(n)d groups were formed; the earlier groups were replaced.", n=len(groups)), "success")
    return _back(workshop.id)


@bp.route("/workshops/<int:workshop_id>/groups/assign", methods=["POST"])
@access.roles(*access.STAFF)
def assign(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    moves = {}
    for key, value in request.form.items():
        if not key.startswith("person-"):
            continue
        user_id = key.removeprefix("person-")
        if not user_id.isdigit() or not (value == "" or value.isdigit()):
            abort(400)
        moves[int(user_id)] = int(value) if value else None
    try:
        moved = groupwork.assign(workshop, moves, actor=current_user)
        db.session.commit()
    except GroupWorkError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("The groups were saved (%(n)d moved).", n=moved), "success")
    return _back(workshop.id)


def _group_in(workshop: Workshop, group_id: int) -> WorkGroup:
    group = db.session.get(WorkGroup, group_id)
    if group is None or group.workshop_id != workshop.id:
        abort(404)
    return group


@bp.route("/workshops/<int:workshop_id>/groups/add", methods=["POST"])
@access.roles(*access.STAFF)
def group_add(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    try:
        group = groupwork.add_group(workshop, request.form.get("name"), actor=current_user)
        db.session.commit()
    except GroupWorkError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_('Group "%(name)s" was added.', name=group.name), "success")
    return _back(workshop.id)


@bp.route("/workshops/<int:workshop_id>/groups/<int:group_id>/rename", methods=["POST"])
@access.roles(*access.STAFF)
def group_rename(workshop_id: int, group_id: int):
    workshop = editable_workshop(workshop_id)
    group = _group_in(workshop, group_id)
    try:
        groupwork.rename_group(group, request.form.get("name"), actor=current_user)
        db.session.commit()
    except GroupWorkError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return _back(workshop.id)


@bp.route("/workshops/<int:workshop_id>/groups/<int:group_id>/delete", methods=["POST"])
@access.roles(*access.STAFF)
def group_delete(workshop_id: int, group_id: int):
    workshop = editable_workshop(workshop_id)
    group = _group_in(workshop, group_id)
    name = group.name
    try:
        groupwork.delete_group(group, actor=current_user)
        db.session.commit()
    except GroupWorkError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_('Group "%(name)s" was removed.', name=name), "success")
    return _back(workshop.id)


# --- Tasks ---------------------------------------------------------------------------------------

def _task(task_id: int) -> tuple[GroupTask, Workshop]:
    task = db.session.get(GroupTask, task_id)
    if task is None:
        abort(404)
    return task, _workshop(task.workshop_id)


def _task_values(form: TaskForm) -> dict:
    return {"title": form.title.data, "instructions": form.instructions.data,
            "deadline": local_to_utc(form.deadline.data), "max_mark": form.max_mark.data}


def _task_form_page(workshop, form, task=None, status=200):
    return render_template("groupwork/task_form.html", workshop=workshop, form=form, task=task), status


@bp.route("/workshops/<int:workshop_id>/group-tasks/new", methods=["GET", "POST"])
@access.roles(*access.STAFF)
def task_new(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    form = TaskForm()
    if form.validate_on_submit():
        try:
            task = groupwork.create_task(workshop, _task_values(form), actor=current_user)
            db.session.commit()
        except GroupWorkError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_('Task "%(title)s" was set.', title=task.title), "success")
            return redirect(url_for("groupwork.task", task_id=task.id))
    return _task_form_page(workshop, form, status=400 if request.method == "POST" else 200)


@bp.route("/group-tasks/<int:task_id>/edit", methods=["GET", "POST"])
@access.roles(*access.STAFF)
def task_edit(task_id: int):
    task, workshop = _task(task_id)
    access.ensure(_is_staff(workshop))
    form = TaskForm(obj=task)
    if request.method == "GET":
        form.deadline.data = utc_to_local_naive(task.deadline)
    if form.validate_on_submit():
        try:
            groupwork.update_task(task, _task_values(form), actor=current_user)
            db.session.commit()
        except GroupWorkError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("The task was saved."), "success")
            return redirect(url_for("groupwork.task", task_id=task.id))
    return _task_form_page(workshop, form, task, status=400 if request.method == "POST" else 200)


@bp.route("/group-tasks/<int:task_id>/delete", methods=["POST"])
@access.roles(*access.STAFF)
def task_delete(task_id: int):
    task, workshop = _task(task_id)
    access.ensure(_is_staff(workshop))
    title = task.title
    groupwork.delete_task(task, actor=current_user)
    db.session.commit()
    flash(_('Task "%(title)s" and its submissions were removed.', title=title), "success")
    return _back(workshop.id)


@bp.route("/group-tasks/<int:task_id>")
@access.authenticated
def task(task_id: int):
    task, workshop = _task(task_id)
    if not _is_staff(workshop):
        access.ensure(groupwork.holds_place(workshop.id, current_user.id))
        group = groupwork.group_of(workshop.id, current_user.id)
        if group is None:  # the group work page says so
            return _back(workshop.id)
        return redirect(url_for("groupwork.submission", task_id=task.id, group_id=group.id))
    groups = groupwork.groups_of(workshop.id)
    return render_template("groupwork/task.html", workshop=workshop, task=task, groups=groups,
                           submissions=groupwork.submissions_for_task(task.id), now=utcnow(),
                           counts=groupwork.member_counts(workshop.id))


# --- The group's submission ----------------------------------------------------------------------

def _submission_context(task_id: int, group_id: int):
    """Task, workshop, group and whether this person is staff; anyone else than the group's members
    and the workshop's staff gets a 404, as for a group that does not exist."""
    task, workshop = _task(task_id)
    group = db.session.get(WorkGroup, group_id)
    if group is None or group.workshop_id != workshop.id:
        abort(404)
    staff = _is_staff(workshop)
    if not staff and not (groupwork.is_member(group, current_user.id)
                          and groupwork.holds_place(workshop.id, current_user.id)):
        abort(404)
    return task, workshop, group, staff


def _submission_page(task, workshop, group, staff, *, draft=None, stale=False, error=None, feedback=None,
                     status=200):
    submission = groupwork.submission_of(task.id, group.id)
    members = groupwork.sorted_members(groupwork.group_of_id(group.id))
    return render_template(
        "groupwork/submission.html", workshop=workshop, task=task, group=group, staff=staff, members=members,
        submission=submission, files=groupwork.current_files(submission.id if submission else None),
        is_open=groupwork.is_open(task), member=any(m.id == current_user.id for m in members),
        draft=draft, stale=stale, error=error, accept=accept_attribute(), max_mb=max_bytes() / 1048576,
        feedback_draft=feedback, per_save=groupwork.FILES_PER_SAVE,
    ), status


@bp.route("/group-tasks/<int:task_id>/groups/<int:group_id>", methods=["GET", "POST"])
@access.authenticated
def submission(task_id: int, group_id: int):
    task, workshop, group, staff = _submission_context(task_id, group_id)
    if request.method == "GET":
        return _submission_page(task, workshop, group, staff)
    if not groupwork.is_member(group, current_user.id):
        abort(403)  # the staff read and give feedback; they do not write the group's work
    text = request.form.get("text", "")
    seen = request.form.get("version", "")
    if not seen.isdigit():
        abort(400)
    uploads = [f for f in request.files.getlist("files") if f and f.filename]  # read one by one, when saving
    remove = {int(v) for v in request.form.getlist("remove") if v.isdigit()}
    try:
        groupwork.save_submission(task, group, current_user, text=text, seen_version=int(seen), uploads=uploads,
                                  remove_ids=remove)
        db.session.commit()
    except StaleVersion:
        db.session.rollback()
        return _submission_page(task, workshop, group, staff, draft=text, stale=True, status=409)
    except GroupWorkError as exc:
        db.session.rollback()
        return _submission_page(task, workshop, group, staff, draft=text, error=str(exc), status=400)
    flash(_("Your group's submission was saved."), "success")
    return redirect(url_for("groupwork.submission", task_id=task.id, group_id=group.id))


@bp.route("/group-tasks/<int:task_id>/groups/<int:group_id>/feedback", methods=["POST"])
@access.roles(*access.STAFF)
def feedback(task_id: int, group_id: int):
    task, workshop, group, staff = _submission_context(task_id, group_id)
    access.ensure(staff)
    submission = groupwork.submission_of(task.id, group.id)
    if submission is None:
        flash(_("This group has not handed in anything yet."), "error")
        return redirect(url_for("groupwork.submission", task_id=task.id, group_id=group.id))
    try:
        changes = groupwork.give_feedback(submission, task, groupwork.group_of_id(group.id),
                                          feedback=request.form.get("feedback"), mark_raw=request.form.get("mark"),
                                          actor=current_user)
        db.session.commit()
    except GroupWorkError as exc:
        db.session.rollback()
        return _submission_page(task, workshop, group, staff, error=str(exc), status=400,
                                feedback={"text": request.form.get("feedback", ""), "mark": request.form.get("mark", "")})
    if changes:
        flash(_("The feedback was saved and the group's members were told by email."), "success")
    return redirect(url_for("groupwork.submission", task_id=task.id, group_id=group.id))


@bp.route("/group-tasks/<int:task_id>/groups/<int:group_id>/history")
@access.authenticated
def history(task_id: int, group_id: int):
    task, workshop, group, staff = _submission_context(task_id, group_id)
    submission = groupwork.submission_of(task.id, group.id)
    page = paginate(groupwork.versions_query(submission.id), per_page=20) if submission else None
    files = groupwork.all_files(submission.id) if submission else []
    return render_template("groupwork/history.html", workshop=workshop, task=task, group=group,
                           submission=submission, page=page, files=files)


@bp.route("/group-files/<int:file_id>")
@access.authenticated
def file(file_id: int):
    item = db.session.get(SubmissionFile, file_id)
    if item is None:
        abort(404)
    submission = db.session.get(GroupSubmission, item.submission_id)
    _submission_context(submission.task_id, submission.group_id)
    try:
        stream = storage().open(item.storage_key)
    except StorageError:
        abort(404)
    return download_response(stream, filename=item.filename, content_type=item.content_type, size=item.size)

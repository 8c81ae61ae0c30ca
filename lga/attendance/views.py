"""Attendance pages: the roll call of a session."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lga import access
from lga.attendance import bp
from lga.attendance import services as attendance
from lga.attendance.models import STATUSES
from lga.attendance.services import AttendanceError
from lga.catalogue import scheduling
from lga.extensions import db


def _session_for_staff(session_id: int):
    session = attendance.load_session(session_id)
    if session is None:
        abort(404)
    access.ensure(scheduling.may_edit(session.workshop, current_user))
    return session


@bp.route("/sessions/<int:session_id>/roll-call", methods=["GET", "POST"])
@access.roles(*access.STAFF)
def roll_call(session_id: int):
    session = _session_for_staff(session_id)
    if request.method == "POST":
        try:
            if request.form.get("action") == "everyone_present":
                changed = attendance.mark_everyone_present(session, actor=current_user)
            else:
                statuses = {}
                for key, value in request.form.items():
                    if key.startswith("status-") and value:
                        user_id = key.removeprefix("status-")
                        if not user_id.isdigit():
                            abort(400)
                        statuses[int(user_id)] = value
                changed = attendance.set_statuses(session, statuses, actor=current_user)
            db.session.commit()
        except AttendanceError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Saved: %(n)d changes.", n=changed) if changed else _("Nothing changed."), "success")
        return redirect(url_for("attendance.roll_call", session_id=session_id))
    lines = attendance.roll_call(session)
    counts = {status: sum(1 for line in lines if line.status == status) for status in STATUSES}
    return render_template("attendance/roll_call.html", session=session, workshop=session.workshop, lines=lines,
                           counts=counts, unmarked=sum(1 for line in lines if line.status is None))

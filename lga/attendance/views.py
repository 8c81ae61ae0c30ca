"""Attendance pages: the roll call of a session and QR self check-in."""
from __future__ import annotations

import io

import segno
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from lga import access
from lga import spreadsheets as export
from lga.attendance import bp, certificates, checkin, completion
from lga.attendance import services as attendance
from lga.attendance.models import STATUS_LABELS, STATUSES
from lga.attendance.checkin import CheckinError
from lga.attendance.services import AttendanceError
from lga.audit.services import record
from lga.catalogue import scheduling
from lga.catalogue.models import WorkshopSession
from lga.catalogue.views_manage import editable_workshop
from lga.extensions import db
from lga.web import paginate


def staff_session(session_id: int):
    """The session behind a staff page (404), if this person may manage its workshop (403)."""
    session = attendance.load_session(session_id)
    if session is None:
        abort(404)
    access.ensure(scheduling.may_edit(session.workshop, current_user))
    return session


@bp.route("/sessions/<int:session_id>/roll-call", methods=["GET", "POST"])
@access.roles(*access.STAFF)
def roll_call(session_id: int):
    session = staff_session(session_id)
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
                           labels=STATUS_LABELS, counts=counts, unmarked=sum(1 for line in lines if line.status is None))


# --- QR self check-in ----------------------------------------------------------------------------

@bp.route("/sessions/<int:session_id>/check-in", methods=["GET", "POST"])
@access.roles(*access.STAFF)
def checkin_screen(session_id: int):
    """The screen the trainer projects: a QR code and a typed code, both rotating."""
    session = staff_session(session_id)
    if request.method == "POST":
        if request.form.get("action") == "close":
            checkin.close_window(session, actor=current_user)
            flash(_("Check-in is closed."), "success")
        else:
            minutes = request.form.get("minutes", "")
            if not minutes.isdigit() or not 1 <= int(minutes) <= 600:
                flash(_("Choose for how many minutes check-in stays open (1 to 600)."), "error")
                return redirect(url_for("attendance.checkin_screen", session_id=session_id))
            checkin.open_window(session, int(minutes), actor=current_user)
        db.session.commit()
        return redirect(url_for("attendance.checkin_screen", session_id=session_id))
    is_open = checkin.window_open(session)
    code = checkin.code_for(session.id) if is_open else None
    return render_template("attendance/checkin_screen.html", session=session, workshop=session.workshop,
                           is_open=is_open, code=code, refresh=checkin.seconds_left(),
                           checkin_url=url_for("attendance.checkin_code", session_id=session.id, code=code,
                                               _external=True) if code else None)


@bp.route("/sessions/<int:session_id>/check-in/qr.svg")
@access.roles(*access.STAFF)
def checkin_qr(session_id: int):
    session = staff_session(session_id)
    if not checkin.window_open(session):
        abort(404)
    url = url_for("attendance.checkin_code", session_id=session.id, code=checkin.code_for(session.id), _external=True)
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=10, border=2, xmldecl=False)
    return Response(buffer.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@bp.route("/check-in/<int:session_id>/<code>")
@access.public
def checkin_code(session_id: int, code: str):
    """Where the QR code leads: a valid code becomes a ticket (then log in if needed, confirm)."""
    session = db.session.get(WorkshopSession, session_id)
    try:
        if session is None:
            raise CheckinError(_("This check-in link is not valid. Scan the code on the screen again."))
        ticket = checkin.ticket_for_code(session, code)
    except CheckinError as exc:
        return render_template("attendance/checkin_result.html", error=str(exc), session=None), 400
    return redirect(url_for("attendance.checkin_ticket", ticket=ticket))


@bp.route("/check-in/ticket/<ticket>", methods=["GET", "POST"])
@access.authenticated
def checkin_ticket(ticket: str):
    try:
        parsed = checkin.read_ticket(ticket)
    except CheckinError as exc:
        return render_template("attendance/checkin_result.html", error=str(exc), session=None), 400
    session = attendance.load_session(parsed.session_id)
    if session is None:
        abort(404)
    if request.method == "GET":
        return render_template("attendance/checkin_confirm.html", session=session, workshop=session.workshop)
    try:
        row = checkin.check_in(parsed, current_user)
        db.session.commit()
    except CheckinError as exc:
        db.session.rollback()
        return render_template("attendance/checkin_result.html", error=str(exc), session=session), 400
    return render_template("attendance/checkin_result.html", error=None, session=session, status=row.status)


@bp.route("/check-in", methods=["GET", "POST"])
@access.authenticated
def checkin_typed():
    """For those who cannot scan: type the code shown on the screen."""
    error = None
    if request.method == "POST":
        code = request.form.get("code", "")
        session = checkin.find_session_by_code(code, current_user)
        try:
            if session is None:
                raise CheckinError(_("This code is not valid or has expired, or check-in is not open for a "
                                     "session of yours. Check the code on the screen."))
            row = checkin.check_in(checkin.read_ticket(checkin.ticket_for_code(session, code)), current_user)
            db.session.commit()
        except CheckinError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            return render_template("attendance/checkin_result.html", error=None, session=session, status=row.status)
    return render_template("attendance/checkin_typed.html", error=error), 400 if error else 200


# --- The attendance sheet ------------------------------------------------------------------------

@bp.route("/workshops/<int:workshop_id>/attendance")
@access.roles(*access.STAFF)
def sheet(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    page = paginate(attendance.sheet_people_query(workshop.id), per_page=50)
    records = attendance.sheet_records([s.id for s in workshop.sessions], [p.id for p in page.items])
    return render_template("attendance/sheet.html", workshop=workshop, page=page, records=records,
                           labels=STATUS_LABELS, progress=completion.progress([(workshop.id, p.id) for p in page.items]))


def _exported(workshop, what: str, fmt: str) -> None:
    """Every download of personal data goes into the audit trail: who, when, what."""
    record("personal_data.exported", workshop, actor=current_user,
           changes={"export": (None, what), "format": (None, fmt)})
    db.session.commit()


def _export_rows(workshop):
    labels = STATUS_LABELS
    header = [_("Name"), _("Email"), _("Municipality"), _("Institution"), _("Position")]
    for s in workshop.sessions:
        when = format_datetime(s.starts_at, "d.M.y HH:mm")
        header += [f"{when} {s.title}", _("%(session)s: minutes online", session=when)]
    yield header
    for person, cells in attendance.sheet_rows(workshop):
        row = [person.full_name, person.email, person.municipality.name() if person.municipality else "",
               person.institution_type.label() if person.institution_type else "", person.position or ""]
        for _session, mark in cells:
            row += [str(labels.get(mark.status, mark.status)) if mark else "",
                    mark.minutes_online if mark and mark.minutes_online is not None else ""]
        yield row


@bp.route("/workshops/<int:workshop_id>/attendance.csv")
@access.roles(*access.STAFF)
def sheet_csv(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    # One workshop's sheet is a few hundred rows at most: built whole (big exports stream).
    data = "".join(export.csv_lines(_export_rows(workshop))).encode()
    _exported(workshop, "attendance", "csv")
    return Response(data, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="attendance-workshop-{workshop.id}.csv"'})


@bp.route("/workshops/<int:workshop_id>/attendance.xlsx")
@access.roles(*access.STAFF)
def sheet_xlsx(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    data = export.xlsx_bytes(_export_rows(workshop), title=_("Attendance"))
    _exported(workshop, "attendance", "xlsx")
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers={
        "Content-Disposition": f'attachment; filename="attendance-workshop-{workshop.id}.xlsx"'})


# --- Certificates --------------------------------------------------------------------------------

@bp.route("/verify/<code>")
@access.public
def verify(code: str):
    """Anyone holding a certificate's code can check it; the page shows what the certificate shows."""
    issued = certificates.by_code(code)
    if issued is None:
        return render_template("attendance/verify.html", issued=None, code=code), 404
    return render_template("attendance/verify.html", issued=issued, code=code,
                           data=certificates.data_for(issued))


def _pdf_response(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"})


@bp.route("/certificates/<code>.pdf")
@access.authenticated
def certificate_pdf(code: str):
    issued = certificates.by_code(code)
    if issued is None:
        abort(404)
    if issued.user.id != current_user.id:
        access.ensure(current_user.has_role(access.MANAGER, access.ADMIN)
                      or scheduling.may_edit(scheduling.load_for_editing(issued.workshop.id), current_user))
    if not issued.certificate.is_valid:
        abort(410)
    return _pdf_response(certificates.pdf(issued), f"certificate-{issued.certificate.code}.pdf")


@bp.route("/workshops/<int:workshop_id>/certificates.pdf")
@access.roles(*access.STAFF)
def workshop_certificates(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    items = certificates.of_workshop(workshop.id)
    if not items:
        flash(_("Nobody has completed this workshop yet, so there are no certificates."), "info")
        return redirect(url_for("attendance.sheet", workshop_id=workshop.id))
    data = certificates.pdf_many(items)
    _exported(workshop, "certificates", "pdf")
    return _pdf_response(data, f"certificates-workshop-{workshop.id}.pdf")


@bp.route("/certificates/<code>/revoke", methods=["POST"])
@access.roles(access.MANAGER, access.ADMIN)
def certificate_revoke(code: str):
    issued = certificates.by_code(code)
    if issued is None:
        abort(404)
    try:
        certificates.revoke(issued.certificate, request.form.get("reason", ""), actor=current_user)
        db.session.commit()
    except certificates.CertificateError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("The certificate is revoked; its verification page now says so."), "success")
    return redirect(url_for("attendance.verify", code=code))


@bp.route("/my/certificates")
@access.authenticated
def my_certificates():
    items = certificates.of_user(current_user.id)
    return render_template("attendance/my_certificates.html", certificates=items)

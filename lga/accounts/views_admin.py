"""Administrators find people, change their roles and deactivate accounts."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lga import access
from lga.accounts import bp
from lga.accounts import services as accounts
from lga.accounts.forms import PeopleFilterForm, UserAdminForm, role_labels
from lga.accounts.models import User
from lga.audit.models import AuditEntry
from lga.extensions import db
from lga.i18n import current_language
from lga.web import get_or_404, paginate


@bp.route("/admin/people")
@access.roles(access.ADMIN)
def people():
    form = PeopleFilterForm(request.args, municipalities=accounts.municipalities(active_only=False),
                            language=current_language())
    filters = {}
    if form.validate():
        filters = {"q": form.q.data, "role": form.role.data or None,
                   "municipality_id": form.municipality.data, "status": form.status.data or None}
    page = paginate(accounts.people_query(**filters))
    return render_template("accounts/admin_people.html", form=form, page=page, role_labels=role_labels())


@bp.route("/admin/people/<int:user_id>", methods=["GET", "POST"])
@access.roles(access.ADMIN)
def person(user_id: int):
    user = get_or_404(User, user_id)
    form = UserAdminForm(data={"roles": sorted(user.role_names), "active": user.active}
                         if request.method == "GET" else None)
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        try:
            roles_changed = accounts.set_roles(user, form.roles.data, actor=actor)
            active_changed = accounts.set_active(user, form.active.data, actor=actor)
        except accounts.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("accounts.person", user_id=user.id))
        db.session.commit()
        flash(_("Saved.") if roles_changed or active_changed else _("Nothing changed."), "success")
        return redirect(url_for("accounts.person", user_id=user.id))
    history = db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "user_account", AuditEntry.entity_id == str(user.id))
        .options(selectinload(AuditEntry.actor)).order_by(AuditEntry.id.desc()).limit(20)
    ).all()
    return render_template("accounts/admin_person.html", person=user, form=form, history=history,
                           role_labels=role_labels()), 400 if form.errors else 200

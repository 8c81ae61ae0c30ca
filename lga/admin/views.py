from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from lga import access
from lga.accounts.models import User, UserRole
from lga.admin import bp
from lga.admin.reference import KINDS, RefKind
from lga.audit import services as audit
from lga.extensions import db
from lga.web import get_or_404, paginate


def _kind(slug: str) -> RefKind:
    kind = KINDS.get(slug)
    if kind is None:
        abort(404)
    return kind


def _taken_fields(ref: RefKind, values: dict, obj) -> list[str]:
    """Fields whose value another row already holds in a unique column (code, Albanian name)."""
    taken = []
    for column in ref.model.__table__.columns:
        if column.unique and column.name in values:
            other = db.session.scalar(select(ref.model.id).where(column == values[column.name]))
            if other is not None and (obj is None or other != obj.id):
                taken.append(column.name)
    return taken


@bp.route("/")
@access.roles(access.ADMIN)
def dashboard():
    role_counts = dict(db.session.execute(
        select(UserRole.role, func.count()).join(User).where(User.active.is_(True)).group_by(UserRole.role)
    ).tuples().all())
    people = db.session.scalar(select(func.count()).select_from(User)) or 0
    return render_template("admin/dashboard.html", kinds=KINDS.values(), role_counts=role_counts, people=people)


@bp.route("/reference/<kind>")
@access.roles(access.ADMIN)
def reference_list(kind: str):
    ref = _kind(kind)
    rows = db.session.scalars(select(ref.model).order_by(getattr(ref.model, ref.order_by), ref.model.id)).all()
    return render_template("admin/reference_list.html", kind=ref, rows=rows)


@bp.route("/reference/<kind>/new", methods=["GET", "POST"])
@bp.route("/reference/<kind>/<int:item_id>", methods=["GET", "POST"])
@access.roles(access.ADMIN)
def reference_edit(kind: str, item_id: int | None = None):
    ref = _kind(kind)
    obj = get_or_404(ref.model, item_id) if item_id is not None else None
    form = ref.form(data=ref.form_data(obj) if obj is not None and request.method == "GET" else None)
    if request.method == "GET" and obj is None:
        form.is_active.data = True
    if obj is not None:
        form.code.render_kw = {"readonly": True}
    if form.validate_on_submit():
        values = ref.values(form)
        if obj is not None:
            values["code"] = obj.code  # codes are stable: other data and files refer to them
        taken = _taken_fields(ref, values, obj)
        for name in taken:
            getattr(form, name).errors.append(
                _("This code is already in use.") if name == "code" else _("This name is already in use."))
        if not taken:
            actor = current_user._get_current_object()
            if obj is None:
                obj = ref.model(**values)
                db.session.add(obj)
                db.session.flush()
                audit.record(f"{ref.model.__tablename__}.created", obj, actor=actor,
                             changes={k: (None, v) for k, v in values.items()})
            else:
                audit.record_update(f"{ref.model.__tablename__}.updated", obj, values, actor=actor)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.reference_list", kind=ref.slug))
    return render_template("admin/reference_edit.html", kind=ref, form=form, obj=obj), 400 if form.errors else 200


@bp.route("/audit")
@access.roles(access.ADMIN)
def audit_log():
    entity_type = request.args.get("entity_type") or None
    page = paginate(audit.entries_query(entity_type=entity_type, entity_id=request.args.get("entity_id") or None))
    return render_template("admin/audit.html", page=page, entity_types=audit.entity_types(),
                           entity_type=entity_type)

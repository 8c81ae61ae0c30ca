from __future__ import annotations

from flask import abort, render_template

from lga import access
from lga.catalogue import bp
from lga.catalogue import services as catalogue
from lga.catalogue.models import ModuleReading
from lga.web import paginate


@bp.route("/programmes")
@access.public
def programmes():
    return render_template("catalogue/programmes.html", rows=catalogue.programmes_with_counts())


@bp.route("/programmes/<code>")
@access.public
def programme(code: str):
    programme = catalogue.programme_by_code(code)
    if programme is None:
        abort(404)
    page = paginate(catalogue.modules_query(programme.id))
    return render_template("catalogue/programme.html", programme=programme, page=page)


@bp.route("/modules")
@access.public
def modules():
    page = paginate(catalogue.modules_query())
    return render_template("catalogue/modules.html", page=page)


@bp.route("/modules/<code>")
@access.public
def module(code: str):
    module = catalogue.module_detail(code)
    if module is None:
        abort(404)
    return render_template(
        "catalogue/module.html", module=module, plan_days=catalogue.plan_by_day(module),
        upcoming=catalogue.upcoming_workshops(module.id), past=catalogue.past_workshops(module.id),
    )


@bp.route("/modules/<code>/readings/<slug>")
@access.public
def reading(code: str, slug: str):
    module = catalogue.module_detail(code)
    if module is None:
        abort(404)
    found: ModuleReading | None = next((r for r in module.readings if r.slug == slug), None)
    if found is None:
        abort(404)
    return render_template("catalogue/reading.html", module=module, reading=found)

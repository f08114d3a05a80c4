"""Index series pages: the list, one series with its years and history, entering a year's
value (preliminary or final). The statsbidrag rates live with the grants (app.grants)."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.auth import actor, permission_required
from app.core import charts
from app.core.errors import ValidationError
from app.core.forms import apply_errors
from app.core.money import format_percent
from app.extensions import db
from app.indexation import services
from app.indexation.forms import SeriesForm, ValueForm

bp = Blueprint("indexation", __name__, url_prefix="/index")


@bp.app_template_filter("pct")
def pct(value: Decimal | None) -> str:
    """A stored percentage the Swedish way, without trailing zeros: 2.900 → "2,9 %"."""
    return "–" if value is None else format_percent(value.normalize())


@bp.route("/")
def index():
    return render_template("indexation/index.html", series=services.all_series(), form=SeriesForm())


@bp.route("/new", methods=["POST"])
@permission_required("edit_index")
def create():
    form = SeriesForm()
    if form.validate_on_submit():
        try:
            series = services.create_series(
                form.code.data, form.name.data, form.description.data, actor()
            )
            db.session.commit()
            flash(_("Indexserien är skapad."), "success")
            return redirect(url_for("indexation.series", code=series.code))
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
    return render_template("indexation/index.html", series=services.all_series(), form=form), 422


def _chart(series) -> str:
    return charts.bar_chart(
        [(str(v.year), v.percent, v.preliminary) for v in series.values],
        _("Förändring per år"),
        incomplete_note=_("preliminärt värde"),
        short=pct,
        exact=pct,
    )


@bp.route("/series/<code>", methods=["GET"])
def series(code: str):
    s = services.get_series(code)
    return render_template("indexation/series.html", series=s, chart=_chart(s), form=ValueForm())


@bp.route("/series/<code>", methods=["POST"])
@permission_required("edit_index")
def set_value(code: str):
    s = services.get_series(code)
    form = ValueForm()
    if form.validate_on_submit():
        try:
            services.set_value(
                s, form.year.data, form.percent.data, form.status.data, actor(), form.note.data
            )
            db.session.commit()
            flash(_("Värdet är sparat."), "success")
            return redirect(url_for("indexation.series", code=s.code))
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
    return render_template("indexation/series.html", series=s, chart=_chart(s), form=form), 422
